"""SMS to the worker on each event of an application (DOMAIN.md §6), through the outbox."""

from __future__ import annotations

from decimal import Decimal

from .models import Application


def notify(application: Application, template: str, *, event: str, **params: object) -> None:
    """Queues one SMS for ``event`` of ``application`` (sent after commit, once per event)."""
    from rewards.notifications.services import sms_enqueue

    values: dict[str, object] = {"application_no": application.application_no, "name": application.name}
    for key, value in params.items():
        values[key] = f"{value:.2f}" if isinstance(value, Decimal) else value
    sms_enqueue(
        phone=application.phone,
        template=template,
        params=values,
        event_key=f"app:{application.application_no}:{event}",
        overrides=application.campaign.sms_templates or None,
    )
