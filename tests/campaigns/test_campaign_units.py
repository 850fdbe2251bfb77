"""年度活动设置 (issue 6), the units of a campaign (Annex 1): 2021's table with 上城+江干 and
下城+拱墅 merged and 临平区, 钱塘区 new, guidance numbers and order, audited; 2020 left as it was."""

from __future__ import annotations

import json

import pytest

from rewards.campaigns.models import Campaign, CampaignUnit
from rewards.campaigns.notice_2020 import ANNEX1_UNITS
from rewards.campaigns.selectors import campaign_units
from rewards.campaigns.setup.services import campaign_update
from rewards.campaigns.setup.units import UnitRow, campaign_units_update
from rewards.core.errors import Conflict, InvalidInput
from rewards.core.models import AuditEvent
from rewards.organisations.models import Organisation, OrgKind
from rewards.organisations.selectors import organisation_by_name
from rewards.payments.selectors import _unit_order
from tests import factories


def unit_names(year: int) -> list[str]:
    return [unit.organisation.name for unit in campaign_units(Campaign.objects.get(year=year))]


def guidance(year: int) -> dict[str, int]:
    return {unit.organisation.name: unit.guidance for unit in campaign_units(Campaign.objects.get(year=year))}


# --- the units of a campaign (Annex 1) -------------------------------------------------------

MERGED = {"江干区总工会": "上城区总工会", "下城区总工会": "拱墅区总工会"}


def rows_2021(
    *, remove: tuple[str, ...] = (), merge: dict[str, str] | None = None, new: list[tuple[str, int]] | None = None
) -> list[UnitRow]:
    """2021's table: 2020's units, some merged or removed, new ones at the end."""
    merge = merge if merge is not None else MERGED
    ids = {unit.organisation.name: unit.organisation_id for unit in campaign_units(Campaign.objects.get(year=2021))}
    rows = []
    for unit in campaign_units(Campaign.objects.get(year=2021)):
        name = unit.organisation.name
        rows.append(
            UnitRow(
                organisation_id=unit.organisation_id, guidance=unit.guidance, remove=name in remove, merge_into=ids.get(merge.get(name, ""))
            )
        )
    for name, number in new or []:
        rows.append(UnitRow(new_name=name, guidance=number))
    return rows


def test_2021_merges_adds_and_removes_units(copied, administrator):  # type: ignore[no-untyped-def]
    rows = rows_2021(remove=("钱塘新区区总工会",), new=[("临平区总工会", 600), ("钱塘区总工会", 1000)])

    change = campaign_units_update(year=2021, rows=rows, acting_user=administrator)

    names = unit_names(2021)
    assert len(names) == 23
    assert {"江干区总工会", "下城区总工会", "钱塘新区区总工会"}.isdisjoint(names)
    assert names[-2:] == ["临平区总工会", "钱塘区总工会"]
    numbers = guidance(2021)
    assert (numbers["上城区总工会"], numbers["拱墅区总工会"]) == (600, 600)  # 300 + 300 each
    assert sum(numbers.values()) == 8000 - 1000 + 1600
    for name in ("临平区总工会", "钱塘区总工会"):
        organisation = organisation_by_name(name)
        assert organisation is not None and organisation.kind == OrgKind.DISTRICT and organisation.parent.kind == OrgKind.CITY
    assert [unit.position for unit in campaign_units(copied)] == list(range(1, 24))
    assert change.detail["total"] == {"old": 8000, "new": 8600}


def test_2021_changes_leave_2020_units_rosters_and_reports_intact(copied, campaign, administrator):  # type: ignore[no-untyped-def]
    jianggan = organisation_by_name("江干区总工会")
    app_2020 = factories.make_application(campaign=campaign, member=factories.make_member(union=jianggan))
    before = list(CampaignUnit.objects.filter(campaign=campaign).order_by("position").values())

    campaign_units_update(year=2021, rows=rows_2021(remove=("钱塘新区区总工会",), new=[("临平区总工会", 600)]), acting_user=administrator)

    assert list(CampaignUnit.objects.filter(campaign=campaign).order_by("position").values()) == before
    assert [(name, number) for name, number in guidance(2020).items()] == ANNEX1_UNITS
    assert [name for _, name in _unit_order(campaign)] == [name for name, _ in ANNEX1_UNITS]  # 2020's payment report
    assert "江干区总工会" not in [name for _, name in _unit_order(copied)]
    app_2020.refresh_from_db()
    assert app_2020.union_id == jianggan.pk and Organisation.objects.filter(pk=jianggan.pk).exists()


def test_reordering_and_guidance_numbers(copied, administrator):  # type: ignore[no-untyped-def]
    rows = rows_2021(merge={})
    rows[0], rows[1] = rows[1], rows[0]
    rows[2] = UnitRow(organisation_id=rows[2].organisation_id, guidance=480)

    change = campaign_units_update(year=2021, rows=rows, acting_user=administrator)

    assert unit_names(2021)[:3] == ["旅贸工会", "工业工会", "建设工会"]
    assert guidance(2021)["建设工会"] == 480
    assert change.detail["guidance"] == {"建设工会": {"old": 460, "new": 480}}
    assert change.detail["order"]["new"][:2] == ["旅贸工会", "工业工会"]


def test_units_update_is_audited(copied, administrator):  # type: ignore[no-untyped-def]
    campaign_units_update(year=2021, rows=rows_2021(new=[("临平区总工会", 600)]), acting_user=administrator)

    event = AuditEvent.objects.get(action="campaign.units_update")
    detail = event.detail
    assert event.actor_id == administrator.pk and detail["year"] == 2021
    assert {item["name"] for item in detail["removed"]} == {"江干区总工会", "下城区总工会"}
    assert {(item["from"], item["into"]) for item in detail["merged"]} == set(MERGED.items())
    assert detail["added"][0]["name"] == "临平区总工会" and detail["created_organisations"] == ["临平区总工会"]
    assert detail["guidance"]["上城区总工会"] == {"old": 300, "new": 600}
    assert detail["total"] == {"old": 8000, "new": 8600}


def test_a_union_with_applications_stays_in_its_campaign(copied, administrator):  # type: ignore[no-untyped-def]
    jianggan = organisation_by_name("江干区总工会")
    factories.make_application(campaign=copied, member=factories.make_member(union=jianggan), status="pending_district")
    before = list(CampaignUnit.objects.filter(campaign=copied).order_by("position").values())

    with pytest.raises(Conflict, match="“江干区总工会”在2021年度已有1 份申请，不能从本年度移除或并入其他工会"):
        campaign_units_update(year=2021, rows=rows_2021(), acting_user=administrator)

    assert list(CampaignUnit.objects.filter(campaign=copied).order_by("position").values()) == before
    assert not Organisation.objects.filter(name="临平区总工会").exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param(lambda: [UnitRow(new_name="临平区", guidance=10)], "不像工会的名称", id="名称不是工会"),
        pytest.param(lambda: [UnitRow(new_name="", guidance=10)], "请填写新增工会的名称", id="空名称"),
        pytest.param(lambda: [*rows_2021(merge={}), UnitRow(new_name="西湖区总工会", guidance=1)], "出现了两次", id="重复"),
        pytest.param(
            lambda: [UnitRow(organisation_id=organisation_by_name("杭州西湖精密机械有限公司工会").pk)], "市总工会直属", id="基层工会"
        ),
        pytest.param(
            lambda: [*rows_2021(merge={}), UnitRow(new_name="杭州西湖精密机械有限公司工会", guidance=1)], "基层工会", id="新名称是基层工会"
        ),
        pytest.param(
            lambda: [UnitRow(organisation_id=r.organisation_id, remove=True) for r in rows_2021(merge={})], "至少要有一个", id="全部移出"
        ),
    ],
)
def test_bad_tables_are_refused_whole(copied, administrator, xihu_grassroots, rows, message):  # type: ignore[no-untyped-def]
    before = (list(CampaignUnit.objects.order_by("pk").values()), Organisation.objects.count())

    with pytest.raises(InvalidInput, match=message):
        campaign_units_update(year=2021, rows=rows(), acting_user=administrator)

    assert (list(CampaignUnit.objects.order_by("pk").values()), Organisation.objects.count()) == before


def test_audit_details_hold_no_personal_numbers(copied, one_application, administrator):  # type: ignore[no-untyped-def]
    campaign_update(year=2021, values={"title": "2021年度（修订）"}, acting_user=administrator)
    campaign_units_update(year=2021, rows=rows_2021(merge={}, new=[("临平区总工会", 600)]), acting_user=administrator)

    text = json.dumps(list(AuditEvent.objects.filter(action__startswith="campaign.").values_list("detail", flat=True)), ensure_ascii=False)
    assert one_application.id_number not in text and one_application.bank_card_no not in text and one_application.phone not in text
