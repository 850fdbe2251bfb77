"""The delivery task (django-tasks): one run per attempt at one message."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_sms(message_id: int) -> str:
    """Sends outbox message ``message_id`` if it is pending and due; returns the outcome."""
    from .services import sms_deliver  # services enqueue this task: import at run time

    return sms_deliver(message_id).value


def schedule_delivery(message_id: int, *, run_after: dt.datetime | None = None) -> bool:
    """Enqueues :func:`deliver_sms`; ``run_after`` for a retry. False when it was left to ``sms_flush``.

    A backend without deferred runs (the immediate backend of tests and small installations)
    cannot hold a retry; the message stays pending with its ``next_attempt_at`` and the next
    ``sms_flush`` sends it. A queue that cannot be reached is logged, not raised: the business
    change has committed and the outbox row is the record that counts.
    """
    chosen = deliver_sms
    if run_after is not None:
        if not chosen.get_backend().supports_defer:
            logger.info("任务后端不支持定时执行，短信 %s 的重试留给 sms_flush。", message_id)
            return False
        chosen = chosen.using(run_after=run_after)
    try:
        chosen.enqueue(message_id)
    except Exception as exc:
        logger.error("短信 %s 未能加入发送队列（%s），将由 sms_flush 补发。", message_id, type(exc).__name__)
        return False
    return True


@task()
def deliver_sms_many(message_ids: list[int]) -> int:
    """Sends several outbox messages in one task run (a batch import's SMS); returns how many were sent."""
    from .services import DeliveryOutcome, sms_deliver

    return sum(1 for message_id in message_ids if sms_deliver(message_id) == DeliveryOutcome.SENT)


def schedule_many(message_ids: list[int]) -> bool:
    try:
        deliver_sms_many.enqueue(message_ids)
    except Exception as exc:
        logger.error("%d 条短信未能加入发送队列（%s），将由 sms_flush 补发。", len(message_ids), type(exc).__name__)
        return False
    return True
