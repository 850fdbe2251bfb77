"""单位统一申报: a grassroots union (or its district union on its behalf) enters many
applications at once from the batch sheet, with an optional zip of the scanned materials.

Every row is checked like an online application (field checks, then every rule) plus the batch
rules: the 工作单位 must be the submitting grassroots union's employer (组建工会), a person
appears once per file, and a person who already has an application this campaign is either
``unchanged`` (the same union's batch row, re-imported) or refused with the reason. Valid rows
are saved each whole or not at all; the file's problems never stop the good rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from rewards.applications import materials
from rewards.applications.models import Application
from rewards.applications.notify import notify
from rewards.applications.services import apply_judgement, next_application_number, record_event
from rewards.campaigns.models import Campaign
from rewards.core import clock, crypto
from rewards.core.audit import audit
from rewards.core.errors import Forbidden, InvalidInput, NotFound
from rewards.core.masking import mask_id_number
from rewards.core.tabular import UnreadableFile
from rewards.core.text import digits_only, org_key
from rewards.core.vocab import Channel, Status
from rewards.eligibility.fields import SUBMISSION_FIELDS
from rewards.eligibility.services import judge, judge_many
from rewards.organisations.models import Organisation, OrgKind, Role, StaffUser
from rewards.organisations.selectors import organisation_by_name, visible_organisations
from rewards.review.flags import mirror_shared_flags, refresh_flags

from .bulk import import_settings
from .materials_zip import CHINESE_KIND, KINDS, Materials, materials_closed, read_materials
from .refusals import already_applying, already_entered, already_said, in_staff_words, staff_words_for, visible_org_ids
from .sheet import LABELS, SheetRow, read_rows, sheet_row_count


@dataclass(slots=True)
class RowOutcome:
    row: int
    name: str
    status: str  # valid (checked, not yet saved) | accepted | unchanged | rejected
    errors: list[str] = field(default_factory=list)
    application_no: str = ""
    #: The earlier row of the same person in the file, when refused as its copy (0: none).
    repeats: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "name": self.name, "status": self.status, "errors": self.errors, "application_no": self.application_no}


@dataclass
class BatchResult:
    rows: list[RowOutcome]
    originals: dict[int, dict[str, Any]]  # rejected rows as typed, by row number
    notes: list[str] = field(default_factory=list)  # problems of the zip itself

    @property
    def accepted(self) -> int:
        return sum(1 for row in self.rows if row.status == "accepted")

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if row.status == "unchanged")

    @property
    def rejected(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.status == "rejected"]


def clerk_union(user: StaffUser) -> Organisation:
    """A grassroots clerk's own union; an older account with a role and no union (decision 184
    refuses one now) is told so (decision 204)."""
    if user.organisation is None:
        raise Forbidden("您的账号尚未设定所属组织，不能单位统一申报。请联系系统管理员设定所属组织。")
    return user.organisation


def submitting_org_for(user: StaffUser, org_name: str | None, *, reviewed: bool = False) -> tuple[Organisation, str]:
    """The grassroots union the rows belong to, and the status they start at.

    A grassroots clerk enters for its own union (rows start at 初审, ``pending_grassroots``,
    unless the clerk saves them ``reviewed``: the 初审 done on paper, many at once, decision
    96); a district reviewer enters for one of its grassroots unions (the notice's own flow:
    rows start at ``pending_district`` with that union's paper 初审 recorded)."""
    if user.role == Role.GRASSROOTS_CLERK:
        own = clerk_union(user)
        if org_name and org_key(org_name) != org_key(own.name):
            raise NotFound("只能为本单位工会填报。")
        return own, Status.PENDING_DISTRICT if reviewed else Status.PENDING_GRASSROOTS
    if user.role == Role.DISTRICT_REVIEWER:
        if not org_name:
            raise InvalidInput("请选择代为录入的基层工会。", fields={"org": ["请填写基层工会名称。"]})
        org = organisation_by_name(org_name, kind=OrgKind.GRASSROOTS)
        if org is None or not visible_organisations(user).filter(pk=org.pk).exists():
            raise NotFound("没有找到该基层工会，或不在您的管辖范围内。")
        return org, Status.PENDING_DISTRICT
    raise Forbidden("只有基层工会经办人和区县（产业）工会审核人可以单位统一申报。")


def employer_key_of(org: Organisation) -> str:
    """The employer whose workers a grassroots union may enter (组建工会的单位)."""
    return org_key((org.employer or org.name).removesuffix("工会"))


def not_a_member_of(org: Organisation, member: Any) -> str:
    """Why the member registry does not place this worker in ``org`` (a grassroots union), or
    "". The typed 工作单位 is the clerk's word; the registry is the union's: a member registered
    under another grassroots union, or (with none recorded) under another district or industry
    union, is not this union's to enter."""
    if member is None:
        return ""  # not a member at all: the member rule refuses it, in its own words
    registered = member.grassroots_union_id
    if (registered == org.pk) if registered is not None else (member.union_id == org.parent_id):
        return ""
    return f"会员库中该职工不是填报单位“{org.name}”的会员（登记在{member.union_name}）：须由其所在单位的基层工会填报。"


def _field_errors(fields: dict[str, list[str]]) -> list[str]:
    """Each message behind its column's name, unless it already begins with it."""
    said = []
    for name, messages in fields.items():
        label = LABELS.get(name, name)
        said += [message if message.startswith(label) else f"{label}：{message}" for message in messages]
    return said


CHUNK = 500


def check_and_save(
    *,
    campaign: Campaign,
    user: StaffUser,
    org: Organisation,
    start_status: str,
    sheet: bytes,
    zip_content: bytes | None = None,
    save: bool = True,
    progress: Callable[[int, int], None] | None = None,
    saved: list[int] | None = None,
    request: Any = None,
) -> BatchResult:
    """Checks every row and (when ``save``) saves the valid ones. Raises UnreadableFile when the
    sheet cannot be read at all (nothing is saved then).

    Rows are judged and saved a chunk at a time: the registries are read once per chunk, and a
    chunk's valid rows are written together in one transaction (so never half a row); if that
    transaction meets a conflict (the same person entered meanwhile elsewhere) the chunk is
    saved again row by row, each row in its own transaction. ``saved`` (when given) gets the
    number of applications each committed chunk saved, as it commits: if a later chunk fails, the
    caller can say what is already in."""
    found, zip_problems = read_materials(zip_content)
    context = _Context(
        campaign=campaign,
        org=org,
        employer_key=employer_key_of(org),
        found=found,
        zip_given=bool(zip_content),
        saving=save,
        visible=visible_org_ids(user),
    )
    outcomes: list[RowOutcome] = []
    originals: dict[int, dict[str, Any]] = {}
    sheet_notes: list[str] = []
    typed_ids: set[str] = set()
    hidden_ids: dict[str, int] = {}
    number_id_rows: list[int] = []  # rows whose ID number cell is a number that lost digits
    rows = read_rows(sheet, sheet_notes, hidden_ids)
    total = sheet_row_count(sheet) if progress else 0
    done = 0
    # The materials' temporary files last while the rows are checked; only their names are used after.
    with import_settings() if save else contextlib.nullcontext(), materials_closed(found):
        while chunk := list(itertools.islice(rows, CHUNK)):
            checked = _check_chunk(context, chunk)
            ready = [(outcome, judgement, files) for outcome, judgement, files in checked if outcome.status == "valid"]
            if save and ready:
                _save_chunk(campaign=campaign, user=user, org=org, start_status=start_status, ready=ready, saved=saved)
                _retell_copies_of_unsaved(context, [outcome for outcome, _, _ in checked], ready)
            for sheet_row, (outcome, _, _) in zip(chunk, checked, strict=True):
                typed_ids.add(_typed_id(sheet_row.values))
                if "id_number" in sheet_row.numbers:
                    number_id_rows.append(sheet_row.row)
                outcomes.append(outcome)
                if outcome.status == "rejected":
                    originals[sheet_row.row] = sheet_row.as_typed()
            done += len(chunk)
            if progress:
                progress(done, max(total, done))
    zip_problems.extend(_strays(found, typed_ids, hidden_ids, number_id_rows))
    result = BatchResult(rows=outcomes, originals=originals, notes=sheet_notes + zip_problems)
    if save:
        audit(
            "batch.import",
            actor=user,
            request=request,
            object_type="organisations.organisation",
            object_id=org.pk,
            detail={
                "rows": len(outcomes),
                "accepted": result.accepted,
                "unchanged": result.unchanged,
                "rejected": len(result.rejected),
                "start": start_status,
                # A clerk's rows start at 复审 only when saved with the 初审 done (decision 96).
                "initial_review": user.role == Role.GRASSROOTS_CLERK and start_status == Status.PENDING_DISTRICT,
            },
        )
    return result


def _strays(found: dict[str, Any], typed_ids: set[str], hidden_ids: dict[str, int], number_id_rows: list[int]) -> list[str]:
    """What the zip holds of people on no row read: a hidden row's person is said with that row;
    for the others the file names are to check, or the sheet's rows whose ID number cell lost
    its digits (their materials match once the number is typed again)."""
    problems = []
    hidden = sorted((row, number) for number, row in hidden_ids.items() if number in found and number not in typed_ids)
    if hidden:
        rows = "、".join(str(row) for row, _ in hidden)
        problems.append(f"汇总表第 {rows} 行是隐藏的行，压缩包中其职工的材料也未使用：取消隐藏后重新上传即可一起导入。")
    strays = sorted(number for number in found if number not in typed_ids and number not in hidden_ids)
    if strays:
        shown = "、".join(mask_id_number(number) for number in strays[:5]) + ("等" if len(strays) > 5 else "")
        where = (
            f"请核对文件名中的身份证号；汇总表第 {'、'.join(map(str, number_id_rows[:10]))} 行的身份证号是数字格式、已丢失位数，"
            "改为文本格式重新输入后，材料即可对应。"
            if number_id_rows
            else "请核对文件名中的身份证号。"
        )
        problems.append(f"压缩包中有 {len(strays)} 位职工的材料（身份证号 {shown}）在汇总表中找不到对应的行，已忽略：{where}")
    return problems


@dataclass
class _Context:
    campaign: Campaign
    org: Organisation
    employer_key: str
    found: Materials
    zip_given: bool
    #: Rows are saved as they are checked: an earlier row of the same person is saved, not "can be".
    saving: bool = False
    seen: dict[str, int] = field(default_factory=dict)
    #: The units whose applications the caller may open (:func:`visible_org_ids`).
    visible: frozenset[int] = frozenset()


def _check_chunk(context: _Context, chunk: list[SheetRow]) -> list[tuple[RowOutcome, Any, list[materials.CheckedFile]]]:
    """Every row of a chunk checked: ``(outcome, judgement, files)`` with outcome status
    ``valid``, ``unchanged`` or ``rejected``."""
    campaign = context.campaign
    judgements = judge_many(campaign, [sheet_row.values for sheet_row in chunk], required=SUBMISSION_FIELDS)
    typed_ids = [_typed_id(sheet_row.values) for sheet_row in chunk]
    hashes = [crypto.blind_index("id", typed_id) for typed_id in typed_ids]
    existing: dict[str, dict[str, Any]] = {}
    for row in (
        Application.objects.filter(campaign=campaign, id_hash__in=set(hashes)).exclude(status=Status.WITHDRAWN).values(*_PRIOR_FIELDS)
    ):
        existing.setdefault(row["id_hash"], dict(row))
    return [
        _check_row(context, sheet_row, judgement, existing.get(id_hash) if typed_id else None)
        for sheet_row, judgement, typed_id, id_hash in zip(chunk, judgements, typed_ids, hashes, strict=True)
    ]


#: What the row check needs of the person's live application.
_PRIOR_FIELDS = ("id_hash", "application_no", "channel", "union_id", "submitting_org_id", "status")


def _typed_id(values: dict[str, Any]) -> str:
    """The ID number as the field check makes it (widths folded, spaces and hyphens dropped,
    upper case), so that a full-width ３３０１… finds the same application as 3301…."""
    return digits_only(values.get("id_number")).upper()


def missing_material(id_number: str, kind: str) -> str:
    """The exact file name a missing material is expected under."""
    label = materials.AttachmentKind(kind).label
    name = CHINESE_KIND[kind]
    return (
        f"压缩包中缺少材料“{id_number}_{name}.jpg”（{label}；文件名为本行身份证号加“_{name}”，"
        f"也可写作“_{kind}”，可为 .jpg、.png 或 .pdf）。"
    )


def no_materials(id_number: str) -> str:
    """None of a worker's three materials in the zip: one sentence, not three."""
    names = "".join(f"“{id_number}_{CHINESE_KIND[kind]}.jpg”" for kind in KINDS)
    return f"压缩包中没有该职工的材料：须有{names}三个文件（也可写作“_id_card”“_certificate”“_bank_card”，可为 .jpg、.png 或 .pdf）。"


def _check_row(context: _Context, sheet_row: SheetRow, judgement: Any, prior: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    """One row checked; ``prior`` is the live application of this campaign of the ID number as
    typed, if any."""
    values, org = sheet_row.values, context.org
    name = str(values.get("name") or "")
    outcome = RowOutcome(row=sheet_row.row, name=name[:40], status="rejected", errors=list(sheet_row.errors))
    if outcome.errors:
        return outcome, None, []
    typed_id = _typed_id(values)
    if prior and prior["channel"] == Channel.BATCH and prior["submitting_org_id"] == org.pk:
        if typed_id in context.seen:
            outcome.errors.append(f"该职工在本文件第 {context.seen[typed_id]} 行已出现，本行未导入。")
            return outcome, None, []
        context.seen[typed_id] = sheet_row.row
        outcome.status, outcome.application_no = "unchanged", prior["application_no"]
        outcome.errors.append(already_entered(prior, year=context.campaign.year, with_materials=bool(context.found.get(typed_id))))
        return outcome, None, []
    if isinstance(judgement, InvalidInput):
        outcome.errors.extend(_field_errors(judgement.fields) or [judgement.message])
        return outcome, None, []
    applicant = judgement.applicant
    # The first row of a person that can be imported is the one; a later one repeats it. A row
    # refused before it does not count: the next row may be its corrected copy.
    if applicant.id_number in context.seen:
        outcome.repeats = context.seen[applicant.id_number]
        earlier = "那一行已保存" if context.saving else "那一行可以导入"
        outcome.errors.append(f"该职工在本文件第 {outcome.repeats} 行已出现（{earlier}），本行未导入。")
        return outcome, None, []
    if org_key(applicant.employer) != context.employer_key:
        outcome.errors.append(
            f"工作单位“{applicant.employer}”不是填报单位“{org.name}”所在的单位：受奖励人员所在单位必须建立工会组织，请由该单位的基层工会填报。"
        )
    elsewhere = not_a_member_of(org, judgement.member)
    if elsewhere:
        outcome.errors.append(elsewhere)
    if prior:
        own_member = judgement.member is not None and not elsewhere
        outcome.errors.append(already_applying(prior, year=context.campaign.year, visible=context.visible, own_member=own_member))
    elif not judgement.decision.eligible:
        # The once-a-year rule's other application named only to whom may open it (decision 221).
        outcome.errors.extend(in_staff_words((check.message for check in judgement.decision.failures), visible=context.visible))
    checked: list[materials.CheckedFile] = []
    if context.zip_given and not context.found.get(applicant.id_number):
        outcome.errors.append(no_materials(applicant.id_number))
    elif context.zip_given:
        files = context.found[applicant.id_number]
        for kind in KINDS:
            content = files.get(kind)
            if content is None:
                outcome.errors.append(missing_material(applicant.id_number, kind))
                continue
            content.seek(0)  # a later row of the same person may read it again
            item, error = materials.check_upload(kind, content)
            if error:
                outcome.errors.append(error)
            elif item is not None:
                checked.append(item)
    if outcome.errors:
        return outcome, None, []
    context.seen[applicant.id_number] = sheet_row.row
    outcome.status = "valid"
    return outcome, judgement, checked


def _retell_copies_of_unsaved(
    context: _Context, outcomes: list[RowOutcome], ready: list[tuple[RowOutcome, Any, list[materials.CheckedFile]]]
) -> None:
    """A row that passed the check but could not be saved (the person got an application
    meanwhile) was not imported: its copies below no longer say it "can be imported", and a
    later lot judges the person afresh (the application now there refuses them, saying which)."""
    unsaved = {outcome.row for outcome, _, _ in ready if outcome.status == "rejected"}
    if not unsaved:
        return
    context.seen = {person: row for person, row in context.seen.items() if row not in unsaved}
    for outcome in outcomes:
        if outcome.repeats in unsaved:
            outcome.errors = [
                f"该职工在本文件第 {outcome.repeats} 行已出现，本行未导入；第 {outcome.repeats} 行保存时{already_said(context.campaign.year)}，也未导入。"
            ]


def _save_chunk(
    *,
    campaign: Campaign,
    user: StaffUser,
    org: Organisation,
    start_status: str,
    ready: list[tuple[RowOutcome, Any, list[materials.CheckedFile]]],
    saved: list[int] | None = None,
) -> None:
    """The chunk in one transaction; on a conflict row by row, each row committed on its own.
    ``saved`` gets the number committed as it is committed (a later failure reports them)."""
    from .bulk import ChunkConflict, save_many

    counted = saved if saved is not None else []
    numbers: list[str | None]
    try:
        numbers = save_many(
            campaign=campaign, user=user, org=org, start_status=start_status, items=[(judgement, files) for _, judgement, files in ready]
        )
        counted.append(sum(1 for number in numbers if number is not None))
    except ChunkConflict:
        numbers = []
        for _, judgement, files in ready:
            number = _save_row(campaign=campaign, user=user, org=org, start_status=start_status, judgement=judgement, checked=files)
            numbers.append(number)
            counted.append(1 if number is not None else 0)
    for (outcome, _, _), number in zip(ready, numbers, strict=True):
        if number is None:
            outcome.status = "rejected"
            outcome.errors.append(f"{already_said(campaign.year)}，不能重复申报。")
        else:
            outcome.status, outcome.application_no = "accepted", number


def _save_row(
    *, campaign: Campaign, user: StaffUser, org: Organisation, start_status: str, judgement: Any, checked: list[materials.CheckedFile]
) -> str | None:
    from rewards.registries.models import Member

    written: list[str] = []
    member = Member.objects.filter(id_hash=crypto.blind_index("id", judgement.applicant.id_number)).select_related("union").first()
    try:
        with transaction.atomic():
            application = Application(
                campaign=campaign,
                channel=Channel.BATCH,
                status=start_status,
                union=member.union if member else org.district_union,
                grassroots_union=org,
                submitting_org=org,
                submitted_at=clock.business_now(),
            )
            apply_judgement(application, judgement)
            application.application_no = next_application_number(campaign)
            application.save()
            stored = [materials.store(application, item, written) for item in checked]
            materials.schedule_processing([attachment.pk for attachment in stored])
            record_event(application, stage="batch_entered", to_status=start_status, actor=user)
            if start_status == Status.PENDING_DISTRICT:
                # Entered by the district on the union's behalf, or saved by the clerk with the
                # 初审 done on paper: the 初审 is on record.
                record_event(
                    application,
                    stage="基层工会初审",
                    decision="approve",
                    opinion="同意（纸质申请表已初审）",
                    from_status=Status.PENDING_GRASSROOTS,
                    to_status=Status.PENDING_DISTRICT,
                    actor=user,
                    organisation=org,
                )
                application.has_decision = True
                application.save(update_fields=["has_decision"])
            refresh_flags(application)
            mirror_shared_flags(application)
            notify(application, "batch_entered", event="batch_entered", union_name=org.name)
    except IntegrityError:
        materials.discard(written)
        return None
    except BaseException:
        materials.discard(written)
        raise
    return application.application_no


def sheet_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


#: Key of a refused row's reasons in :func:`rejected_json` (beside the fields as typed).
ERRORS_KEY = "__errors__"


def rejected_json(result: BatchResult) -> str:
    """The refused rows as typed, with their reasons in full (a missing material's file name
    holds the ID number), for the encrypted copy that the refused-rows workbook is built from."""
    reasons = {row.row: row.errors for row in result.rejected}
    return json.dumps(
        {
            str(k): {**{f: (v.isoformat() if hasattr(v, "isoformat") else v) for f, v in row.items()}, ERRORS_KEY: reasons.get(k, [])}
            for k, row in result.originals.items()
        },
        ensure_ascii=False,
    )


__all__ = ["BatchResult", "RowOutcome", "UnreadableFile", "check_and_save", "submitting_org_for"]


def batch_resubmit(
    *, user: StaffUser, application_no: str, data: dict[str, Any], files: dict[str, Any], request: Any = None
) -> Application:
    """The submitting grassroots clerk corrects a returned batch application and resubmits it:
    a new 初审 is recorded and it goes to ``pending_district``."""
    from rewards.applications.services import _check_files, _raise_for, current_values, missing_again
    from rewards.core.errors import Conflict
    from rewards.review.services import application_in_scope

    if user.role != Role.GRASSROOTS_CLERK:
        raise Forbidden("退回的单位统一申报由填报的基层工会修改后重新提交。")
    own = clerk_union(user)
    application_in_scope(user, application_no)
    written: list[str] = []
    try:
        with transaction.atomic():
            application = application_in_scope(user, application_no, lock=True)
            if application.channel != Channel.BATCH or application.submitting_org_id != user.organisation_id:
                raise NotFound("没有找到该申请，或不是本单位填报的。")
            if application.status != Status.RETURNED:
                raise Conflict("只有被退回的申请可以修改后重新提交。", code="wrong_stage")
            values = current_values(application)
            values.update({key: value for key, value in data.items() if key in values and key != "id_number"})
            judgement = judge(
                application.campaign,
                values,
                required=SUBMISSION_FIELDS,
                exclude_application_id=application.pk,
                mode="resubmission",
                returned_on=application.returned_on,
            )
            _raise_for(judgement, voice=staff_words_for(visible_org_ids(user)))
            if org_key(judgement.applicant.employer) != employer_key_of(own):
                raise InvalidInput(fields={"employer": [f"工作单位须为“{own.employer}”。"]})
            elsewhere = not_a_member_of(application.submitting_org or own, judgement.member)
            if elsewhere:
                raise InvalidInput(elsewhere, fields={"id_number": [elsewhere]})
            missing = missing_again(application, files)
            if missing:
                raise InvalidInput("有材料需要重新上传，请按提示选择文件。", fields=missing)
            checked = _check_files(files, required=False)
            apply_judgement(application, judgement)
            application.status = Status.PENDING_DISTRICT
            application.save()
            stored = [materials.store(application, item, written) for item in checked]
            materials.schedule_processing([attachment.pk for attachment in stored])
            record_event(application, stage="resubmitted", from_status=Status.RETURNED, to_status=Status.PENDING_GRASSROOTS, actor=user)
            record_event(
                application,
                stage="基层工会初审",
                decision="approve",
                opinion="修改后重新初审通过",
                from_status=Status.PENDING_GRASSROOTS,
                to_status=Status.PENDING_DISTRICT,
                actor=user,
            )
            refresh_flags(application)
            mirror_shared_flags(application)
            audit("application.resubmitted", obj=application, actor=user, request=request, detail={"channel": Channel.BATCH})
    except BaseException:
        materials.discard(written)
        raise
    return application


def entry_check(
    *, campaign: Campaign, org: Organisation, values: dict[str, Any], judgement: Any, user: StaffUser | None = None
) -> tuple[RowOutcome, dict[str, Any] | None]:
    """One paper Annex 3 form checked as a one-row import (the same batch rules as a row of a
    file): the outcome (``valid``, ``unchanged`` or ``rejected`` with its reasons) and the
    person's live application of this campaign, if any. ``judgement`` is ``judge``'s answer."""
    typed_id = _typed_id(values)
    id_hash = crypto.blind_index("id", typed_id) if typed_id else ""
    existing: dict[str, dict[str, Any]] = {
        row["id_hash"]: dict(row)
        for row in Application.objects.filter(campaign=campaign, id_hash=id_hash)
        .exclude(status=Status.WITHDRAWN)
        .values(*_PRIOR_FIELDS)[:1]
    }
    context = _Context(
        campaign=campaign, org=org, employer_key=employer_key_of(org), found={}, zip_given=False, visible=visible_org_ids(user)
    )
    outcome, _, _ = _check_row(context, SheetRow(row=0, values=values, errors=[]), judgement, existing.get(id_hash) if typed_id else None)
    return outcome, existing.get(id_hash)


def entry_save(
    *, campaign: Campaign, user: StaffUser, org: Organisation, start_status: str, judgement: Any, checked: list[materials.CheckedFile]
) -> str | None:
    """Saves one checked worker whole, the way a row of an import is saved (application,
    materials, history, signals, SMS); None when the person got an application meanwhile."""
    return _save_row(campaign=campaign, user=user, org=org, start_status=start_status, judgement=judgement, checked=checked)
