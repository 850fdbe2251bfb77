"""The review chain (DOMAIN.md §5): one function per decision, enforced on the server.

Online channel: district/industry 预审 → city 终审. Batch channel: grassroots 初审 →
district/industry 复审 → city 终审. Checked in the contract's order: the caller's role
(403), the application in the caller's subtree (404), then its stage (409).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rewards.applications.labels import MATERIAL_LABELS_FULL
from rewards.applications.models import Application, Flag
from rewards.applications.notify import notify
from rewards.applications.selectors import materials_label
from rewards.applications.services import record_event, resubmission_deadline
from rewards.campaigns.selectors import level_amounts
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from rewards.core.masking import mask_numbers_of
from rewards.core.text import written_field
from rewards.core.vocab import Channel, Status
from rewards.notifications.templates import materials_sentence, sms_reason
from rewards.organisations.models import Role, StaffUser
from rewards.organisations.selectors import scope_to_subtree, visible_organisations

from .flags import ensure_signals, unresolved_hard

#: Who decides an application at each stage, and where approval sends it.
STAGE_ROLE = {
    Status.PENDING_GRASSROOTS: Role.GRASSROOTS_CLERK,
    Status.PENDING_DISTRICT: Role.DISTRICT_REVIEWER,
    Status.PENDING_CITY: Role.CITY_REVIEWER,
}
APPROVE_TO = {
    Status.PENDING_GRASSROOTS: Status.PENDING_DISTRICT,
    Status.PENDING_DISTRICT: Status.PENDING_CITY,
    Status.PENDING_CITY: Status.APPROVED,
}
REVIEWER_ROLES = frozenset(STAGE_ROLE.values())
DECISIONS = ("approve", "return", "reject")


def stage_name(status: str, channel: str) -> str:
    """The notice's word for the step: 初审, 预审/复审, 终审."""
    if status == Status.PENDING_GRASSROOTS:
        return "基层工会初审"
    if status == Status.PENDING_DISTRICT:
        return "区县（产业）工会预审" if channel == Channel.ONLINE else "区县（产业）工会复审"
    return "市总工会终审"


def sees_full_numbers(user: StaffUser) -> bool:
    """Full ID, card and mobile numbers only for a reviewer (DOMAIN.md §9); the subtree is
    checked by whoever fetched the application."""
    return user.role in REVIEWER_ROLES


def scoped_applications(user: StaffUser, *, by_ids: bool = False):  # type: ignore[no-untyped-def]
    """Every application the caller may see: those of unions in its subtree (``by_ids``: see
    :func:`scope_to_subtree`)."""
    organisation = user.organisation
    if organisation is not None and organisation.parent_id is None:
        return scope_to_subtree(Application.objects.all(), user, org_field="union")
    return scope_to_subtree(Application.objects.all(), user, org_field="union", by_ids=by_ids) | scope_to_subtree(
        Application.objects.all(), user, org_field="submitting_org", by_ids=by_ids
    )


def scoped_parts(user: StaffUser) -> list[tuple[Any, tuple[str, ...]]]:
    """:func:`scoped_applications` as disjoint parts whose counts add up to its count: those of
    the subtree's unions, and those its units submitted for a union outside it. Counted apart,
    each part reads one index that holds its status (``union, status``; ``submitting_org, union,
    status``) instead of every row that an ``OR`` of the two matches (decision 263).

    Each part comes with the columns to group its count by: the index's own, in its order, so
    the database adds up while it walks the index instead of sorting every match by status
    first (decision 292)."""
    organisation = user.organisation
    if organisation is None or organisation.parent_id is None:
        return [(scoped_applications(user), ("status",))]
    by_union = scope_to_subtree(Application.objects.all(), user, org_field="union", by_ids=True)
    by_submitter = scope_to_subtree(Application.objects.all(), user, org_field="submitting_org", by_ids=True)
    return [
        (by_union, ("union_id", "status")),
        (by_submitter.exclude(union__in=visible_organisations(user).values("pk")), ("submitting_org_id", "union_id", "status")),
    ]


def application_in_scope(user: StaffUser, application_no: str, *, lock: bool = False) -> Application:
    if "\x00" in application_no:  # no number holds one, and PostgreSQL refuses it in a query
        raise NotFound("没有找到该申请，或不在您的管辖范围内。")
    queryset = scoped_applications(user).filter(application_no=application_no)
    application = queryset.select_related("campaign", "union").first()
    if application is None:
        raise NotFound("没有找到该申请，或不在您的管辖范围内。")
    if lock:
        application = Application.objects.select_for_update(of=("self",)).select_related("campaign", "union").get(pk=application.pk)
    return application


def materials_asked(decision: str, materials: Any) -> list[str]:
    """A return's materials to upload again, checked: known kinds only, and only on a return
    (on an approval or a rejection they would mean nothing, and are refused, not dropped)."""
    if materials is None or materials == "" or materials == []:
        return []
    if not isinstance(materials, (list, tuple)) or not all(isinstance(kind, str) for kind in materials):
        raise InvalidInput(fields={"materials": ['需重新上传的材料应为列表，例如 ["bank_card"]。']})
    unknown = [kind[:20] for kind in materials if kind not in MATERIAL_LABELS_FULL]
    if unknown:
        known = "、".join(f"{kind}（{label}）" for kind, label in MATERIAL_LABELS_FULL.items())
        raise InvalidInput(fields={"materials": [f"未知的材料：{'、'.join(unknown[:5])}；可选值：{known}。"]})
    if decision != "return":
        raise InvalidInput(fields={"materials": ["只有退回修改时才能要求重新上传材料；通过或不予奖励时请不要勾选。"]})
    return [kind for kind in MATERIAL_LABELS_FULL if kind in materials]


def review_decide(
    *, user: StaffUser, application_no: str, decision: str, opinion: object = "", materials: Any = None, request: Any = None
) -> Application:
    if user.role not in REVIEWER_ROLES:
        raise Forbidden("您的角色不能审核申请。")
    # 404 (and its access-denied audit entry) before the body is judged: outside the subtree
    # any request answers the same, well-formed or not (SECURITY.md 1).
    application_in_scope(user, application_no)
    if decision not in DECISIONS:
        raise InvalidInput(fields={"decision": ["决定应为 approve（通过）、return（退回修改）或 reject（不予奖励）。"]})
    opinion = written_field(opinion, field="opinion", label="意见")
    if decision in ("return", "reject") and not opinion:
        raise InvalidInput("退回或不予奖励时必须填写意见。", fields={"opinion": ["请填写意见，说明退回或不予奖励的原因。"]})
    if len(opinion) > 500:
        raise InvalidInput(fields={"opinion": ["意见最多500字。"]})
    again = materials_asked(decision, materials)
    with transaction.atomic():
        application = application_in_scope(user, application_no, lock=True)
        status = application.status
        if STAGE_ROLE.get(Status(status)) != user.role:
            raise Conflict(f"该申请当前为“{Status(status).label}”，不在您的审核环节，或已被处理。", code="wrong_stage")
        if application.channel == Channel.ONLINE and status == Status.PENDING_GRASSROOTS:
            raise Conflict("个人网上申报没有基层工会初审环节。", code="wrong_stage")
        stage = stage_name(status, application.channel)
        now = clock.now()
        ensure_signals(application)  # a hard signal found late must still block 终审
        if decision == "approve":
            if status == Status.PENDING_CITY and unresolved_hard(application):
                raise Conflict("该申请有尚未处理的风险信号，须先写明处理意见后才能终审通过。", code="unresolved_flag")
            application.status = APPROVE_TO[Status(status)]
            if application.status == Status.APPROVED:
                # The city's approval fixes the amount from the campaign's table.
                application.amount = level_amounts(application.campaign)[application.new_level]
        elif decision == "return":
            application.status = Status.RETURNED
            application.returned_at = now
            application.returned_on = clock.today()
        else:
            application.status = Status.REJECTED
        application.has_decision = True
        application.save()
        # The worker's own numbers never stay in the text; ID and card numbers are masked by the
        # column itself, another mobile (the reviewer's contact number) stays (decision 62).
        opinion = mask_numbers_of(opinion, application.phone, application.bank_card_no, application.id_number)
        record_event(
            application,
            stage=stage,
            decision=decision,
            opinion=opinion,
            from_status=status,
            to_status=application.status,
            actor=user,
            materials=again if decision == "return" else None,
        )
        detail: dict[str, Any] = {"from": status, "to": application.status}
        if decision == "return":
            detail["materials"] = again
        audit(f"review.{decision}", obj=application, request=request, actor=user, detail=detail)
        events = application.events.count()
        if application.status == Status.APPROVED:
            notify(application, "approved", event="approved", amount=application.amount)
        elif application.status == Status.RETURNED and application.channel == Channel.ONLINE:
            last_day = resubmission_deadline(application) or application.campaign.application_deadline  # returned just now
            # 12月15日 read in the same year; a return late in December whose grace runs into the
            # next year names it (2027年1月4日), or 1月4日 could be read as a day already past.
            same_year = last_day.year == (application.returned_on or clock.today()).year
            deadline = f"{last_day.month}月{last_day.day}日" if same_year else f"{last_day.year}年{last_day.month}月{last_day.day}日"
            notify(
                application,
                "returned",
                event=f"returned:{events}",
                reason=sms_reason(opinion),
                deadline=deadline,
                materials=materials_sentence(materials_label(again)),
            )
        elif application.status == Status.RETURNED:
            # 单位统一申报: back to the grassroots union, which corrects it; the worker is told
            # (DOMAIN.md §6: an SMS on return) and whom to ask.
            union = application.submitting_org or application.grassroots_union
            notify(
                application,
                "returned_to_union",
                event=f"returned:{events}",
                reason=sms_reason(opinion),
                union_name=union.name if union else "所在单位工会",
                materials=materials_sentence(materials_label(again)),
            )
        elif application.status == Status.REJECTED:
            notify(application, "rejected", event="rejected", reason=sms_reason(opinion))
    return application


def review_approve_many(*, user: StaffUser, application_nos: list[str], request: Any = None) -> dict[str, str]:
    """批量通过 from the queue: each one in its own transaction; returns number → outcome."""
    outcomes: dict[str, str] = {}
    for number in application_nos[:200]:
        try:
            review_decide(user=user, application_no=number, decision="approve", request=request)
            outcomes[number] = "approved"
        except (Conflict, NotFound, Forbidden, InvalidInput) as exc:
            outcomes[number] = exc.code
    return outcomes


def flag_resolve(*, user: StaffUser, application_no: str, code: str, note: object, request: Any = None) -> Flag:
    if user.role != Role.CITY_REVIEWER:  # API.md roles: the city resolves, the stage a hard signal blocks
        raise Forbidden("风险信号由市总工会终审人员核实处理。")
    application_in_scope(user, application_no)  # 404 whatever the body (SECURITY.md 1)
    note = written_field(note, field="note", label="处理意见")
    if not note:
        raise InvalidInput("请写明处理意见。", fields={"note": ["请写明核实情况和处理意见。"]})
    with transaction.atomic():
        application = application_in_scope(user, application_no, lock=True)
        flag = application.flags.filter(code=code).first()
        if flag is None:
            raise NotFound("该申请没有这个风险信号。")
        if flag.resolved_at is not None:
            raise Conflict("该风险信号已处理。", code="already_resolved")
        flag.resolved_at = clock.now()
        flag.resolved_by = user
        flag.resolution_note = mask_numbers_of(note[:1000], application.phone, application.bank_card_no, application.id_number)
        flag.save()
        audit("review.flag_resolve", obj=application, request=request, actor=user, detail={"flag": code})
    return flag
