"""审计日志 as the auditor reads it: search, one entry, and the xlsx export (SECURITY.md 17).

Reads only: the log is append-only (``rewards.core.models.AuditEvent``) and nothing here
writes to it but the ``audit.export`` entry of an export. Pages are keyset-paginated on the
entry id (newest first), so the thousandth page costs what the first does on a log of a
million entries, and no page counts the whole log. Entries name objects by id and hold no
personal numbers by design; the one field people type freely (the user name of a failed
sign-in) and the details are still shown through :func:`mask_stray_numbers`, so a mobile or ID
number typed into the wrong box is not shown in full.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import F, Max, Min, Q, QuerySet

from rewards.applications.models import Application
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.models import CHAIN_KEYED_ACTION, AuditEvent
from rewards.core.tabular import no_formulas
from rewards.organisations.models import Organisation, OrgKind, StaffUser
from rewards.payments.models import PaymentBatch, PaymentLine
from rewards.registries.models import Member

from .audit_detail import readable_detail
from .audit_labels import ACTION_GROUPS, ACTION_LABELS, OTHER_ACTORS, RESULT_LABELS, ROLE_LABELS
from .renderers import XLSX_CONTENT_TYPE, Generated

PAGE_SIZE = 50
#: Rows an export holds at most: the newest ones of the search (the file says when it was cut).
EXPORT_LIMIT = 5_000
#: ``role`` filter for entries without a staff role: workers (applicant) and the system.
NO_ROLE = "none"


# Whole tokens of digits only (never a run inside a hash or a reference): an ID number, a
# mobile number, a bank card number.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z])\d{12,19}(?![0-9A-Za-z])")


def mask_stray_numbers(text: str) -> str:
    """Masks anything in ``text`` shaped like an ID, mobile or card number, as lists do."""
    text = _ID_NUMBER.sub(lambda match: mask_id_number(match.group()), text)
    text = _MOBILE.sub(lambda match: mask_phone(match.group()), text)
    return _CARD.sub(lambda match: mask_bank_card(match.group()), text)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, "")


def object_type_labels() -> dict[str, str]:
    """``app.model`` → the model's Chinese name, for every model of the project."""
    return {
        model._meta.label_lower: str(model._meta.verbose_name) for model in apps.get_models() if model.__module__.startswith("rewards.")
    }


# --- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """One search of the log; every field empty means the whole log."""

    #: Part of a user name (as recorded, or the account's current one) or of a staff member's name.
    actor: str = ""
    #: A role code, or :data:`NO_ROLE`.
    role: str = ""
    #: The city union itself, or a district/industry union with its grassroots unions.
    organisation: int | None = None
    object_type: str = ""
    object_id: str = ""
    #: An application number, looked up and searched as its object (``applications.application``).
    application_no: str = ""
    #: One action, or a group of them by prefix (``payment.``).
    action: str = ""
    result: str = ""
    #: Calendar days in Asia/Shanghai, both included.
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_query(self) -> dict[str, str]:
        """The non-empty filters as query parameters (the names of the search form)."""
        values = asdict(self)
        return {name: (value.isoformat() if isinstance(value, dt.date) else str(value)) for name, value in values.items() if value}

    @property
    def empty(self) -> bool:
        return not self.as_query()


#: The search form's boxes, as the export's first lines name them.
FILTER_LABELS = {
    "actor": "操作人",
    "role": "角色",
    "organisation": "所属组织",
    "object_type": "对象类型",
    "object_id": "对象编号",
    "application_no": "申请编号",
    "action": "动作",
    "result": "结果",
    "date_from": "开始日期",
    "date_to": "结束日期",
}


def _filter_value(name: str, value: str) -> str:
    if name == "role":
        return ROLE_LABELS.get(value, "无角色" if value == NO_ROLE else value)
    if name == "result":
        return RESULT_LABELS.get(value, value)
    if name == "action":
        group = ACTION_GROUPS.get(value)
        label = f"{group}（全部 {value}*）" if group else ACTION_LABELS.get(value, "")
        return f"{label}（{value}）" if label and not group else label or value
    if name == "organisation" and value.isdecimal():
        return dict(organisation_choices()).get(int(value), value)
    if name == "object_type":
        return object_type_labels().get(value, value)
    return value


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.SHANGHAI)


def organisation_choices() -> list[tuple[int, str]]:
    """The city union (本级) and each district/industry union (with the units below it)."""
    rows = (
        Organisation.objects.filter(kind__in=[OrgKind.CITY, OrgKind.DISTRICT])
        .order_by("path")
        .values_list("pk", "name", "kind", "position")
    )
    city = [(pk, f"{name}（本级）") for pk, name, kind, _ in rows if kind == OrgKind.CITY]
    districts = sorted(((position, name, pk) for pk, name, kind, position in rows if kind == OrgKind.DISTRICT))
    return city + [(pk, f"{name}（含下级）") for _, name, pk in districts]


def _organisation_ids(organisation_id: int) -> list[int]:
    organisation = Organisation.objects.filter(pk=organisation_id).only("path", "kind").first()
    if organisation is None:
        return []
    if organisation.kind == OrgKind.CITY:
        return [organisation.pk]  # the city's own staff; the whole tree is "no filter"
    return list(Organisation.objects.filter(path__startswith=organisation.path).values_list("pk", flat=True))


def _distinct(column: str, *, limit: int) -> list[str]:
    """The distinct values of an indexed column, in order, at most ``limit``: one index seek per
    value (a loose index scan), not a pass over a million entries."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    name = connection.ops.quote_name(column)
    sql = (
        f"WITH RECURSIVE seen(value) AS (SELECT MIN({name}) FROM {table} "  # noqa: S608 (the model's table and column)  # nosec B608
        f"UNION ALL SELECT (SELECT MIN({name}) FROM {table} WHERE {name} > seen.value) FROM seen WHERE seen.value IS NOT NULL) "
        "SELECT value FROM seen WHERE value IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


def present_actions() -> list[str]:
    """Every action in the log, in order."""
    return _distinct("action", limit=10_000)


def action_choices(present: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The action select: groups (a prefix first, then its actions), known and present actions."""
    actions = sorted(set(ACTION_LABELS) | set(present))
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for prefix, group_label in ACTION_GROUPS.items():
        members = [action for action in actions if action.startswith(prefix)]
        options = [(prefix, f"{group_label}（全部 {prefix}*）")]
        options += [(action, f"{ACTION_LABELS.get(action, action)}（{action}）") for action in members]
        groups.append((group_label, options))
    others = [action for action in actions if not any(action.startswith(prefix) for prefix in ACTION_GROUPS)]
    if others:
        groups.append(("其他", [(action, ACTION_LABELS.get(action, action)) for action in others]))
    return groups


def audit_queryset(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The entries ``filters`` pick, in no particular order."""
    queryset = AuditEvent.objects.all()
    if filters.actor:
        queryset = queryset.filter(_actor_condition(filters.actor))
    if filters.role:
        queryset = queryset.filter(role="" if filters.role == NO_ROLE else filters.role)
    if filters.organisation is not None:
        queryset = queryset.filter(organisation_id__in=_organisation_ids(filters.organisation))
    if filters.application_no:
        found = Application.objects.filter(application_no=filters.application_no).values_list("pk", "id_hash").first()
        if found is None:
            return queryset.none()
        queryset = queryset.filter(_application_condition(found[0], filters.application_no, id_hash=found[1]))
    if filters.object_type:
        queryset = queryset.filter(object_type=filters.object_type)
    if filters.object_id:
        queryset = queryset.filter(_object_condition(filters.object_id))
    if filters.action.endswith("."):
        # A prefix as the list of the actions it names: an index look-up on every database
        # (``LIKE 'payment.%'`` is not one on SQLite, nor on PostgreSQL outside the C collation).
        queryset = queryset.filter(action__in=[action for action in present_actions() if action.startswith(filters.action)])
    elif filters.action:
        queryset = queryset.filter(action=filters.action)
    if filters.result:
        queryset = queryset.filter(result=filters.result)
    if filters.date_from or filters.date_to:
        period = Q()
        if filters.date_from:
            period &= Q(at__gte=_day_start(filters.date_from))
        if filters.date_to:
            period &= Q(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
        # The period's first and last entry ids, from the time index alone: pages then walk the
        # ids of the period (and any other index) instead of sorting every entry of a long period.
        # ``id + 0``: PostgreSQL would otherwise look for them along the primary key, which for
        # a day months ago means reading every later entry.
        bounds = AuditEvent.objects.filter(period).aggregate(first=Min(F("id") + 0), last=Max(F("id") + 0))
        if bounds["first"] is None:
            return queryset.none()
        queryset = queryset.filter(period, id__gte=bounds["first"], id__lte=bounds["last"])
    return queryset


#: The object type of a payment batch, whose entries (payment.*) name the batch, not its applications.
BATCH_TYPE = PaymentBatch._meta.label_lower


#: The object type of a worker's member record, which the worker's sign-ins (applicant.*) name.
MEMBER_TYPE = Member._meta.label_lower


def _application_condition(application_id: int, application_no: str, *, id_hash: str = "") -> Q:
    """The entries of one application: its own, the worker's sign-ins (codes sent, sign-ins and
    failed tries, sign-outs: ``applicant.*`` entries name the worker's member record, as the
    worker's own steps, a bank card corrected say, follow one), and the payment entries of every
    batch that holds (or held) a line of it. A batch is built, approved, sent and answered by
    the bank in one entry each (never one per line), so the money of an application is found
    through its batches; those entries speak of the whole batch. A reversal (退汇) is of one
    line: only this application's."""
    condition = Q(object_type=Application._meta.label_lower, object_id=str(application_id))
    member_id = Member.objects.filter(id_hash=id_hash).values_list("pk", flat=True).first() if id_hash else None
    if member_id is not None:
        condition |= Q(object_type=MEMBER_TYPE, object_id=str(member_id), action__startswith="applicant.")
    batch_ids = sorted(set(PaymentLine.objects.filter(application_id=application_id).values_list("batch_id", flat=True)))
    if batch_ids:
        batches = Q(object_type=BATCH_TYPE, object_id__in=[str(pk) for pk in batch_ids])
        condition |= batches & Q(action__startswith="payment.") & ~Q(action="payment.reversal")
        condition |= batches & Q(action="payment.reversal", detail__application_no=application_no)
    return condition


def _object_condition(object_id: str) -> Q:
    """An object by its id, or a payment batch by its number (P202000001), as pages show it."""
    batch_id = PaymentBatch.objects.filter(batch_no=object_id.upper()).values_list("pk", flat=True).first()
    if batch_id is not None:
        return Q(object_type=BATCH_TYPE, object_id=str(batch_id))
    return Q(object_id=object_id)


#: Distinct actor labels read at most to match part of one (beyond that: a plain scan).
ACTOR_LABELS_LIMIT = 20_000


def _actor_condition(text: str) -> Q:
    """Entries whose recorded user name contains ``text`` (any case), or whose account's user
    name or full name does: matched first among the distinct labels and the accounts, then
    looked up by index."""
    accounts = StaffUser.objects.filter(Q(username__icontains=text) | Q(full_name__icontains=text))
    account_ids = list(accounts.values_list("pk", flat=True)[:200])
    labels = _distinct("actor_label", limit=ACTOR_LABELS_LIMIT + 1)
    if len(labels) > ACTOR_LABELS_LIMIT:
        return Q(actor_label__icontains=text) | Q(actor_id__in=account_ids)
    wanted = text.casefold()
    matched = [label for label in labels if wanted in label.casefold()]
    matched += [label for label, name in OTHER_ACTORS.items() if wanted in name and label not in matched]  # 职工本人, 系统
    if not account_ids:
        return Q(actor_label__in=matched)
    return Q(actor_label__in=matched) | Q(actor_id__in=account_ids)


# --- rows ------------------------------------------------------------------------------------


@dataclass
class EntryRow:
    """One entry as the pages and the export show it."""

    event: AuditEvent
    actor: str
    role: str
    organisation: str
    action_label: str
    object_label: str
    application_no: str
    result_label: str
    detail_json: str
    detail_text: str = ""


def detail_text(detail: Any, *, separator: str = "\n", action: str = "") -> str:
    """The detail in the auditor's words (:mod:`.audit_detail`), stray numbers masked."""
    return mask_stray_numbers(readable_detail(detail, separator=separator, action=action))


def pretty_detail(detail: Any) -> str:
    if not detail:
        return ""
    return mask_stray_numbers(json.dumps(detail, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def compact_detail(detail: Any) -> str:
    if not detail:
        return ""
    return mask_stray_numbers(json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str))


def entry_rows(events: Sequence[AuditEvent]) -> list[EntryRow]:
    """Labels for a page of entries: three small queries for the whole page, none per row."""
    organisation_ids = {event.organisation_id for event in events if event.organisation_id}
    organisations = dict(Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "name"))
    actor_ids = {event.actor_id for event in events if event.actor_id}
    names = dict(StaffUser.objects.filter(pk__in=actor_ids).exclude(full_name="").values_list("pk", "full_name"))
    application_type = Application._meta.label_lower
    application_ids = {int(event.object_id) for event in events if event.object_type == application_type and event.object_id.isdecimal()}
    numbers = {str(pk): no for pk, no in Application.objects.filter(pk__in=application_ids).values_list("pk", "application_no")}
    batch_ids = {int(event.object_id) for event in events if event.object_type == BATCH_TYPE and event.object_id.isdecimal()}
    batch_numbers = {str(pk): no for pk, no in PaymentBatch.objects.filter(pk__in=batch_ids).values_list("pk", "batch_no")}
    types = object_type_labels()
    rows = []
    for event in events:
        label = mask_stray_numbers(event.actor_label)
        name = names.get(event.actor_id or 0) or ("" if event.actor_id else OTHER_ACTORS.get(event.actor_label, ""))
        object_label = ""
        if event.object_type or event.object_id:
            object_label = f"{types.get(event.object_type, event.object_type) or '对象'} #{event.object_id or '—'}"
            if event.object_type == BATCH_TYPE and event.object_id in batch_numbers:
                object_label = f"{types[BATCH_TYPE]} {batch_numbers[event.object_id]}（#{event.object_id}）"
        rows.append(
            EntryRow(
                event=event,
                actor=f"{label}（{name}）" if name else label,
                role=ROLE_LABELS.get(event.role, event.role),
                organisation=organisations.get(event.organisation_id or 0, str(event.organisation_id or "")),
                action_label=ACTION_LABELS.get(event.action, ""),
                object_label=object_label,
                application_no=numbers.get(event.object_id, "") if event.object_type == application_type else "",
                result_label=RESULT_LABELS.get(event.result, event.result),
                detail_json=pretty_detail(event.detail),
                detail_text=detail_text(event.detail, action=event.action),
            )
        )
    return rows


@dataclass
class AuditPage:
    rows: list[EntryRow]
    #: Cursors: the entries newer than the first row, older than the last (``None``: there are none).
    newer_than: int | None
    older_than: int | None
    first_page: bool = field(default=True)


def search_page(filters: AuditFilters, *, before: int | None = None, after: int | None = None, size: int | None = None) -> AuditPage:
    """One page of the search, newest first: the first page, or the page just older than the
    entry ``before`` / just newer than the entry ``after`` (keyset pagination)."""
    size = size or PAGE_SIZE
    queryset = audit_queryset(filters)
    if after is not None:
        events = list(queryset.filter(id__gt=after).order_by("id")[: size + 1])
        more_newer = len(events) > size
        events = events[:size][::-1]
        more_older = True
    else:
        if before is not None:
            queryset = queryset.filter(id__lt=before)
        events = list(queryset.order_by("-id")[: size + 1])
        more_older = len(events) > size
        events = events[:size]
        more_newer = before is not None
    if not events:
        return AuditPage(rows=[], newer_than=None, older_than=None, first_page=before is None and after is None)
    return AuditPage(
        rows=entry_rows(events),
        newer_than=events[0].pk if more_newer else None,
        older_than=events[-1].pk if more_older else None,
        first_page=before is None and (after is None or not more_newer),
    )


# --- one entry -------------------------------------------------------------------------------


@dataclass
class EntryView:
    row: EntryRow
    #: The stored hash is that of the entry's content: keyed, or the plain SHA-256 of an entry
    #: written before the key and sealed (``sealed_by``).
    hash_ok: bool
    #: The previous entry (by id), and whether this entry's ``prev_hash`` names it.
    previous: AuditEvent | None
    linked: bool
    following: AuditEvent | None
    #: The stored hash is the plain SHA-256 of the content (an entry of before the key, or one
    #: rewritten and recomputed by someone without the key when ``sealed_by`` is None).
    unkeyed: bool = False
    #: The keyed ``audit.chain_keyed`` entry that seals this unkeyed one.
    sealed_by: AuditEvent | None = None


def chain_seal() -> AuditEvent | None:
    """The keyed entry that sealed the entries written before the chain was keyed, if any."""
    seal = AuditEvent.objects.filter(action=CHAIN_KEYED_ACTION).order_by("id").first()
    return seal if seal is not None and seal.compute_hash() == seal.entry_hash else None


def entry_view(entry_id: int) -> EntryView | None:
    event = AuditEvent.objects.filter(pk=entry_id).first()
    if event is None:
        return None
    previous = AuditEvent.objects.filter(id__lt=event.pk).order_by("-id").only("id", "entry_hash").first()
    following = AuditEvent.objects.filter(id__gt=event.pk).order_by("id").only("id", "prev_hash").first()
    keyed = event.compute_hash() == event.entry_hash
    unkeyed = not keyed and event.compute_unkeyed_hash() == event.entry_hash
    seal = chain_seal() if unkeyed else None
    sealed_by = seal if seal is not None and event.pk <= (seal.detail or {}).get("last_unkeyed_id", 0) else None
    return EntryView(
        row=entry_rows([event])[0],
        hash_ok=keyed or sealed_by is not None,
        unkeyed=unkeyed,
        sealed_by=sealed_by,
        previous=previous,
        linked=event.prev_hash == (previous.entry_hash if previous else ""),
        following=following,
    )


# --- export ----------------------------------------------------------------------------------

#: The export's columns and their widths (Excel character units; a Chinese character is about 2).
COLUMNS = (
    ("编号", 9),
    ("时间（北京时间）", 20),
    ("操作人", 24),
    ("角色", 22),
    ("所属组织", 22),
    ("客户端地址", 16),
    ("动作", 32),
    ("对象", 24),
    ("申请编号", 13),
    ("结果", 8),
    ("说明", 60),
    ("说明（原始数据）", 40),
    ("本条哈希", 66),
)


def _workbook(*, lines: Sequence[str], rows: list[list[Any]]) -> bytes:
    """One plain sheet: the lines above, the header, the rows; a frozen header with filters.

    Not the annexes' renderer: a cell styled one by one costs about twice as much, and an
    export of thousands of entries is no printed form (openpyxl spends some 50 µs a cell).
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "审计日志"
    for line in lines:
        # The search as typed is echoed here; control characters (a NUL) cannot go in a cell.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", line)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([header for header, _ in COLUMNS])
    header_row = sheet.max_row
    for index, (_, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F4F8")
        sheet.column_dimensions[get_column_letter(index)].width = width

    def shown(value: Any) -> Any:
        # An entry keeps what was sent (a NUL in a probed URL, say); a cell cannot hold control
        # characters, so they are written as \x00 and the export still opens.
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", value)
        return value

    for row in rows:
        sheet.append([shown(value) for value in row])
        no_formulas(sheet[sheet.max_row])
    last = get_column_letter(len(COLUMNS))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last}{max(header_row, sheet.max_row)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def audit_log_export(*, user: StaffUser, filters: AuditFilters, request: Any = None) -> Generated:
    """The search as an xlsx, newest first, at most :data:`EXPORT_LIMIT` entries; one
    ``audit.export`` entry per download, with the filters and the number of rows."""
    events = list(audit_queryset(filters).order_by("-id")[: EXPORT_LIMIT + 1])
    truncated = len(events) > EXPORT_LIMIT
    events = events[:EXPORT_LIMIT]
    now = clock.now().astimezone(clock.SHANGHAI)
    rows = [
        [
            row.event.pk,
            row.event.at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            row.actor,
            row.role,
            row.organisation,
            row.event.client_ip or "",
            f"{row.action_label}（{row.event.action}）" if row.action_label else row.event.action,
            row.object_label,
            row.application_no,
            row.result_label,
            detail_text(row.event.detail, separator="；", action=row.event.action),
            compact_detail(row.event.detail),
            row.event.entry_hash,
        ]
        for row in entry_rows(events)
    ]
    conditions = (
        "；".join(f"{FILTER_LABELS.get(name, name)}：{_filter_value(name, value)}" for name, value in filters.as_query().items()) or "全部"
    )
    lines = [
        "审计日志",
        f"导出人：{getattr(user, 'username', '')}　导出时间：{now:%Y-%m-%d %H:%M}　查询条件：{conditions}",
        f"共 {len(rows):,} 条，按时间从新到旧排列。"
        + (f"符合条件的记录超过 {EXPORT_LIMIT:,} 条，仅导出最新的 {EXPORT_LIMIT:,} 条，请缩小查询条件后分次导出。" if truncated else ""),
    ]
    content = _workbook(lines=lines, rows=rows)
    audit(
        "audit.export",
        actor=user,
        request=request,
        detail={"filters": filters.as_query(), "rows": len(rows), "truncated": truncated},
    )
    stamp = f"{now:%Y%m%d-%H%M%S}"
    return Generated(
        filename=f"审计日志{stamp}.xlsx",
        ascii_filename=f"audit-log-{stamp}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
        content=content,
    )
