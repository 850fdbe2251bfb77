"""Background work on applications after their transaction commits."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


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
def after_submission(application_id: int, attachment_ids: list[int], sms_id: int | None = None) -> bool:
    """One task per online submission: its SMS sent, its materials re-encoded, then its signals
    worked out. A failed SMS stays pending in the outbox (retried, or sent by ``sms_flush``)."""
    from rewards.notifications.tasks import deliver_sms
    from rewards.review.tasks import refresh_signals

    if sms_id is not None:
        try:
            deliver_sms.call(sms_id)
        except Exception:
            logger.exception("申请 %s 的受理短信未能发送，留在发件箱中等待重试。", application_id)
    process_materials.call(attachment_ids)
    return bool(refresh_signals.call(application_id))
