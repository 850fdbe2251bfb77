"""The six eligibility rules (DOMAIN.md §3 奖励对象和条件) as tables of cases, no database.

Every case builds the rules' plain inputs (facts.py) with the 2020 notice's values: main
window 2019-12-01 … 2020-11-30, make-up window 2018-12-01 … 2019-11-30 (previous year 2019),
opening 2020-03-26, deadline 2020-12-15, 15 days' grace, 500/600/800 元.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest

from rewards.core.text import org_key
from rewards.core.vocab import Issuer, Status
from rewards.eligibility import rules
from rewards.eligibility.engine import decide
from rewards.eligibility.facts import (
    ApplicantInput,
    CampaignTerms,
    IssuerTerms,
    MemberFacts,
    PriorApplication,
    RegistryFacts,
)

D = dt.date
CJK = re.compile(r"[\u4e00-\u9fff]")

ISSUERS_2020 = IssuerTerms(
    year=2020,
    counted_issuers=frozenset({"hr_zhejiang", "hr_hangzhou", "hr_district"}),
    occupation_issuers=frozenset({"industry_authority"}),
    approved_occupations=frozenset(),
)
TERMS_2020 = CampaignTerms(
    year=2020,
    opens_on=D(2020, 3, 26),
    application_deadline=D(2020, 12, 15),
    resubmission_grace_days=15,
    main_window=(D(2019, 12, 1), D(2020, 11, 30)),
    makeup_window=(D(2018, 12, 1), D(2019, 11, 30)),
    previous_year=2019,
    amounts={"senior_worker": Decimal("500"), "technician": Decimal("600"), "senior_technician": Decimal("800")},
    issuers=ISSUERS_2020,
)
MEMBER = MemberFacts(name="张晓明", verified=True, union_id=15, union_name="西湖区总工会", union_under_city=True)
FACTS = RegistryFacts(member=MEMBER, previous_roster_available=True, previous_participation=False)
APPLICANT = ApplicantInput(
    id_number="33010619900101001X",
    name="张晓明",
    gender="male",
    birth_date=D(1990, 1, 1),
    new_level="senior_worker",
    certificate_issue_date=D(2020, 6, 30),
    issuer="hr_hangzhou",
    occupation="车工",
)
TODAY = D(2020, 10, 15)


def applicant(**changes) -> ApplicantInput:  # type: ignore[no-untyped-def]
    return dataclasses.replace(APPLICANT, **changes)


def facts(**changes) -> RegistryFacts:  # type: ignore[no-untyped-def]
    return dataclasses.replace(FACTS, **changes)


def terms(**changes) -> CampaignTerms:  # type: ignore[no-untyped-def]
    return dataclasses.replace(TERMS_2020, **changes)


def issuers(**changes) -> IssuerTerms:  # type: ignore[no-untyped-def]
    return dataclasses.replace(ISSUERS_2020, **changes)


def assert_sentence(check: rules.Check) -> None:
    """Every result carries a Chinese sentence saying why."""
    assert check.message.strip(), check
    assert CJK.search(check.message), check.message


# 1. 会员 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "passed", "phrase"),
    [
        pytest.param(None, False, "会员库中没有", id="会员库无此人"),
        pytest.param(dataclasses.replace(MEMBER, name="张小明"), False, "姓名与填写的姓名不一致", id="姓名不一致"),
        pytest.param(dataclasses.replace(MEMBER, verified=False), False, "尚未完成会员实名认证", id="未实名认证"),
        pytest.param(dataclasses.replace(MEMBER, union_under_city=False), False, "不在杭州市总工会下属", id="工会不在市总下属"),
        pytest.param(MEMBER, True, "西湖区总工会的实名认证会员", id="实名认证会员"),
    ],
)
def test_rule_member(member, passed, phrase):  # type: ignore[no-untyped-def]
    check = rules.rule_member(APPLICANT, facts(member=member))

    assert check.rule == "member"
    assert check.passed is passed
    assert phrase in check.message
    assert_sentence(check)


# 2. 晋级 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_level", "previous_level", "passed", "phrase"),
    [
        pytest.param("senior_worker", None, True, "首次取得高级工", id="无原等级-高级工"),
        pytest.param("technician", "senior_worker", True, "由高级工晋升为技师", id="高级工→技师"),
        pytest.param("senior_technician", "technician", True, "由技师晋升为高级技师", id="技师→高级技师"),
        pytest.param("senior_technician", "intermediate_worker", True, "由中级工晋升为高级技师", id="中级工→高级技师"),
        pytest.param("senior_worker", "intermediate_worker", True, "由中级工晋升为高级工", id="中级工→高级工"),
        pytest.param("senior_worker", "technician", False, "不高于原有最高技能等级（技师）", id="技师→高级工"),
        pytest.param("senior_worker", "senior_worker", False, "不属于晋级", id="高级工→高级工"),
        pytest.param("technician", "technician", False, "不属于晋级", id="技师→技师"),
        pytest.param("technician", "senior_technician", False, "不属于晋级", id="高级技师→技师"),
        pytest.param("intermediate_worker", None, False, "只针对晋级为高级工、技师、高级技师", id="中级工"),
        pytest.param("intermediate_worker", "junior_worker", False, "现晋升的技能等级为中级工", id="初级工→中级工"),
        pytest.param("junior_worker", None, False, "现晋升的技能等级为初级工", id="初级工"),
    ],
)
def test_rule_promotion(new_level, previous_level, passed, phrase):  # type: ignore[no-untyped-def]
    check = rules.rule_promotion(applicant(new_level=new_level, previous_level=previous_level), TERMS_2020)

    assert check.rule == "promotion"
    assert check.passed is passed
    assert phrase in check.message
    assert_sentence(check)


# 3. 发证时间 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issue_date", "roster_available", "participation", "passed", "makeup", "phrase"),
    [
        pytest.param(D(2019, 12, 1), True, False, True, False, "在2020年度奖励的发证时间范围", id="主窗口首日2019-12-01"),
        pytest.param(D(2020, 11, 30), True, False, True, False, "在2020年度奖励的发证时间范围", id="主窗口末日2020-11-30"),
        pytest.param(D(2020, 6, 30), True, False, True, False, "2019年12月1日至2020年11月30日", id="主窗口中间"),
        # A main-window certificate does not care about the previous year at all.
        pytest.param(D(2020, 6, 30), False, True, True, False, "在2020年度奖励的发证时间范围", id="主窗口-上年名单无关"),
        pytest.param(D(2020, 12, 1), True, False, False, False, "不在2020年度奖励的发证时间范围", id="主窗口后一日2020-12-01"),
        pytest.param(D(2019, 11, 30), True, True, False, True, "已申请或领取过2019年度奖励", id="补申报末日-已参加2019"),
        pytest.param(D(2019, 11, 30), False, False, False, True, "2019年度奖励名单尚未导入", id="补申报末日-未导入名单"),
        pytest.param(D(2019, 11, 30), True, False, True, True, "可以补申报", id="补申报末日-可补申报"),
        pytest.param(D(2018, 12, 1), True, False, True, True, "可以补申报", id="补申报首日2018-12-01"),
        pytest.param(D(2019, 6, 30), True, True, False, True, "不能补申报", id="补申报-有2019记录"),
        pytest.param(D(2019, 6, 30), False, True, False, True, "尚未导入", id="补申报-名单未导入优先"),
        pytest.param(D(2018, 11, 30), True, False, False, False, "和补申报范围", id="两个窗口之外2018-11-30"),
        pytest.param(D(2015, 1, 1), True, False, False, False, "不在", id="多年以前"),
    ],
)
def test_rule_window(issue_date, roster_available, participation, passed, makeup, phrase):  # type: ignore[no-untyped-def]
    person = applicant(certificate_issue_date=issue_date)

    check = rules.rule_window(person, TERMS_2020, facts(previous_roster_available=roster_available, previous_participation=participation))

    assert check.rule == "window"
    assert check.passed is passed
    assert phrase in check.message
    assert rules.is_makeup(person, TERMS_2020) is makeup
    assert_sentence(check)


def test_rule_window_without_a_makeup_window_refuses_last_years_certificate():
    no_makeup = terms(makeup_window=None, previous_year=None)
    person = applicant(certificate_issue_date=D(2019, 11, 30))

    check = rules.rule_window(person, no_makeup, FACTS)

    assert check.passed is False
    assert "补申报" not in check.message
    assert "不在2020年度奖励的发证时间范围" in check.message
    assert rules.is_makeup(person, no_makeup) is False


# 4. 发证机关与职业范围 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "passed", "phrase"),
    [
        pytest.param("hr_zhejiang", True, "浙江省人社部门核发", id="浙江省人社部门"),
        pytest.param("hr_hangzhou", True, "杭州市人社部门核发", id="杭州市人社部门"),
        pytest.param("hr_district", True, "区县（市）人社部门核发", id="区县人社部门"),
        pytest.param("industry_authority", False, "不是市总工会2020年度备案同意的西湖区总工会非通用性职业", id="行业主管部门-未备案"),
        pytest.param("evaluation_org", False, "社会培训评价组织的证书不在2020年度奖励范围内", id="社会培训评价组织"),
        pytest.param("employer", False, "用人单位的证书不在2020年度奖励范围内", id="用人单位"),
        pytest.param("other", False, "其他的证书不在2020年度奖励范围内", id="其他"),
    ],
)
def test_rule_issuer_each_kind_in_2020(issuer, passed, phrase):  # type: ignore[no-untyped-def]
    check = rules.rule_issuer(applicant(issuer=issuer), TERMS_2020, FACTS)

    assert check.rule == "issuer"
    assert check.passed is passed
    assert phrase in check.message
    assert_sentence(check)


def test_rule_issuer_table_names_every_issuer_code():
    """The table above covers exactly the vocabulary's issuers."""
    covered = {"hr_zhejiang", "hr_hangzhou", "hr_district", "industry_authority", "evaluation_org", "employer", "other"}
    assert covered == set(Issuer.values)


@pytest.mark.parametrize(
    ("approved", "occupation", "passed"),
    [
        pytest.param("无人机驾驶员", "无人机驾驶员", True, id="已备案同意"),
        pytest.param("网络与信息安全管理员（网络安全）", "网络与信息安全管理员(网络安全)", True, id="全角括号备案-半角填写"),
        pytest.param("网络与信息安全管理员(网络安全)", "网络与信息安全管理员（网络安全）", True, id="半角括号备案-全角填写"),
        pytest.param("无人机驾驶员", " 无人机 驾驶员 ", True, id="多余空格"),
        pytest.param("无人机驾驶员", "民航乘务员", False, id="其他职业未备案"),
    ],
)
def test_rule_issuer_industry_authority_needs_an_approved_occupation(approved, occupation, passed):  # type: ignore[no-untyped-def]
    campaign = terms(issuers=issuers(approved_occupations=frozenset({org_key(approved)})))

    check = rules.rule_issuer(applicant(issuer="industry_authority", occupation=occupation), campaign, FACTS)

    assert check.passed is passed
    assert ("市总工会备案同意的西湖区总工会非通用性职业" in check.message) is passed
    assert_sentence(check)


def test_rule_issuer_approved_occupation_does_not_open_other_issuers():
    campaign = terms(issuers=issuers(approved_occupations=frozenset({org_key("无人机驾驶员")})))

    check = rules.rule_issuer(applicant(issuer="evaluation_org", occupation="无人机驾驶员"), campaign, FACTS)

    assert check.passed is False


def test_rule_issuer_unknown_member_names_no_union():
    check = rules.rule_issuer(applicant(issuer="industry_authority", occupation="无人机驾驶员"), TERMS_2020, facts(member=None))

    assert check.passed is False
    assert "所属工会" in check.message


#: A hypothetical 2019 campaign: only the provincial and city HR departments, and 茶艺师 approved.
ISSUERS_2019 = IssuerTerms(
    year=2019,
    counted_issuers=frozenset({"hr_zhejiang", "hr_hangzhou"}),
    occupation_issuers=frozenset({"industry_authority"}),
    approved_occupations=frozenset({org_key("茶艺师")}),
)


@pytest.mark.parametrize(
    ("issue_date", "issuer", "occupation", "previous", "passed", "phrase"),
    [
        pytest.param(D(2019, 6, 30), "hr_district", "车工", ISSUERS_2019, False, "不在2019年度奖励范围内", id="补申报-2019不认可区县"),
        pytest.param(D(2019, 6, 30), "hr_hangzhou", "车工", ISSUERS_2019, True, "属于2019年度奖励职业范围", id="补申报-2019认可市人社"),
        pytest.param(D(2019, 6, 30), "industry_authority", "茶艺师", ISSUERS_2019, True, "茶艺师", id="补申报-2019备案职业"),
        pytest.param(D(2020, 6, 30), "industry_authority", "茶艺师", ISSUERS_2019, False, "2020年度备案同意", id="当年-2020未备案"),
        pytest.param(D(2020, 6, 30), "hr_district", "车工", ISSUERS_2019, True, "属于2020年度奖励职业范围", id="当年-区县人社"),
        pytest.param(D(2019, 6, 30), "hr_district", "车工", None, True, "属于2020年度", id="补申报-无上年条件按当年"),
    ],
)
def test_rule_issuer_makeup_certificate_judged_by_previous_campaign(issue_date, issuer, occupation, previous, passed, phrase):  # type: ignore[no-untyped-def]
    campaign = terms(previous_issuers=previous)

    check = rules.rule_issuer(applicant(certificate_issue_date=issue_date, issuer=issuer, occupation=occupation), campaign, FACTS)

    assert check.passed is passed
    assert phrase in check.message
    assert_sentence(check)


# 5. 仅限一次 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "code", "blocking"),
    [
        pytest.param([], "", None, id="无其他申请"),
        pytest.param([Status.WITHDRAWN], "", None, id="已撤回"),
        pytest.param([Status.APPROVED], "already_awarded", 0, id="已审核通过"),
        pytest.param([Status.PAID], "already_awarded", 0, id="已发放"),
        pytest.param([Status.PAYMENT_FAILED], "already_awarded", 0, id="发放失败"),
        pytest.param([Status.REJECTED], "already_rejected", 0, id="不予奖励"),
        pytest.param([Status.PENDING_GRASSROOTS], "already_pending", 0, id="待基层初审"),
        pytest.param([Status.PENDING_DISTRICT], "already_pending", 0, id="待区县审核"),
        pytest.param([Status.PENDING_CITY], "already_pending", 0, id="待市总终审"),
        pytest.param([Status.RETURNED], "already_pending", 0, id="已退回"),
        pytest.param([Status.PENDING_CITY, Status.PAID], "already_awarded", 1, id="已发放优先于办理中"),
        pytest.param([Status.PENDING_CITY, Status.REJECTED], "already_rejected", 1, id="不予奖励优先于办理中"),
        pytest.param([Status.WITHDRAWN, Status.RETURNED], "already_pending", 1, id="撤回后又有退回的"),
    ],
)
def test_rule_once(statuses, code, blocking):  # type: ignore[no-untyped-def]
    prior = tuple(PriorApplication(application_no=f"2020-{n:06d}", status=str(status)) for n, status in enumerate(statuses, start=1))

    check = rules.rule_once(TERMS_2020, facts(same_campaign=prior))

    assert check.rule == "once_per_campaign"
    assert check.passed is (blocking is None)
    assert check.code == code
    if blocking is not None:
        assert prior[blocking].application_no in check.message
    assert "2020年度" in check.message
    assert_sentence(check)


# 6. 申报截止 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "returned_on", "today", "passed", "code"),
    [
        pytest.param("new", None, D(2020, 3, 25), False, "not_open", id="发文前一日"),
        pytest.param("new", None, D(2020, 3, 26), True, "", id="发文当日"),
        pytest.param("new", None, D(2020, 12, 15), True, "", id="截止当日"),
        pytest.param("new", None, D(2020, 12, 16), False, "deadline_passed", id="截止次日"),
        pytest.param("correction", None, D(2020, 12, 15), True, "", id="本人修改-截止当日"),
        pytest.param("correction", None, D(2020, 12, 16), False, "deadline_passed", id="本人修改-截止后"),
        pytest.param("resubmission", D(2020, 12, 10), D(2020, 12, 16), True, "", id="退回后-截止后仍在补正期"),
        pytest.param("resubmission", D(2020, 12, 10), D(2020, 12, 25), True, "", id="退回后-补正期末日"),
        pytest.param("resubmission", D(2020, 12, 10), D(2020, 12, 26), False, "deadline_passed", id="退回后-补正期次日"),
        pytest.param("resubmission", D(2020, 6, 1), D(2020, 12, 15), True, "", id="早退回-截止当日"),
        pytest.param("resubmission", D(2020, 6, 1), D(2020, 12, 16), False, "deadline_passed", id="早退回-截止后"),
        pytest.param("bank_fix", None, D(2021, 6, 30), True, "", id="更正银行卡-次年"),
        pytest.param("bank_fix", None, D(2020, 12, 31), True, "", id="更正银行卡-截止后"),
    ],
)
def test_rule_deadline(mode, returned_on, today, passed, code):  # type: ignore[no-untyped-def]
    check = rules.rule_deadline(TERMS_2020, facts(mode=mode, returned_on=returned_on), today)

    assert check.rule == "deadline"
    assert check.passed is passed
    assert check.code == code
    assert_sentence(check)


def test_rule_deadline_resubmission_names_the_last_day():
    check = rules.rule_deadline(TERMS_2020, facts(mode="resubmission", returned_on=D(2020, 12, 10)), D(2020, 12, 26))

    assert "2020年12月25日" in check.message


def test_rule_deadline_names_the_deadline():
    check = rules.rule_deadline(TERMS_2020, FACTS, D(2020, 12, 16))

    assert "2020年12月15日" in check.message


# decide() --------------------------------------------------------------------------------

RULE_ORDER = ["member", "promotion", "window", "issuer", "once_per_campaign", "deadline"]


@pytest.mark.parametrize(
    ("new_level", "previous_level", "amount"),
    [
        pytest.param("senior_worker", None, Decimal("500"), id="高级工500元"),
        pytest.param("technician", "senior_worker", Decimal("600"), id="技师600元"),
        pytest.param("senior_technician", "technician", Decimal("800"), id="高级技师800元"),
    ],
)
def test_decide_all_pass_gives_the_levels_amount(new_level, previous_level, amount):  # type: ignore[no-untyped-def]
    decision = decide(applicant(new_level=new_level, previous_level=previous_level), TERMS_2020, FACTS, today=TODAY)

    assert [check.rule for check in decision.checks] == RULE_ORDER
    assert all(check.passed for check in decision.checks)
    assert decision.eligible is True
    assert decision.amount == amount
    assert decision.is_makeup is False
    assert decision.failures == []
    assert decision.conflict() is None
    for check in decision.checks:
        assert_sentence(check)


@pytest.mark.parametrize(
    ("person", "registry", "today", "failing"),
    [
        pytest.param(APPLICANT, facts(member=None), TODAY, "member", id="非会员"),
        pytest.param(applicant(previous_level="technician"), FACTS, TODAY, "promotion", id="未晋级"),
        pytest.param(applicant(certificate_issue_date=D(2020, 12, 1)), FACTS, TODAY, "window", id="发证时间不符"),
        pytest.param(applicant(issuer="employer"), FACTS, TODAY, "issuer", id="用人单位发证"),
        pytest.param(
            APPLICANT, facts(same_campaign=(PriorApplication("2020-000001", Status.PAID),)), TODAY, "once_per_campaign", id="已获奖"
        ),
        pytest.param(APPLICANT, FACTS, D(2020, 12, 16), "deadline", id="已截止"),
    ],
)
def test_decide_one_failure_means_no_amount(person, registry, today, failing):  # type: ignore[no-untyped-def]
    decision = decide(person, TERMS_2020, registry, today=today)

    assert decision.eligible is False
    assert decision.amount is None
    assert [check.rule for check in decision.failures] == [failing]
    assert [check.rule for check in decision.checks] == RULE_ORDER
    assert decision.as_list()[RULE_ORDER.index(failing)]["passed"] is False
    for check in decision.checks:
        assert_sentence(check)


def test_decide_conflict_is_the_first_failure_with_a_code():
    registry = facts(member=None, same_campaign=(PriorApplication("2020-000007", Status.APPROVED),))

    decision = decide(APPLICANT, TERMS_2020, registry, today=D(2020, 12, 16))

    conflict = decision.conflict()
    assert conflict is not None
    assert (conflict.rule, conflict.code) == ("once_per_campaign", "already_awarded")


def test_decide_makeup_is_paid_at_the_current_amount():
    decision = decide(applicant(certificate_issue_date=D(2019, 6, 30), new_level="technician"), TERMS_2020, FACTS, today=TODAY)

    assert decision.eligible is True
    assert decision.is_makeup is True
    assert decision.amount == Decimal("600")


def test_decide_makeup_flag_stays_when_the_makeup_fails():
    decision = decide(applicant(certificate_issue_date=D(2019, 6, 30)), TERMS_2020, facts(previous_participation=True), today=TODAY)

    assert decision.is_makeup is True
    assert decision.eligible is False
    assert decision.amount is None


def test_decide_as_list_shape():
    decision = decide(APPLICANT, TERMS_2020, FACTS, today=TODAY)

    rows = decision.as_list()
    assert [row["rule"] for row in rows] == RULE_ORDER
    assert all(set(row) == {"rule", "passed", "message"} for row in rows)


# A 2021 campaign is data, not code -------------------------------------------------------

TERMS_2021 = CampaignTerms(
    year=2021,
    opens_on=D(2021, 4, 1),
    application_deadline=D(2021, 12, 10),
    resubmission_grace_days=10,
    main_window=(D(2020, 12, 1), D(2021, 11, 30)),
    makeup_window=(D(2019, 12, 1), D(2020, 11, 30)),
    previous_year=2020,
    amounts={"senior_worker": Decimal("700"), "technician": Decimal("900"), "senior_technician": Decimal("1200")},
    issuers=IssuerTerms(
        year=2021,
        counted_issuers=frozenset({"hr_zhejiang", "hr_hangzhou", "hr_district", "evaluation_org"}),
        occupation_issuers=frozenset({"industry_authority"}),
        approved_occupations=frozenset(),
    ),
    previous_issuers=ISSUERS_2020,
)
EVALUATION_2021 = applicant(
    new_level="technician", previous_level="senior_worker", certificate_issue_date=D(2021, 5, 20), issuer="evaluation_org"
)


@pytest.mark.parametrize(
    ("new_level", "previous_level", "amount"),
    [
        pytest.param("senior_worker", None, Decimal("700"), id="高级工700元"),
        pytest.param("technician", "senior_worker", Decimal("900"), id="技师900元"),
        pytest.param("senior_technician", None, Decimal("1200"), id="高级技师1200元"),
    ],
)
def test_2021_campaign_amounts_and_issuers_come_from_its_data(new_level, previous_level, amount):  # type: ignore[no-untyped-def]
    person = dataclasses.replace(EVALUATION_2021, new_level=new_level, previous_level=previous_level)

    decision = decide(person, TERMS_2021, FACTS, today=D(2021, 6, 1))

    assert decision.eligible is True, decision.failures
    assert decision.amount == amount
    assert "2021年度" in decision.checks[-1].message


def test_2021_certificate_is_not_a_2020_certificate():
    decision = decide(EVALUATION_2021, TERMS_2020, FACTS, today=D(2020, 10, 15))

    assert {check.rule for check in decision.failures} == {"window", "issuer"}


@pytest.mark.parametrize(
    ("today", "passed", "code"),
    [
        pytest.param(D(2021, 3, 31), False, "not_open", id="2021发文前一日"),
        pytest.param(D(2021, 12, 10), True, "", id="2021截止当日"),
        pytest.param(D(2021, 12, 11), False, "deadline_passed", id="2021截止次日"),
        pytest.param(D(2020, 12, 15), False, "not_open", id="2020截止日对2021无意义"),
    ],
)
def test_2021_deadline(today, passed, code):  # type: ignore[no-untyped-def]
    check = rules.rule_deadline(TERMS_2021, FACTS, today)

    assert (check.passed, check.code) == (passed, code)


def test_2021_resubmission_grace_is_its_own():
    registry = facts(mode="resubmission", returned_on=D(2021, 12, 8))

    assert rules.rule_deadline(TERMS_2021, registry, D(2021, 12, 18)).passed is True
    assert rules.rule_deadline(TERMS_2021, registry, D(2021, 12, 19)).passed is False


def test_2021_rules_name_2021_not_this_year():
    """The rules say the campaign's year: “本年度” read in 2026 about a 2021 campaign (or by a worker
    late in the calendar year) would name another year."""
    passed = rules.rule_issuer(EVALUATION_2021, TERMS_2021, FACTS)
    not_approved = rules.rule_issuer(dataclasses.replace(EVALUATION_2021, issuer="industry_authority"), TERMS_2021, FACTS)
    not_counted = rules.rule_issuer(dataclasses.replace(EVALUATION_2021, issuer="employer"), TERMS_2021, FACTS)
    rejected = rules.rule_once(TERMS_2021, facts(same_campaign=(PriorApplication(application_no="2021000007", status=Status.REJECTED),)))

    assert passed.message == "证书由社会培训评价组织核发，属于2021年度奖励职业范围。"
    assert "不是市总工会2021年度备案同意的" in not_approved.message
    assert "不在2021年度奖励范围内" in not_counted.message
    assert rejected.message == "您的2021年度申请（申请编号2021000007）已被决定不予奖励，不能再次申请2021年度奖励。"
    every = (*decide(EVALUATION_2021, TERMS_2021, FACTS, today=D(2021, 6, 1)).checks, not_approved, not_counted, rejected)
    assert not [check.message for check in every if "本年度" in check.message or "今年" in check.message]


def test_2021_makeup_refers_to_2020():
    person = dataclasses.replace(EVALUATION_2021, certificate_issue_date=D(2020, 6, 30), issuer="hr_hangzhou")

    refused = rules.rule_window(person, TERMS_2021, facts(previous_participation=True))
    accepted = decide(person, TERMS_2021, FACTS, today=D(2021, 6, 1))

    assert refused.passed is False
    assert "2020年度奖励" in refused.message
    assert accepted.eligible is True
    assert accepted.is_makeup is True
    assert accepted.amount == Decimal("900")


def test_2021_makeup_certificate_by_evaluation_org_is_judged_by_2020_issuers():
    person = dataclasses.replace(EVALUATION_2021, certificate_issue_date=D(2020, 6, 30))

    check = rules.rule_issuer(person, TERMS_2021, FACTS)

    assert check.passed is False
    assert "2020年度" in check.message


def test_2021_does_not_reward_levels_missing_from_its_table():
    """A campaign that rewards only 技师 and above refuses 高级工 with its own list of levels."""
    only_higher = dataclasses.replace(TERMS_2021, amounts={"technician": Decimal("900"), "senior_technician": Decimal("1200")})

    check = rules.rule_promotion(applicant(new_level="senior_worker"), only_higher)

    assert check.passed is False
    assert "2021年度奖励只针对晋级为技师、高级技师" in check.message
