"""Background work of the review: the signals of a newly submitted application."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_signals(application_id: int) -> bool:
    from rewards.applications.models import Application

    from .flags import ensure_signals

    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        return False
    ensure_signals(application)
    return True
