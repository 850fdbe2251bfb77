"""The staff review pages with the Django test client and the named cast: sign-in and
lockout, roles and scope, the queue's filters and counts, decisions, 批量通过, the hard-signal
block, full numbers on the detail page only, and the materials."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rewards.applications.models import Application, Flag, FlagCode
from rewards.applications.services import application_submit
from rewards.core import clock
from rewards.core.masking import mask_bank_card, mask_id_number
from rewards.core.models import AuditEvent, ThrottleEvent
from rewards.organisations.models import StaffUser
from rewards.review.flags import ensure_signals
from rewards.review.selectors import REPEAT_WINDOW
from rewards.web.staff.auth import ABSOLUTE_LOGOUT, IDLE_LOGOUT, LOCKED_OUT, LOGIN_FAILED, SEEN_KEY, STARTED_KEY
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def jpeg(color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (90, 60), color).save(buffer, "JPEG")
    return buffer.getvalue()


def submit(campaign, member, *, in_registry: bool = True, **overrides) -> Application:  # type: ignore[no-untyped-def]
    """个人网上申报 through the service; ``in_registry`` puts the certificate in the HR registry (no signal)."""
    data = factories.annex3(member, **overrides)
    if in_registry:
        factories.register_certificate(member, data)
    files = {
        field: SimpleUploadedFile(f"{field}.jpg", jpeg(color), content_type="image/jpeg")
        for field, color in (("id_card_file", (200, 60, 60)), ("certificate_file", (60, 160, 60)), ("bank_card_file", (60, 60, 200)))
    }
    application = application_submit(campaign=campaign, data=data, files=files, applicant_id_hash=member.id_hash).application
    # What the background task does right after the commit (tests run inside one transaction).
    ensure_signals(application)
    return application


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def audits(action: str, **filters) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


@pytest.fixture
def xihu_app(campaign, business_day, member):  # type: ignore[no-untyped-def]
    return submit(campaign, member)


@pytest.fixture
def shangcheng_app(campaign, business_day, shangcheng):  # type: ignore[no-untyped-def]
    return submit(campaign, factories.make_member(union=shangcheng, name="王丽华"))


# --- sign-in, sessions, roles -------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_sign_in_page(xihu_app):
    client = Client(HTTP_HOST="127.0.0.1")
    for url in (
        "/staff/",
        f"/staff/applications/{xihu_app.application_no}",
        f"/staff/applications/{xihu_app.application_no}/attachments/1",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/login?next=")
    response = client.post(f"/staff/applications/{xihu_app.application_no}/decision", {"decision": "approve"})
    assert response.status_code == 302 and response["Location"].startswith("/staff/login")
    xihu_app.refresh_from_db()
    assert xihu_app.status == "pending_district"
    page = client.get("/staff/login")
    assert page.status_code == 200 and "工作人员登录" in page.text
    assert "no-store" in page["Cache-Control"]


def test_sign_in_rotates_the_session_audits_and_lands_on_the_queue(xihu_reviewer):
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/staff/login")
    client.session.save()
    before = client.session.session_key
    response = client.post("/staff/login", {"username": "xihu.reviewer", "password": PASSWORD, "next": "/staff/?status=approved"})
    assert response.status_code == 302 and response["Location"] == "/staff/?status=approved"
    assert client.session.session_key != before
    assert client.session[SEEN_KEY] > 0
    entry = audits("staff.login", result="ok")[-1]
    assert entry.actor == xihu_reviewer and entry.detail == {"channel": "web"}
    assert client.get("/staff/").status_code == 200


def test_sign_in_refuses_with_one_message_and_never_follows_an_outside_next(xihu_reviewer, city):
    client = Client(HTTP_HOST="127.0.0.1")
    StaffUser.objects.create_user(username="no.role", password=PASSWORD, organisation=city)  # no role
    for username, password in (("xihu.reviewer", "wrong-password-1"), ("nobody", PASSWORD), ("no.role", PASSWORD)):
        response = client.post("/staff/login", {"username": username, "password": password})
        assert response.status_code == 200
        assert LOGIN_FAILED in response.text
        assert "_auth_user_id" not in client.session
    assert len(audits("staff.login", result="failed")) == 3
    response = client.post("/staff/login", {"username": "xihu.reviewer", "password": PASSWORD, "next": "https://evil.example/staff/"})
    assert response["Location"] == "/staff/"


def test_five_failures_lock_the_account_even_for_the_right_password(xihu_reviewer):
    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(5):
        assert LOGIN_FAILED in client.post("/staff/login", {"username": "xihu.reviewer", "password": "not-the-password"}).text
    assert ThrottleEvent.objects.filter(scope="login").count() == 5
    response = client.post("/staff/login", {"username": "Xihu.Reviewer", "password": PASSWORD})
    assert response.status_code == 429
    assert LOCKED_OUT in response.text
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert client.get("/staff/").status_code == 302
    assert audits("staff.login", result="locked")


def test_a_success_clears_the_failures(xihu_reviewer):
    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(4):
        client.post("/staff/login", {"username": "xihu.reviewer", "password": "not-the-password"})
    assert client.post("/staff/login", {"username": "xihu.reviewer", "password": PASSWORD}).status_code == 302
    assert ThrottleEvent.objects.filter(scope="login").count() == 0


def test_thirty_idle_minutes_end_the_session(xihu_reviewer):
    client = signed_in(xihu_reviewer)
    assert client.get("/staff/").status_code == 200
    session = client.session
    session[SEEN_KEY] = clock.now().timestamp() - 31 * 60
    session.save()
    response = client.get("/staff/", follow=True)
    assert response.redirect_chain[0][0].startswith("/staff/login")
    assert IDLE_LOGOUT in response.text
    assert "_auth_user_id" not in client.session
    assert audits("staff.logout", actor=xihu_reviewer)[0].detail == {"reason": "idle"}


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(xihu_reviewer):
    client = Client(HTTP_HOST="127.0.0.1")
    client.post("/staff/login", {"username": "xihu.reviewer", "password": PASSWORD})
    session = client.session
    session[STARTED_KEY] = clock.now().timestamp() - 12 * 3600 - 1
    session.save()
    response = client.get("/staff/", follow=True)
    assert ABSOLUTE_LOGOUT in response.text
    assert "_auth_user_id" not in client.session
    assert audits("staff.logout", actor=xihu_reviewer)[0].detail == {"reason": "absolute"}


def test_logout_is_a_post_and_ends_the_session(xihu_reviewer):
    client = signed_in(xihu_reviewer)
    assert "确定要退出" in client.get("/staff/logout").text
    response = client.post("/staff/logout")
    assert response.status_code == 302 and response["Location"] == "/staff/login"
    assert client.get("/staff/").status_code == 302


def test_a_wrong_role_gets_403_in_chinese_and_changes_nothing(xihu_app, finance_a, administrator):
    finance = signed_in(finance_a)
    assert finance.get("/staff/").status_code == 200  # finance officers may read the queue
    response = finance.post(f"/staff/applications/{xihu_app.application_no}/decision", {"decision": "approve"})
    assert response.status_code == 403
    assert "无权进行此操作" in response.text
    xihu_app.refresh_from_db()
    assert xihu_app.status == "pending_district" and not xihu_app.events.filter(decision__gt="").exists()
    assert finance.post("/staff/approve-many", {"application_no": [xihu_app.application_no]}).status_code == 403
    assert finance.post(f"/staff/applications/{xihu_app.application_no}/flags/not_in_registry/resolve", {"note": "x"}).status_code == 403
    assert signed_in(administrator).get("/staff/").status_code == 403
    assert audits("access.denied", actor=finance_a)


def test_another_districts_application_answers_404_and_is_recorded(shangcheng_app, xihu_reviewer):
    client = signed_in(xihu_reviewer)
    attachment = shangcheng_app.attachments.first()
    no = shangcheng_app.application_no
    for response in (
        client.get(f"/staff/applications/{no}"),
        client.get(f"/staff/applications/{no}/attachments/{attachment.pk}"),
        client.post(f"/staff/applications/{no}/decision", {"decision": "return", "opinion": ""}),
    ):
        assert response.status_code == 404
        assert "不在您所在组织的管辖范围内" in response.text
        assert shangcheng_app.id_number not in response.text
    # Resolving signals is the city's: refused by role, before anything is looked up.
    refused = client.post(f"/staff/applications/{no}/flags/{FlagCode.NOT_IN_REGISTRY}/resolve", {"note": "看过了"})
    assert refused.status_code == 403 and shangcheng_app.id_number not in refused.text
    denied = audits("access.denied", actor=xihu_reviewer)
    assert [entry.detail.get("what", entry.detail.get("reason")) for entry in denied] == ["detail", "attachment", "decision", "role"]
    assert {entry.object_id for entry in denied[:3]} == {str(shangcheng_app.pk)}
    assert not audits("application.view_full") and not audits("application.view_attachment")
    shangcheng_app.refresh_from_db()
    assert shangcheng_app.status == "pending_district"
    assert client.get("/staff/applications/2020999999").status_code == 404


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_filters_counts_and_masks(campaign, business_day, member, shangcheng, xihu, xihu_reviewer, city_reviewer):
    clean = submit(campaign, member)
    flagged = submit(campaign, factories.make_member(union=xihu, name="李建国"), in_registry=False)
    technician = submit(campaign, factories.make_member(union=xihu, name="赵技师"), new_level="technician")
    other = submit(campaign, factories.make_member(union=shangcheng, name="王丽华"))
    signed_in(city_reviewer).post(f"/staff/applications/{technician.application_no}/decision", {"decision": "approve"})  # not its stage
    district = signed_in(xihu_reviewer)
    district.post(f"/staff/applications/{technician.application_no}/decision", {"decision": "approve"})

    # The district reviewer's queue opens on what waits for it, inside its own subtree.
    page = district.get("/staff/")
    assert page.context["filters"]["status"] == "pending_district"
    assert [row["application_no"] for row in page.context["rows"]] == [clean.application_no, flagged.application_no]
    tabs = {tab["value"]: tab["count"] for tab in page.context["tabs"]}
    assert tabs[""] == 3 and tabs["pending_district"] == 2 and tabs["pending_city"] == 1
    assert other.application_no not in page.text
    # Masked numbers only.
    assert clean.id_number not in page.text and mask_id_number(clean.id_number) in page.text
    assert clean.bank_card_no not in page.text and clean.phone not in page.text

    city = signed_in(city_reviewer)

    def numbers(query: str) -> list[str]:
        return [row["application_no"] for row in city.get(f"/staff/?{query}").context["rows"]]

    assert numbers("status=") == [clean.application_no, flagged.application_no, technician.application_no, other.application_no]
    assert numbers("status=pending_city") == [technician.application_no]
    assert numbers("status=&union=上城区总工会") == [other.application_no]
    assert numbers("status=&level=technician") == [technician.application_no]
    assert numbers("status=&flag=hard") == [flagged.application_no]
    assert numbers(f"status=&flag={FlagCode.NOT_IN_REGISTRY}") == [flagged.application_no]
    assert numbers("status=&channel=batch") == []
    assert numbers("status=&q=李建") == [flagged.application_no]
    assert numbers(f"status=&q={other.application_no}") == [other.application_no]
    assert numbers(f"status=&q={technician.certificate_no}") == [technician.application_no]
    # Full-width digits (a Chinese input method) and a number typed in groups find it too.
    wide = other.application_no.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert numbers(f"status=&q={wide}") == [other.application_no]
    assert numbers(f"status=&q={other.application_no[:4]}+{other.application_no[4:]}") == [other.application_no]
    # Searched under a tab where it is not: the page says where it is.
    elsewhere = city.get(f"/staff/?status=pending_city&q={other.application_no}")
    assert elsewhere.context["rows"] == [] and elsewhere.context["found_elsewhere"] == 1
    assert "在其他状态中找到 1 份" in elsewhere.text and f"status=&amp;q={other.application_no}" in elsewhere.text
    # A union outside the list is ignored rather than trusted.
    assert district.get("/staff/?status=&union=上城区总工会").context["filters"]["union"] == ""
    union_counts = {tab["value"]: tab["count"] for tab in city.get("/staff/?union=西湖区总工会").context["tabs"]}
    assert union_counts["pending_district"] == 2 and union_counts[""] == 3
    # Signal badges; the hard one is marked.
    flagged_row = next(row for row in city.get("/staff/?status=").context["rows"] if row["application_no"] == flagged.application_no)
    assert flagged_row["flag_items"] == [{"code": "not_in_registry", "label": "人社证书库中查无此证书", "hard": True}]
    # htmx asks for the same page; it is swapped into #queue.
    assert 'id="queue"' in city.get("/staff/?status=", HTTP_HX_REQUEST="true").text


def test_only_rows_at_the_callers_stage_can_be_ticked(campaign, business_day, member, xihu, xihu_reviewer, city_reviewer):
    clean = submit(campaign, member)
    flagged = submit(campaign, factories.make_member(union=xihu, name="李建国"), in_registry=False)
    rows = {row["application_no"]: row for row in signed_in(xihu_reviewer).get("/staff/").context["rows"]}
    assert rows[clean.application_no]["can_approve"] and rows[flagged.application_no]["can_approve"]
    city = signed_in(city_reviewer)
    rows = {row["application_no"]: row for row in city.get("/staff/?status=").context["rows"]}
    assert not rows[clean.application_no]["can_approve"]  # still at the district
    signed_in(xihu_reviewer).post("/staff/approve-many", {"application_no": [clean.application_no, flagged.application_no]})
    rows = {row["application_no"]: row for row in city.get("/staff/").context["rows"]}
    assert rows[clean.application_no]["can_approve"]
    assert not rows[flagged.application_no]["can_approve"]  # a hard signal blocks 终审


def test_the_bulk_form_restores_no_ticks_and_names_each_application(campaign, business_day, member, xihu, xihu_reviewer):
    """批量通过: the browser must not tick rows again by position when the reviewer comes back
    (the list has changed since); each box carries the name the confirmation lists (staff-queue.js)."""
    first = submit(campaign, member)
    page = signed_in(xihu_reviewer).get("/staff/").text
    assert 'class="bulk-form" data-bulk-form data-once autocomplete="off"' in page
    assert '<input type="checkbox" data-select-all autocomplete="off"' in page
    box = (
        f'<input type="checkbox" name="application_no" value="{first.application_no}" data-name="{first.name}" autocomplete="off"'
        f' aria-label="选择 {first.application_no} {first.name}">'
    )
    assert box in page


def test_bulk_approve_moves_the_selected_applications_up_one_level(campaign, business_day, member, xihu, xihu_reviewer, shangcheng_app):
    first = submit(campaign, member)
    second = submit(campaign, factories.make_member(union=xihu, name="李建国"), in_registry=False)
    untouched = submit(campaign, factories.make_member(union=xihu, name="周敏"))
    client = signed_in(xihu_reviewer)
    response = client.post(
        "/staff/approve-many",
        {
            "application_no": [first.application_no, second.application_no, shangcheng_app.application_no],
            "next": "/staff/?status=pending_district",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/staff/?status=pending_district"
    for application in (first, second, untouched, shangcheng_app):
        application.refresh_from_db()
    assert first.status == second.status == "pending_city"
    assert untouched.status == "pending_district" and shangcheng_app.status == "pending_district"
    event = first.events.get(decision="approve")
    assert event.actor == xihu_reviewer and event.organisation == xihu and event.from_status == "pending_district"
    assert audits("access.denied", actor=xihu_reviewer)[0].detail["what"] == "approve_many"
    page = client.get("/staff/?status=pending_district")
    assert page.context["bulk"]["approved"] == [first.application_no, second.application_no]
    assert page.context["bulk"]["refused"] == [
        {"application_no": shangcheng_app.application_no, "reason": "没有找到，或不在您的管辖范围内"}
    ]
    assert "批量通过结果" in page.text
    # The outcome is shown once.
    assert client.get("/staff/").context["bulk"] is None
    # Approving the same again moments later is the same form sent twice: done, nothing changes.
    client.post("/staff/approve-many", {"application_no": [first.application_no]})
    assert client.get("/staff/").context["bulk"] == {"approved": [first.application_no], "refused": []}
    assert first.events.filter(decision="approve").count() == 1
    # Later it is refused, saying where the application stands.
    first.events.filter(decision="approve").update(at=clock.now() - REPEAT_WINDOW)
    client.post("/staff/approve-many", {"application_no": [first.application_no]})
    assert client.get("/staff/").context["bulk"]["refused"][0]["reason"] == "该申请现为“待市总终审”，已不在您的审核环节（可能已由他人处理）"
    assert first.events.filter(decision="approve").count() == 1
    assert "请先勾选" in client.post("/staff/approve-many", {}, follow=True).text


# --- one application ------------------------------------------------------------------------


def test_the_detail_page_shows_full_numbers_and_records_the_view(xihu_app, xihu_reviewer):
    client = signed_in(xihu_reviewer)
    response = client.get(f"/staff/applications/{xihu_app.application_no}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.text
    for number in (xihu_app.id_number, xihu_app.phone, xihu_app.bank_card_no):
        assert number in text
    for label in ("申报奖励工种", "原有最高技能等级", "等级证书编号", "银行卡开户行", "是否外来务工人员", "区县市（产业）工会意见"):
        assert label in text
    assert "✓" in text and "实名认证会员" in text
    assert "提交申请" in text  # the history
    assert text.count("data-viewer-item") == 3 and 'id="viewer"' in text
    entry = audits("application.view_full")[-1]
    assert entry.actor == xihu_reviewer and entry.object_id == str(xihu_app.pk)
    assert xihu_app.id_number not in str(entry.detail)
    queue = client.get("/staff/").text
    assert xihu_app.id_number not in queue and xihu_app.bank_card_no not in queue
    assert mask_bank_card(xihu_app.bank_card_no) not in queue  # the queue shows no card at all


def test_attachments_are_served_only_with_private_headers(xihu_app, xihu_reviewer, city_reviewer):
    item = xihu_app.attachments.get(kind="certificate")
    for user in (xihu_reviewer, city_reviewer):
        response = signed_in(user).get(f"/staff/applications/{xihu_app.application_no}/attachments/{item.pk}")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "no-store" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    assert [entry.actor for entry in audits("application.view_attachment")] == [xihu_reviewer, city_reviewer]
    assert signed_in(xihu_reviewer).get(f"/staff/applications/{xihu_app.application_no}/attachments/999999").status_code == 404


def test_decisions_need_an_opinion_to_return_or_reject(campaign, business_day, member, xihu, xihu_reviewer, city_reviewer):
    first = submit(campaign, member)
    second = submit(campaign, factories.make_member(union=xihu, name="李建国"))
    district = signed_in(xihu_reviewer)
    city = signed_in(city_reviewer)

    # 预审 approves without an opinion.
    response = district.post(f"/staff/applications/{first.application_no}/decision", {"decision": "approve"}, follow=True)
    assert "已通过" in response.text
    first.refresh_from_db()
    assert first.status == "pending_city" and first.amount == Decimal("500.00")

    # The same decision sent again (a double click, a second tab) finds it done; another one is
    # refused, and the page says it was not saved, who decided and where the application stands.
    response = district.post(f"/staff/applications/{first.application_no}/decision", {"decision": "approve"}, follow=True)
    assert "该决定已经保存，重复提交的没有再次处理" in response.text and first.events.filter(decision="approve").count() == 1
    response = district.post(
        f"/staff/applications/{first.application_no}/decision", {"decision": "return", "opinion": "补材料"}, follow=True
    )
    assert response.redirect_chain == [(f"/staff/applications/{first.application_no}#decision", 302)]  # POST-redirect-GET
    assert "您的决定没有保存：西湖区总工会 xihu.reviewer已于" in response.text
    assert "作出“通过”决定，该申请现为“待市总终审”。" in response.text

    # 终审 return without an opinion is refused; with one it is kept in the history.
    response = city.post(f"/staff/applications/{first.application_no}/decision", {"decision": "return", "opinion": "  "}, follow=True)
    assert response.redirect_chain and "请填写意见" in response.text
    for unreadable in ("\u200b", "\u3000\u200d\ufeff", "\u2060\r\n\u200e"):  # zero-width, joiner, BOM, marks
        url = f"/staff/applications/{first.application_no}/decision"
        response = city.post(url, {"decision": "reject", "opinion": unreadable}, follow=True)
        assert response.redirect_chain and "请填写意见" in response.text, repr(unreadable)
    first.refresh_from_db()
    assert first.status == "pending_city"
    response = city.post(
        f"/staff/applications/{first.application_no}/decision", {"decision": "return", "opinion": "证书照片模糊，请重新上传。"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "returned" and first.returned_at is not None
    event = first.events.get(decision="return")
    assert event.opinion == "证书照片模糊，请重新上传。" and event.organisation.name == "杭州市总工会"
    detail = city.get(f"/staff/applications/{first.application_no}").text
    assert "证书照片模糊，请重新上传。" in detail and "退回修改" in detail

    # 不予奖励 also needs an opinion; an unknown decision is refused.
    refused = district.post(f"/staff/applications/{second.application_no}/decision", {"decision": "reject"}, follow=True)
    assert refused.redirect_chain and "请填写意见" in refused.text
    response = district.post(f"/staff/applications/{second.application_no}/decision", {"decision": "pay"}, follow=True)
    assert response.redirect_chain and "请选择一项决定：通过、退回修改或不予奖励。" in response.text
    assert "approve（" not in response.text  # the API's message names its codes; the page does not
    district.post(f"/staff/applications/{second.application_no}/decision", {"decision": "reject", "opinion": "证书非本人。"})
    second.refresh_from_db()
    assert second.status == "rejected"
    assert [entry.action for entry in AuditEvent.objects.filter(object_id=str(second.pk), action__startswith="review.")] == [
        "review.reject"
    ]


def test_a_hard_signal_blocks_final_approval_until_resolved_with_a_note(campaign, business_day, member, xihu_reviewer, city_reviewer):
    application = submit(campaign, member, in_registry=False)
    flag = application.flags.get()
    assert flag.code == FlagCode.NOT_IN_REGISTRY and flag.hard
    signed_in(xihu_reviewer).post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"})
    application.refresh_from_db()
    assert application.status == "pending_city"

    city = signed_in(city_reviewer)
    page = city.get(f"/staff/applications/{application.application_no}")
    assert page.context["approve_blocked"] and "尚未处理的硬性风险信号" in page.text
    response = city.post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"}, follow=True)
    assert response.redirect_chain and "尚未处理的风险信号" in response.text
    application.refresh_from_db()
    assert application.status == "pending_city"

    url = f"/staff/applications/{application.application_no}/flags/{flag.code}/resolve"
    response = city.post(url, {"note": "   "}, follow=True)
    assert response.redirect_chain == [(f"/staff/applications/{application.application_no}#signals", 302)]
    assert "请写明核实情况和处理意见" in response.text
    flag.refresh_from_db()
    assert flag.resolved_at is None
    response = city.post(url, {"note": "已电话核实杭州市人社局，证书真实，证书库尚未同步。"})
    assert response.status_code == 302 and response["Location"].endswith("#signals")
    flag.refresh_from_db()
    assert flag.resolved_by == city_reviewer and flag.resolved_at is not None
    assert flag.resolution_note == "已电话核实杭州市人社局，证书真实，证书库尚未同步。"
    again = city.post(url, {"note": "again"}, follow=True)
    assert again.redirect_chain and "您的处理说明没有保存：该风险信号已处理。" in again.text
    page = city.get(f"/staff/applications/{application.application_no}").text
    assert "证书库尚未同步" in page and "city.reviewer" in page

    city.post(f"/staff/applications/{application.application_no}/decision", {"decision": "approve"})
    application.refresh_from_db()
    assert application.status == "approved" and application.amount == Decimal("500.00")
    assert Flag.objects.get(pk=flag.pk).resolution_note  # the note stays with the application


def test_forms_need_the_csrf_token(xihu_app, xihu_reviewer):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(xihu_reviewer)
    assert client.post(f"/staff/applications/{xihu_app.application_no}/decision", {"decision": "approve"}).status_code == 403
    assert client.post("/staff/approve-many", {"application_no": [xihu_app.application_no]}).status_code == 403
    assert client.post("/staff/login", {"username": "xihu.reviewer", "password": PASSWORD}).status_code == 403
    xihu_app.refresh_from_db()
    assert xihu_app.status == "pending_district"
    page = client.get(f"/staff/applications/{xihu_app.application_no}").text
    assert page.count('name="csrfmiddlewaretoken"') >= 2  # logout and the decision


def test_the_home_page_links_to_the_staff_sign_in(campaign):
    assert 'href="/staff/login"' in Client(HTTP_HOST="127.0.0.1").get("/").text


def test_pages_promise_full_numbers_and_the_viewer_only_to_those_who_get_them(campaign, business_day, member, xihu_reviewer, auditor):
    application = submit(campaign, member)
    reviewer, reader = signed_in(xihu_reviewer), signed_in(auditor)
    assert "完整信息请进入详情查看" in reviewer.get("/staff/").text
    queue = reader.get("/staff/").text
    assert "完整信息请进入详情查看" not in queue and "详情页同样只看到脱敏号码" in queue
    assert "点击查看大图" in reviewer.get(f"/staff/applications/{application.application_no}").text
    detail = reader.get(f"/staff/applications/{application.application_no}").text
    assert "点击查看大图" not in detail and "只有审核人员可以查看" in detail


@pytest.mark.parametrize(
    ("status", "channel", "says"),
    [
        ("payment_failed", "online", "须由职工本人登录平台，在“我的申请”中更正银行卡号和开户行"),
        ("returned", "online", "由职工本人改正后再次提交"),
        ("returned", "batch", "由基层工会改正后再次提交"),
        ("paid", "online", "该申请已不在审核环节"),
    ],
)
def test_an_application_out_of_review_says_who_acts_next(campaign, member, city_reviewer, status, channel, says):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status=status, channel=channel)
    page = signed_in(city_reviewer).get(f"/staff/applications/{application.application_no}")
    assert page.status_code == 200 and says in page.text
