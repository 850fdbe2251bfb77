"""任务分解（附件1）of one campaign: its district/industry unions, their order and guidance
numbers (指导数, not caps). The union tree changes between years (2021 merged 上城+江干 and
下城+拱墅 and created 临平区 and 钱塘区); each campaign lists its own units, so changing one
campaign's list leaves every other campaign's, and its applications and reports, as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from rewards.campaigns.models import Campaign, CampaignUnit
from rewards.core.audit import audit
from rewards.core.errors import Conflict, InvalidInput, NotFound
from rewards.core.text import clean, org_key
from rewards.organisations.models import Organisation, OrgKind
from rewards.organisations.selectors import city_union, organisation_by_name
from rewards.organisations.services import organisation_ensure

from .common import actor_label, ensure_may_change, error_summary, on_commit_clear_caches
from .selectors import campaign_usage

if TYPE_CHECKING:
    from rewards.organisations.models import StaffUser

MAX_GUIDANCE = 100000


@dataclass(frozen=True)
class UnitRow:
    """One row of the Annex 1 table as the administrator left it.

    ``organisation_id`` names a district/industry union of the tree; a row without one adds a
    new union called ``new_name`` under the city union. ``merge_into`` (the organisation id of
    a unit that stays) removes this row and adds its guidance number to that unit's.
    """

    organisation_id: int | None = None
    new_name: str = ""
    guidance: int = 0
    remove: bool = False
    merge_into: int | None = None


@dataclass(frozen=True)
class UnitsChange:
    campaign: Campaign
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.detail)


NEW_UNIT_NAME_MAX = 60


def _check_new_name(name: str) -> str | None:
    if not name:
        return "请填写新增工会的名称。"
    if len(name) > NEW_UNIT_NAME_MAX:
        return f"工会名称不能超过{NEW_UNIT_NAME_MAX}个字。"
    if not name.endswith("工会"):
        return f"“{name}”不像工会的名称：请写全称，如“临平区总工会”。"
    return None


@transaction.atomic
def campaign_units_update(*, year: int, rows: list[UnitRow], acting_user: StaffUser | None, request: Any = None) -> UnitsChange:
    """任务分解（附件1）: the campaign's units in the order of ``rows``, with their guidance numbers.

    Units of the campaign missing from ``rows`` are removed too. A union with applications or
    occupation declarations in this campaign cannot leave it (:class:`Conflict`). Other
    campaigns keep their own units: only this campaign's rows change.
    """
    ensure_may_change(acting_user)
    campaign = Campaign.objects.select_for_update().filter(year=year).first()
    if campaign is None:
        raise NotFound(f"没有{year}年度的奖励活动。")
    city = city_union()
    if city is None:
        raise Conflict("还没有市总工会（请先载入年度通知）。")
    current = {unit.organisation_id: unit for unit in CampaignUnit.objects.filter(campaign=campaign).select_related("organisation")}
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    ids = [row.organisation_id for row in rows if row.organisation_id]
    known = {org.pk: org for org in Organisation.objects.filter(pk__in=ids)}
    seen: set[str] = set()
    kept: list[tuple[UnitRow, Organisation | None, str]] = []  # (row, existing organisation, new name)
    merges: list[tuple[UnitRow, Organisation]] = []
    removed: list[Organisation] = []
    for index, row in enumerate(rows, start=1):
        key = f"unit-{index}"
        organisation = known.get(row.organisation_id or 0)
        name = organisation.name if organisation else clean(row.new_name)
        if row.organisation_id and (organisation is None or organisation.kind != OrgKind.DISTRICT or organisation.parent_id != city.pk):
            add(key, f"第{index}行：只能列入市总工会直属的区县（市）/产业工会。")
            continue
        if organisation is None and not row.remove and row.merge_into is None and (problem := _check_new_name(name)):
            add(key, f"第{index}行：{problem}")
            continue
        if row.remove or row.merge_into is not None:
            if organisation is None:
                continue  # a new row taken back before saving
            if row.merge_into is not None:
                merges.append((row, organisation))
            else:
                removed.append(organisation)
            continue
        name_key = org_key(name)
        if name_key in seen:
            add(key, f"第{index}行：“{name}”在表中出现了两次。")
            continue
        seen.add(name_key)
        if not isinstance(row.guidance, int) or not 0 <= row.guidance <= MAX_GUIDANCE:
            add(key, f"第{index}行：“{name}”的指导数须是0至{MAX_GUIDANCE:,}之间的整数。")
            continue
        kept.append((row, organisation, name))
    kept_ids = {organisation.pk for _, organisation, _ in kept if organisation is not None}
    extra: dict[int, int] = {}
    for row, organisation in merges:
        if row.merge_into not in kept_ids or row.merge_into == organisation.pk:
            add("units", f"“{organisation.name}”要并入的工会须是表中保留的另一个工会。")
            continue
        if not isinstance(row.guidance, int) or not 0 <= row.guidance <= MAX_GUIDANCE:
            add("units", f"“{organisation.name}”的指导数须是0至{MAX_GUIDANCE:,}之间的整数。")
            continue
        target = int(row.merge_into)  # type: ignore[arg-type]
        extra[target] = extra.get(target, 0) + row.guidance
    if not kept:
        add("units", "年度活动至少要有一个区县（市）/产业工会。")
    if errors:
        raise InvalidInput(f"任务分解表未保存：{error_summary(errors)}", fields=errors)

    leaving = [organisation for organisation in [*removed, *(org for _, org in merges)] if organisation.pk in current]
    usage = campaign_usage(campaign)
    for organisation in leaving:
        applications = usage.applications_by_union.get(organisation.pk, 0)
        declarations = usage.declarations_by_union.get(organisation.pk, 0)
        if applications or declarations:
            what = "、".join(
                part
                for part in (f"{applications} 份申请" if applications else "", f"{declarations} 项非通用性职业申报" if declarations else "")
                if part
            )
            add(
                "units",
                f"“{organisation.name}”在{campaign.year}年度已有{what}，不能从本年度移除或并入其他工会："
                "这些申请和申报仍按该工会统计和审核。",
            )
    if errors:
        raise Conflict(f"任务分解表未保存：{error_summary(errors)}", code="campaign_locked", fields=errors)

    # Write: new unions first, then this campaign's rows (positions moved aside, then set).
    created: list[str] = []
    final: list[tuple[Organisation, int]] = []
    for position, (row, organisation, name) in enumerate(kept, start=1):
        if organisation is None:
            # A new union sorts where this campaign lists it; an existing one keeps its place in the tree.
            new = organisation_by_name(name) is None
            organisation, was_created = organisation_ensure(name=name, kind=OrgKind.DISTRICT, parent=city, position=position if new else 0)
            if was_created:
                created.append(organisation.name)
        guidance = row.guidance + extra.get(organisation.pk, 0)
        final.append((organisation, guidance))
    if len({organisation.pk for organisation, _ in final}) != len(final):
        raise InvalidInput("任务分解表未保存：同一个工会在表中出现了两次。", fields={"units": ["同一个工会在表中出现了两次。"]})

    before = [(unit.organisation.name, unit.guidance) for unit in sorted(current.values(), key=lambda unit: unit.position)]
    after = [(organisation.name, guidance) for organisation, guidance in final]
    final_ids = {organisation.pk for organisation, _ in final}
    gone = [unit for org_id, unit in current.items() if org_id not in final_ids]
    detail: dict[str, Any] = {}
    if gone:
        detail["removed"] = [
            {"organisation_id": unit.organisation_id, "name": unit.organisation.name, "guidance": unit.guidance} for unit in gone
        ]
    if merges:
        detail["merged"] = [
            {"from": organisation.name, "into": _name_of(row.merge_into, current, known), "guidance": row.guidance}
            for row, organisation in merges
            if organisation.pk in current
        ]
    added = [(organisation, guidance) for organisation, guidance in final if organisation.pk not in current]
    if added:
        detail["added"] = [{"organisation_id": org.pk, "name": org.name, "guidance": guidance} for org, guidance in added]
    if created:
        detail["created_organisations"] = created
    guidance_changes = {
        organisation.name: {"old": current[organisation.pk].guidance, "new": guidance}
        for organisation, guidance in final
        if organisation.pk in current and current[organisation.pk].guidance != guidance
    }
    if guidance_changes:
        detail["guidance"] = guidance_changes
    if [name for name, _ in before if name in {n for n, _ in after}] != [name for name, _ in after if name in {n for n, _ in before}]:
        detail["order"] = {"old": [name for name, _ in before], "new": [name for name, _ in after]}
    if not detail:
        return UnitsChange(campaign=campaign)
    detail["total"] = {"old": sum(g for _, g in before), "new": sum(g for _, g in after)}
    detail["units"] = {"old": len(before), "new": len(after)}

    CampaignUnit.objects.filter(campaign=campaign, organisation_id__in=[unit.organisation_id for unit in gone]).delete()
    staying = [current[organisation.pk] for organisation, _ in final if organisation.pk in current]
    parked = 20000
    for offset, unit in enumerate(staying):
        unit.position = parked + offset
    CampaignUnit.objects.bulk_update(staying, ["position"])
    for position, (organisation, guidance) in enumerate(final, start=1):
        existing = current.get(organisation.pk)
        if existing is None:
            CampaignUnit.objects.create(campaign=campaign, organisation=organisation, guidance=guidance, position=position)
        else:
            existing.position, existing.guidance = position, guidance
    CampaignUnit.objects.bulk_update(staying, ["position", "guidance"])
    audit(
        "campaign.units_update",
        actor=acting_user,
        obj=campaign,
        request=request,
        actor_label=actor_label(acting_user),
        detail={"year": campaign.year, **detail},
    )
    on_commit_clear_caches()
    return UnitsChange(campaign=campaign, detail=detail)


def _name_of(org_id: int | None, current: dict[int, CampaignUnit], known: dict[int, Organisation]) -> str:
    if org_id in current:
        return current[org_id].organisation.name  # type: ignore[index]
    organisation = known.get(org_id or 0)
    return organisation.name if organisation else str(org_id)
