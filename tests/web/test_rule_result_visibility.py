"""The rule results stored with an application name another application only to whom may open it
(decision 221's rule, as decision 229 applied it to the signals).

The once-a-year rule names the person's other application (“您已获得2020年度奖励（申请编号…）”,
已被决定不予奖励, 正在办理中). Today's rules store their results only with an eligible application,
whose once-a-year result names none; but the detail shows whatever was stored (its note reads
“提交时有不符合的条件，请核实” for results stored failing), so a result naming the person's
application under 上城区总工会, in an earlier year or in the same campaign (since withdrawn), is
read by a 西湖区 reviewer without that number, on the page and in the API; the city reads it
whole, and the stored results are never rewritten by reading them."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from rewards.applications.models import Application
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core.vocab import Status
from rewards.review.signal_words import checks_as_seen
from tests import factories
from tests.api.helpers import bearer, staff_token
from tests.web.test_signal_visibility import names
from tests.web.test_staff_pages import signed_in

pytestmark = pytest.mark.django_db

PASSED = [
    {"rule": "member", "passed": True, "message": "您是西湖区总工会的实名认证会员。"},
    {"rule": "promotion", "passed": True, "message": "首次取得高级工证书（未填写原有技能等级），属于晋级。"},
]


def once(message: str) -> list[dict[str, object]]:
    return [*PASSED, {"rule": "once_per_campaign", "passed": False, "message": message}]


@pytest.fixture
def moved(campaign, business_day, xihu, shangcheng):  # type: ignore[no-untyped-def]
    """A worker whose 2020 application went through 上城区总工会 (since withdrawn) and who applies
    again in 2020 under 西湖区总工会, the once-a-year result stored naming the first."""
    member = factories.make_member(union=shangcheng)
    first = factories.make_application(campaign=campaign, member=member, status=Status.WITHDRAWN, union=shangcheng)
    member.union = xihu
    member.save(update_fields=["union"])
    stored = once(f"您已有一份2020年度申请（申请编号{first.application_no}）正在办理中。如需修改，请修改该申请，或撤回后重新申请。")
    second = factories.make_application(campaign=campaign, member=member, status=Status.PENDING_DISTRICT, union=xihu, checks=stored)
    return first, second


def detail_checks(api: Client, user, number: str) -> list[dict]:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/review/applications/{number}", **bearer(staff_token(api, user)))
    assert response.status_code == 200, response.content
    return response.json()["checks"]


def test_a_district_reviewer_reads_another_unions_number_as_another_units_application(moved, xihu_reviewer, api):
    first, second = moved
    stored = copy.deepcopy(second.checks)
    said = "该职工已有一份2020年度申请（其他单位的申请）正在办理中。如需修改，请修改该申请，或由职工撤回后重新申请。"

    html = signed_in(xihu_reviewer).get(f"/staff/applications/{second.application_no}").content.decode()
    assert said in html
    assert not names(html, first.application_no)
    assert "提交时有不符合的条件，请核实。" in html

    checks = detail_checks(api, xihu_reviewer, second.application_no)
    assert checks[-1] == {"rule": "once_per_campaign", "passed": False, "message": said}
    assert [check["message"] for check in checks[:2]] == ["该职工是西湖区总工会的实名认证会员。", PASSED[1]["message"]]
    # The reader could not open it: the page, as ever, answers 404.
    assert signed_in(xihu_reviewer).get(f"/staff/applications/{first.application_no}").status_code == 404
    second.refresh_from_db()
    assert second.checks == stored  # reading rewrites nothing


def test_the_city_reads_the_number(moved, city_reviewer, api):
    first, second = moved
    said = f"该职工已有一份2020年度申请（申请编号{first.application_no}）正在办理中。"
    assert said in signed_in(city_reviewer).get(f"/staff/applications/{second.application_no}").content.decode()
    assert detail_checks(api, city_reviewer, second.application_no)[-1]["message"].startswith(said)


def test_an_earlier_years_application_under_another_union(campaign, business_day, administrator, xihu, shangcheng, xihu_reviewer, api):
    """Paid in 2020 through 上城区总工会; in 2021 under 西湖区总工会, the result naming both the 2020
    application (上城区's: left out) and a 2021 one of 西湖区's own (kept)."""
    member = factories.make_member(union=shangcheng)
    earlier = factories.make_application(campaign=campaign, member=member, status=Status.PAID, union=shangcheng)
    business_day("2021-10-15")
    year_2021 = campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    member.union = xihu
    member.save(update_fields=["union"])
    own = factories.make_application(campaign=year_2021, member=member, status=Status.WITHDRAWN, union=xihu)
    message = f"您已领取2020年度奖励（申请编号{earlier.application_no}），此前的{own.application_no}已撤回。"
    later = factories.make_application(
        campaign=year_2021,
        member=member,
        status=Status.PENDING_DISTRICT,
        union=xihu,
        checks=[{"rule": "window", "passed": False, "message": message}],
    )
    said = f"该职工已领取2020年度奖励（其他单位的申请），此前的{own.application_no}已撤回。"
    html = signed_in(xihu_reviewer).get(f"/staff/applications/{later.application_no}").content.decode()
    assert said in html and not names(html, earlier.application_no)
    assert detail_checks(api, xihu_reviewer, later.application_no) == [{"rule": "window", "passed": False, "message": said}]


def test_results_naming_no_number_ask_nothing(moved, xihu_reviewer, django_assert_num_queries):
    """Stored results of an eligible application name no number: read in staff words, no query."""
    with django_assert_num_queries(0):
        assert checks_as_seen(xihu_reviewer, PASSED)[0]["message"] == "该职工是西湖区总工会的实名认证会员。"
    assert checks_as_seen(xihu_reviewer, None) == []


@pytest.mark.usefixtures("private_storage")
def test_a_submitted_applications_stored_results_name_no_other_application(campaign, business_day, xihu, shangcheng):
    """What the rules store today: an eligible application's results, none naming an application
    (a person's earlier, withdrawn application under another union included)."""
    from tests.web.test_staff_pages import submit

    member = factories.make_member(union=shangcheng)
    first = submit(campaign, member)
    Application.objects.filter(pk=first.pk).update(status=Status.WITHDRAWN)
    member.union = xihu
    member.save(update_fields=["union"])
    second = submit(campaign, member)
    second.refresh_from_db()
    assert second.union == xihu and all(check["passed"] for check in second.checks)
    assert not any(first.application_no in str(check["message"]) for check in second.checks)
    assert "您尚未获得2020年度奖励，也没有其他正在办理的申请。" in [check["message"] for check in second.checks]


# The worker's side: their own numbers, never another person's ----------------------------------


@pytest.fixture
def somebody_elses(campaign, business_day, shangcheng):  # type: ignore[no-untyped-def]
    other = factories.make_member(union=shangcheng)
    return other, factories.make_application(campaign=campaign, member=other, status=Status.PENDING_DISTRICT, union=shangcheng)


@pytest.mark.usefixtures("private_storage")
def test_a_worker_typing_another_persons_id_number_reads_none_of_their_applications(client, member, somebody_elses, api):
    """The once-a-year rule reads the applications of the ID number judged: the page judges the
    signed-in worker's own (what is typed for name and ID is not read), the API refuses another's
    before any rule is said."""
    from tests.api.helpers import applicant_token
    from tests.api.helpers import submit as api_submit
    from tests.web._worker import form_for, materials, sign_in

    other, theirs = somebody_elses
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member), "id_number": other.id_number, "name": other.name, **materials()})
    assert not names(response.content.decode(), theirs.application_no)
    mine = Application.objects.exclude(pk=theirs.pk).get()
    assert mine.id_hash == member.id_hash  # the form was judged, and filed, as the signed-in worker's

    refused = api_submit(api, applicant_token(api, member), factories.annex3(other))
    assert refused.status_code == 403 and not names(refused.content.decode(), theirs.application_no)
    assert "checks" not in refused.json()["error"]


@pytest.mark.usefixtures("private_storage")
def test_a_worker_reads_their_own_other_application_by_its_number(client, campaign, business_day, member):
    """A second application of one's own is refused naming the first: theirs to quote."""
    from tests.web._worker import form_for, materials, sign_in

    first = factories.make_application(campaign=campaign, member=member, status=Status.PENDING_DISTRICT, union=member.union)
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member), **materials()})
    assert response.status_code == 409 and first.application_no in response.content.decode()
