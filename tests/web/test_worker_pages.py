"""The worker pages (职工端) with the Django test client: the notice, the self-check (full page
and htmx), SMS sign-in and its session, the Annex 3 application with three materials, the
password shown once, the status query, "my applications", withdrawal, a new query password and
the corrections (undecided, returned, failed payment). Effects are asserted in the database."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rewards.applications.models import Application, Attachment, Flag, FlagCode
from rewards.applications.services import password_matches
from rewards.core import clock
from rewards.core.masking import mask_id_number, mask_phone
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from rewards.review.services import review_decide
from rewards.web.worker import session as worker_session
from tests import factories

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):  # type: ignore[no-untyped-def]
    """The materials of these tests go to their own folder, not the shared test storage."""
    location = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": location}}


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def today(business_day, campaign):  # type: ignore[no-untyped-def]
    """Inside the 2020 campaign (2020-10-15, 61 days before the deadline)."""
    return campaign


def jpeg(color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), color).save(buffer, "JPEG")
    return buffer.getvalue()


def materials(**skip: bool) -> dict[str, SimpleUploadedFile]:
    colours = {"id_card_file": (200, 60, 60), "certificate_file": (60, 160, 60), "bank_card_file": (60, 60, 200)}
    return {
        name: SimpleUploadedFile(f"{name}.jpg", jpeg(colour), content_type="image/jpeg")
        for name, colour in colours.items()
        if not skip.get(name)
    }


def form_for(member, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the worker types on /worker/apply (name and ID come from the sign-in)."""
    data = factories.annex3(member, is_migrant="否")
    for key in ("name", "id_number"):
        data.pop(key)
    data.update(overrides)
    return data


def latest_code() -> str:
    message = SmsMessage.objects.filter(template="otp").order_by("-created_at", "-pk").first()
    assert message is not None, "no SMS code was sent"
    return str(message.params["code"])


def sign_in(client: Client, member, next_url: str = "/worker/mine") -> None:  # type: ignore[no-untyped-def]
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name, "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/worker/signin/code"
    response = client.post("/worker/signin/code", {"code": latest_code()})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.session[worker_session.SESSION_KEY] == member.id_hash


def submit(client: Client, member, **overrides: Any) -> Application:  # type: ignore[no-untyped-def]
    response = client.post("/worker/apply", {**form_for(member, **overrides), **materials()})
    assert response.status_code == 302, response.content.decode()[:3000]
    return Application.objects.get(id_hash=member.id_hash, status=Status.PENDING_DISTRICT)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# 申报须知 ---------------------------------------------------------------------------------------


def test_notice_in_plain_words_with_amounts_countdown_and_three_buttons(client, today):
    response = client.get("/worker/")
    body = text(response)
    assert response.status_code == 200
    for words in (
        "500",
        "600",
        "800",
        "高级工",
        "技师",
        "高级技师",
        "2020年12月15日",
        "还剩 <b>61</b> 天",
        "2019年12月1日 至 2020年11月30日",
    ):
        assert words in body
    assert "杭工e家" in body and "单位统一申报" in body and "个人网上申报" in body
    assert "身份证" in body and "银行卡" in body and "5 MB" in body
    for label, href in (("资格自测", "/worker/check"), ("登录申请", "/worker/signin?next=/worker/apply"), ("查询进度", "/worker/status")):
        assert f'href="{href}">{label}</a>' in body
    assert "no-store" in response["Cache-Control"]


def test_notice_without_a_campaign(client, db):
    response = client.get("/worker/")
    assert response.status_code == 404
    assert "目前没有奖励活动" in text(response)


def test_home_page_and_navigation_link_to_the_worker_pages(client, today):
    body = text(client.get("/"))
    assert 'href="/worker/"' in body


# 资格自测 ---------------------------------------------------------------------------------------


def check_form(member, **overrides: Any) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {
        "name": member.name,
        "id_number": member.id_number,
        "new_level": "senior_worker",
        "certificate_issue_date": "2020-06-30",
        "issuer": "hr_hangzhou",
        "occupation": "车工",
    }
    data.update(overrides)
    return data


def test_self_check_without_javascript_explains_every_rule(client, today, member):
    response = client.post("/worker/check", check_form(member))
    body = text(response)
    assert response.status_code == 200
    assert "<html" in body and "符合奖励条件" in body and "500.00 元" in body
    assert body.count('<li class="pass">') == 6 and '<li class="fail">' not in body
    assert "您是西湖区总工会的实名认证会员" in body


def test_self_check_through_htmx_returns_the_partial_with_failures_explained(client, today, member):
    response = client.post("/worker/check", check_form(member, issuer="evaluation_org"), HTTP_HX_REQUEST="true")
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body and 'id="check-area"' in body
    assert "暂不符合奖励条件" in body
    assert body.count('<li class="fail">') == 1
    assert "社会培训评价组织的证书不在本年度奖励范围内" in body


def test_self_check_field_errors_next_to_the_fields_and_no_rule_runs(client, today, member):
    wrong = member.id_number[:-1] + ("0" if member.id_number[-1] != "0" else "1")
    response = client.post("/worker/check", check_form(member, id_number=wrong, certificate_issue_date=""), HTTP_HX_REQUEST="true")
    body = text(response)
    assert response.status_code == 200
    assert "身份证号码校验位不正确" in body and "此项必填" in body
    assert 'id="field-id_number"' in body and "has-error" in body
    assert "w-checks" not in body
    assert f'value="{member.name}"' in body  # what was typed stays


# 登录 -------------------------------------------------------------------------------------------


def test_sign_in_sends_a_code_to_the_mobile_on_file_and_shows_it_masked(client, today, member):
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = text(page)
    assert mask_phone(member.phone) in body
    assert member.phone not in body and member.id_number not in body
    assert SmsMessage.objects.filter(template="otp", phone_hash=member.phone_hash).count() == 1
    assert "no-store" in page["Cache-Control"]


def test_sign_in_with_the_code_cycles_the_session_and_goes_back(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name, "next": "/worker/apply"})
    before = client.session.session_key
    response = client.post("/worker/signin/code", {"code": latest_code()})
    assert response.status_code == 302 and response["Location"] == "/worker/apply"
    assert client.session.session_key != before
    assert client.session[worker_session.SESSION_KEY] == member.id_hash
    assert worker_session.PENDING_KEY not in client.session
    assert client.session.get_expiry_age() <= 30 * 60


def test_a_wrong_code_is_refused_in_chinese(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    code = latest_code()
    response = client.post("/worker/signin/code", {"code": "000000" if code != "000000" else "111111"})
    assert response.status_code == 400
    assert "验证码不正确或已过期" in text(response)
    assert worker_session.SESSION_KEY not in client.session


def test_five_wrong_codes_use_the_code_up(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    code = latest_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post("/worker/signin/code", {"code": wrong}).status_code == 400
    response = client.post("/worker/signin/code", {"code": code})
    assert response.status_code == 400 and "请重新获取" in text(response)
    assert worker_session.SESSION_KEY not in client.session


def test_not_a_verified_member_is_told_how_to_become_one(client, today, xihu):
    unverified = factories.make_member(union=xihu, verified=False)
    for person in (
        {"id_number": unverified.id_number, "name": unverified.name},
        {"id_number": factories.new_id_number(), "name": "王小红"},
    ):
        response = client.post("/worker/signin", person)
        body = text(response)
        assert response.status_code == 403
        assert "杭工e家" in body and "实名认证" in body and "所在单位工会" in body and "单位统一申报" in body
    assert not SmsMessage.objects.exists()


def test_sign_in_field_errors(client, today):
    response = client.post("/worker/signin", {"id_number": "330106800101001", "name": ""})
    body = text(response)
    assert response.status_code == 400
    assert "请填写18位身份证号码" in body


def test_asking_again_too_soon_is_throttled_in_chinese(client, today, member):
    client.post("/worker/signin", {"id_number": member.id_number, "name": member.name})
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name}, follow=True)
    assert "秒后再重新获取" in text(response)
    assert SmsMessage.objects.filter(template="otp").count() == 1
    response = client.post("/worker/signin/code", {"action": "resend"}, follow=True)
    assert "秒后再重新获取" in text(response)


def test_code_step_without_the_first_step_goes_back(client, today):
    response = client.get("/worker/signin/code")
    assert response.status_code == 302 and response["Location"] == "/worker/signin"


def test_idle_session_ends_after_30_minutes(client, today, member):
    sign_in(client, member)
    assert client.get("/worker/mine").status_code == 200
    session = client.session
    session[worker_session.SEEN_KEY] = clock.now().timestamp() - 31 * 60
    session.save()
    response = client.get("/worker/mine", follow=True)
    assert response.redirect_chain[0][0].startswith("/worker/signin?next=")
    assert "超过30分钟未操作" in text(response)
    assert worker_session.SESSION_KEY not in client.session


def test_sign_out(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/signout", follow=True)
    assert "您已安全退出" in text(response)
    assert worker_session.SESSION_KEY not in client.session
    assert client.get("/worker/mine").status_code == 302


def test_forms_need_the_csrf_token(today, member):
    strict = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    assert strict.post("/worker/signin", {"id_number": member.id_number, "name": member.name}).status_code == 403
    page = text(strict.get("/worker/signin"))
    assert 'name="csrfmiddlewaretoken"' in page


# 申请 -------------------------------------------------------------------------------------------


def test_apply_needs_sign_in(client, today):
    response = client.get("/worker/apply")
    assert response.status_code == 302 and response["Location"] == "/worker/signin?next=%2Fworker%2Fapply"


def test_apply_form_shows_the_identity_read_only_and_prefills_from_the_registry(client, today, xihu, xihu_grassroots):
    member = factories.make_member(
        union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司", id_number="330106198503150016"
    )
    sign_in(client, member)
    response = client.get("/worker/apply")
    body = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert member.name in body and mask_id_number(member.id_number) in body
    assert "<dd>男</dd>" in body and "1985年3月15日" in body
    assert "西湖区总工会" in body and "杭州西湖精密机械有限公司工会" in body
    assert 'value="杭州西湖精密机械有限公司"' in body
    assert "××银行××支行" in body
    assert body.count('accept="image/jpeg,image/png,application/pdf"') == 3
    assert 'capture="environment"' in body
    assert '<option value="senior_technician">高级技师（奖励800元）</option>' in body
    assert "浙江省人社部门" in body and "户籍地" in body and "来杭年限" in body
    assert member.id_number not in body and member.phone not in body
    assert mask_phone(member.phone) in body


def test_a_member_no_longer_verified_is_signed_out_with_the_explanation(client, today, member):
    sign_in(client, member)
    member.verified = False
    member.save()
    response = client.get("/worker/apply")
    assert response.status_code == 403 and "杭工e家" in text(response)
    assert worker_session.SESSION_KEY not in client.session


def test_submit_creates_the_application_and_shows_the_password_once(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member), **materials()})
    assert response.status_code == 302 and response["Location"] == "/worker/done"
    application = Application.objects.get(id_hash=member.id_hash)
    assert application.status == Status.PENDING_DISTRICT
    assert application.attachments.filter(current=True).count() == 3
    assert set(application.attachments.values_list("kind", flat=True)) == {"id_card", "certificate", "bank_card"}
    assert application.union.name == "西湖区总工会" and application.phone == member.phone

    done = client.get("/worker/done")
    body = text(done)
    assert application.application_no in body and "no-store" in done["Cache-Control"]
    password = body.split('id="query-password">')[1].split("<")[0]
    assert len(password) == 10 and password_matches(application, password)
    assert "只显示这一次" in body and "截图" in body and "短信中不含查询密码" in body
    assert worker_session.DONE_KEY not in client.session

    again = text(client.get("/worker/done"))
    assert password not in again and "查询密码已不再显示" in again
    sms = SmsMessage.objects.get(template="submitted")
    assert password not in sms.text


def test_field_errors_keep_what_was_typed_and_ask_for_the_files_again(client, today, member):
    sign_in(client, member)
    data = form_for(member, bank_card_no="6222021234567890012", bank_branch="工商银行", occupation="数控车工")
    response = client.post("/worker/apply", {**data, **materials()})
    body = text(response)
    assert response.status_code == 400
    assert "银行卡号校验不通过" in body and "开户行请写到支行" in body
    assert 'value="数控车工"' in body and 'value="6222021234567890012"' in body
    assert "请重新选择三份材料" in body
    assert not Application.objects.exists() and not Attachment.objects.exists()


def test_missing_materials_are_named(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member), **materials(certificate_file=True)})
    assert response.status_code == 400
    assert "请上传等级证书的照片或扫描件" in text(response)
    assert not Application.objects.exists()


def test_ineligible_application_lists_the_rules(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member, issuer="employer"), **materials()})
    body = text(response)
    assert response.status_code == 422
    assert "不符合奖励条件" in body and "用人单位的证书不在本年度奖励范围内" in body
    assert body.count('<li class="pass">') == 5 and body.count('<li class="fail">') == 1
    assert not Application.objects.exists()


def test_migrant_worker_fields(client, today, member):
    sign_in(client, member)
    response = client.post("/worker/apply", {**form_for(member, is_migrant="是"), **materials()})
    assert response.status_code == 400
    assert "外来务工人员请填写户籍地" in text(response)
    application = submit(client, member, is_migrant="是", hukou_place="安徽省阜阳市", years_in_hangzhou="6")
    assert application.is_migrant and application.hukou_place == "安徽省阜阳市" and application.years_in_hangzhou == 6


def test_a_second_application_is_a_conflict_with_a_link_to_my_applications(client, today, member):
    sign_in(client, member)
    first = submit(client, member)
    page = text(client.get("/worker/apply"))
    assert "您已有一份2020年度申请" in page and first.application_no in page
    response = client.post("/worker/apply", {**form_for(member, certificate_no="X2"), **materials()})
    body = text(response)
    assert response.status_code == 409
    assert "正在办理中" in body and 'href="/worker/mine"' in body
    assert Application.objects.count() == 1


# 查询进度 -------------------------------------------------------------------------------------


def submitted_with_password(client: Client, member) -> tuple[Application, str]:  # type: ignore[no-untyped-def]
    sign_in(client, member)
    application = submit(client, member)
    body = text(client.get("/worker/done"))
    return application, body.split('id="query-password">')[1].split("<")[0]


def test_status_by_id_and_password_shows_stage_opinions_amount_and_next_step(client, today, member, xihu_reviewer):
    application, password = submitted_with_password(client, member)
    anonymous = Client(HTTP_HOST=HOST)
    response = anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password.lower()})
    body = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert application.application_no in body and "待区县（产业）工会审核" in body
    assert "预计 500.00 元" in body and "提交申请" in body and "您可以修改或撤回申请" in body

    review_decide(
        user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="证书照片不清楚，请重新拍摄上传。"
    )
    body = text(anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password}))
    assert "已退回，请修改后重新提交" in body and "区县（产业）工会预审" in body and "退回修改" in body
    assert "证书照片不清楚，请重新拍摄上传。" in body and "重新提交" in body
    assert member.id_number not in body


def test_status_same_answer_for_any_wrong_pair_then_throttled(client, today, member):
    _, password = submitted_with_password(client, member)
    anonymous = Client(HTTP_HOST=HOST)
    wrong_password = anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": "ZZZZZZZZZZ"})
    unknown_person = anonymous.post("/worker/status", {"id_number": factories.new_id_number(), "query_password": password})
    assert wrong_password.status_code == unknown_person.status_code == 404
    message = "身份证号码或查询密码不正确"
    assert message in text(wrong_password) and message in text(unknown_person)
    for _ in range(9):
        anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": "ZZZZZZZZZZ"})
    throttled = anonymous.post("/worker/status", {"id_number": member.id_number, "query_password": password})
    assert throttled.status_code == 429 and "查询失败次数过多" in text(throttled)


# 我的申请 -------------------------------------------------------------------------------------


def test_my_applications_with_their_actions_and_no_full_numbers(client, today, member):
    application, _ = submitted_with_password(client, member)
    response = client.get("/worker/mine")
    body = text(response)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert application.application_no in body and "个人网上申报" in body
    assert f'href="/worker/applications/{application.application_no}/edit">修改申请</a>' in body
    assert f'href="/worker/applications/{application.application_no}/withdraw">撤回申请</a>' in body
    assert f'href="/worker/applications/{application.application_no}/query-password">重新生成查询密码</a>' in body
    for number in (member.id_number, member.phone, application.bank_card_no):
        assert number not in body


def test_batch_applications_are_listed_too(client, today, member, xihu_grassroots):
    sign_in(client, member)
    factories_app = Application.objects.create(
        application_no="2020999001",
        campaign=today,
        channel="batch",
        status=Status.PENDING_GRASSROOTS,
        name=member.name,
        id_hash=member.id_hash,
        id_number=member.id_number,
        gender="male",
        birth_date="1980-01-01",
        occupation="电工",
        new_level="technician",
        certificate_no="B1",
        certificate_issue_date="2020-05-01",
        issuer="hr_zhejiang",
        phone_hash="x",
        phone=member.phone,
        bank_card_hash="y",
        bank_card_no=factories.new_card(),
        bank_branch="中国银行杭州分行",
        employer="杭州西湖精密机械有限公司",
        union=member.union,
        submitting_org=xihu_grassroots,
        amount="600.00",
        submitted_at=clock.now(),
    )
    body = text(client.get("/worker/mine"))
    assert factories_app.application_no in body and "单位统一申报" in body and "基层工会初审" in body
    assert f"/worker/applications/{factories_app.application_no}/edit" not in body


def test_withdraw_after_confirmation(client, today, member):
    application, _ = submitted_with_password(client, member)
    confirm = client.get(f"/worker/applications/{application.application_no}/withdraw")
    assert "确定撤回这份申请吗" in text(confirm)
    response = client.post(f"/worker/applications/{application.application_no}/withdraw", follow=True)
    assert "已撤回" in text(response)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.events.filter(stage="withdrawn").exists()
    # Withdrawn frees the place: the worker may apply again; no amount or password is offered for it.
    body = text(client.get("/worker/mine"))
    assert "申请2020年度奖励" in body and "500.00" not in body and "重新生成查询密码" not in body
    response = client.get(f"/worker/applications/{application.application_no}/query-password")
    assert response.status_code == 302 and response["Location"] == "/worker/mine"


def test_withdraw_refused_once_a_reviewer_decided(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="approve")
    response = client.post(f"/worker/applications/{application.application_no}/withdraw", follow=True)
    assert "已有审核意见的申请不能撤回" in text(response)
    application.refresh_from_db()
    assert application.status == Status.PENDING_CITY


def test_new_query_password_shown_once_and_the_old_one_stops_working(client, today, member):
    application, old = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/query-password"
    assert "原来的查询密码立即作废" in text(client.get(url))
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    body = text(client.get(url))
    new = body.split('id="query-password">')[1].split("<")[0]
    application.refresh_from_db()
    assert new != old and password_matches(application, new) and not password_matches(application, old)
    assert new not in text(client.get(url))


def test_someone_elses_application_is_not_found(client, today, member, xihu):
    application, _ = submitted_with_password(client, member)
    other = factories.make_member(union=xihu)
    client.post("/worker/signout")
    sign_in(client, other)
    for path in ("edit", "withdraw", "query-password"):
        assert client.get(f"/worker/applications/{application.application_no}/{path}").status_code == 404
    assert client.post(f"/worker/applications/{application.application_no}/withdraw").status_code == 404
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT


# 修改与重新提交 ---------------------------------------------------------------------------------


def test_correct_an_undecided_application(client, today, member):
    application, _ = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/edit"
    page = text(client.get(url))
    assert 'value="车工"' in page and "不修改请留空" in page
    assert application.bank_card_no not in page and member.phone not in page
    data = form_for(member, occupation="数控车工", new_level="technician", bank_card_no="", phone="")
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/worker/mine"
    bank_card = application.bank_card_no
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT
    assert application.occupation == "数控车工" and application.new_level == "technician" and str(application.amount) == "600.00"
    assert application.bank_card_no == bank_card and application.phone == member.phone
    assert application.attachments.filter(current=True).count() == 3
    assert list(application.events.values_list("stage", flat=True)) == ["submitted", "corrected"]


def test_returned_application_is_resubmitted_with_history_kept(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="return", opinion="银行卡照片看不清")
    page = text(client.get("/worker/mine"))
    assert "修改后重新提交" in page and "银行卡照片看不清" in page
    url = f"/worker/applications/{application.application_no}/edit"
    form_page = text(client.get(url))
    assert "退回意见" in form_page and "银行卡照片看不清" in form_page
    new_card = SimpleUploadedFile("card.png", _png(), content_type="image/png")
    response = client.post(url, {**form_for(member, bank_card_no="", phone=""), "bank_card_file": new_card})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.PENDING_DISTRICT
    stages = list(application.events.values_list("stage", "decision", "opinion"))
    assert stages[0][0] == "submitted" and stages[1][1:] == ("return", "银行卡照片看不清") and stages[2][0] == "resubmitted"
    assert application.attachments.filter(kind="bank_card").count() == 2
    assert application.attachments.get(kind="bank_card", current=True).content_type == "image/png"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def test_resubmission_errors_are_shown_next_to_the_fields(client, today, member):
    application, _ = submitted_with_password(client, member)
    url = f"/worker/applications/{application.application_no}/edit"
    response = client.post(url, form_for(member, bank_branch="杭州", bank_card_no="", phone=""))
    assert response.status_code == 400 and "开户行请写到支行" in text(response)
    application.refresh_from_db()
    assert application.events.count() == 1


def test_after_a_failed_payment_only_the_bank_card_is_corrected(client, today, member):
    application, _ = submitted_with_password(client, member)
    Application.objects.filter(pk=application.pk).update(status=Status.PAYMENT_FAILED, has_decision=True)
    url = f"/worker/applications/{application.application_no}/edit"
    page = text(client.get(url))
    assert "更正银行卡" in page and 'name="bank_card_no"' in page and 'name="occupation"' not in page
    assert application.bank_card_no not in page
    card = factories.new_card()
    response = client.post(url, {"bank_card_no": card, "bank_branch": "中国建设银行杭州城西支行"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.APPROVED and application.bank_card_no == card
    assert Flag.objects.filter(application=application, code=FlagCode.BANK_CHANGED).exists()


def test_a_decided_application_cannot_be_edited(client, today, member, xihu_reviewer):
    application, _ = submitted_with_password(client, member)
    review_decide(user=xihu_reviewer, application_no=application.application_no, decision="approve")
    response = client.get(f"/worker/applications/{application.application_no}/edit", follow=True)
    assert "该申请当前状态不能修改" in text(response)
    assert response.redirect_chain[-1][0] == "/worker/mine"
