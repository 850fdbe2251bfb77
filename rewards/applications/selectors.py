"""Reads of applications for workers: the public status query and "my applications"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from rewards.campaigns.models import Campaign
from rewards.core import clock, crypto, throttle, validators
from rewards.core.errors import InvalidInput, NotFound
from rewards.core.vocab import Channel, Status

from .labels import MATERIAL_LABELS_FULL
from .models import Application, ApplicationEvent, Attachment, AttachmentKind, Processing

STAGE_LABELS = {
    "submitted": "提交申请",
    "corrected": "修改申请",
    "resubmitted": "修改后重新提交",
    "withdrawn": "撤回申请",
    "bank_corrected": "更正银行卡",
    "batch_entered": "单位统一申报录入",
    "paid": "奖励已发放",
    "payment_failed": "发放失败",
    "reversed": "银行退汇",
}
DECISION_LABELS = {"approve": "通过", "return": "退回修改", "reject": "不予奖励"}
#: Steps whose note is the bank's reason, not a reviewer's opinion (意见).
REASON_STAGES = frozenset({"payment_failed", "reversed"})
STATUS_LABELS = {status.value: status.label for status in Status}  # Status(x).label without the enum look-up

#: An event as the history needs it: ``(at, stage, decision, opinion, from_status, materials)``.
EventRow = tuple[dt.datetime, str, str, str, str, list[str] | None]


@dataclass(frozen=True)
class StatusView:
    """What a status answer needs of an application, as plain values (no model instance)."""

    application_no: str
    year: int
    channel: str
    status: str
    amount: Decimal | None
    has_decision: bool
    application_deadline: dt.date
    resubmission_deadline: dt.date | None
    #: While returned: the materials the latest return asked to upload again (``AttachmentKind`` values).
    materials_again: tuple[str, ...] = ()

    @classmethod
    def of(cls, application: Application) -> StatusView:
        from .services import resubmission_deadline

        campaign = application.campaign
        return cls(
            application_no=application.application_no,
            year=campaign.year,
            channel=application.channel,
            status=application.status,
            amount=application.amount,
            has_decision=application.has_decision,
            application_deadline=campaign.application_deadline,
            resubmission_deadline=resubmission_deadline(application),
            materials_again=tuple(requested_again(application)),
        )


# The status query in one round trip: every application of the person (newest first), each
# with the campaign's dates and its events (oldest first). Raw SQL on the models' tables
# because the ORM costs more than the whole rest of the request; the values still pass
# through each field's database converters, so they are what the ORM would have returned.
_APP_COLUMNS = ("id", "query_password_hash", "application_no", "status", "channel", "amount", "has_decision", "returned_on")
_CAMPAIGN_COLUMNS = ("year", "application_deadline", "resubmission_grace_days")
_EVENT_COLUMNS = ("id", "at", "stage", "decision", "opinion", "from_status", "materials")
_Converter = Callable[[Any, Any, Any], Any]
_Prepared = tuple[str, list[tuple[int, list[_Converter], Any]]]
_prepared: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Prepared] = weakref.WeakKeyDictionary()


def _status_sql(db: BaseDatabaseWrapper) -> _Prepared:
    """The SQL and its columns' converters, prepared once per database connection."""
    prepared = _prepared.get(db)
    if prepared is not None:
        return prepared
    quote = db.ops.quote_name

    def field(model: type[models.Model], name: str) -> Any:
        return model._meta.get_field(name)

    def column(alias: str, model: type[models.Model], name: str) -> str:
        return f"{alias}.{quote(field(model, name).column)}"

    selected = [
        (alias, model, name)
        for alias, model, names in (
            ("a", Application, _APP_COLUMNS),
            ("c", Campaign, _CAMPAIGN_COLUMNS),
            ("e", ApplicationEvent, _EVENT_COLUMNS),
        )
        for name in names
    ]
    converters = []
    for index, (alias, model, name) in enumerate(selected):
        col = field(model, name).get_col(alias)
        found = db.ops.get_db_converters(col) + col.get_db_converters(db)
        if found:
            converters.append((index, found, col))
    app, campaign, event = (quote(model._meta.db_table) for model in (Application, Campaign, ApplicationEvent))
    sql = (
        f"SELECT {', '.join(column(*selected_column) for selected_column in selected)}"  # noqa: S608 - names only, the value is bound  # nosec B608
        f" FROM {app} a INNER JOIN {campaign} c ON {column('c', Campaign, 'id')} = {column('a', Application, 'campaign')}"
        f" LEFT OUTER JOIN {event} e ON {column('e', ApplicationEvent, 'application')} = {column('a', Application, 'id')}"
        f" WHERE {column('a', Application, 'id_hash')} = %s"
        f" ORDER BY {column('a', Application, 'submitted_at')} DESC, {column('a', Application, 'id')} DESC,"
        f" {column('e', ApplicationEvent, 'at')}, {column('e', ApplicationEvent, 'id')}"
    )
    _prepared[db] = prepared = (sql, converters)
    return prepared


def _status_rows(id_hash: str) -> list[list[Any]]:
    db = connections[DEFAULT_DB_ALIAS]
    sql, converters = _status_sql(db)
    with db.cursor() as cursor:
        cursor.execute(sql, [id_hash])
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for index, found, col in converters:
            value = row[index]
            for converter in found:
                value = converter(value, col, db)
            row[index] = value
    return rows


_EVENTS_FROM = len(_APP_COLUMNS) + len(_CAMPAIGN_COLUMNS)


@dataclass(frozen=True)
class _Match:
    pk: int
    view: StatusView
    events: list[EventRow]


def _matched(rows: list[list[Any]]) -> _Match:
    """The rows of one application (one per event) as a :class:`StatusView` and its events."""
    from .services import resubmission_deadline_after

    pk, _, application_no, status, channel, amount, has_decision, returned_on, year, deadline, grace_days = rows[0][:_EVENTS_FROM]
    view = StatusView(
        application_no=application_no,
        year=year,
        channel=channel,
        status=status,
        amount=amount,
        has_decision=has_decision,
        application_deadline=deadline,
        resubmission_deadline=resubmission_deadline_after(status, returned_on, deadline, grace_days),
    )
    events: list[EventRow] = [
        (at, stage, decision, opinion, from_status, materials)
        for event_id, at, stage, decision, opinion, from_status, materials in (row[_EVENTS_FROM:] for row in rows)
        if event_id is not None  # the LEFT JOIN's row of an application without events
    ]
    if status == Status.RETURNED:
        returns = [event for event in events if event[2] == "return"]
        if returns:
            view = dataclasses.replace(view, materials_again=tuple(returns[-1][5] or ()))
    return _Match(pk, view, events)


def _match(*, id_number: str, query_password: str, client: str) -> _Match:
    """The same 404 for an unknown ID and a wrong password; failures throttled per ID and per client."""
    from .services import digest_matches, password_digest

    missing = {}
    if not (id_number or "").strip():
        missing["id_number"] = ["请填写身份证号码。"]
    if not (query_password or "").strip():
        missing["query_password"] = ["请填写查询密码。"]
    if missing:  # nothing to look up: not a failed attempt, and not counted as one
        raise InvalidInput("请填写身份证号码和查询密码。", fields=missing)
    number, _ = validators.check_id_number(id_number)
    id_key = number or (id_number or "").strip()[:40]
    rate_client = settings.THROTTLES.get("query_failure_client", "20/15min")
    message = "查询失败次数过多，请{wait}后再试。"
    throttle.check_all([("query_failure", id_key, None, message), ("query_failure_client", client, rate_client, message)])
    if number:
        rows = _status_rows(crypto.blind_index("id", number))
        digest = password_digest(query_password or "")
        # The newest application with this password; the rows of one application are adjacent.
        for row in rows:
            if digest_matches(row[1], digest):
                return _matched([other for other in rows if other[0] == row[0]])
    throttle.record("query_failure", id_key)
    throttle.record("query_failure_client", client)
    raise NotFound("身份证号码或查询密码不正确。")


def find_by_query_password(*, id_number: str, query_password: str, client: str) -> Application:
    """The application of a correct ID + query password pair (see :func:`query_status`)."""
    match = _match(id_number=id_number, query_password=query_password, client=client)
    # The status needs no personal number: leave the encrypted columns unread.
    return Application.objects.select_related("campaign").defer("id_number", "phone", "bank_card_no").get(pk=match.pk)


def query_status(*, id_number: str, query_password: str, client: str) -> dict[str, Any]:
    """:func:`status_payload` of the application of a correct ID + query password pair: the same
    404 for an unknown ID and a wrong password, failures throttled per ID and per client."""
    match = _match(id_number=id_number, query_password=query_password, client=client)
    return _payload(match.view, _history_rows(match.events, match.view.channel))


def _history_rows(events: Iterable[EventRow], channel: str) -> list[dict[str, Any]]:
    from rewards.review.services import stage_name

    rows = []
    for at, stage, decision, opinion, from_status, materials in events:
        if decision:
            label = stage_name(from_status, channel) if from_status in STATUS_LABELS else stage
        else:
            label = STAGE_LABELS.get(stage, stage)
        rows.append(
            {
                "at": at,
                "stage": label,
                "decision": DECISION_LABELS.get(decision, ""),
                "opinion": opinion,
                "opinion_label": "原因" if stage in REASON_STAGES and not decision else "意见",
                "materials": list(materials or []),
                "materials_label": materials_label(materials or []),
            }
        )
    return rows


def materials_label(kinds: Iterable[str]) -> str:
    """身份证、银行卡: the materials a return asked for again, in the reviewers' words."""
    return "、".join(MATERIAL_LABELS_FULL[AttachmentKind(kind)] for kind in kinds if kind in AttachmentKind.values)


def history(application: Application) -> list[dict[str, Any]]:
    events = (
        (event.at, event.stage, event.decision, event.opinion, event.from_status, event.materials) for event in application.events.all()
    )
    return _history_rows(events, application.channel)


def requested_again(application: Application) -> list[str]:
    """The materials the latest return asked to upload again (``AttachmentKind`` values), while
    the application is returned; a later return that named none asks for none."""
    if application.status != Status.RETURNED:
        return []
    returns = [event for event in application.events.all() if event.decision == "return"]  # prefetched or not
    return list(returns[-1].materials or []) if returns else []


def _view(application: Application | StatusView) -> StatusView:
    return application if isinstance(application, StatusView) else StatusView.of(application)


def can_resubmit(application: Application | StatusView) -> bool:
    view = _view(application)
    if view.channel == Channel.BATCH and view.status != Status.PAYMENT_FAILED:
        return False
    if view.status == Status.RETURNED:
        deadline = view.resubmission_deadline
        return deadline is not None and clock.today() <= deadline
    if view.status == Status.PENDING_DISTRICT and not view.has_decision:
        return clock.today() <= view.application_deadline
    return view.status == Status.PAYMENT_FAILED


def next_step(application: Application | StatusView) -> str:
    view = _view(application)
    status = view.status
    if status in (Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT, Status.PENDING_CITY):
        extra = ""
        if status in (Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT) and not view.has_decision:
            # Corrections end with the application deadline; withdrawing does not (and a
            # batch application before its 初审 is the worker's to withdraw too).
            extra = "在审核人作出决定前，您可以修改或撤回申请。" if can_resubmit(view) else "在审核人作出决定前，您可以撤回申请。"
        return "申请正在审核中，请耐心等待，结果会以短信通知您。" + extra
    if status == Status.RETURNED:
        deadline = view.resubmission_deadline
        if view.channel == Channel.BATCH:
            return "申请已退回所在基层工会修改，请与单位工会联系。"
        if deadline and clock.today() > deadline:
            # No button any more: the page says so instead of a date already gone.
            return f"重新提交的期限（{chinese_date(deadline)}）已过，这份申请不能再修改。如有疑问，请联系所属区县（产业）工会。"
        again = f"，并重新上传{materials_label(view.materials_again)}" if view.materials_again else ""
        if not deadline:
            return f"请按审核意见修改{again}后重新提交。"
        return f"请按审核意见修改{again}后，在{chinese_date(deadline)}前（含当日）重新提交。"
    if status == Status.APPROVED:
        return "审核已通过，奖励将统一发放到您填写的银行卡，发放后短信通知。"
    if status == Status.PAID:
        return "奖励已发放到您的银行卡，请注意查收。"
    if status == Status.PAYMENT_FAILED:
        # Read on the signed-in pages and on the public query alike (which says how to sign in).
        return "奖励发放失败，请更正银行卡信息（须为本人名下的银行卡），更正后将在下一批次发放。"
    if status == Status.REJECTED:
        # Read in any later year too (“我的申请” lists every year): the campaign's year, not 本年度.
        return f"经审核不予奖励，原因见审核意见。不能再次申请{view.year}年度奖励。"
    return "申请已撤回；" + again_after_withdrawal(view.application_deadline)


def chinese_date(day: dt.date) -> str:
    """2020年1月5日, as the pages write dates (``Y年n月j日``)."""
    return f"{day.year}年{day.month}月{day.day}日"


def again_after_withdrawal(application_deadline: dt.date) -> str:
    """What a withdrawal leaves open: a new application until the deadline, nothing after it
    (withdrawing has no deadline)."""
    if clock.today() > application_deadline:
        return f"本年度申报已于{chinese_date(application_deadline)}截止，不能再重新申请。"
    return f"如仍符合条件，可以在{chinese_date(application_deadline)}前（含当日）重新申请。"


def _payload(view: StatusView, history_rows: list[dict[str, Any]]) -> dict[str, Any]:
    status = view.status
    return {
        "application_no": view.application_no,
        "year": view.year,
        "channel": view.channel,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "amount": f"{view.amount:.2f}" if view.amount is not None else None,
        "amount_fixed": status in (Status.APPROVED, Status.PAID, Status.PAYMENT_FAILED),
        "can_resubmit": can_resubmit(view),
        "can_withdraw": status in (Status.PENDING_DISTRICT, Status.PENDING_GRASSROOTS) and not view.has_decision,
        "next_step": next_step(view),
        "materials_again": list(view.materials_again),
        "history": history_rows,
    }


def status_payload(application: Application) -> dict[str, Any]:
    return _payload(StatusView.of(application), history(application))


def applicant_applications(id_hash: str) -> list[Application]:
    return list(
        Application.objects.filter(id_hash=id_hash)
        .select_related("campaign")
        .prefetch_related("events")
        .order_by("-campaign__year", "-submitted_at")
    )


#: A material is shown back to its worker only in the form kept for good: an image once the
#: background step has re-encoded it without its metadata, a PDF once it is kept as checked
#: (SECURITY.md 13). A photo still pending, or one that could not be decoded, is not served.
SHOWN_TO_APPLICANT = frozenset({Processing.REENCODED, Processing.ORIGINAL})


def current_materials(application: Application) -> list[Attachment]:
    """The material of each kind the application holds now: one replaced by a resubmission is
    no longer current, one whose file was deleted at the end of retention is left out."""
    return list(application.attachments.filter(current=True, purged_at__isnull=True).order_by("kind"))


def held_by_a_signal(application: Application) -> bool:
    """A hard signal nobody has resolved keeps it out of the payment batches (DOMAIN.md §4):
    after a card corrected to one another person's application uses, say."""
    return application.flags.filter(hard=True, resolved_at__isnull=True).exists()


def material_for_applicant(application: Application, attachment_id: int) -> Attachment | None:
    """One current material of ``application`` its worker may open, or None."""
    return application.attachments.filter(pk=attachment_id, current=True, purged_at__isnull=True, processing__in=SHOWN_TO_APPLICANT).first()
