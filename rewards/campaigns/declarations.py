"""非通用性职业申报 (附件5, DOMAIN.md §7): a district/industry union declares up to the campaign's
limit of non-generic occupations, each with a reason, until the declaration deadline; the city
union's economic department (经济部) approves or rejects each one with an opinion.

An approved occupation makes ``industry_authority`` certificates of that occupation eligible for
that union's applicants (rule 4 reads :func:`rewards.campaigns.selectors.approved_occupation_keys`
and the eligibility engine's campaign snapshot); a decision clears those per-process caches.

Pending and approved declarations count towards the limit; a rejected one frees its place, and
its occupation may be declared again. Every change is one function: one transaction, the rows of
the union (or the declaration) locked, one audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from rewards.core.memo import clear_all
from rewards.core.text import clean, written_note
from rewards.organisations.models import Organisation, OrgKind, Role, StaffUser
from rewards.organisations.selectors import scope_to_subtree

from .models import Campaign, CampaignUnit, DeclarationStatus, OccupationDeclaration, occupation_key
from .selectors import current_campaign, require_current_campaign

#: API.md "Roles": a district/industry union declares for itself, the economic department decides.
DECLARE_ROLES = frozenset({Role.DISTRICT_REVIEWER})
DECIDE_ROLES = frozenset({Role.ECONOMIC_OFFICER})
#: Who reads declarations: the declaring union (its own), and the city's reviewers, economic
#: department and auditors (all of them).
READ_ROLES = frozenset({Role.DISTRICT_REVIEWER, Role.ECONOMIC_OFFICER, Role.CITY_REVIEWER, Role.AUDITOR})
#: The statuses that take one of the union's places.
COUNTED = (DeclarationStatus.PENDING, DeclarationStatus.APPROVED)
DECISIONS = {"approve": DeclarationStatus.APPROVED, "reject": DeclarationStatus.REJECTED}
OCCUPATION_MAX = 100
REASON_MAX = 1000
OPINION_MAX = 500


@dataclass(frozen=True)
class Quota:
    """Where a union stands for one campaign: places used and left, and the deadline."""

    campaign: Campaign
    union: Organisation
    limit: int
    used: int
    deadline: dt.date | None
    today: dt.date

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def closed_reason(self) -> str:
        """Why no declaration can be made today, in Chinese; empty while declaring is open."""
        if self.today < self.campaign.opens_on:
            return f"{self.campaign.year}年度活动自{_date(self.campaign.opens_on)}起受理申报。"
        if self.deadline is not None and self.today > self.deadline:
            return f"非通用性职业申报已于{_date(self.deadline)}截止。"
        return ""

    @property
    def days_left(self) -> int | None:
        """Days from today to the deadline, the deadline day included (1 on the day itself)."""
        if self.deadline is None or self.today > self.deadline:
            return None
        return (self.deadline - self.today).days + 1


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def declaration_deadline(campaign: Campaign) -> dt.date:
    """特有职业申报截止日 (inclusive); a campaign without one uses its application deadline."""
    return campaign.declaration_deadline or campaign.application_deadline


def union_quota(campaign: Campaign, union: Organisation, *, today: dt.date | None = None) -> Quota:
    used = OccupationDeclaration.objects.filter(campaign=campaign, union=union, status__in=COUNTED).count()
    return Quota(
        campaign=campaign,
        union=union,
        limit=campaign.declaration_limit,
        used=used,
        deadline=declaration_deadline(campaign),
        today=today or clock.today(),
    )


# --- reads ---------------------------------------------------------------------------------


def require_read(user: StaffUser) -> None:
    if user.role not in READ_ROLES:
        raise Forbidden("您的角色不能查看非通用性职业申报。")


def declarations_visible(user: StaffUser) -> QuerySet[OccupationDeclaration]:
    """Every declaration the caller may read: its own union's, or all of them for the city."""
    require_read(user)
    return scope_to_subtree(OccupationDeclaration.objects.all(), user, org_field="union")


def declaration_list(
    user: StaffUser, *, campaign: Campaign, union: Organisation | None = None, status: str = ""
) -> list[OccupationDeclaration]:
    queryset = declarations_visible(user).filter(campaign=campaign)
    if union is not None:
        queryset = queryset.filter(union=union)
    if status:
        queryset = queryset.filter(status=status)
    return list(
        queryset.select_related("campaign", "union", "declared_by", "decided_by").order_by(
            "union__position", "union__name", "created_at", "pk"
        )
    )


def declaration_in_scope(user: StaffUser, declaration_id: int | str) -> OccupationDeclaration:
    try:
        pk = int(str(declaration_id))
    except ValueError:
        raise NotFound("没有找到该申报，或不在您的管辖范围内。") from None
    declaration = declarations_visible(user).select_related("campaign", "union", "declared_by", "decided_by").filter(pk=pk).first()
    if declaration is None:
        raise NotFound("没有找到该申报，或不在您的管辖范围内。")
    return declaration


# --- writes --------------------------------------------------------------------------------


def _declaring_union(user: StaffUser) -> Organisation:
    if user.role not in DECLARE_ROLES:
        raise Forbidden("只有区县（产业）工会审核人可以申报非通用性职业。")
    union = user.organisation
    if union is None or union.kind != OrgKind.DISTRICT:
        raise Forbidden("只有区县（产业）工会可以申报非通用性职业。")
    return union


def _declaration_input(occupation: object, reason: object) -> tuple[str, str]:
    # A list or an object sent as JSON is not a name: str() would store its Python spelling.
    name = clean(occupation) if isinstance(occupation, str) or occupation is None else None
    text = written_note(reason) if isinstance(reason, str) or reason is None else None
    fields: dict[str, list[str]] = {}
    if name is None:
        fields["occupation"] = ["职业（工种）名称应为一段文字。"]
    elif not name:
        fields["occupation"] = ["请填写职业（工种）名称。"]
    elif len(name) > OCCUPATION_MAX:
        fields["occupation"] = [f"职业（工种）名称最多{OCCUPATION_MAX}字。"]
    if text is None:
        fields["reason"] = ["申报理由应为一段文字。"]
    elif not text:
        fields["reason"] = ["请填写申报理由（结合本地本系统产业特色和经济发展需求）。"]
    elif len(text) > REASON_MAX:
        fields["reason"] = [f"申报理由最多{REASON_MAX}字。"]
    if fields:
        raise InvalidInput(fields=fields)
    assert name is not None and text is not None
    return name, text


def occupation_declare(
    *,
    user: StaffUser,
    occupation: object,
    reason: object,
    campaign: Campaign | None = None,
    today: dt.date | None = None,
    request: Any = None,
) -> OccupationDeclaration:
    """申报一项非通用性职业 for the caller's own district/industry union (status ``pending``).

    409 ``deadline_passed`` after the declaration deadline (that day included), ``not_open``
    before the campaign opens, ``already_declared`` for an occupation the union already has
    pending or approved, ``limit_reached`` when pending and approved ones fill the limit.
    """
    union = _declaring_union(user)
    name, text = _declaration_input(occupation, reason)
    campaign = campaign or require_current_campaign()
    quota = union_quota(campaign, union, today=today)
    if quota.closed_reason:
        code = "not_open" if quota.today < campaign.opens_on else "deadline_passed"
        raise Conflict(quota.closed_reason, code=code)
    key = occupation_key(name)
    with transaction.atomic():
        # The union's row of this campaign is the lock: two declarations of one union queue here.
        unit = CampaignUnit.objects.select_for_update().filter(campaign=campaign, organisation=union).first()
        if unit is None:
            raise Conflict(f"{union.name}不在{campaign.year}年度任务分解表的单位中，不能申报。", code="not_in_campaign")
        counted = OccupationDeclaration.objects.filter(campaign=campaign, union=union, status__in=COUNTED)
        same = counted.filter(occupation_key=key).first()
        if same is not None:
            raise Conflict(
                f"本工会已申报“{same.occupation}”（{DeclarationStatus(same.status).label}），不能重复申报。", code="already_declared"
            )
        used = counted.count()
        if used >= campaign.declaration_limit:
            raise Conflict(
                f"本工会{campaign.year}年度已申报{used}项（待审核和已备案同意的计入），已达上限{campaign.declaration_limit}项。",
                code="limit_reached",
            )
        try:
            with transaction.atomic():
                declaration = OccupationDeclaration.objects.create(
                    campaign=campaign, union=union, occupation=name, reason=text, declared_by=user
                )
        except IntegrityError:  # the database's own guarantee (declaration_live_once)
            raise Conflict(f"本工会已申报“{name}”，不能重复申报。", code="already_declared") from None
        audit(
            "occupation.declare",
            actor=user,
            obj=declaration,
            request=request,
            detail={"year": campaign.year, "union": union.pk, "occupation": name, "used": used + 1, "limit": campaign.declaration_limit},
        )
    return declaration


def occupation_declaration_withdraw(*, user: StaffUser, declaration_id: int | str, request: Any = None) -> OccupationDeclaration:
    """撤回 a declaration the economic department has not decided yet (a misspelt occupation, a
    reason to rewrite): its place is free again, and while the deadline has not passed the union
    may declare it anew. Only the declaring union's reviewer; 409 ``already_decided`` once decided."""
    union = _declaring_union(user)
    found = declaration_in_scope(user, declaration_id)  # 404 before anything is locked
    if found.union_id != union.pk:
        raise NotFound("没有找到该申报，或不在您的管辖范围内。")
    with transaction.atomic():
        declaration = OccupationDeclaration.objects.select_for_update(of=("self",)).select_related("campaign", "union").get(pk=found.pk)
        if declaration.status != DeclarationStatus.PENDING:
            label = DeclarationStatus(declaration.status).label
            raise Conflict(f"该申报已是“{label}”，只有待审核的申报可以撤回。", code="already_decided")
        current = current_campaign()
        if current is None or current.pk != declaration.campaign_id:
            raise Conflict(f"{declaration.campaign.year}年度的申报已是往年记录，不能撤回。", code="wrong_campaign")
        declaration.status = DeclarationStatus.WITHDRAWN
        declaration.save(update_fields=["status"])
        audit(
            "occupation.withdraw",
            actor=user,
            obj=declaration,
            request=request,
            detail={"year": declaration.campaign.year, "union": declaration.union_id, "from": "pending", "to": "withdrawn"},
        )
    return declaration


def occupation_declaration_decide(
    *, user: StaffUser, declaration_id: int | str, decision: str, opinion: object = "", request: Any = None
) -> OccupationDeclaration:
    """经济部审核: approve (备案同意) or reject (不同意, with an opinion) a pending declaration, once.

    409 ``already_decided`` for a declaration that is no longer pending, whoever decided it.
    """
    if user.role not in DECIDE_ROLES:
        raise Forbidden("只有市总工会经济部人员可以审核非通用性职业申报。")
    found = declaration_in_scope(user, declaration_id)  # 404 before the body is judged, and before anything is locked
    if decision not in DECISIONS:
        raise InvalidInput(fields={"decision": ["请选择“备案同意”或“不同意”（接口中为 approve 或 reject）。"]})
    if opinion is not None and not isinstance(opinion, str):
        raise InvalidInput(fields={"opinion": ["意见应为一段文字。"]})
    text = written_note(opinion)
    if decision == "reject" and not text:
        raise InvalidInput("不同意时必须填写意见。", fields={"opinion": ["请填写意见，说明不同意的原因。"]})
    if len(text) > OPINION_MAX:
        raise InvalidInput(fields={"opinion": [f"意见最多{OPINION_MAX}字。"]})
    with transaction.atomic():
        declaration = OccupationDeclaration.objects.select_for_update(of=("self",)).select_related("campaign", "union").get(pk=found.pk)
        if declaration.status != DeclarationStatus.PENDING:
            label = DeclarationStatus(declaration.status).label
            raise Conflict(f"该申报已审核（{label}），不能再次审核。", code="already_decided")
        declaration.status = DECISIONS[decision]
        declaration.opinion = text
        declaration.decided_at = clock.business_now()  # the campaign's time, as 申报时间 (the audit keeps the real one)
        declaration.decided_by = user
        declaration.save(update_fields=["status", "opinion", "decided_at", "decided_by"])
        audit(
            f"occupation.{decision}",
            actor=user,
            obj=declaration,
            request=request,
            detail={"year": declaration.campaign.year, "union": declaration.union_id, "from": "pending", "to": declaration.status},
        )
        # The rules read approved occupations through per-process caches: the save's signal
        # clears them now, and again once the change is visible to every connection.
        transaction.on_commit(clear_all)
    return declaration
