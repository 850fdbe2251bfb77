"""Clears the per-process campaign caches whenever campaign data or a roster import changes."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from rewards.core.memo import clear_all


def connect() -> None:
    from rewards.registries.models import ImportRun

    from .models import Campaign, CampaignUnit, LevelAward, OccupationDeclaration

    for model in (Campaign, LevelAward, CampaignUnit, OccupationDeclaration, ImportRun):
        post_save.connect(clear_all, sender=model, dispatch_uid=f"memo-clear-save-{model.__name__}")
        post_delete.connect(clear_all, sender=model, dispatch_uid=f"memo-clear-delete-{model.__name__}")
