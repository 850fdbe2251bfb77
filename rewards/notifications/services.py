"""Writing the SMS outbox and delivering it.

SECURITY.md, "SMS gateway down": applications still commit; the outbox retries; each message is
sent once. So a business service calls :func:`sms_enqueue` inside its own transaction (the row
commits or rolls back with the business change), and delivery happens after commit in the task
``deliver_sms``, which claims the row before calling the gateway.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, Unpack

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, JSONField, Q

from rewards.core import clock
from rewards.core.crypto import blind_index
from rewards.core.fields import EncryptedTextField
from rewards.core.validators import check_mobile

from . import tasks
from .models import SmsMessage, SmsStatus
from .templates import CompiledText, compile_text, ensure_masked, lifetime, redact, render
from .transports import OutgoingSms, Transport, TransportError, get_transport

logger = logging.getLogger(__name__)

#: Waits after the 1st, 2nd … failed attempt; the 8th failure gives up (about 15 hours in all).
BACKOFF = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=2),
    dt.timedelta(hours=4),
    dt.timedelta(hours=8),
)
MAX_ATTEMPTS = 8
#: A message "sending" for longer than this lost its worker (the gateway call times out in seconds).
STUCK_AFTER = dt.timedelta(minutes=10)


class DeliveryOutcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed this time, another attempt is scheduled
    FAILED = "failed"  # gave up
    EXPIRED = "expired"  # not sent in time (an OTP code), dropped
    SKIPPED = "skipped"  # not pending, not due yet, or claimed by another worker


def retry_delay(attempts: int) -> dt.timedelta | None:
    """The wait after the ``attempts``-th failure; ``None`` when it was the last one."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


class SmsFields(TypedDict):
    """The keyword arguments of :func:`sms_enqueue` and :func:`sms_message`."""

    phone: str | None
    template: str
    params: Mapping[str, object]
    event_key: str
    overrides: NotRequired[Mapping[str, str] | None]


def sms_enqueue(**fields: Unpack[SmsFields]) -> SmsMessage | None:
    """Records the SMS of one business event; call it inside that event's transaction.

    ``event_key`` names the event (``app:2020000123:submitted:1``) and makes the message unique:
    when it was recorded before, the existing row is returned and nothing new is created or sent.
    The delivery task is enqueued only when the surrounding transaction commits, so a rolled-back
    event sends nothing. ``overrides`` is the campaign's ``sms_templates`` (code → text).

    Returns ``None`` when there is no mobile number to write to. Raises ``ValueError`` for an
    invalid number, an unknown template, a missing parameter, a query password, or a full ID or
    card number in the text or the event key.
    """
    event_key = fields["event_key"]
    _check_event_key(event_key)
    existing = SmsMessage.objects.filter(event_key=event_key).first()
    if existing is not None:
        return existing
    message = sms_message(**fields)
    if message is None:
        return None
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same event recorded at the same moment by another transaction, now committed.
        existing = SmsMessage.objects.filter(event_key=event_key).first()
        if existing is None:
            raise
        return existing
    transaction.on_commit(functools.partial(tasks.schedule_delivery, message.pk), robust=True)
    return message


def sms_message(**fields: Unpack[SmsFields]) -> SmsMessage | None:
    """The outbox row of one business event, checked and rendered, not yet written.

    :func:`sms_enqueue` writes it once per event. A caller whose event cannot have been recorded
    before (the first SMS of a number it has just given out) may write it itself, inside the
    event's transaction, and schedule its delivery (the unique ``event_key`` still holds).
    Returns ``None`` and raises as :func:`sms_enqueue` does.
    """
    phone, template, event_key = fields["phone"], fields["template"], fields["event_key"]
    _check_event_key(event_key)
    if not phone:
        logger.info("业务事件 %s 没有手机号码，未登记短信。", event_key)
        return None
    mobile, problem = check_mobile(phone)
    if mobile is None:
        raise ValueError(f"手机号码无效，短信未登记：{problem}")
    text, used = render(template, fields["params"], fields.get("overrides"))
    now = clock.now()
    valid_for = lifetime(template, used)
    return SmsMessage(
        phone=mobile,
        phone_hash=blind_index("phone", mobile),
        template=template,
        params=used,
        text=text,
        event_key=event_key,
        status=SmsStatus.PENDING,
        next_attempt_at=now,
        expires_at=now + valid_for if valid_for else None,
        created_at=now,
    )


def _check_event_key(event_key: str) -> None:
    if not event_key:
        raise ValueError("短信必须对应一个业务事件（event_key）。")
    ensure_masked(event_key)


def sms_deliver(message_id: int, *, transport: Transport | None = None) -> DeliveryOutcome:
    """Sends one due message, at most once however many workers try at the same moment.

    The claim is a conditional UPDATE (pending and due → sending): atomic on every database, so
    exactly one caller counts one row. On PostgreSQL the second UPDATE waits for the first one's
    row lock, then re-reads the row, finds it no longer pending and changes nothing; no lock is
    held while the gateway is called. A worker that dies between claim and answer leaves the
    message "sending": it is reported by ``sms_flush`` rather than sent a second time.
    """
    now = clock.now()
    if _expire(message_id, now):
        return DeliveryOutcome.EXPIRED
    claimed = SmsMessage.objects.filter(pk=message_id, status=SmsStatus.PENDING, next_attempt_at__lte=now).update(
        status=SmsStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if claimed != 1:
        return DeliveryOutcome.SKIPPED
    message = SmsMessage.objects.get(pk=message_id)
    try:
        provider_id = (transport or get_transport()).send(_outgoing(message))
    except TransportError as exc:
        return _after_failure(message, exc.message, permanent=exc.permanent)
    except Exception as exc:
        # Only the class name: an exception's text might quote the number.
        logger.error("短信 %s 发送时出现内部错误：%s", message.pk, type(exc).__name__)
        return _after_failure(message, f"内部错误（{type(exc).__name__}）。", permanent=False)
    params, text = redact(message.template, message.params, message.text)
    SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
        status=SmsStatus.SENT,
        sent_at=clock.now(),
        provider_message_id=(provider_id or "")[:100],
        last_error="",
        params=params,
        text=text,
    )
    logger.info("短信 %s（%s）已发送（第 %d 次尝试）。", message.pk, message.template, message.attempts)
    return DeliveryOutcome.SENT


@dataclass
class FlushReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    expired: int = 0
    skipped: int = 0
    requeued: int = 0
    stuck: int = 0

    def count(self, outcome: DeliveryOutcome) -> None:
        field = {DeliveryOutcome.RETRY: "retrying"}.get(outcome, outcome.value)
        setattr(self, field, getattr(self, field) + 1)


def sms_flush(*, transport: Transport | None = None, requeue_stuck: bool = False) -> FlushReport:
    """Delivers every due pending message: the safety net for a worker that was down.

    Idempotent: each message goes through the same claim as the task, so running it twice, or
    beside the workers, sends nothing twice.
    """
    report = FlushReport()
    if requeue_stuck:
        report.requeued = sms_requeue_stuck()
    now = clock.now()
    due = (
        SmsMessage.objects.filter(status=SmsStatus.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(expires_at__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    transport = transport or get_transport()
    for message_id in list(due):
        report.count(sms_deliver(message_id, transport=transport))
    report.stuck = SmsMessage.objects.filter(status=SmsStatus.SENDING, claimed_at__lte=clock.now() - STUCK_AFTER).count()
    return report


def sms_requeue_stuck(*, older_than: dt.timedelta = STUCK_AFTER) -> int:
    """Puts messages left "sending" by a dead worker back in the queue.

    The gateway may have taken such a message before the worker died, so this can send it twice;
    it is an operator's decision (``sms_flush --retry-stuck``), never automatic.
    """
    now = clock.now()
    count = SmsMessage.objects.filter(status=SmsStatus.SENDING, claimed_at__lte=now - older_than).update(
        status=SmsStatus.PENDING, next_attempt_at=now, last_error="发送状态不明（发送进程中断），已重新排队。"
    )
    if count:
        logger.warning("%d 条状态不明的短信已重新排队。", count)
    return count


def _outgoing(message: SmsMessage) -> OutgoingSms:
    return OutgoingSms(
        to=message.phone,
        text=message.text,
        template=message.template,
        params={str(name): str(value) for name, value in (message.params or {}).items()},
        reference=str(message.pk),
    )


def _expire(message_id: int, now: dt.datetime) -> bool:
    message = SmsMessage.objects.filter(pk=message_id, status=SmsStatus.PENDING, expires_at__lte=now).first()
    if message is None:
        return False
    params, text = redact(message.template, message.params, message.text)
    return bool(
        SmsMessage.objects.filter(pk=message_id, status=SmsStatus.PENDING).update(
            status=SmsStatus.FAILED, last_error="超过有效期仍未发出，已放弃。", params=params, text=text
        )
    )


def _scrub(error: str) -> str:
    """Masks any long run of digits that slipped into an error text (SECURITY.md 18)."""
    return re.sub(r"\d{7,}", lambda match: "*" * len(match.group()), error)[:300]


def _after_failure(message: SmsMessage, error: str, *, permanent: bool) -> DeliveryOutcome:
    error = _scrub(error)
    delay = None if permanent else retry_delay(message.attempts)
    if delay is None:
        params, text = redact(message.template, message.params, message.text)
        SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
            status=SmsStatus.FAILED, last_error=error, params=params, text=text
        )
        logger.warning("短信 %s 第 %d 次发送失败，不再重试：%s", message.pk, message.attempts, error)
        return DeliveryOutcome.FAILED
    next_attempt_at = clock.now() + delay
    SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
        status=SmsStatus.PENDING, last_error=error, next_attempt_at=next_attempt_at
    )
    logger.warning("短信 %s 第 %d 次发送失败，%s 后重试：%s", message.pk, message.attempts, delay, error)
    tasks.schedule_delivery(message.pk, run_after=next_attempt_at)
    return DeliveryOutcome.RETRY


@dataclass(frozen=True)
class SmsRequest:
    phone: str | None
    template: str
    params: Mapping[str, object]
    event_key: str
    overrides: Mapping[str, str] | None = None


#: Event keys per query when looking them up (under the 999 parameters of any SQLite build).
KEYS_PER_QUERY = 900


def sms_enqueue_many(requests: list[SmsRequest]) -> list[int]:
    """:func:`sms_enqueue` for many events at once (a batch import, a bank return file): the rows
    in one ``executemany`` and one delivery task for them all after commit. Events already
    recorded (or named twice) are skipped; returns the ids of the rows written.
    Same checks and exceptions as :func:`sms_enqueue`, and the same rows: the phone encrypted
    and its blind index, the text and parameters as :func:`render` makes them.

    Each value goes through its model field as ``bulk_create`` would (``get_db_prep_save``: the
    number encrypted, the parameters dumped as the JSON field dumps them, times adapted by the
    backend), but without a model instance per row, which cost most of a 100 000-message import;
    values shared by every row are prepared once. A text is cut at its placeholders once per
    template and campaign (:class:`~rewards.notifications.templates.CompiledText`).
    """
    keys = [request.event_key for request in requests]
    for key in keys:
        if not key:
            raise ValueError("短信必须对应一个业务事件（event_key）。")
        ensure_masked(key)
    known = set(_outbox_ids(keys))
    now = clock.now()
    writer = _OutboxWriter(now)
    texts: dict[tuple[str, str | None], CompiledText] = {}
    written: list[str] = []
    for request in requests:
        if request.event_key in known or not request.phone:
            continue
        mobile, problem = check_mobile(request.phone)
        if mobile is None:
            raise ValueError(f"手机号码无效，短信未登记：{problem}")
        text_key = (request.template, (request.overrides or {}).get(request.template))
        compiled = texts.get(text_key)
        if compiled is None:
            compiled = texts[text_key] = compile_text(request.template, request.overrides)
        text, used = compiled.render(request.params)
        valid_for = lifetime(request.template, used)
        known.add(request.event_key)
        written.append(request.event_key)
        writer.add(
            phone=mobile,
            phone_hash=blind_index("phone", mobile),
            template=request.template,
            params=used,
            text=text,
            event_key=request.event_key,
            expires_at=now + valid_for if valid_for else None,
        )
    writer.flush()
    ids = list(_outbox_ids(written).values())
    if ids:
        transaction.on_commit(functools.partial(tasks.schedule_many, ids), robust=True)
    return ids


def _outbox_ids(keys: list[str]) -> dict[str, int]:
    """Event key → id of the outbox rows of ``keys``. Plain ``IN`` queries: the queryset's lookup
    would prepare each of 100 000 keys in Python, and a key is a plain string."""
    table = connection.ops.quote_name(SmsMessage._meta.db_table)
    key, pk = _column("event_key"), _column("id")
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), KEYS_PER_QUERY):
            part = keys[start : start + KEYS_PER_QUERY]
            cursor.execute(f"SELECT {key}, {pk} FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(part))})", part)  # noqa: S608 - identifiers from the models, values bound  # nosec B608
            found.update(cursor.fetchall())
    return found


def _column(name: str) -> str:
    """The quoted column of the outbox's field ``name``."""
    field = SmsMessage._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


class _OutboxWriter:
    """``INSERT`` of pending outbox rows with ``executemany``, each value prepared by its field."""

    #: The columns that differ from row to row; every other one holds the same value in each.
    VARYING = ("phone", "phone_hash", "template", "params", "text", "event_key", "expires_at")
    ROWS_PER_CALL = 2000

    def __init__(self, now: dt.datetime) -> None:
        ops = connection.ops
        shared = SmsMessage(status=SmsStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now)
        fields = [field for field in SmsMessage._meta.concrete_fields if not field.primary_key]
        #: The row of the columns that do not vary, prepared once as ``bulk_create`` prepares them.
        self.template_row = [
            None if field.attname in self.VARYING else field.get_db_prep_save(field.pre_save(shared, add=True), connection)
            for field in fields
        ]
        position = {field.attname: index for index, field in enumerate(fields)}
        self.positions = [position[name] for name in self.VARYING]
        self.phone_field = SmsMessage._meta.get_field("phone")
        self.params_field = SmsMessage._meta.get_field("params")
        self.expires_field = SmsMessage._meta.get_field("expires_at")
        assert isinstance(self.phone_field, EncryptedTextField) and isinstance(self.params_field, JSONField)
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)  # nosec B608
            ops.quote_name(SmsMessage._meta.db_table),
            ", ".join(_column(field.name) for field in fields),
            ", ".join(["%s"] * len(fields)),
        )
        self.rows: list[list[Any]] = []

    def add(
        self,
        *,
        phone: str,
        phone_hash: str,
        template: str,
        params: dict[str, str],
        text: str,
        event_key: str,
        expires_at: dt.datetime | None,
    ) -> None:
        row = self.template_row.copy()
        values = (
            self.phone_field.get_db_prep_save(phone, connection),  # encrypted
            str(phone_hash),  # text fields prepare a string to itself
            str(template),
            self.params_field.get_db_prep_save(params, connection),  # the JSON field's dump
            str(text),
            str(event_key),
            None if expires_at is None else self.expires_field.get_db_prep_save(expires_at, connection),
        )
        for position, value in zip(self.positions, values, strict=True):
            row[position] = value
        self.rows.append(row)

    def flush(self) -> None:
        """Writes the rows added so far (only now: a refused request writes nothing before it)."""
        rows, self.rows = self.rows, []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), self.ROWS_PER_CALL):
                cursor.executemany(self.sql, rows[start : start + self.ROWS_PER_CALL])
