"""Changes of an application made by the worker: submit, correct or resubmit, withdraw,
and a new query password. Each is one transaction that locks what it changes, records the
history and the audit entry, and queues its SMS for after the commit."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, connection, transaction

from rewards.campaigns.models import Campaign
from rewards.core import clock, crypto, validators
from rewards.core.audit import append, audit, audit_entry
from rewards.core.errors import Conflict, Forbidden, Ineligible, InvalidInput, NotFound
from rewards.core.queue import enqueue_after_commit
from rewards.core.rows import PreparedRow
from rewards.core.text import fold_width
from rewards.core.vocab import Channel, Status
from rewards.eligibility.fields import SUBMISSION_FIELDS
from rewards.eligibility.services import Judgement, judge
from rewards.registries.selectors import member_by_id_hash
from rewards.review.flags import mirror_shared_flags, refresh_flags

from . import materials, serving
from .models import Application, ApplicationCounter, ApplicationEvent, AttachmentKind
from .notify import notify, notify_new
from .selectors import current_materials, requested_again
from .tasks import after_submission

logger = logging.getLogger(__name__)
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BANK_FIELDS = ("bank_card_no", "bank_branch")


@dataclass(frozen=True)
class Submitted:
    application: Application
    query_password: str


def new_query_password() -> str:
    """10 characters of Crockford base32: 50 random bits (API.md)."""
    return "".join(secrets.choice(CROCKFORD) for _ in range(10))


def password_digest(password: str) -> str:
    """Read as Crockford base32 is: any case, O as 0, I and L as 1, hyphens and spaces ignored
    (people write a 10-character password in two groups of five)."""
    text = re.sub(r"[\s\-‐-―]", "", fold_width(password)).upper()  # full-width letters and digits too
    return crypto.keyed_digest("query-password", text.replace("O", "0").replace("I", "1").replace("L", "1"))


def digest_matches(stored: str, digest: str) -> bool:
    """A stored query-password digest against :func:`password_digest` of a given password."""
    return bool(stored) and hmac.compare_digest(stored, digest)


def password_matches(application: Application, password: str) -> bool:
    return digest_matches(application.query_password_hash, password_digest(password))


def next_application_number(campaign: Campaign) -> str:
    """The next number of the campaign, in the caller's transaction: one ``UPDATE … RETURNING``
    that holds the counter's row lock until the commit (numbers are never given out twice)."""
    table = ApplicationCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE campaign_id = %s RETURNING last", [campaign.pk])  # noqa: S608 - identifiers from the models, values bound  # nosec B608
        row = cursor.fetchone()
    if row is not None:
        return f"{campaign.year}{row[0]:06d}"
    counter, _ = ApplicationCounter.objects.select_for_update().get_or_create(campaign=campaign)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{campaign.year}{counter.last:06d}"


def _checked_files(files: Mapping[str, IO[bytes] | None], *, required: bool) -> tuple[list[materials.CheckedFile], dict[str, list[str]]]:
    checked, errors = [], {}
    for kind, field in materials.FIELD_FOR_KIND.items():
        upload = files.get(field)
        if upload is None and not required:
            continue
        result, error = materials.check_upload(kind, upload)
        if error:
            errors[field] = [error]
        elif result is not None:
            checked.append(result)
    return checked, errors


def _check_files(files: Mapping[str, IO[bytes] | None], *, required: bool) -> list[materials.CheckedFile]:
    checked, errors = _checked_files(files, required=required)
    if errors:
        raise InvalidInput("上传的材料有误，请按提示重新上传。", fields=errors)
    return checked


#: On a file field whose material the latest return asked for again (review ``materials``).
ASKED_AGAIN = "审核人员要求重新上传这份材料。"


#: On a file field whose current material's file is no longer in storage (serving.MaterialMissing).
LOST_FILE = "原来上传的这份材料在系统中找不到了，请重新上传。"


def lost_files(application: Application) -> list[str]:
    """The file fields whose current material's file storage has lost (:data:`LOST_FILE`)."""
    return [materials.FIELD_FOR_KIND[AttachmentKind(item.kind)] for item in current_materials(application) if not serving.on_disk(item)]


def missing_again(application: Application, files: Mapping[str, IO[bytes] | None]) -> dict[str, list[str]]:
    """The file fields of a correction or resubmission that came without a file and need one: a
    material the latest return asked to upload again, or one whose file storage has lost (the
    reviewers could not open it)."""
    wanted = {field: [LOST_FILE] for field in lost_files(application)}
    wanted.update({materials.FIELD_FOR_KIND[AttachmentKind(kind)]: [ASKED_AGAIN] for kind in requested_again(application)})
    return {field: texts for field, texts in wanted.items() if files.get(field) is None}


def _judge_with_files(
    campaign: Campaign,
    data: dict[str, Any],
    files: Mapping[str, IO[bytes] | None],
    *,
    required_files: bool,
    missing: dict[str, list[str]] | None = None,
    **options: Any,
) -> Judgement:
    """:func:`judge`, whose 400 for the form also names the materials' problems: one answer lists
    everything to fix, not the fields first and the files on the next try. ``missing``: the
    materials that had to come again and did not (:func:`missing_again`)."""
    missing = missing or {}
    try:
        judgement = judge(campaign, data, required=SUBMISSION_FIELDS, **options)
    except InvalidInput as error:
        _, file_errors = _checked_files(files, required=required_files)
        if not file_errors and not missing:
            raise
        raise InvalidInput(error.message, fields={**error.fields, **missing, **file_errors}) from error
    if missing:
        _, file_errors = _checked_files(files, required=required_files)
        raise InvalidInput("有材料需要重新上传，请按提示选择文件。", fields={**missing, **file_errors})
    return judgement


def _raise_for(judgement: Judgement, *, voice: Callable[[str], str] | None = None) -> None:
    """Refuses an ineligible form; ``voice``: how staff read the rules' messages about the worker
    (``staff_voice``, decision 97; the batch channel's also withholds what the caller may not
    open, decision 221), None for the worker."""
    decision = judgement.decision
    if decision.eligible:
        return
    checks = decision.as_list()
    if voice is not None:
        checks = [{**check, "message": voice(str(check.get("message", "")))} for check in checks]
    voice = voice or str
    conflict = decision.conflict()
    if conflict is not None:
        raise Conflict(voice(conflict.message), code=conflict.code, checks=checks)
    raise Ineligible("不符合奖励条件：" + "；".join(voice(check.message) for check in decision.failures), checks=checks)


def apply_judgement(application: Application, judgement: Judgement) -> None:
    applicant = judgement.applicant
    for field in (
        "name",
        "gender",
        "birth_date",
        "education",
        "occupation",
        "new_level",
        "certificate_no",
        "certificate_issue_date",
        "issuer",
        "bank_branch",
        "employer",
        "is_migrant",
        "hukou_place",
        "years_in_hangzhou",
    ):
        setattr(application, field, getattr(applicant, field))
    application.previous_level = applicant.previous_level or ""
    application.previous_level_date = applicant.previous_level_date
    application.id_number = applicant.id_number
    application.id_hash = crypto.blind_index("id", applicant.id_number)
    application.phone = applicant.phone
    application.phone_hash = crypto.blind_index("phone", applicant.phone)
    application.bank_card_no = applicant.bank_card_no
    application.bank_card_hash = crypto.blind_index("card", applicant.bank_card_no)
    application.checks = judgement.decision.as_list()
    application.is_makeup = judgement.decision.is_makeup
    application.amount = judgement.decision.amount


def record_event(
    application: Application,
    *,
    stage: str,
    to_status: str,
    from_status: str = "",
    decision: str = "",
    opinion: str = "",
    actor: Any = None,
    organisation: Any = None,
    materials: list[str] | None = None,
) -> None:
    """One step of the application's history, at the real time: under ``APP_TODAY`` history
    keeps the real clock, as the audit log does (API.md, Configuration; decision 113)."""
    PreparedRow(
        ApplicationEvent(
            application=application,
            at=clock.now(),
            stage=stage,
            decision=decision,
            opinion=opinion,
            from_status=from_status,
            to_status=to_status,
            actor=actor if getattr(actor, "pk", None) else None,
            organisation=organisation or getattr(actor, "organisation", None),
            materials=materials,
        )
    ).insert()


def application_submit(
    *,
    campaign: Campaign,
    data: dict[str, Any],
    files: Mapping[str, IO[bytes] | None],
    applicant_id_hash: str,
    request: Any = None,
    in_transaction: Callable[[], object] | None = None,
) -> Submitted:
    """个人网上申报: a signed-in worker submits Annex 3 with the three materials.

    ``in_transaction`` is called inside the submission's transaction, just before the commit:
    the caller's own row (the counted attempt of the throttle) commits with the application
    instead of in a write transaction of its own.
    """
    if not str(data.get("phone") or "").strip():
        # Annex 3's 手机号码 left out: the one on file in the member registry (the page says so).
        member_on_file = member_by_id_hash(applicant_id_hash)
        if member_on_file is not None and member_on_file.phone:
            data = {**data, "phone": member_on_file.phone}
    judgement = _judge_with_files(campaign, data, files, required_files=True)
    if crypto.blind_index("id", judgement.applicant.id_number) != applicant_id_hash:
        raise Forbidden("只能为本人申请：身份证号码与登录的身份不一致。", code="forbidden")
    _raise_for(judgement)
    member = judgement.member
    if member is None or member.union_id is None:  # eligible means a member: a registry changed meanwhile
        raise Conflict("会员库中未找到您的会员信息，请联系所在工会。", code="not_a_member")
    checked = _check_files(files, required=True)
    password = new_query_password()
    # Everything that costs CPU (encrypting the personal fields, the audit entry, the file
    # writes) happens before the transaction: on SQLite it holds the only write lock. The
    # times recorded (submitted, audited) are therefore those of the request, taken before any
    # wait for that lock, and may run a few milliseconds out of the order of the ids.
    application = Application(
        campaign=campaign,
        channel=Channel.ONLINE,
        status=Status.PENDING_DISTRICT,
        union_id=member.union_id,
        grassroots_union_id=member.grassroots_union_id,
        query_password_hash=password_digest(password),
        submitted_at=clock.business_now(),
    )
    apply_judgement(application, judgement)
    if not application.employer:
        application.employer = member.employer
    row = PreparedRow(application)
    entry = audit_entry("application.submit", obj=application, request=request, actor_label="applicant")
    written: list[str] = []
    committing = False
    try:
        saved = materials.write_files(campaign.year, checked, written)
        with transaction.atomic():
            row.set("application_no", next_application_number(campaign))
            row.insert()
            attachments = materials.record_files(application, saved)
            record_event(application, stage="submitted", to_status=Status.PENDING_DISTRICT)
            entry.object_id = str(application.pk)
            entry.detail = {"channel": Channel.ONLINE, "application_no": application.application_no}
            append(entry)
            sms_id = notify_new(application, "submitted", event="submitted")
            # One background task sends the SMS, re-encodes the photos and works out the
            # signals (a reviewer's first look works them out if it comes first: see
            # rewards.review.flags.ensure_signals).
            enqueue_after_commit(after_submission, application.pk, [a.pk for a in attachments], sms_id)
            if in_transaction is not None:
                in_transaction()
            committing = True  # from here on the commit itself is running
    except IntegrityError as exc:
        materials.discard(written)
        # Two submissions of one person at once: the one-live-application constraint keeps one.
        # Any other broken constraint is a fault, not the worker's: it is raised as it is.
        if _live_application_exists(campaign, application.id_hash):
            raise Conflict("您已有一份本年度申请正在办理中。", code="already_pending") from exc
        raise
    except BaseException:
        keep_files_if_commit_unknown(written, committing)
        raise
    return Submitted(application=application, query_password=password)


def _live_application_exists(campaign: Campaign, id_hash: str) -> bool:
    return Application.objects.filter(campaign=campaign, id_hash=id_hash).exclude(status=Status.WITHDRAWN).exists()


def keep_files_if_commit_unknown(written: list[str], committing: bool) -> None:
    """Deletes the files of a change that failed, unless the failure came from the commit itself.

    When the connection breaks during COMMIT (a database restart), nobody knows whether the
    rows were written: deleting the files could leave rows pointing at missing files, which is
    worse than a few unreferenced files (SECURITY.md, Faults). Those are kept and logged.
    """
    if committing:
        logger.warning("提交时数据库连接中断，结果未知：保留已写入的 %d 个材料文件。", len(written))
        return
    materials.discard(written)


def _own_application(application_no: str, applicant_id_hash: str, *, lock: bool = False) -> Application:
    queryset = Application.objects.select_related("campaign", "union")
    if lock:
        queryset = queryset.select_for_update()
    application = queryset.filter(application_no=application_no, id_hash=applicant_id_hash).first()
    if application is None:
        raise NotFound("没有找到该申请。")
    return application


def current_values(application: Application) -> dict[str, Any]:
    return {
        "name": application.name,
        "id_number": application.id_number,
        "gender": application.gender,
        "education": application.education,
        "occupation": application.occupation,
        "previous_level": application.previous_level,
        "previous_level_date": application.previous_level_date.isoformat() if application.previous_level_date else "",
        "new_level": application.new_level,
        "certificate_no": application.certificate_no,
        "certificate_issue_date": application.certificate_issue_date.isoformat(),
        "issuer": application.issuer,
        "phone": application.phone,
        "bank_card_no": application.bank_card_no,
        "bank_branch": application.bank_branch,
        "employer": application.employer,
        "is_migrant": "是" if application.is_migrant else "否",
        "hukou_place": application.hukou_place,
        "years_in_hangzhou": "" if application.years_in_hangzhou is None else str(application.years_in_hangzhou),
    }


def application_resubmit(
    *, application_no: str, data: dict[str, Any], files: Mapping[str, IO[bytes] | None], applicant_id_hash: str, request: Any = None
) -> Application:
    """Correction by the worker: a returned application (within the grace period) goes back to
    预审; an undecided one is corrected in place; after a failed payment only the bank fields
    change and it goes back to ``approved`` with a ``bank_changed`` signal."""
    written: list[str] = []
    try:
        with transaction.atomic():
            application = _own_application(application_no, applicant_id_hash, lock=True)
            if application.channel != Channel.ONLINE and application.status != Status.PAYMENT_FAILED:
                raise Conflict("单位统一申报的申请由所在基层工会修改后重新提交。", code="wrong_stage")
            previous_status = application.status
            if application.status == Status.RETURNED:
                mode = "resubmission"
            elif application.status == Status.PENDING_DISTRICT and not application.has_decision:
                mode = "correction"
            elif application.status == Status.PAYMENT_FAILED:
                mode = "bank_fix"
            else:
                raise Conflict("该申请当前状态不能修改。", code="wrong_stage")
            values = current_values(application)
            if mode == "bank_fix":
                # API.md: bank fields only. Anything else given is refused, not silently dropped.
                others = sorted(key for key, value in data.items() if key not in BANK_FIELDS and str(value or "").strip())
                if others:
                    raise InvalidInput(
                        "发放失败后只能更正银行卡号和开户行，其他内容不能修改。",
                        fields={key: ["发放失败后不能修改此项。"] for key in others},
                    )
                changes = {key: value for key, value in data.items() if key in BANK_FIELDS}
                if not changes:
                    raise InvalidInput("请填写更正后的银行卡号和开户行。", fields={"bank_card_no": ["此项必填。"]})
            else:
                changes = {key: value for key, value in data.items() if key in values and key != "id_number"}
            values.update(changes)
            if mode == "bank_fix":
                # The rules were decided when it was approved; only the card is checked again.
                card, card_error = validators.check_bank_card(values.get("bank_card_no"))
                branch, branch_error = validators.check_bank_branch(values.get("bank_branch"))
                bank_errors = {name: [error] for name, error in (("bank_card_no", card_error), ("bank_branch", branch_error)) if error}
                if bank_errors:
                    raise InvalidInput(fields=bank_errors)
            else:
                judgement = _judge_with_files(
                    application.campaign,
                    values,
                    files,
                    required_files=False,
                    missing=missing_again(application, files),
                    exclude_application_id=application.pk,
                    mode=mode,
                    returned_on=application.returned_on,
                )
                _raise_for(judgement)
            checked = _check_files(files, required=False)
            if mode == "bank_fix":
                application.bank_card_no = card or ""
                application.bank_card_hash = crypto.blind_index("card", card or "")
                application.bank_branch = branch or ""
                application.status = Status.APPROVED
                checked = [item for item in checked if item.kind == AttachmentKind.BANK_CARD]
            else:
                apply_judgement(application, judgement)
                application.status = Status.PENDING_DISTRICT
            application.save()
            stored = [materials.store(application, item, written) for item in checked]
            materials.schedule_processing([attachment.pk for attachment in stored])
            stage = {"resubmission": "resubmitted", "correction": "corrected", "bank_fix": "bank_corrected"}[mode]
            record_event(application, stage=stage, from_status=previous_status, to_status=application.status)
            refresh_flags(application)
            if mode == "bank_fix":
                from rewards.applications.models import Flag, FlagCode

                Flag.objects.update_or_create(
                    application=application,
                    code=FlagCode.BANK_CHANGED,
                    defaults={
                        "hard": False,
                        "message": "发放失败后，职工更正了银行卡信息。",
                        "raised_at": clock.now(),
                        "resolved_at": None,
                        "resolved_by": None,
                        "resolution_note": "",
                    },
                )
                # A security notice (DOMAIN.md §6): to the mobile on file in the member registry,
                # the one the sign-in codes go to, not only the one typed into the form.
                on_file = member_by_id_hash(application.id_hash)
                notify(
                    application,
                    "bank_changed",
                    event=f"bank_changed:{application.events.count()}",
                    phone=on_file.phone if on_file is not None and on_file.phone else "",
                    card_tail=application.bank_card_no[-4:],
                )
            mirror_shared_flags(application)
            audit(
                f"application.{stage}",
                obj=application,
                request=request,
                actor_label="applicant",
                detail={"from": previous_status, "to": application.status},
            )
    except BaseException:
        materials.discard(written)
        raise
    return application


@transaction.atomic
def application_withdraw(*, application_no: str, applicant_id_hash: str, request: Any = None) -> Application:
    """撤回: only while no reviewer has decided it (Annex 2: 可以重新提出申请)."""
    application = _own_application(application_no, applicant_id_hash, lock=True)
    if application.status == Status.WITHDRAWN:
        raise Conflict("该申请已经撤回。", code="wrong_stage")
    if application.has_decision or application.status not in (Status.PENDING_DISTRICT, Status.PENDING_GRASSROOTS):
        raise Conflict("已有审核意见的申请不能撤回。", code="wrong_stage")
    previous = application.status
    application.status = Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    record_event(application, stage="withdrawn", from_status=previous, to_status=Status.WITHDRAWN)
    audit("application.withdraw", obj=application, request=request, actor_label="applicant")
    return application


@transaction.atomic
def query_password_reissue(*, application_no: str, applicant_id_hash: str, request: Any = None) -> str:
    """A signed-in worker replaces a lost query password; the old one stops working."""
    application = _own_application(application_no, applicant_id_hash, lock=True)
    password = new_query_password()
    application.query_password_hash = password_digest(password)
    application.save(update_fields=["query_password_hash", "updated_at"])
    audit("application.query_password_reissue", obj=application, request=request, actor_label="applicant")
    return password


def resubmission_deadline(application: Application) -> dt.date | None:
    if application.status != Status.RETURNED or application.returned_on is None:
        return None  # without reading the campaign
    campaign = application.campaign
    return resubmission_deadline_after(
        application.status, application.returned_on, campaign.application_deadline, campaign.resubmission_grace_days
    )


def resubmission_deadline_after(status: str, returned_on: dt.date | None, application_deadline: dt.date, grace_days: int) -> dt.date | None:
    """:func:`resubmission_deadline` from plain values (the status query reads no model): the
    later of the application deadline and the grace period after the return
    (``Campaign.resubmission_until``)."""
    if status != Status.RETURNED or returned_on is None:
        return None
    return max(application_deadline, returned_on + dt.timedelta(days=grace_days))
