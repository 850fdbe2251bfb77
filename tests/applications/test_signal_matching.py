"""The signals that compare an application with the HR registry and with other people's
applications (DOMAIN.md §4) read numbers and occupations as the registry keeps them, whatever
width they were typed in, and look for a shared card or certificate in every campaign: last
year's award is someone else's too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rewards.applications.models import Application, FlagCode
from rewards.applications.services import application_submit
from rewards.campaigns.setup.year_copy import campaign_copy
from rewards.core import crypto
from rewards.core.models import AuditEvent
from rewards.review.flags import ensure_signals, find_signals, raise_signals_for_new, shared_sentence
from rewards.review.services import flag_resolve
from rewards.review.signal_words import _shared_as_seen
from tests import factories
from tests.api.helpers import bearer, staff_token
from tests.batches.sheets import row_for, sheet
from tests.web._worker import jpeg
from tests.web.conftest import private_storage  # noqa: F401 - the fixture, used by pytestmark

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def submit(campaign, member, **overrides) -> Application:  # type: ignore[no-untyped-def]
    """An online submission by ``member``, its signals worked out as the background task does."""
    data = factories.annex3(member, **overrides)
    files = {
        name: SimpleUploadedFile(f"{name}.jpg", jpeg(), content_type="image/jpeg")
        for name in ("id_card_file", "certificate_file", "bank_card_file")
    }
    application = application_submit(campaign=campaign, data=data, files=files, applicant_id_hash=member.id_hash).application
    ensure_signals(application)
    application.refresh_from_db()
    return application


def codes(application: Application) -> set[str]:
    return set(application.flags.values_list("code", flat=True))


# --- full-width input and the registry ------------------------------------------------------


def test_a_certificate_number_in_full_width_digits_is_the_registry_s(campaign, business_day, member):
    factories.make_certificate(member=member, certificate_no="2020000000002")

    application = submit(campaign, member, certificate_no="２０２０ ００００ ００００２")

    assert application.certificate_no == "2020000000002"
    assert codes(application) == set()


def test_full_width_letters_are_the_registry_s_upper_case(campaign, business_day, member):
    factories.make_certificate(member=member, certificate_no="HY2020001")

    application = submit(campaign, member, certificate_no="ｈｙ２０２０００１")

    assert application.certificate_no == "HY2020001" and codes(application) == set()


def test_a_number_missing_from_the_registry_is_still_a_hard_signal(campaign, business_day, member):
    factories.make_certificate(member=member, certificate_no="2020000000002")

    application = submit(campaign, member, certificate_no="２０２０００００００００３")

    assert codes(application) == {FlagCode.NOT_IN_REGISTRY}
    assert application.flags.get().message == "人社证书库中没有编号为 2020000000003 的证书。"


@pytest.mark.parametrize(
    ("registry", "typed"), [("车工(数控)", "车工（数控）"), ("车工（数控）", "车工(数控)"), ("车工(数控)", "车工 ( 数控 )")]
)
def test_an_occupation_with_full_width_brackets_is_the_registry_s(campaign, business_day, member, registry, typed):
    factories.make_certificate(member=member, certificate_no="2020000000002", occupation=registry)

    application = submit(campaign, member, certificate_no="2020000000002", occupation=typed)

    assert codes(application) == set()


def test_another_occupation_is_still_a_mismatch(campaign, business_day, member):
    factories.make_certificate(member=member, certificate_no="2020000000002", occupation="车工(数控)")

    application = submit(campaign, member, certificate_no="2020000000002", occupation="铣工（数控）")

    assert codes(application) == {FlagCode.REGISTRY_MISMATCH}
    assert application.flags.get().message == "与人社证书库记录不符：职业（证书库为“车工(数控)”）。"


def test_a_name_stored_with_a_full_stop_is_the_registry_s_holder(campaign, business_day, xihu):
    """An application stored before names were cleaned to the 间隔号 (decision 121) keeps 买买提.艾力
    while the registry now says 买买提·艾力: the same holder, when its signals are worked out again."""
    member = factories.make_member(union=xihu, name="买买提·艾力")
    factories.make_certificate(member=member, certificate_no="2020000000002")
    application = submit(campaign, member, certificate_no="2020000000002")
    Application.objects.filter(pk=application.pk).update(name="买买提.艾力")
    application.refresh_from_db()

    assert find_signals(application) == {}


def test_the_batch_sheet_reads_a_full_width_number_as_the_registry_s(api, campaign, business_day, grassroots_clerk, xihu, xihu_grassroots):
    worker = factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司")
    factories.make_certificate(member=worker, certificate_no="HY2020001", occupation="车工(数控)")
    row = row_for(worker, certificate_no="ＨＹ２０２０００１", occupation="车工（数控）")

    response = api.post(
        "/api/v1/batch-submissions", {"file": SimpleUploadedFile("汇总表.xlsx", sheet([row]))}, **bearer(staff_token(api, grassroots_clerk))
    )

    assert response.status_code == 200 and response.json()["accepted"] == 1, response.content
    application = Application.objects.get(id_hash=worker.id_hash)
    assert application.certificate_no == "HY2020001" and codes(application) == set()


# --- one certificate, two people ---------------------------------------------------------


def test_one_certificate_typed_in_either_width_by_two_people_is_shared(campaign, business_day, xihu):
    first = submit(campaign, factories.make_member(union=xihu), certificate_no="HY2020001")
    second = submit(campaign, factories.make_member(union=xihu), certificate_no="ＨＹ２０２０００１")
    first.refresh_from_db()

    assert FlagCode.CERTIFICATE_SHARED in codes(first) and FlagCode.CERTIFICATE_SHARED in codes(second)
    assert second.flags.get(code=FlagCode.CERTIFICATE_SHARED).message == f"该证书编号也用于他人的申请（{first.application_no}）。"
    assert first.flags.get(code=FlagCode.CERTIFICATE_SHARED).message == f"该证书编号也用于他人的申请（{second.application_no}）。"


def test_the_review_search_finds_a_certificate_typed_in_full_width(api, campaign, business_day, member, xihu_reviewer):
    application = submit(campaign, member, certificate_no="HY2020001")
    token = staff_token(api, xihu_reviewer)

    for typed in ("ｈｙ２０２０００１", "hy2020001", " HY 2020 001 "):
        listing = api.get("/api/v1/review/applications", {"q": typed}, **bearer(token)).json()
        assert [row["application_no"] for row in listing["results"]] == [application.application_no], typed


# --- across campaigns --------------------------------------------------------------------


@pytest.fixture
def campaign_2021(campaign, administrator, business_day):  # type: ignore[no-untyped-def]
    """2021, copied from 2020; its make-up window is 2020's certificate window."""
    copied = campaign_copy(from_year=2020, to_year=2021, acting_user=administrator)
    business_day("2021-05-10")
    return copied


@pytest.fixture
def person_a(xihu):  # type: ignore[no-untyped-def]
    return factories.make_member(union=xihu)


@pytest.fixture
def paid_2020(campaign, person_a):  # type: ignore[no-untyped-def]
    """Person A's 2020 application, paid: card C, certificate X."""
    return factories.make_application(campaign=campaign, member=person_a, status="paid", certificate_no="2020330012345")


def card_of(application: Application) -> str:
    return Application.objects.get(pk=application.pk).bank_card_no


def test_last_year_s_paid_card_and_certificate_are_shared_this_year(campaign_2021, paid_2020, xihu):
    """Person B claims A's 2020 certificate as a make-up certificate in 2021, on A's card."""
    claimant = factories.make_member(union=xihu)
    application = submit(
        campaign_2021,
        claimant,
        certificate_no="２０２０３３００１２３４５",
        bank_card_no=card_of(paid_2020),
        certificate_issue_date="2020-06-30",
    )

    assert application.is_makeup
    flags = dict(application.flags.values_list("code", "message"))
    assert flags[FlagCode.CARD_SHARED] == f"该银行卡号也用于他人的申请（2020年度：{paid_2020.application_no}）。"
    assert flags[FlagCode.CERTIFICATE_SHARED] == f"该证书编号也用于他人的申请（2020年度：{paid_2020.application_no}）。"
    # A's paid application is told too, with the year of the other application; it stays paid.
    mirrored = dict(paid_2020.flags.values_list("code", "message"))
    assert mirrored[FlagCode.CARD_SHARED] == f"该银行卡号也用于他人的申请（2021年度：{application.application_no}）。"
    assert mirrored[FlagCode.CERTIFICATE_SHARED] == f"该证书编号也用于他人的申请（2021年度：{application.application_no}）。"
    assert Application.objects.get(pk=paid_2020.pk).status == "paid"


def test_the_same_person_s_own_card_next_year_is_no_signal(campaign_2021, paid_2020, person_a):
    """A applies again in 2021 (a higher level) on the card A was paid on in 2020."""
    application = submit(
        campaign_2021,
        person_a,
        bank_card_no=card_of(paid_2020),
        new_level="technician",
        previous_level="senior_worker",
        previous_level_date="2020-06-30",
        certificate_issue_date="2021-03-01",
        certificate_no="2021330000001",
    )

    assert FlagCode.CARD_SHARED not in codes(application) and FlagCode.CERTIFICATE_SHARED not in codes(application)
    assert not paid_2020.flags.exists()


def test_a_withdrawn_application_of_last_year_shares_nothing(campaign_2021, paid_2020, xihu):
    Application.objects.filter(pk=paid_2020.pk).update(status="withdrawn")

    application = submit(campaign_2021, factories.make_member(union=xihu), bank_card_no=card_of(paid_2020))

    assert FlagCode.CARD_SHARED not in codes(application)


def test_this_year_s_numbers_come_first_and_last_year_s_say_their_year(campaign, campaign_2021, paid_2020, xihu):
    card = card_of(paid_2020)
    older = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), bank_card_no=card)
    this_year = submit(campaign_2021, factories.make_member(union=xihu), bank_card_no=card)

    application = submit(campaign_2021, factories.make_member(union=xihu), bank_card_no=card)

    last_year = "、".join(sorted([paid_2020.application_no, older.application_no]))
    expected = f"该银行卡号也用于他人的申请（{this_year.application_no}；2020年度：{last_year}）。"
    assert application.flags.get(code=FlagCode.CARD_SHARED).message == expected
    # A batch works the same facts out in the same words (a resolved signal stays resolved).
    application.flags.all().delete()
    raise_signals_for_new([application])
    assert application.flags.get(code=FlagCode.CARD_SHARED).message == expected


def test_a_batch_finds_last_year_s_certificate(api, campaign_2021, paid_2020, grassroots_clerk, xihu, xihu_grassroots):
    worker = factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司")
    row = row_for(worker, certificate_no="2020330012345", certificate_issue_date="2020-06-30")

    content = sheet([row], year=2021)
    response = api.post(
        "/api/v1/batch-submissions", {"file": SimpleUploadedFile("汇总表.xlsx", content)}, **bearer(staff_token(api, grassroots_clerk))
    )

    assert response.status_code == 200 and response.json()["accepted"] == 1, response.content
    application = Application.objects.get(id_hash=worker.id_hash)
    message = f"该证书编号也用于他人的申请（2020年度：{paid_2020.application_no}）。"
    assert application.flags.get(code=FlagCode.CERTIFICATE_SHARED).message == message
    assert (
        paid_2020.flags.get(code=FlagCode.CERTIFICATE_SHARED).message
        == f"该证书编号也用于他人的申请（2021年度：{application.application_no}）。"
    )


def test_an_anonymised_application_shares_nothing(campaign_2021, paid_2020, xihu):
    Application.objects.filter(pk=paid_2020.pk).update(purged_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    application = submit(campaign_2021, factories.make_member(union=xihu), bank_card_no=card_of(paid_2020))

    assert FlagCode.CARD_SHARED not in codes(application)
    assert crypto.blind_index("card", card_of(paid_2020)) == application.bank_card_hash


# --- the look-ups read an index ------------------------------------------------------------


def plan(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is small: ask which index it can use
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " ".join(str(row[-1] if connection.vendor == "sqlite" else row[0]) for row in cursor.fetchall())


@pytest.mark.parametrize("path", ["one", "batch"])
def test_the_cross_campaign_look_ups_read_the_existing_indexes(campaign_2021, paid_2020, xihu, path):
    """A card is found through (campaign, card hash) with every campaign listed, a certificate
    through (certificate, campaign): no new index for every submission to write."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    application = submit(campaign_2021, factories.make_member(union=xihu))
    with CaptureQueriesContext(connection) as executed:
        if path == "one":
            find_signals(application)
        else:
            application.flags.all().delete()
            raise_signals_for_new([application])
    lookups = [
        query["sql"]
        for query in executed.captured_queries
        if query["sql"].startswith("SELECT") and '"campaign_id" IN' in query["sql"] and "applications_application" in query["sql"]
    ]
    card = [sql for sql in lookups if '"bank_card_hash"' in sql.split("WHERE", 1)[1]]
    certificate = [sql for sql in lookups if '"certificate_no"' in sql.split("WHERE", 1)[1]]
    assert len(card) == 1 and len(certificate) == 1
    if connection.vendor == "sqlite":
        assert "app_campaign_card" in plan(card[0])
        assert "app_certificate" in plan(certificate[0])
    else:
        # PostgreSQL's choice among indexes for a table of a few rows follows whatever statistics
        # earlier tests left (app_progress, or the one-live-application index, cost the same
        # there): it is checked that the look-ups' columns lead an index, and that one can serve.
        indexes = connection.introspection.get_constraints(connection.cursor(), "applications_application")
        assert indexes["app_campaign_card"]["columns"] == ["campaign_id", "bank_card_hash"]
        assert indexes["app_certificate"]["columns"] == ["certificate_no", "campaign_id"]
        assert "Index" in plan(card[0]) and "Index" in plan(certificate[0])


# --- more than five other people ------------------------------------------------------------


def test_the_sentence_lists_five_numbers_and_then_how_many_in_all():
    users = [(7, f"2021{index:06d}") for index in range(1, 6)]
    five = shared_sentence("银行卡号", 7, users, {7: 2021})
    assert five == "该银行卡号也用于他人的申请（2021000001、2021000002、2021000003、2021000004、2021000005）。"
    six = shared_sentence("银行卡号", 7, [*users, (3, "2020000009")], {7: 2021, 3: 2020})
    assert six == "该银行卡号也用于他人的申请（2021000001、2021000002、2021000003、2021000004、2021000005，共 6 份）。"
    assert _shared_as_seen(six, frozenset()) == six
    assert (
        _shared_as_seen(six, frozenset({"2021000002", "2021000005"}))
        == "该银行卡号也用于他人的申请（2021000001、2021000003、2021000004，另有其他单位的申请 2 份，共 6 份）。"
    )


def test_a_seventh_person_on_a_card_raises_the_resolved_signal_again(campaign, business_day, xihu, city_reviewer):
    """Five numbers are listed: without the count, a seventh person on the card left the sentence
    as it was and the signal resolved for six stayed resolved."""
    card = "6222020200112233446"
    first = submit(campaign, factories.make_member(union=xihu), bank_card_no=card)
    for _ in range(6):
        submit(campaign, factories.make_member(union=xihu), bank_card_no=card)
    flag = first.flags.get(code=FlagCode.CARD_SHARED)
    assert flag.message.endswith("，共 6 份）。") and flag.message.count("、") == 4
    flag_resolve(user=city_reviewer, application_no=first.application_no, code=FlagCode.CARD_SHARED, note="同一班组代领，已核实")

    submit(campaign, factories.make_member(union=xihu), bank_card_no=card)

    flag.refresh_from_db()
    assert flag.message.endswith("，共 7 份）。") and flag.resolved_at is None
    assert AuditEvent.objects.get(action="review.flag_reraised", object_id=str(first.pk)).detail["note"] == "同一班组代领，已核实"
