"""load_campaign 2020: the notice as data (DOMAIN.md §2, Annex 1), idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards.campaigns.models import Campaign, CampaignUnit, LevelAward
from rewards.core.models import AuditEvent
from rewards.organisations.models import Organisation, OrgKind

ANNEX1_FIRST_AND_LAST = ("工业工会", "钱塘新区区总工会")


def load(year: str = "2020") -> str:
    out = StringIO()
    call_command("load_campaign", year, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "campaigns": Campaign.objects.count(),
        "units": CampaignUnit.objects.count(),
        "levels": LevelAward.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_creates_the_city_union_as_the_root(db):
    load()

    city = Organisation.objects.get(name="杭州市总工会")
    assert (city.kind, city.parent, city.path) == (OrgKind.CITY, None, f"/{city.pk}/")
    assert Organisation.objects.filter(kind=OrgKind.CITY).count() == 1


def test_creates_the_24_annex1_unions_in_order_under_the_city(db):
    output = load()

    city = Organisation.objects.get(kind=OrgKind.CITY)
    campaign = Campaign.objects.get(year=2020)
    units = list(campaign.units.select_related("organisation").order_by("position"))
    assert len(units) == 24
    assert [unit.position for unit in units] == list(range(1, 25))
    assert (units[0].organisation.name, units[-1].organisation.name) == ANNEX1_FIRST_AND_LAST
    assert [unit.organisation.name for unit in units[10:16]] == [
        "上城区总工会",
        "下城区总工会",
        "江干区总工会",
        "拱墅区总工会",
        "西湖区总工会",
        "高新区（滨江）总工会",
    ]
    for unit in units:
        assert (unit.organisation.kind, unit.organisation.parent_id) == (OrgKind.DISTRICT, city.pk)
        assert unit.organisation.position == unit.position
        assert unit.organisation.path == f"{city.path}{unit.organisation.pk}/"
    assert Organisation.objects.filter(kind=OrgKind.DISTRICT).count() == 24
    assert "已载入" in output and "24 个区县（市）/产业工会，指导数合计 8000" in output


def test_guidance_numbers(db):
    load()

    guidance = dict(CampaignUnit.objects.filter(campaign__year=2020).values_list("organisation__name", "guidance"))
    assert sum(guidance.values()) == 8000
    assert guidance["高新区（滨江）总工会"] == 700
    assert guidance["工业工会"] == 460
    assert guidance["余杭区总工会"] == 1000
    assert guidance["钱塘新区区总工会"] == 1000
    assert guidance["金融工会"] == 20


def test_amounts_per_level(db):
    load()

    amounts = dict(LevelAward.objects.filter(campaign__year=2020).values_list("level", "amount"))
    assert amounts == {
        "senior_worker": Decimal("500.00"),
        "technician": Decimal("600.00"),
        "senior_technician": Decimal("800.00"),
    }


def test_windows_and_deadlines(db):
    load()

    campaign = Campaign.objects.get(year=2020)
    assert campaign.opens_on == dt.date(2020, 3, 26)
    assert campaign.application_deadline == dt.date(2020, 12, 15)
    assert (campaign.main_window_start, campaign.main_window_end) == (dt.date(2019, 12, 1), dt.date(2020, 11, 30))
    assert (campaign.makeup_window_start, campaign.makeup_window_end) == (dt.date(2018, 12, 1), dt.date(2019, 11, 30))
    assert campaign.previous_year == 2019
    assert campaign.has_makeup_window
    assert campaign.declaration_deadline == dt.date(2020, 8, 30)
    assert campaign.declaration_limit == 3
    assert campaign.resubmission_grace_days == 15
    assert campaign.resubmission_until(dt.date(2020, 12, 10)) == dt.date(2020, 12, 25)
    assert campaign.counted_issuers == ["hr_zhejiang", "hr_hangzhou", "hr_district"]
    assert campaign.occupation_issuers == ["industry_authority"]


def test_running_it_twice_creates_nothing_twice(db):
    load()
    before = counts()

    output = load()

    assert counts() == before
    assert "未作改动" in output
    assert "24 个区县（市）/产业工会，指导数合计 8000" in output


def test_running_it_again_repairs_a_changed_parameter(db):
    load()
    Campaign.objects.filter(year=2020).update(application_deadline=dt.date(2020, 12, 31))
    CampaignUnit.objects.filter(organisation__name="西湖区总工会").update(guidance=1)
    before = counts()

    output = load()

    assert "已载入" in output
    assert Campaign.objects.get(year=2020).application_deadline == dt.date(2020, 12, 15)
    assert CampaignUnit.objects.get(organisation__name="西湖区总工会").guidance == 300
    assert {k: v for k, v in counts().items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}


def test_the_load_is_audited_once(db):
    load()
    load()

    assert AuditEvent.objects.filter(action="campaign.load_notice").count() == 1


@pytest.mark.parametrize("year", ["2019", "2031"])
def test_an_unknown_year_is_refused(db, year):
    with pytest.raises(CommandError, match=f"没有 {year} 年度的通知数据"):
        load(year)

    assert Campaign.objects.count() == 0
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("year", "said"), [("2020x", "年度应为四位数字，例如 2020。"), ("20201", "年度应为四位数字，例如 2020。"), (" ", "请指定年度")]
)
def test_a_year_that_is_not_four_digits_is_refused_in_chinese(db, year, said):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match=said):
        load(year)

    assert Campaign.objects.count() == 0


def test_a_full_width_year_is_the_year(db):  # type: ignore[no-untyped-def]
    assert "2020 年度奖励活动已载入" in load("２０２０")
