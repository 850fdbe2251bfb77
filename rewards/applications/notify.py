"""SMS to the worker on each event of an application (DOMAIN.md §6), through the outbox."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rewards.core.rows import PreparedRow

from .models import Application

if TYPE_CHECKING:
    from rewards.notifications.services import SmsFields


def notify(application: Application, template: str, *, event: str, phone: str = "", **params: object) -> None:
    """Queues one SMS for ``event`` of ``application`` (sent after commit, once per event), to
    the application's mobile unless ``phone`` names another."""
    from rewards.notifications.services import sms_enqueue

    arguments = _sms_arguments(application, template, event, params)
    if phone:
        arguments["phone"] = phone
    sms_enqueue(**arguments)


def notify_new(application: Application, template: str, *, event: str, **params: object) -> int | None:
    """Writes the SMS of the first event of an application number given out in this very
    transaction (no earlier message can exist, so none is looked for) and returns its id, or
    ``None`` without a mobile number. The caller schedules its delivery after the commit."""
    from rewards.notifications.services import sms_message

    message = sms_message(**_sms_arguments(application, template, event, params))
    if message is None:
        return None
    return int(PreparedRow(message).insert())


def _sms_arguments(application: Application, template: str, event: str, params: dict[str, object]) -> SmsFields:
    values: dict[str, object] = {"application_no": application.application_no, "name": application.name}
    for key, value in params.items():
        values[key] = f"{value:.2f}" if isinstance(value, Decimal) else value
    return {
        "phone": application.phone,
        "template": template,
        "params": values,
        "event_key": f"app:{application.application_no}:{event}",
        "overrides": application.campaign.sms_templates or None,
    }
