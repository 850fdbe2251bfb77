"""``purge_expired``: anonymise the applications of campaigns whose retention has ended.

What stays is what the union and its auditors still need: each application's status, level,
amount, organisation and history (opinions with long digit runs starred), and every payment line
as accounting evidence with the name masked and the card cut to its last four digits. What goes:
ID, card and mobile numbers and their blind indexes, the materials' files, the SMS to those
people, their sign-in codes and tokens, the query password, and the year's roster lines.

Nothing is decrypted but a payment line's card, to keep its last four digits. Each chunk of
applications is one transaction; its files are deleted inside it, before the commit, so that a
failure leaves at worst an unmarked row whose file is gone (the next run marks it), never a file
of a row marked purged. Re-running changes nothing more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length

from rewards.applications.models import Application, ApplicationEvent, Attachment, Flag
from rewards.batches.imports import discard_stale
from rewards.batches.models import BatchImport
from rewards.campaigns.models import Campaign
from rewards.core import clock, throttle
from rewards.core.audit import audit
from rewards.core.models import ThrottleEvent
from rewards.identity.models import ApplicantToken, OtpChallenge
from rewards.notifications.models import SmsMessage
from rewards.organisations.lapse import lapse_overdue
from rewards.payments.models import PaymentLine
from rewards.registries.models import PastAward

from .anonymise import keep_tail, mask_name, purged_key, scrub_numbers
from .retention import RetentionPlan, retention_plan

CHUNK = 500
#: Throttle records are counters of the last minutes or hours; older ones only keep keyed hashes.
THROTTLE_KEEP_DAYS = 2


@dataclass
class PurgeCounts:
    applications: int = 0
    attachments: int = 0
    files_deleted: int = 0
    history_texts: int = 0
    payment_lines: int = 0
    sms_messages: int = 0
    otp_challenges: int = 0
    applicant_tokens: int = 0
    past_awards: int = 0
    batch_imports: int = 0

    def add(self, other: PurgeCounts) -> None:
        for item in dataclasses.fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


LABELS = {
    "applications": "申请（姓名、证件号、银行卡号、手机号码）",
    "attachments": "申请材料记录",
    "files_deleted": "材料文件",
    "history_texts": "历程与信号说明中的长数字",
    "payment_lines": "核发明细（户名打码、卡号仅留后四位）",
    "sms_messages": "短信",
    "otp_challenges": "短信验证码",
    "applicant_tokens": "职工登录令牌",
    "past_awards": "往年名单",
    "batch_imports": "批量导入记录",
}


@dataclass
class PurgeReport:
    today: dt.date
    dry_run: bool
    plans: list[RetentionPlan] = field(default_factory=list)
    purged: dict[int, PurgeCounts] = field(default_factory=dict)
    throttle_records: int = 0
    stale_imports: int = 0
    lapsed_requests: int = 0

    @property
    def totals(self) -> PurgeCounts:
        total = PurgeCounts()
        for counts in self.purged.values():
            total.add(counts)
        return total


def purge_expired(*, today: dt.date, dry_run: bool = False, say: Callable[[str], None] | None = None) -> PurgeReport:
    """Every campaign past its retention, whole; with ``dry_run`` only counts, changing nothing."""
    report = PurgeReport(today=today, dry_run=dry_run)
    for campaign in Campaign.objects.order_by("year"):
        plan = retention_plan(campaign, today=today)
        report.plans.append(plan)
        if plan.due:
            if say:
                say(f"{campaign.year}年度：{'统计' if dry_run else '清除'}中……")
            report.purged[campaign.year] = _count(plan) if dry_run else _purge(plan)
    old_throttles = ThrottleEvent.objects.filter(at__lt=clock.now() - dt.timedelta(days=THROTTLE_KEEP_DAYS))
    report.throttle_records = old_throttles.count() if dry_run else throttle.purge_older_than(THROTTLE_KEEP_DAYS)
    # Checked imports nobody saved: their staged sheets and zips hold personal numbers (decision 98).
    report.stale_imports = discard_stale(dry_run=dry_run)
    # Role grants and credential resets nobody confirmed in time (each audited on its own).
    report.lapsed_requests = lapse_overdue(dry_run=dry_run)
    if not dry_run:
        with transaction.atomic():
            audit(
                "data.purge",
                actor_label="cli",
                object_type="campaigns.campaign",
                detail={
                    "today": today.isoformat(),
                    "years": sorted(report.purged),
                    "awaiting_bank": {str(p.campaign.year): p.awaiting_bank for p in report.plans if p.expired and p.awaiting_bank},
                    **report.totals.as_dict(),
                    "throttle_records": report.throttle_records,
                    "stale_imports": report.stale_imports,
                    "lapsed_requests": report.lapsed_requests,
                },
            )
    return report


# --- what a campaign holds ---------------------------------------------------------------------


def ever_applied(campaign: Campaign) -> bool:
    """Whether the campaign had any application here (purged ones count): a campaign loaded only
    to be copied into a later year has none."""
    return Application.objects.filter(campaign=campaign).exists()


def _years_of_rosters(campaign: Campaign) -> list[int]:
    """The campaign's own year and the year its make-up window refers to (that roster serves no
    later campaign: the next one refers to this year)."""
    return sorted({campaign.year, *([campaign.previous_year] if campaign.previous_year else [])})


def _rosters(campaign: Campaign) -> QuerySet[PastAward]:
    return PastAward.objects.filter(year__in=_years_of_rosters(campaign)).exclude(id_hash__startswith="purged:")


def _imports(campaign: Campaign) -> QuerySet[BatchImport]:
    """The campaign's batch uploads; whether refused rows are stored is read as a length, so
    that they are never decrypted."""
    return BatchImport.objects.filter(campaign=campaign).defer("rejected_rows").annotate(rejected_length=Length("rejected_rows"))


def _cutoff(plan: RetentionPlan) -> dt.datetime:
    """Sign-ins up to the campaign's close belong to it (or to earlier, already purged ones)."""
    return clock.end_of_day(plan.closed_on)


def _sms_of(numbers: list[str]) -> Q:
    query = Q(pk__in=[])
    for number in numbers:
        query |= Q(event_key__startswith=f"app:{number}:")
    return query


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _count(plan: RetentionPlan) -> PurgeCounts:
    """What :func:`_purge` would change, counted without changing anything."""
    campaign, counts = plan.campaign, PurgeCounts()
    pending = Application.objects.filter(campaign=campaign, purged_at__isnull=True)
    pks = list(pending.values_list("pk", flat=True))
    counts.applications = len(pks)
    for chunk in _chunks(pks, CHUNK):
        rows = list(Application.objects.filter(pk__in=chunk).values_list("application_no", "id_hash"))
        attachments = Attachment.objects.filter(application_id__in=chunk, purged_at__isnull=True)
        counts.attachments += attachments.count()
        counts.files_deleted += sum(1 for name in attachments.values_list("storage_name", flat=True) if default_storage.exists(name))
        counts.payment_lines += PaymentLine.objects.filter(application_id__in=chunk).exclude(bank_card_hash="").count()
        counts.sms_messages += SmsMessage.objects.filter(_sms_of([number for number, _ in rows])).count()
        challenges = OtpChallenge.objects.filter(id_hash__in=[h for _, h in rows], created_at__lte=_cutoff(plan))
        counts.otp_challenges += challenges.count()
        counts.sms_messages += SmsMessage.objects.filter(
            event_key__in=[f"otp:{pk}" for pk in challenges.values_list("pk", flat=True)]
        ).count()
        counts.applicant_tokens += ApplicantToken.objects.filter(id_hash__in=[h for _, h in rows], created_at__lte=_cutoff(plan)).count()
        counts.history_texts += _history_to_scrub(chunk)
    counts.past_awards = _rosters(campaign).count()
    counts.batch_imports = sum(1 for item in _imports(campaign) if _clean_import(item, apply=False))
    return counts


# --- the purge ---------------------------------------------------------------------------------


def _purge(plan: RetentionPlan) -> PurgeCounts:
    campaign, counts = plan.campaign, PurgeCounts()
    pks = list(Application.objects.filter(campaign=campaign, purged_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    for chunk in _chunks(pks, CHUNK):
        with transaction.atomic():
            counts.add(_purge_applications(chunk, cutoff=_cutoff(plan)))
    with transaction.atomic():
        rosters = list(_rosters(campaign).select_for_update())
        for line in rosters:
            line.name, line.id_number, line.id_hash = mask_name(line.name), "", purged_key(line.pk)
        PastAward.objects.bulk_update(rosters, ["name", "id_number", "id_hash"], batch_size=CHUNK)
        counts.past_awards = len(rosters)
    for item in _imports(campaign).iterator(chunk_size=100):
        with transaction.atomic():
            if _clean_import(item, apply=True):
                counts.batch_imports += 1
    return counts


def _purge_applications(pks: list[int], *, cutoff: dt.datetime) -> PurgeCounts:
    now, counts = clock.now(), PurgeCounts()
    applications = list(
        Application.objects.select_for_update()
        .filter(pk__in=pks, purged_at__isnull=True)
        .only("pk", "application_no", "name", "id_hash", "birth_date", "certificate_no", "checks")
    )
    numbers = [item.application_no for item in applications]
    id_hashes = {item.id_hash for item in applications}
    for item in applications:
        item.name = mask_name(item.name)
        item.id_hash = purged_key(item.pk)
        item.id_number = item.phone = item.bank_card_no = ""
        item.phone_hash = item.bank_card_hash = item.query_password_hash = ""
        item.birth_date = dt.date(item.birth_date.year, 1, 1)
        item.certificate_no = keep_tail(item.certificate_no)
        item.checks = scrub_numbers(item.checks)
        item.purged_at = now
    Application.objects.bulk_update(
        applications,
        [
            "name",
            "id_hash",
            "id_number",
            "phone",
            "phone_hash",
            "bank_card_no",
            "bank_card_hash",
            "query_password_hash",
            "birth_date",
            "certificate_no",
            "checks",
            "purged_at",
        ],
    )
    counts.applications = len(applications)
    counts.history_texts = _scrub_history([item.pk for item in applications])

    attachments = list(Attachment.objects.filter(application_id__in=pks, purged_at__isnull=True).only("pk", "storage_name"))
    for attachment in attachments:
        if default_storage.exists(attachment.storage_name):
            default_storage.delete(attachment.storage_name)
            counts.files_deleted += 1
        # ``current`` stays: the row is still the material of its kind on the application, and
        # the review detail says of it that its file was destroyed on this day (not 缺失).
        attachment.purged_at = now
    Attachment.objects.bulk_update(attachments, ["purged_at"])
    counts.attachments = len(attachments)

    lines = list(PaymentLine.objects.filter(application_id__in=pks).exclude(bank_card_hash="").only("pk", "name", "bank_card_no"))
    for line in lines:
        line.name, line.bank_card_no, line.bank_card_hash = mask_name(line.name), keep_tail(line.bank_card_no), ""
    PaymentLine.objects.bulk_update(lines, ["name", "bank_card_no", "bank_card_hash"])
    counts.payment_lines = len(lines)

    challenges = list(OtpChallenge.objects.filter(id_hash__in=id_hashes, created_at__lte=cutoff).values_list("pk", flat=True))
    counts.sms_messages = SmsMessage.objects.filter(_sms_of(numbers) | Q(event_key__in=[f"otp:{pk}" for pk in challenges])).delete()[0]
    counts.otp_challenges = OtpChallenge.objects.filter(pk__in=challenges).delete()[0]
    counts.applicant_tokens = ApplicantToken.objects.filter(id_hash__in=id_hashes, created_at__lte=cutoff).delete()[0]
    return counts


def _history_to_scrub(pks: list[int]) -> int:
    events = ApplicationEvent.objects.filter(application_id__in=pks).exclude(opinion="").values_list("opinion", flat=True)
    flags = Flag.objects.filter(application_id__in=pks).values_list("message", "resolution_note")
    return sum(1 for text in events if scrub_numbers(text) != text) + sum(1 for texts in flags if scrub_numbers(list(texts)) != list(texts))


def _scrub_history(pks: list[int]) -> int:
    events = list(ApplicationEvent.objects.filter(application_id__in=pks).exclude(opinion="").only("pk", "opinion"))
    changed_events = []
    for event in events:
        scrubbed = scrub_numbers(event.opinion)
        if scrubbed != event.opinion:
            event.opinion = scrubbed
            changed_events.append(event)
    ApplicationEvent.objects.bulk_update(changed_events, ["opinion"])
    changed_flags = []
    for flag in Flag.objects.filter(application_id__in=pks).only("pk", "message", "resolution_note"):
        message, note = scrub_numbers(flag.message), scrub_numbers(flag.resolution_note)
        if (message, note) != (flag.message, flag.resolution_note):
            flag.message, flag.resolution_note = message, note
            changed_flags.append(flag)
    Flag.objects.bulk_update(changed_flags, ["message", "resolution_note"])
    return len(changed_events) + len(changed_flags)


def _clean_import(item: BatchImport, *, apply: bool) -> bool:
    """A batch upload of the campaign: its refused rows (encrypted, with personal numbers) go, the
    per-row results keep row numbers and application numbers with the names masked, and the
    sealed sheet and zip are deleted if they are still stored. True when something changes."""
    results = [{**row, "name": mask_name(str(row.get("name", "")))} if row.get("name") else row for row in scrub_numbers(item.results)]
    notes = scrub_numbers(item.notes)
    files = [name for name in (item.sheet_path, item.zip_path) if name]
    changed = bool(getattr(item, "rejected_length", 1)) or results != item.results or notes != item.notes or bool(files)
    if apply and changed:
        for name in files:
            if default_storage.exists(name):
                default_storage.delete(name)
        BatchImport.objects.filter(pk=item.pk).update(rejected_rows="", results=results, notes=notes, sheet_path="", zip_path="")
    return changed
