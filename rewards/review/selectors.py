"""Reads for reviewers: the queue with its filters and counts, and one application in full."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from rewards.applications import serving
from rewards.applications.models import Application, ApplicationEvent, Attachment, Flag
from rewards.applications.selectors import history
from rewards.core import clock, crypto, validators
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.text import certificate_number, clean_name, fold_width, org_key
from rewards.core.vocab import Status

from .services import scoped_applications, scoped_parts
from .signal_words import checks_as_seen, signals_as_seen

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

PAGE_SIZE = 50
#: The most rows one page of the queue holds (the page's 每页 choice, the API's ``page_size``).
MAX_PAGE_SIZE = 200
#: The fewest trailing digits that find an application by the end of its number (0037 for 2020000037).
PARTIAL_NUMBER_DIGITS = 3


def queue(user: StaffUser, filters: dict[str, str], *, by_ids: bool = False) -> QuerySet[Application]:
    """Applications in the caller's subtree, filtered by status, union, org, level, flag, channel
    and text (``by_ids``: to be counted, see :func:`~rewards.organisations.selectors.scope_to_subtree`)."""
    return _filtered(scoped_applications(user, by_ids=by_ids), filters)


def _filtered(queryset: QuerySet[Application], filters: dict[str, str]) -> QuerySet[Application]:
    """``queryset`` narrowed by the queue's filters (:func:`queue`)."""
    wanted = [s for s in (filters.get("status") or "").split(",") if s in Status.values]
    if wanted:  # unknown codes alone filter nothing, as total_from_counts counts them
        queryset = queryset.filter(status__in=wanted)
    if filters.get("union"):
        queryset = queryset.filter(union__name_key=org_key(filters["union"]))
    if filters.get("org"):
        key = org_key(filters["org"])
        queryset = queryset.filter(Q(grassroots_union__name_key=key) | Q(submitting_org__name_key=key) | Q(union__name_key=key))
    if filters.get("level"):
        queryset = queryset.filter(new_level=filters["level"])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("year"):
        queryset = queryset.filter(campaign__year=filters["year"])
    if filters.get("flag"):
        open_flags = Flag.objects.filter(application=OuterRef("pk"), resolved_at__isnull=True)
        if filters["flag"] == "any":
            queryset = queryset.filter(Exists(open_flags))
        elif filters["flag"] == "hard":
            queryset = queryset.filter(Exists(open_flags.filter(hard=True)))
        else:
            queryset = queryset.filter(Exists(Flag.objects.filter(application=OuterRef("pk"), code=filters["flag"])))
    text = fold_width(filters.get("q") or "").strip()
    if re.fullmatch(r"[\d\sXx]+", text):  # a number typed in groups (2020 000 040) or pasted with spaces
        text = re.sub(r"\s", "", text)
    if text:
        # A certificate number as stored: ｈｙ２０２０ ００１ finds HY2020001.
        # A name as stored (王 建华 is 王建华, 买买提.艾力 is 买买提·艾力).
        matches = Q(application_no=text) | Q(name__startswith=clean_name(text) or text) | Q(certificate_no=certificate_number(text))
        if re.fullmatch(rf"\d{{{PARTIAL_NUMBER_DIGITS},9}}", text):  # the last digits of an application number (…0037)
            matches |= Q(application_no__endswith=text)
        id_number, error = validators.check_id_number(text) if len(text) >= 15 else (None, "")
        if id_number and not error:  # a whole ID number, found by its blind index
            matches |= Q(id_hash=crypto.blind_index("id", id_number))
        queryset = queryset.filter(matches)
    return queryset


#: What a row of the queue shows (:func:`queue_rows`): a page reads these columns only, so it
#: decrypts no bank card or mobile and parses no rule results it does not show; read as values,
#: not models (50 models cost a page about 1.5 ms more).
ROW_FIELDS = ("pk", "application_no", "name", "id_number", "status", "channel", "union__name", "new_level", "amount", "submitted_at")


#: A page whose end lies beyond this share of the matches is read from the matches themselves.
FEW_MATCHES_FACTOR = 4


def queue_page_query(user: StaffUser, filters: dict[str, str], *, matches: int, end: int) -> QuerySet[Application, dict[str, Any]]:
    """:func:`queue` in the queue's order (oldest submission first), with what its rows show, for
    a page ending at row ``end`` of ``matches`` (the total, already counted).

    With many matches the database walks the applications in submission order and stops at the
    page's end; with few (a name searched for, or nobody found) that walk reads the whole
    subtree to find them, so the matches are read by their unions' ids and sorted instead
    (a search finding nobody in a district of 30 000: 71 ms against 214)."""
    few = matches < FEW_MATCHES_FACTOR * end
    return queue(user, filters, by_ids=few).order_by("submitted_at", "pk").values(*ROW_FIELDS)


def status_counts(user: StaffUser, filters: dict[str, str]) -> dict[str, int]:
    """The number of matches per status, whatever the status filter: the subtree counted in its
    disjoint parts (:func:`~.services.scoped_parts`), each from one index in that index's order
    (``COUNT(*)``: no column read), and added up."""
    without_status = {key: value for key, value in filters.items() if key != "status"}
    counts: dict[str, int] = {}
    for part, columns in scoped_parts(user):
        for *_, status, n in _filtered(part, without_status).order_by().values_list(*columns).annotate(n=Count("*")):
            counts[status] = counts.get(status, 0) + n
    return counts


def total_from_counts(counts: dict[str, int], status_filter: str) -> int:
    """The queue's total, from the per-status counts already taken (no second COUNT)."""
    wanted = [s for s in (status_filter or "").split(",") if s in Status.values]
    return sum(counts.get(s, 0) for s in wanted) if wanted else sum(counts.values())


def queue_rows(applications: list[dict[str, Any]], *, with_resolved: bool = False) -> list[dict[str, Any]]:
    """The rows of one page (:func:`queue_page_query`'s values): ``flags`` are the open signals;
    ``with_resolved`` adds ``resolved_flags`` (the page shows them too: a list filtered by a
    signal lists them)."""
    flags: dict[int, list[str]] = {}
    resolved: dict[int, list[str]] = {}
    signals = Flag.objects.filter(application__in=[a["pk"] for a in applications])
    if not with_resolved:
        signals = signals.filter(resolved_at__isnull=True)
    for application_id, code, resolved_at in signals.order_by("-hard", "code").values_list("application_id", "code", "resolved_at"):
        (flags if resolved_at is None else resolved).setdefault(application_id, []).append(code)
    return [
        {
            "application_no": app["application_no"],
            "name": app["name"],
            "id_number": mask_id_number(app["id_number"]),
            "status": app["status"],
            "status_label": Status(app["status"]).label,
            "channel": app["channel"],
            "union": app["union__name"],
            "new_level": app["new_level"],
            "amount": f"{app['amount']:.2f}" if app["amount"] is not None else None,
            "submitted_at": app["submitted_at"],
            "flags": flags.get(app["pk"], []),
            **({"resolved_flags": resolved.get(app["pk"], [])} if with_resolved else {}),
        }
        for app in applications
    ]


def detail(application: Application, *, full: bool, reader: StaffUser) -> dict[str, Any]:
    """One application for ``reader``; personal numbers in full only when ``full``; the signals
    and the rule results name other applications only when ``reader`` may open them
    (:mod:`.signal_words`)."""
    number = application.id_number if full else mask_id_number(application.id_number)
    return {
        "application_no": application.application_no,
        "year": application.campaign.year,
        "channel": application.channel,
        "status": application.status,
        "status_label": Status(application.status).label,
        "union": application.union.name,
        "grassroots_union": application.grassroots_union.name if application.grassroots_union else None,
        "name": application.name,
        "gender": application.gender,
        # The birth date is the ID number's middle eight digits: shown beside a masked number it
        # would give the number back whole, so it is masked with it.
        "birth_date": application.birth_date if full else None,
        "id_number": number,
        "education": application.education,
        "occupation": application.occupation,
        "previous_level": application.previous_level or None,
        "previous_level_date": application.previous_level_date,
        "new_level": application.new_level,
        "certificate_no": application.certificate_no,
        "certificate_issue_date": application.certificate_issue_date,
        "issuer": application.issuer,
        "phone": application.phone if full else mask_phone(application.phone),
        "bank_card_no": application.bank_card_no if full else mask_bank_card(application.bank_card_no),
        "bank_branch": application.bank_branch,
        "employer": application.employer,
        "is_migrant": application.is_migrant,
        "hukou_place": application.hukou_place,
        "years_in_hangzhou": application.years_in_hangzhou,
        "amount": f"{application.amount:.2f}" if application.amount is not None else None,
        "is_makeup": application.is_makeup,
        # About the worker, not to them (decision 97); other unions' numbers left out (221).
        "checks": checks_as_seen(reader, application.checks),
        "flags": signals_as_seen(
            reader,
            [
                {
                    "code": flag.code,
                    "label": flag.get_code_display(),
                    "hard": flag.hard,
                    "message": flag.message,
                    "resolved": flag.resolved_at is not None,
                    "resolved_at": flag.resolved_at,
                    "resolved_by": str(flag.resolved_by) if flag.resolved_by else None,
                    "resolution_note": flag.resolution_note,
                }
                for flag in application.flags.select_related("resolved_by").order_by("-hard", "code")
            ],
        ),
        "history": history(application),
        "attachments": [
            {
                "id": att.pk,
                "kind": att.kind,
                "label": att.get_kind_display(),
                "content_type": att.content_type,
                "size": att.size,
                "processing": att.processing,
                "file_state": file_state(att),
                "purged_at": att.purged_at,
                "url": f"/api/v1/review/applications/{application.application_no}/attachments/{att.pk}",
            }
            # The material of each kind: the last one uploaded, its file perhaps since deleted at
            # the end of retention (the purge keeps the row current, marked ``purged_at``).
            for att in application.attachments.filter(current=True).order_by("kind")
        ],
    }


def file_state(attachment: Attachment) -> str:
    """``available``; ``purged`` (deleted at the end of retention, DOMAIN.md §9); or ``missing``:
    the record is there and the file is not (a move or a partial restore lost it)."""
    if attachment.purged_at is not None:
        return "purged"
    return "available" if serving.on_disk(attachment) else "missing"


#: How long a second identical decision by the same reviewer reads as the first one sent twice
#: (a double click, a form sent again after a slow answer) rather than as a new attempt.
REPEAT_WINDOW = dt.timedelta(minutes=10)


def last_decision(application: Application) -> ApplicationEvent | None:
    """The latest review decision on the application (approve, return or reject), with its actor."""
    return application.events.exclude(decision="").select_related("actor", "organisation").order_by("-at", "-id").first()


def is_repeat(event: ApplicationEvent | None, *, user: StaffUser, decision: str) -> bool:
    """Whether ``event`` is this reviewer's own ``decision``, taken moments ago: the same form
    arriving again (a double click) finds its work already done, not a conflict."""
    return event is not None and event.actor_id == user.pk and event.decision == decision and clock.now() - event.at < REPEAT_WINDOW
