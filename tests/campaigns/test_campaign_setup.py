"""年度活动设置 (issue 6): copying 2020 into 2021 with every date a year later, editing a
campaign under the lock rule, auditing every change, who may do it, and a 2021 campaign whose
units changed (上城+江干, 下城+拱墅 merged; 临平区 and 钱塘区 new) leaving 2020 as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rewards.campaigns.models import Campaign, CampaignUnit, LevelAward, OccupationDeclaration
from rewards.campaigns.notice_2020 import ANNEX1_UNITS, GUIDANCE_TOTAL
from rewards.campaigns.selectors import campaign_units
from rewards.campaigns.setup.dates import shift_end, shift_start
from rewards.campaigns.setup.services import campaign_settings_problems, campaign_update
from rewards.campaigns.setup.units import campaign_units_update
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from rewards.core.models import AuditEvent
from rewards.organisations.models import Organisation, OrgKind
from tests import factories

D = dt.date


def unit_names(year: int) -> list[str]:
    return [unit.organisation.name for unit in campaign_units(Campaign.objects.get(year=year))]


def guidance(year: int) -> dict[str, int]:
    return {unit.organisation.name: unit.guidance for unit in campaign_units(Campaign.objects.get(year=year))}


# --- a year later: the dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "end", "start"),
    [
        pytest.param(D(2020, 12, 15), D(2021, 12, 15), D(2021, 12, 15), id="平常日期"),
        pytest.param(D(2019, 12, 1), D(2020, 12, 1), D(2020, 12, 1), id="12月1日"),
        pytest.param(D(2020, 2, 29), D(2021, 2, 28), D(2021, 3, 1), id="闰年2月29日"),
        pytest.param(D(2023, 2, 28), D(2024, 2, 29), D(2024, 2, 28), id="平年2月底到闰年2月底"),
        pytest.param(D(2024, 2, 28), D(2025, 2, 28), D(2025, 2, 28), id="闰年2月28日不是月底"),
        pytest.param(D(2023, 3, 1), D(2024, 3, 1), D(2024, 3, 1), id="平年3月1日"),
        pytest.param(D(2024, 3, 1), D(2025, 3, 1), D(2025, 3, 1), id="闰年3月1日"),
    ],
)
def test_a_date_a_year_later(day, end, start):  # type: ignore[no-untyped-def]
    assert shift_end(day) == end
    assert shift_start(day) == start


STARTS = [D(year, month, 1) for year in range(2019, 2031) for month in (1, 3, 12)] + [
    D(year, 2, day) for year in range(2019, 2031) for day in (28, 29) if day == 28 or year % 4 == 0
]


@pytest.mark.parametrize("start", STARTS, ids=str)
def test_windows_that_met_still_meet_a_year_later(start):  # type: ignore[no-untyped-def]
    """No certificate date falls between two campaigns: the day after a shifted end is the shifted start."""
    end_before = start - dt.timedelta(days=1)
    assert shift_start(start) == shift_end(end_before) + dt.timedelta(days=1)


# --- copying 2020 into 2021 ------------------------------------------------------------------


def test_copy_shifts_every_date_by_a_year(copied):  # type: ignore[no-untyped-def]
    assert copied.year == 2021
    assert copied.opens_on == D(2021, 3, 26)
    assert copied.application_deadline == D(2021, 12, 15)
    assert (copied.main_window_start, copied.main_window_end) == (D(2020, 12, 1), D(2021, 11, 30))
    assert (copied.makeup_window_start, copied.makeup_window_end) == (D(2019, 12, 1), D(2020, 11, 30))
    assert copied.previous_year == 2020
    assert copied.declaration_deadline == D(2021, 8, 30)
    assert copied.title == "关于做好2021年度杭州市职工高技能人才培训和奖励工作的通知"
    assert copied.document_no == "杭总工办〔2021〕号"


def test_copy_keeps_amounts_issuers_limits_and_texts(campaign, administrator):  # type: ignore[no-untyped-def]
    campaign.sms_templates = {"approved": "【杭州市总工会】申请{application_no}已通过，奖励{amount}元。"}
    campaign.save()

    copied = campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)

    assert dict(LevelAward.objects.filter(campaign=copied).values_list("level", "amount")) == {
        "senior_worker": Decimal("500.00"),
        "technician": Decimal("600.00"),
        "senior_technician": Decimal("800.00"),
    }
    assert copied.counted_issuers == ["hr_zhejiang", "hr_hangzhou", "hr_district"]
    assert copied.occupation_issuers == ["industry_authority"]
    assert (copied.declaration_limit, copied.resubmission_grace_days, copied.retention_years) == (3, 15, 5)
    assert copied.sms_templates == campaign.sms_templates


def test_copy_lists_the_same_units_with_their_guidance_and_order(copied):  # type: ignore[no-untyped-def]
    units = campaign_units(copied)
    assert [(unit.organisation.name, unit.guidance) for unit in units] == ANNEX1_UNITS
    assert [unit.position for unit in units] == list(range(1, 25))
    assert sum(unit.guidance for unit in units) == GUIDANCE_TOTAL
    # The same organisations, not new ones: the tree is not copied.
    assert Organisation.objects.filter(kind=OrgKind.DISTRICT).count() == 24


def test_copy_leaves_2020_as_it_was(campaign, administrator):  # type: ignore[no-untyped-def]
    before = (Campaign.objects.filter(year=2020).values().get(), list(CampaignUnit.objects.filter(campaign=campaign).values()))

    campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)

    assert (Campaign.objects.filter(year=2020).values().get(), list(CampaignUnit.objects.filter(campaign=campaign).values())) == before


def test_copy_is_audited(copied, administrator):  # type: ignore[no-untyped-def]
    event = AuditEvent.objects.get(action="campaign.copy")
    assert (event.actor_id, event.object_id) == (administrator.pk, str(copied.pk))
    assert event.detail["from_year"] == 2020 and event.detail["to_year"] == 2021
    assert event.detail["dates"]["main_window_start"] == {"old": "2019-12-01", "new": "2020-12-01"}
    assert event.detail["units"] == 24 and event.detail["guidance_total"] == 8000
    assert event.detail["levels"] == {"senior_worker": "500.00", "technician": "600.00", "senior_technician": "800.00"}


def test_copying_into_a_year_that_exists_is_refused(copied, administrator):  # type: ignore[no-untyped-def]
    before = (Campaign.objects.count(), CampaignUnit.objects.count(), AuditEvent.objects.count())

    with pytest.raises(Conflict, match="2021年度奖励活动已经存在，不能再次复制") as caught:
        campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)

    assert caught.value.code == "campaign_exists"
    assert (Campaign.objects.count(), CampaignUnit.objects.count(), AuditEvent.objects.count()) == before


def test_copy_into_a_later_year_up_to_next_year_and_from_a_year_that_exists(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2020-10-15")  # next year is 2021: only 2021
    with pytest.raises(InvalidInput, match="2020年度只能复制为2021年度。"):
        campaign_copy(from_year=2020, to_year=2022, acting_user=administrator)
    with pytest.raises(InvalidInput, match="2020年度只能复制为2021年度。"):
        campaign_copy(from_year=2020, to_year=2020, acting_user=administrator)
    with pytest.raises(NotFound, match="没有2019年度的奖励活动"):
        campaign_copy(from_year=2019, to_year=2020, acting_user=administrator)
    business_day("2022-12-31")  # the last day of 2022: up to 2023
    with pytest.raises(InvalidInput, match="2020年度只能复制为2021—2023年度中的一年"):
        campaign_copy(from_year=2020, to_year=2024, acting_user=administrator)
    assert Campaign.objects.count() == 1
    business_day("2023-01-01")  # a day later: 2024 too
    assert campaign_copy(from_year=2020, to_year=2024, acting_user=administrator).year == 2024


def test_a_copy_over_years_shifts_every_date_by_them(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    """2020 → 2026 (the platform started in 2026): six years later, the make-up year too; audited."""
    business_day("2026-11-27")

    copied = campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)

    for name in ("opens_on", "main_window_start", "makeup_window_start"):
        assert getattr(copied, name) == shift_start(getattr(campaign, name), 6), name
    for name in ("application_deadline", "main_window_end", "makeup_window_end", "declaration_deadline"):
        assert getattr(copied, name) == shift_end(getattr(campaign, name), 6), name
    assert copied.previous_year == campaign.previous_year + 6
    assert copied.title == campaign.title.replace("2020", "2026")
    assert CampaignUnit.objects.filter(campaign=copied).count() == CampaignUnit.objects.filter(campaign=campaign).count()
    event = AuditEvent.objects.get(action="campaign.copy")
    assert event.detail["years"] == 6 and event.detail["to_year"] == 2026


def test_a_copy_over_a_campaign_between_is_refused(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2026-11-27")
    campaign_copy(from_year=2020, to_year=2023, acting_user=administrator)

    with pytest.raises(InvalidInput, match="已有2023年度的奖励活动：请由2023年度复制"):
        campaign_copy(from_year=2020, to_year=2026, acting_user=administrator)
    assert campaign_copy(from_year=2023, to_year=2026, acting_user=administrator).opens_on == shift_start(campaign.opens_on, 6)


def test_copy_across_29_february(campaign, administrator):  # type: ignore[no-untyped-def]
    """A 2024 window ending on 29 February ends on 28 February 2025; one starting 1 March still does."""
    leap = Campaign.objects.create(
        year=2024,
        title="关于做好2024年度杭州市职工高技能人才培训和奖励工作的通知",
        opens_on=D(2024, 2, 29),
        application_deadline=D(2024, 12, 15),
        main_window_start=D(2023, 3, 1),
        main_window_end=D(2024, 2, 29),
        makeup_window_start=D(2022, 3, 1),
        makeup_window_end=D(2023, 2, 28),
        previous_year=2023,
        declaration_deadline=D(2024, 2, 29),
    )

    copied = campaign_copy(from_year=leap.year, to_year=2025, acting_user=administrator)

    assert (copied.main_window_start, copied.main_window_end) == (D(2024, 3, 1), D(2025, 2, 28))
    assert (copied.makeup_window_start, copied.makeup_window_end) == (D(2023, 3, 1), D(2024, 2, 29))
    assert copied.makeup_window_end == leap.main_window_end  # the make-up window is last year's main window
    assert copied.opens_on == D(2025, 3, 1)
    assert copied.declaration_deadline == D(2025, 2, 28)


# --- who -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["city_reviewer", "xihu_reviewer", "auditor", "finance_a", "economic_officer"])
def test_only_the_city_administrator_may_change_campaigns(request, campaign, who):  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(who)

    with pytest.raises(Forbidden, match="只有市总工会的系统管理员"):
        campaign_copy(from_year=2020, to_year=2021, acting_user=user)
    with pytest.raises(Forbidden):
        campaign_update(year=2020, values={"title": "改"}, acting_user=user)
    with pytest.raises(Forbidden):
        campaign_units_update(year=2020, rows=[], acting_user=user)

    assert Campaign.objects.count() == 1 and Campaign.objects.get().title != "改"


# --- the lock rule ---------------------------------------------------------------------------


WINDOW_CHANGE = {"main_window_start": D(2020, 12, 2)}
LOCKED_CHANGES = [
    pytest.param({"main_window_start": D(2020, 12, 2)}, "main_window_start", id="发证时间起"),
    pytest.param({"main_window_end": D(2021, 10, 31)}, "main_window_end", id="发证时间止"),
    pytest.param({"makeup_window_start": None, "makeup_window_end": None, "previous_year": None}, "makeup_window_start", id="取消补申报"),
    pytest.param(
        {"makeup_window_start": D(2018, 12, 1), "makeup_window_end": D(2019, 11, 30), "previous_year": 2019}, "previous_year", id="参照年度"
    ),
    pytest.param({"opens_on": D(2021, 4, 1)}, "opens_on", id="发文日期"),
    pytest.param({"counted_issuers": ["hr_zhejiang", "hr_hangzhou", "hr_district", "evaluation_org"]}, "counted_issuers", id="发证机关"),
    pytest.param({"occupation_issuers": []}, "occupation_issuers", id="备案职业发证机关"),
    pytest.param(
        {"level_amounts": {"senior_worker": Decimal("550"), "technician": Decimal("600"), "senior_technician": Decimal("800")}},
        "level_amounts",
        id="金额",
    ),
    pytest.param({"level_amounts": {"technician": Decimal("600"), "senior_technician": Decimal("800")}}, "level_amounts", id="等级"),
]


@pytest.mark.parametrize(("values", "field"), LOCKED_CHANGES)
def test_without_applications_everything_may_change(copied, administrator, values, field):  # type: ignore[no-untyped-def]
    change = campaign_update(year=2021, values=values, acting_user=administrator)

    assert field in change.changed


@pytest.mark.parametrize(("values", "field"), LOCKED_CHANGES)
def test_one_application_locks_what_decided_it(copied, one_application, administrator, values, field):  # type: ignore[no-untyped-def]
    before = (Campaign.objects.filter(year=2021).values().get(), list(LevelAward.objects.filter(campaign=copied).values()))

    with pytest.raises(Conflict) as caught:
        campaign_update(year=2021, values=values, acting_user=administrator)

    assert caught.value.code == "campaign_locked"
    assert "2021年度已有 1 份申请" in caught.value.fields[field][0]
    assert "已受理的申请是按这项设置判定资格和核定金额的" in caught.value.fields[field][0]
    assert (Campaign.objects.filter(year=2021).values().get(), list(LevelAward.objects.filter(campaign=copied).values())) == before
    assert not AuditEvent.objects.filter(action="campaign.update").exists()


def test_a_withdrawn_application_locks_too(copied, xihu, administrator):  # type: ignore[no-untyped-def]
    factories.make_application(campaign=copied, member=factories.make_member(union=xihu), status="withdrawn")

    with pytest.raises(Conflict):
        campaign_update(year=2021, values=WINDOW_CHANGE, acting_user=administrator)


def test_an_application_of_another_year_does_not_lock(copied, campaign, xihu, administrator):  # type: ignore[no-untyped-def]
    factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))

    assert "main_window_start" in campaign_update(year=2021, values=WINDOW_CHANGE, acting_user=administrator).changed


def test_with_applications_title_texts_and_extensions_may_change(copied, one_application, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2021-06-01")
    values = {
        "title": "关于做好2021年度杭州市职工高技能人才培训和奖励工作的通知（修订）",
        "document_no": "杭总工办〔2021〕12号",
        "application_deadline": D(2021, 12, 31),
        "resubmission_grace_days": 20,
        "declaration_limit": 4,
        "declaration_deadline": D(2021, 9, 30),
        "sms_templates": {"submitted": "【杭州市总工会】您的申请（编号{application_no}）已收到，请等待工会审核。"},
    }

    change = campaign_update(year=2021, values=values, acting_user=administrator)

    copied.refresh_from_db()
    assert set(change.changed) == set(values)
    assert copied.application_deadline == D(2021, 12, 31) and copied.resubmission_grace_days == 20
    assert copied.sms_templates["submitted"].startswith("【杭州市总工会】您的申请")


@pytest.mark.parametrize(
    ("today", "new_deadline", "allowed"),
    [
        pytest.param("2021-06-01", D(2021, 12, 16), True, id="推后一天"),
        pytest.param("2021-11-30", D(2021, 11, 30), True, id="提前到今天"),
        pytest.param("2021-12-01", D(2021, 11, 30), False, id="提前到昨天"),
        pytest.param("2021-12-20", D(2021, 12, 18), True, id="已截止后推后"),
    ],
)
def test_with_applications_a_deadline_may_move_but_not_before_today(  # type: ignore[no-untyped-def]
    copied, one_application, administrator, business_day, today, new_deadline, allowed
):
    business_day(today)

    if allowed:
        campaign_update(year=2021, values={"application_deadline": new_deadline}, acting_user=administrator)
        assert Campaign.objects.get(year=2021).application_deadline == new_deadline
    else:
        with pytest.raises(Conflict, match="不能早于今天（2021-12-01）"):
            campaign_update(year=2021, values={"application_deadline": new_deadline}, acting_user=administrator)
        assert Campaign.objects.get(year=2021).application_deadline == D(2021, 12, 15)


def test_without_applications_a_deadline_may_move_anywhere_after_the_opening(copied, administrator, business_day):  # type: ignore[no-untyped-def]
    business_day("2021-12-10")

    campaign_update(year=2021, values={"application_deadline": D(2021, 11, 30)}, acting_user=administrator)

    assert Campaign.objects.get(year=2021).application_deadline == D(2021, 11, 30)


def test_a_deadline_before_the_windows_end_is_refused(copied, administrator):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="截止之后取得的证书将无法申报"):
        campaign_update(year=2021, values={"application_deadline": D(2021, 11, 29)}, acting_user=administrator)


@pytest.mark.parametrize(("grace", "allowed"), [(14, False), (15, True), (16, True)])
def test_with_applications_the_grace_may_only_grow(copied, one_application, administrator, grace, allowed):  # type: ignore[no-untyped-def]
    if allowed:
        campaign_update(year=2021, values={"resubmission_grace_days": grace}, acting_user=administrator)
        assert Campaign.objects.get(year=2021).resubmission_grace_days == grace
    else:
        with pytest.raises(Conflict, match="只能延长、不能缩短（现为 15 天）"):
            campaign_update(year=2021, values={"resubmission_grace_days": grace}, acting_user=administrator)


def test_the_declaration_limit_stays_above_what_a_union_declared(copied, xihu, administrator):  # type: ignore[no-untyped-def]
    for name in ("茶艺师", "调酒师"):
        OccupationDeclaration.objects.create(campaign=copied, union=xihu, occupation=name, reason="本地特色产业")

    with pytest.raises(Conflict, match="已有工会申报（待审核或已同意）了 2 个非通用性职业"):
        campaign_update(year=2021, values={"declaration_limit": 1}, acting_user=administrator)
    campaign_update(year=2021, values={"declaration_limit": 2}, acting_user=administrator)

    assert Campaign.objects.get(year=2021).declaration_limit == 2


# --- bad input: refused whole, in Chinese ----------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        pytest.param({"main_window_end": D(2020, 11, 30)}, "main_window_end", "发证时间止不能早于发证时间起", id="窗口倒置"),
        pytest.param({"application_deadline": D(2021, 3, 1)}, "application_deadline", "不能早于发文日期", id="截止早于发文"),
        pytest.param({"main_window_end": D(2021, 12, 31)}, "main_window_end", "晚于申报截止日", id="发证止晚于截止"),
        pytest.param({"makeup_window_end": D(2020, 12, 1)}, "makeup_window_end", "不能重叠", id="补申报重叠"),
        pytest.param({"makeup_window_end": None}, "makeup_window_end", "须同时填写", id="补申报缺一"),
        pytest.param({"previous_year": 2021}, "previous_year", "须早于2021年度", id="参照年度不早"),
        pytest.param({"previous_year": None}, "previous_year", "须填写补申报所参照的上一年度", id="缺参照年度"),
        pytest.param({"previous_year": 2015}, "previous_year", "应为补申报发证时间止所在的2020年度", id="参照年度与补申报不符"),
        pytest.param(
            {"makeup_window_start": D(2019, 12, 2)},
            "previous_year",
            "与2020年度活动的发证时间（2019-12-01至2020-11-30）不一致",
            id="补申报与参照年度窗口不符",
        ),
        pytest.param({"counted_issuers": []}, "counted_issuers", "请至少选择一个", id="无发证机关"),
        pytest.param(
            {"occupation_issuers": ["industry_authority", "hr_hangzhou"]}, "occupation_issuers", "不能同时列为", id="发证机关重复"
        ),
        pytest.param({"level_amounts": {}}, "level_amounts", "请至少为一个技能等级", id="无金额"),
        pytest.param({"level_amounts": {"senior_worker": Decimal("0")}}, "level_amounts", "须大于0元", id="零元"),
        pytest.param({"level_amounts": {"senior_worker": Decimal("500.005")}}, "level_amounts", "两位小数", id="三位小数"),
        pytest.param({"level_amounts": {"intermediate_worker": Decimal("300")}}, "level_amounts", "不在奖励范围内", id="中级工"),
        pytest.param(
            {"level_amounts": {"senior_worker": Decimal("900"), "technician": Decimal("650"), "senior_technician": Decimal("800")}},
            "level_amounts",
            "技师的奖励金额（650.00元）低于高级工（900.00元）",
            id="高级工多于技师",
        ),
        pytest.param(
            {"level_amounts": {"senior_worker": Decimal("500"), "senior_technician": Decimal("499.99")}},
            "level_amounts",
            "高级技师的奖励金额（499.99元）低于高级工（500.00元）",
            id="缺一级仍按等级比较",
        ),
        pytest.param({"title": " "}, "title", "请填写通知标题", id="无标题"),
        pytest.param({"resubmission_grace_days": 91}, "resubmission_grace_days", "0至90天", id="补正期限过长"),
    ],
)
def test_bad_settings_are_refused_whole(copied, administrator, values, field, message):  # type: ignore[no-untyped-def]
    before = Campaign.objects.filter(year=2021).values().get()
    values = {"document_no": "杭总工办〔2021〕9号", **values}

    with pytest.raises(InvalidInput) as caught:
        campaign_update(year=2021, values=values, acting_user=administrator)

    assert message in " ".join(caught.value.fields[field])
    assert Campaign.objects.filter(year=2021).values().get() == before  # the document number was not saved either


def test_a_refusal_names_the_lock_rule_too(copied, one_application, administrator):  # type: ignore[no-untyped-def]
    """A bad value and a change the lock rule refuses, in one save: both are named at once (the
    administrator would otherwise fix the first and only then hear of the second)."""
    with pytest.raises(InvalidInput) as caught:
        campaign_update(year=2021, values={"declaration_limit": 30, "resubmission_grace_days": 10}, acting_user=administrator)

    assert "须在0至20之间" in caught.value.fields["declaration_limit"][0]
    assert "只能延长、不能缩短" in caught.value.fields["resubmission_grace_days"][0]


@pytest.mark.parametrize(
    ("values", "unknown", "expected"),
    [
        pytest.param(
            {"application_deadline": D(2021, 3, 1)},
            {"resubmission_grace_days"},
            {"application_deadline": "不能早于发文日期"},
            id="截止早于发文，补正期限未读出",
        ),
        pytest.param({"application_deadline": D(2021, 3, 1)}, {"opens_on"}, {"main_window_end": "晚于申报截止日"}, id="发文日期未读出"),
        pytest.param({"makeup_window_end": None, "previous_year": 2015}, {"makeup_window_start"}, {}, id="补申报起未读出"),
        pytest.param({"previous_year": 2015}, set(), {"previous_year": "应为补申报发证时间止所在的2020年度"}, id="全部读出"),
        pytest.param(
            {"level_amounts": {"senior_worker": Decimal("900"), "senior_technician": Decimal("800")}},
            {"level_amounts"},
            {"level_amounts": "高级技师的奖励金额（800.00元）低于高级工（900.00元）"},
            id="技师金额未读出",
        ),
        pytest.param({"level_amounts": {}}, {"level_amounts"}, {}, id="金额均未读出"),
    ],
)
def test_the_checks_that_need_an_unreadable_field_are_not_run(copied, administrator, values, unknown, expected):  # type: ignore[no-untyped-def]
    problems = campaign_settings_problems(year=2021, values=values, unknown=unknown, acting_user=administrator)

    assert set(problems) == set(expected)
    for name, text in expected.items():
        assert text in " ".join(problems[name])
    assert not AuditEvent.objects.filter(action="campaign.update").exists()


def test_the_lock_rule_is_told_beside_an_unreadable_field(copied, one_application, administrator):  # type: ignore[no-untyped-def]
    values = {"resubmission_grace_days": 10, "application_deadline": D(2021, 3, 1)}

    problems = campaign_settings_problems(year=2021, values=values, unknown={"declaration_limit"}, acting_user=administrator)

    assert set(problems) == {"resubmission_grace_days", "application_deadline"}
    assert "只能延长" in problems["resubmission_grace_days"][0] and "不能早于发文日期" in problems["application_deadline"][0]


# --- auditing --------------------------------------------------------------------------------


def test_a_change_is_audited_with_old_and_new_values(copied, administrator):  # type: ignore[no-untyped-def]
    campaign_update(
        year=2021,
        values={
            "application_deadline": D(2021, 12, 20),
            "level_amounts": {"senior_worker": Decimal("600"), "technician": Decimal("700"), "senior_technician": Decimal("1000")},
            "sms_templates": {"approved": "【杭州市总工会】您的申请{application_no}已通过，奖励{amount}元。"},
        },
        acting_user=administrator,
    )

    event = AuditEvent.objects.get(action="campaign.update")
    changes = event.detail["changes"]
    assert event.actor_id == administrator.pk and event.object_id == str(copied.pk)
    assert changes["application_deadline"] == {"old": "2021-12-15", "new": "2021-12-20"}
    assert changes["level_amounts"]["old"]["senior_worker"] == "500.00"
    assert changes["level_amounts"]["new"] == {"senior_worker": "600.00", "technician": "700.00", "senior_technician": "1000.00"}
    assert changes["sms_templates.approved"]["old"] == "（默认）"
    assert set(changes) == {"application_deadline", "level_amounts", "sms_templates.approved"}
    assert LevelAward.objects.get(campaign=copied, level="senior_technician").amount == Decimal("1000.00")


def test_saving_nothing_new_writes_nothing(copied, administrator):  # type: ignore[no-untyped-def]
    change = campaign_update(
        year=2021, values={"title": copied.title, "application_deadline": copied.application_deadline}, acting_user=administrator
    )

    assert change.changed == {}
    assert not AuditEvent.objects.filter(action="campaign.update").exists()


# --- the rules read the campaign: 2021 by its own dates, no code change ----------------------


@pytest.fixture
def worker_2021(copied, xihu):  # type: ignore[no-untyped-def]
    return factories.make_member(union=xihu, name="王建国")


def judge_on(year: int, member, issue_date: dt.date, today: dt.date):  # type: ignore[no-untyped-def]
    from rewards.eligibility.services import judge

    form = factories.annex3(member, certificate_issue_date=issue_date.isoformat())
    return judge(Campaign.objects.get(year=year), form, today=today).decision


def window(decision):  # type: ignore[no-untyped-def]
    return next(check for check in decision.checks if check.rule == "window")


DEC_10_2021 = D(2021, 12, 10)


@pytest.mark.parametrize(
    ("issue_date", "eligible_2021"),
    [
        pytest.param(D(2021, 6, 30), True, id="2021窗口内"),
        pytest.param(D(2020, 12, 1), True, id="2021窗口首日"),
        pytest.param(D(2021, 11, 30), True, id="2021窗口末日"),
        pytest.param(D(2021, 12, 1), False, id="2021窗口后一日"),
    ],
)
def test_a_copied_2021_campaign_decides_by_its_own_window(worker_2021, issue_date, eligible_2021):  # type: ignore[no-untyped-def]
    decision_2021 = judge_on(2021, worker_2021, issue_date, DEC_10_2021)
    decision_2020 = judge_on(2020, worker_2021, issue_date, DEC_10_2021)

    assert window(decision_2021).passed is eligible_2021
    assert decision_2021.eligible is eligible_2021
    if eligible_2021:
        assert "2020年12月1日至2021年11月30日" in window(decision_2021).message
        assert decision_2021.amount == Decimal("500.00")
    assert window(decision_2020).passed is False  # not a 2020 certificate
    assert decision_2020.eligible is False


def test_the_day_before_2021s_window_is_only_a_make_up(worker_2021, campaign):  # type: ignore[no-untyped-def]
    """2020-11-30 is in 2021's make-up window (2020's main window): in only without a 2020 application."""
    alone = judge_on(2021, worker_2021, D(2020, 11, 30), DEC_10_2021)
    assert window(alone).passed and "补申报" in window(alone).message

    factories.make_application(campaign=campaign, member=worker_2021, status="paid")
    applied = judge_on(2021, worker_2021, D(2020, 11, 30), DEC_10_2021)
    assert not window(applied).passed and "已申请或领取过2020年度奖励" in window(applied).message


def test_2021_edits_reach_the_rules(copied, worker_2021, administrator):  # type: ignore[no-untyped-def]
    campaign_update(
        year=2021,
        values={"level_amounts": {"senior_worker": Decimal("550"), "technician": Decimal("600"), "senior_technician": Decimal("800")}},
        acting_user=administrator,
    )

    assert judge_on(2021, worker_2021, D(2021, 6, 30), DEC_10_2021).amount == Decimal("550.00")


@pytest.mark.parametrize(
    "amounts",
    [
        {"senior_worker": Decimal("600"), "technician": Decimal("600"), "senior_technician": Decimal("600")},  # equal is allowed
        {"senior_worker": Decimal("500"), "technician": Decimal("600"), "senior_technician": Decimal("800")},
        {"technician": Decimal("600")},
    ],
)
def test_amounts_that_do_not_fall_as_the_level_rises_are_taken(copied, administrator, amounts):  # type: ignore[no-untyped-def]
    campaign_update(year=2021, values={"level_amounts": amounts}, acting_user=administrator)
    assert {award.level: award.amount for award in Campaign.objects.get(year=2021).level_awards.all()} == amounts
