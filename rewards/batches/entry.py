"""One worker's paper Annex 3 form entered by the grassroots clerk (单位统一申报, one at a time).

The form is judged like an online application (the same field checks and rules) and then
checked and saved as a one-row import: the same batch rules and the same saving code. The three
materials are optional: the paper copies travel with the Annex 4 summary table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rewards.applications import materials
from rewards.applications.models import Application
from rewards.campaigns.selectors import require_current_campaign
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Ineligible, InvalidInput
from rewards.core.text import org_key
from rewards.core.vocab import Channel, Status
from rewards.eligibility.fields import SUBMISSION_FIELDS
from rewards.eligibility.services import judge
from rewards.organisations.models import Organisation, Role, StaffUser

from .refusals import already_applying, already_said, checks_in_staff_words, in_staff_words, visible_org_ids
from .services import employer_key_of, entry_check, entry_save, not_a_member_of, submitting_org_for


def batch_enter_one(
    *,
    user: StaffUser,
    org: Organisation,
    data: dict[str, Any],
    files: Mapping[str, IO[bytes] | None],
    reviewed: bool = False,
    request: Any = None,
) -> Application:
    """Creates the application of one worker for ``org`` (the clerk's union, or one of the
    district's grassroots unions); ``reviewed``: a clerk saves it with the 初审 done (decision
    96). Raises InvalidInput (with ``fields``), Conflict (``already_pending``, with
    ``application_no``) or Ineligible (with ``checks``)."""
    org, start_status = submitting_org_for(user, org.name, reviewed=reviewed)
    campaign = require_current_campaign()
    judgement = judge(campaign, data, required=SUBMISSION_FIELDS)
    if org_key(judgement.applicant.employer) != employer_key_of(org):
        employer = org.employer or org.name.removesuffix("工会")
        raise InvalidInput(
            "请按提示修改后再保存。",
            fields={"employer": [f"须为“{employer}”：受奖励人员所在单位必须建立工会组织，由该单位的基层工会（{org.name}）填报。"]},
        )
    elsewhere = not_a_member_of(org, judgement.member)
    if elsewhere:
        raise InvalidInput("请按提示修改后再保存。", fields={"id_number": [elsewhere]})
    outcome, existing = entry_check(campaign=campaign, org=org, values=data, judgement=judgement, user=user)
    visible = visible_org_ids(user)
    if existing is not None:
        if existing["channel"] == Channel.BATCH and existing["submitting_org_id"] == org.pk:
            message = f"{already_said(campaign.year)}（编号{existing['application_no']}，本单位已录入），不能重复申报。"
        else:  # the number only to whom may open the application (decision 19)
            message = already_applying(existing, year=campaign.year, visible=visible, own_member=judgement.member is not None)
        shown = existing["union_id"] in visible or existing["submitting_org_id"] in visible
        raise Conflict(message, code="already_pending", **({"application_no": existing["application_no"]} if shown else {}))
    decision = judgement.decision
    if not decision.eligible:
        # The once-a-year rule's other application named only to whom may open it (decision 221).
        raise Ineligible(
            "不符合奖励条件：" + "；".join(in_staff_words((check.message for check in decision.failures), visible=visible)),
            checks=checks_in_staff_words(decision.as_list(), visible=visible),
        )
    if outcome.status != "valid":
        raise InvalidInput("；".join(outcome.errors))
    checked, errors = [], {}
    for kind, field in materials.FIELD_FOR_KIND.items():
        upload = files.get(field)
        if upload is None:
            continue
        item, error = materials.check_upload(kind, upload)
        if error:
            errors[field] = [error]
        elif item is not None:
            checked.append(item)
    if errors:
        raise InvalidInput("上传的材料有误，请按提示重新选择，或不上传（纸质材料随汇总表报送）。", fields=errors)
    number = entry_save(campaign=campaign, user=user, org=org, start_status=start_status, judgement=judgement, checked=checked)
    if number is None:
        raise Conflict(f"{already_said(campaign.year)}，不能重复申报。", code="already_pending")
    application = Application.objects.select_related("union", "campaign").get(application_no=number)
    audit(
        "batch.entry",
        obj=application,
        actor=user,
        request=request,
        detail={
            "org": org.pk,
            "start": start_status,
            "initial_review": user.role == Role.GRASSROOTS_CLERK and start_status == Status.PENDING_DISTRICT,
            "materials": len(checked),
        },
    )
    return application
