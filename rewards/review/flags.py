"""Fraud and error signals (DOMAIN.md §4): found when an application is submitted or
corrected, shown to every reviewer, usable as queue filters. A hard signal blocks final
approval until a reviewer resolves it with a written note."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet

from rewards.applications.models import HARD_FLAGS, Application, Flag, FlagCode
from rewards.campaigns.models import Campaign, occupation_key
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.text import clean_name
from rewards.core.vocab import LEVEL_GRADE, Issuer, Level, Status
from rewards.registries.models import Certificate

HR_ISSUERS = frozenset({Issuer.HR_ZHEJIANG, Issuer.HR_HANGZHOU, Issuer.HR_DISTRICT})
#: "The same mobile number on many applications": this many live applications or more.
PHONE_SHARED_AT = 3


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _registry_differences(application: Application, registry: Certificate) -> list[str]:
    """What the HR registry holds otherwise. Names and occupations are compared as the rules
    compare them: a name as names are cleaned now (an application stored before the 间隔号 rule
    still says 买买提.艾力), an occupation with widths folded and spaces removed (车工（数控） is
    the registry's 车工(数控))."""
    differences = []
    if registry.id_hash != application.id_hash or clean_name(registry.name) != clean_name(application.name):
        differences.append("持证人")
    if registry.level != application.new_level:
        differences.append(f"等级（证书库为{Level(registry.level).label}）")
    if occupation_key(registry.occupation) != occupation_key(application.occupation):
        differences.append(f"职业（证书库为“{registry.occupation}”）")
    if registry.issue_date != application.certificate_issue_date:
        differences.append(f"发证时间（证书库为{registry.issue_date.isoformat()}）")
    return differences


def _campaign_years() -> dict[int, int]:
    """Campaign id → year, of every campaign (one a year: a handful of rows)."""
    return dict(Campaign.objects.values_list("id", "year"))


def _other_people_anywhere(application: Application, campaign_ids: list[int]) -> QuerySet[Application]:
    """Live applications of other people in any campaign: a card or a certificate used by someone
    else is a signal whatever the year (DOMAIN.md §4 sets no limit; a make-up certificate falls in
    the previous campaign's window, so last year's award could be claimed again). The same person
    using their own card again next year is no signal. Anonymised applications hold no numbers.

    ``campaign_id IN (every campaign)`` is there for the index: (campaign, card hash) is read as
    one seek per campaign, on SQLite and PostgreSQL alike, with no new index to write."""
    return (
        Application.objects.filter(campaign_id__in=campaign_ids, purged_at__isnull=True)
        .exclude(status=Status.WITHDRAWN)
        .exclude(id_hash=application.id_hash)
    )


def shared_sentence(subject: str, campaign_id: int, users: list[tuple[int, str]], years: dict[int, int]) -> str:
    """``该银行卡号也用于他人的申请（2021000003；2020年度：2020000005）。``: ``users`` are the other
    people's (campaign id, application number). This campaign's numbers come first and read as
    they always did; another campaign's follow under its year, the newest year first; five
    numbers at most, then how many in all (``，共 8 份``): one more person on the card changes the
    sentence, which raises a resolved signal again. Made the same way on every path, so the same
    facts read the same. Stored
    whole; a reader is shown it without the numbers of applications outside their subtree
    (:mod:`.signal_words` reads this format back: change the two together)."""
    here = sorted(number for campaign, number in users if campaign == campaign_id)
    elsewhere = sorted(
        ((years.get(campaign, 0), number) for campaign, number in users if campaign != campaign_id),
        key=lambda item: (-item[0], item[1]),
    )
    listed = ([(0, number) for number in here] + elsewhere)[:5]
    parts = ["、".join(number for year, number in listed if year == 0)]
    for year in dict.fromkeys(year for year, _ in listed if year):
        parts.append(f"{year}年度：" + "、".join(number for other, number in listed if other == year))
    total = f"，共 {len(users)} 份" if len(users) > len(listed) else ""
    return f"该{subject}也用于他人的申请（{'；'.join(part for part in parts if part)}{total}）。"


def find_signals(application: Application) -> dict[str, str]:
    """Signal code → a Chinese sentence, for one application as it stands."""
    found: dict[str, str] = {}
    others = Application.objects.filter(campaign=application.campaign).exclude(status=Status.WITHDRAWN).exclude(pk=application.pk)
    other_people = others.exclude(id_hash=application.id_hash)
    # Sentences are made the same way here and in raise_signals_for_new, in a fixed order: a
    # changed sentence means changed facts (refresh_flags raises a resolved signal again).
    years = _campaign_years()
    anywhere = _other_people_anywhere(application, list(years))
    card_users = list(anywhere.filter(bank_card_hash=application.bank_card_hash).order_by().values_list("campaign_id", "application_no"))
    if card_users:
        found[FlagCode.CARD_SHARED] = shared_sentence("银行卡号", application.campaign_id, card_users, years)
    cert_users = list(anywhere.filter(certificate_no=application.certificate_no).order_by().values_list("campaign_id", "application_no"))
    if cert_users:
        found[FlagCode.CERTIFICATE_SHARED] = shared_sentence("证书编号", application.campaign_id, cert_users, years)
    phone_count = other_people.filter(phone_hash=application.phone_hash).values("id_hash").distinct().count() + 1
    if phone_count >= PHONE_SHARED_AT:
        found[FlagCode.PHONE_SHARED] = f"该手机号码共用于 {phone_count} 份申请。"
    if _age_on(application.birth_date, application.certificate_issue_date) < 16:
        found[FlagCode.UNDER_16] = "按身份证号码推算，发证时申请人未满16周岁。"

    if application.issuer in HR_ISSUERS:
        registry = Certificate.objects.filter(certificate_no=application.certificate_no).first()
        if registry is None:
            found[FlagCode.NOT_IN_REGISTRY] = f"人社证书库中没有编号为 {application.certificate_no} 的证书。"
        else:
            differences = _registry_differences(application, registry)
            if differences:
                found[FlagCode.REGISTRY_MISMATCH] = "与人社证书库记录不符：" + "、".join(differences) + "。"
    new_grade = LEVEL_GRADE[Level(application.new_level)]
    earlier = (
        Certificate.objects.filter(id_hash=application.id_hash, issue_date__lt=application.certificate_issue_date)
        .exclude(certificate_no=application.certificate_no)
        .order_by("issue_date", "certificate_no")
        .values_list("level", "issue_date", "certificate_no")
    )
    for level, issued, number in earlier:
        if LEVEL_GRADE[Level(level)] <= new_grade:
            found[FlagCode.NO_REAL_PROMOTION] = (
                f"证书库中已有 {issued.isoformat()} 取得的{Level(level).label}证书（{number}），本次不属于晋级。"
            )
            break
    return found


def refresh_flags(application: Application) -> list[Flag]:
    """Adds new signals, refreshes their sentences, and drops unresolved ones that no longer
    hold; a resolved signal stays with its note while its facts stay the same (DOMAIN.md §4).

    The sentence names the facts (the certificate number, the other applications, the
    differences): when it changes, say after a correction to another certificate that is not
    in the registry either, the note answered other facts, and the signal is raised again. The
    earlier resolution is kept in the audit log (``review.flag_reraised``)."""
    found = find_signals(application)
    existing = {flag.code: flag for flag in application.flags.all()}
    now = clock.now()
    for code, message in found.items():
        flag = existing.get(code)
        if flag is None:
            Flag.objects.create(application=application, code=code, hard=code in HARD_FLAGS, message=message[:300], raised_at=now)
        elif flag.message != message[:300]:
            if flag.resolved_at is not None:
                _raise_again(application, flag, now)
            flag.message = message[:300]
            flag.save()
    for code, flag in existing.items():
        if code not in found and flag.resolved_at is None and code != FlagCode.BANK_CHANGED:
            flag.delete()
    application.signals_at = now
    Application.objects.filter(pk=application.pk).update(signals_at=now)
    return list(application.flags.all())


def _raise_again(application: Application, flag: Flag, now: dt.datetime) -> None:
    with transaction.atomic():
        audit(
            "review.flag_reraised",
            obj=application,
            actor_label="system",
            detail={
                "flag": flag.code,
                "was": flag.message,
                "resolved_at": flag.resolved_at.isoformat() if flag.resolved_at else "",
                "resolved_by": flag.resolved_by_id,
                "note": flag.resolution_note,
            },
        )
    flag.resolved_at = None
    flag.resolved_by = None
    flag.resolution_note = ""
    flag.raised_at = now


def mirror_shared_flags(application: Application) -> None:
    """The other applications sharing this card or certificate get the signal too, in any
    campaign: an earlier year's application, paid or not, is told who used its card or
    certificate since (a paid one stays paid; the signal is for whoever reads it, and a reversal
    or a failed payment of it is not paid again before the city has looked)."""
    anywhere = _other_people_anywhere(application, list(_campaign_years()))
    # Two look-ups, each by its own index, rather than one OR that SQLite may read by campaign.
    pks = set(anywhere.filter(bank_card_hash=application.bank_card_hash).order_by("application_no").values_list("pk", flat=True)[:20])
    pks.update(anywhere.filter(certificate_no=application.certificate_no).order_by("application_no").values_list("pk", flat=True)[:20])
    for other in Application.objects.filter(pk__in=pks).order_by("application_no")[:20]:
        refresh_flags(other)


def unresolved_hard(application: Application) -> list[Flag]:
    return [flag for flag in application.flags.all() if flag.hard and flag.resolved_at is None]


def raise_signals_for_new(applications: list[Application]) -> list[Flag]:
    """The signals of many freshly saved applications (a batch import) in a few queries:
    the same findings as :func:`find_signals`, read for the whole chunk at once. Applications
    of other people that share a card or certificate with the chunk get theirs refreshed."""
    if not applications:
        return []
    campaign_id = applications[0].campaign_id
    live = Application.objects.filter(campaign_id=campaign_id).exclude(status=Status.WITHDRAWN)
    # Cards and certificates in every campaign, as find_signals reads them.
    years = _campaign_years()
    live_anywhere = (
        Application.objects.filter(campaign_id__in=list(years), purged_at__isnull=True).exclude(status=Status.WITHDRAWN).order_by()
    )
    cards: dict[str, list[tuple[str, int, str, int]]] = {}
    for id_hash, card, campaign, number, pk in live_anywhere.filter(
        bank_card_hash__in={a.bank_card_hash for a in applications}
    ).values_list("id_hash", "bank_card_hash", "campaign_id", "application_no", "pk"):
        cards.setdefault(card, []).append((id_hash, campaign, number, pk))
    certificates: dict[str, list[tuple[str, int, str, int]]] = {}
    for id_hash, certificate, campaign, number, pk in live_anywhere.filter(
        certificate_no__in={a.certificate_no for a in applications}
    ).values_list("id_hash", "certificate_no", "campaign_id", "application_no", "pk"):
        certificates.setdefault(certificate, []).append((id_hash, campaign, number, pk))
    phones: dict[str, set[str]] = {}
    for phone, id_hash in live.filter(phone_hash__in={a.phone_hash for a in applications}).values_list("phone_hash", "id_hash"):
        phones.setdefault(phone, set()).add(id_hash)
    hr_numbers = {a.certificate_no for a in applications if a.issuer in HR_ISSUERS}
    # The holder is compared by the blind index: the encrypted ID number is not read.
    registry = {cert.certificate_no: cert for cert in Certificate.objects.filter(certificate_no__in=hr_numbers).defer("id_number")}
    held: dict[str, list[tuple[str, dt.date, str]]] = {}
    for id_hash, level, issued, number in Certificate.objects.filter(id_hash__in={a.id_hash for a in applications}).values_list(
        "id_hash", "level", "issue_date", "certificate_no"
    ):
        held.setdefault(id_hash, []).append((level, issued, number))

    now = clock.now()
    new_ids = {a.pk for a in applications}
    flags: list[Flag] = []
    to_refresh: set[int] = set()
    for application in applications:
        found: dict[str, str] = {}
        others = [user for user in cards.get(application.bank_card_hash, []) if user[0] != application.id_hash]
        if others:
            users = [(campaign, no) for _, campaign, no, _ in others]
            found[FlagCode.CARD_SHARED] = shared_sentence("银行卡号", application.campaign_id, users, years)
            to_refresh.update(pk for *_, pk in others if pk not in new_ids)
        others = [user for user in certificates.get(application.certificate_no, []) if user[0] != application.id_hash]
        if others:
            users = [(campaign, no) for _, campaign, no, _ in others]
            found[FlagCode.CERTIFICATE_SHARED] = shared_sentence("证书编号", application.campaign_id, users, years)
            to_refresh.update(pk for *_, pk in others if pk not in new_ids)
        people = len(phones.get(application.phone_hash, set()) | {application.id_hash})
        if people >= PHONE_SHARED_AT:
            found[FlagCode.PHONE_SHARED] = f"该手机号码共用于 {people} 份申请。"
        if _age_on(application.birth_date, application.certificate_issue_date) < 16:
            found[FlagCode.UNDER_16] = "按身份证号码推算，发证时申请人未满16周岁。"
        if application.issuer in HR_ISSUERS:
            registered = registry.get(application.certificate_no)
            if registered is None:
                found[FlagCode.NOT_IN_REGISTRY] = f"人社证书库中没有编号为 {application.certificate_no} 的证书。"
            else:
                differences = _registry_differences(application, registered)
                if differences:
                    found[FlagCode.REGISTRY_MISMATCH] = "与人社证书库记录不符：" + "、".join(differences) + "。"
        new_grade = LEVEL_GRADE[Level(application.new_level)]
        for level, issued, number in sorted(held.get(application.id_hash, []), key=lambda item: (item[1], item[2])):
            if (
                issued < application.certificate_issue_date
                and number != application.certificate_no
                and LEVEL_GRADE[Level(level)] <= new_grade
            ):
                found[FlagCode.NO_REAL_PROMOTION] = (
                    f"证书库中已有 {issued.isoformat()} 取得的{Level(level).label}证书（{number}），本次不属于晋级。"
                )
                break
        flags.extend(
            Flag(application=application, code=code, hard=code in HARD_FLAGS, message=message[:300], raised_at=now)
            for code, message in found.items()
        )
    Flag.objects.bulk_create(flags, batch_size=500)
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(signals_at=now)
    for other in Application.objects.filter(pk__in=to_refresh):
        refresh_flags(other)
    return flags


def ensure_signals(application: Application) -> None:
    """Works out the signals of an application whose signals are not known yet (just submitted
    online): called by the background task and, first, by anything a reviewer does with it."""
    if application.signals_at is not None:
        return
    from django.db import transaction

    with transaction.atomic():
        refresh_flags(application)
        mirror_shared_flags(application)


def schedule_signals(application_id: int) -> None:
    """Enqueues the signals task after a submission commits; a queue that cannot be reached
    leaves it to the first reviewer who opens the application."""
    import logging

    from .tasks import refresh_signals

    try:
        refresh_signals.enqueue(application_id)
    except Exception as exc:
        logging.getLogger(__name__).warning("申请 %s 的风险信号未能排队核查（%s），将在审核时核查。", application_id, type(exc).__name__)
