"""Background work on applications after their transaction commits."""

from __future__ import annotations

from django_tasks import task


@task()
def process_materials(attachment_ids: list[int]) -> dict[str, int]:
    """Re-encodes uploaded images without their metadata (SECURITY.md 13); counts the outcomes."""
    from .materials import process

    outcomes: dict[str, int] = {}
    for attachment_id in attachment_ids:
        outcome = process(attachment_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@task()
def after_submission(application_id: int, attachment_ids: list[int]) -> bool:
    """One task per online submission: its materials re-encoded, then its signals worked out."""
    from rewards.review.tasks import refresh_signals

    process_materials.call(attachment_ids)
    return bool(refresh_signals.call(application_id))
