"""The return SMS names the materials the reviewer asked to upload again (需重新上传): a sentence
of its own in the default texts, empty when none was ticked; a campaign's own text may use
``{materials}`` and need not, so a text stored before it existed still saves and sends."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.applications.models import Application
from rewards.campaigns.setup.fields import SMS_TEMPLATES
from rewards.campaigns.setup.services import campaign_update
from rewards.campaigns.setup.sms import check_text, clean_texts, required
from rewards.notifications.models import SmsMessage
from rewards.notifications.templates import DEFAULT_TEXTS, contains_personal_number
from rewards.review.services import review_decide

from ._worker import submitted_with_password

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

HEAD = "【杭州市总工会】您的高技能人才奖励申请（编号{no}）被退回，原因：证书照片看不清。"
TAIL = "请最迟于12月15日登录平台修改后重新提交。"
#: A return text a campaign stored before {materials} existed (decision 182's shape).
OLD_TEXT = "【杭州市总工会】申请{application_no}被退回，原因：{reason}，请最迟于{deadline}修改后重新提交。"


def returned(reviewer, application: Application, materials=None) -> SmsMessage:  # type: ignore[no-untyped-def]
    review_decide(
        user=reviewer, application_no=application.application_no, decision="return", opinion="证书照片看不清。", materials=materials
    )
    return SmsMessage.objects.get(template="returned", event_key__startswith=f"app:{application.application_no}:returned:")


@pytest.mark.parametrize(
    ("materials", "sentence"),
    [
        pytest.param([], "", id="没有勾选"),
        pytest.param(["certificate"], "需重新上传技能等级证书。", id="一项"),
        pytest.param(["bank_card", "certificate", "id_card"], "需重新上传身份证、技能等级证书、银行卡。", id="三项"),
    ],
)
def test_the_default_return_text_names_the_ticked_materials(client, today, member, xihu_reviewer, materials, sentence):
    application, _ = submitted_with_password(client, member)

    sms = returned(xihu_reviewer, application, materials)

    assert sms.text == HEAD.format(no=application.application_no) + sentence + TAIL
    assert sms.params["materials"] == sentence
    assert "请重新上传。" not in sms.text and "、。" not in sms.text and "。。" not in sms.text
    assert not contains_personal_number(sms.text) and member.id_number not in sms.text
    assert len(sms.text) <= 70 + len(sentence)  # one SMS without materials; the sentence on top


def test_the_longest_return_stays_one_long_sms_without_numbers(client, today, member, xihu_reviewer):
    """A 60-character reason (with an ID number the reviewer typed) and all three materials."""
    application, _ = submitted_with_password(client, member)
    opinion = f"身份证号{member.id_number}与照片不符，" + "请核对后重新拍摄清晰完整的照片" * 5
    review_decide(
        user=xihu_reviewer,
        application_no=application.application_no,
        decision="return",
        opinion=opinion,
        materials=["id_card", "certificate", "bank_card"],
    )
    sms = SmsMessage.objects.get(template="returned")
    assert "需重新上传身份证、技能等级证书、银行卡。请最迟于" in sms.text
    assert member.id_number not in sms.text and not contains_personal_number(sms.text)
    assert len(sms.text) <= 67 * 3  # three parts at most


def test_a_campaigns_text_may_name_the_materials(client, today, member, xihu_reviewer):
    text = "【杭州市总工会】申请{application_no}被退回：{reason}。{materials}请于{deadline}前修改后重新提交。"
    assert check_text("returned", text) == (text, [])
    today.sms_templates = {"returned": text}
    today.save()
    application, _ = submitted_with_password(client, member)

    sms = returned(xihu_reviewer, application, ["bank_card"])

    number = application.application_no
    assert sms.text == f"【杭州市总工会】申请{number}被退回：证书照片看不清。需重新上传银行卡。请于12月15日前修改后重新提交。"


def test_the_same_text_reads_whole_when_no_material_was_ticked(client, today, member, xihu_reviewer):
    today.sms_templates = {"returned": "【杭州市总工会】申请{application_no}被退回：{reason}。{materials}请于{deadline}前重新提交。"}
    today.save()
    application, _ = submitted_with_password(client, member)

    sms = returned(xihu_reviewer, application)

    assert sms.text == f"【杭州市总工会】申请{application.application_no}被退回：证书照片看不清。请于12月15日前重新提交。"


def test_a_text_stored_before_the_parameter_existed_still_validates_and_sends(client, today, member, xihu_reviewer, administrator):
    assert "materials" not in required("returned") and "{materials}" in DEFAULT_TEXTS["returned"]
    assert check_text("returned", OLD_TEXT) == (OLD_TEXT, [])
    assert clean_texts({"returned": OLD_TEXT}).overrides == {"returned": OLD_TEXT}
    today.sms_templates = {"returned": OLD_TEXT}
    today.save()
    # Saving the campaign's texts again, as the page does, checks the stored one anew.
    campaign_update(year=today.year, values={SMS_TEMPLATES: {"returned": OLD_TEXT}}, acting_user=administrator)
    application, _ = submitted_with_password(client, member)

    sms = returned(xihu_reviewer, application, ["id_card"])

    number = application.application_no
    assert sms.text == f"【杭州市总工会】申请{number}被退回，原因：证书照片看不清，请最迟于12月15日修改后重新提交。"
    assert "materials" not in sms.params  # a parameter the text does not name is not kept


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("【杭州市总工会】申请{application_no}被退回，原因：{reason}。请重新上传{materials}，于{deadline}前提交。", id="句中"),
        pytest.param("【杭州市总工会】申请{application_no}被退回，原因：{reason}。{materials}。请于{deadline}前提交。", id="后加句号"),
    ],
)
def test_materials_inside_a_sentence_are_refused(text):
    _, problems = check_text("returned", text)
    assert len(problems) == 1 and "{materials}（需重新上传的材料）是自带句号的一整句" in problems[0]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("【杭州市总工会】{materials}申请{application_no}被退回，原因：{reason}。请于{deadline}前提交。", id="开头"),
        pytest.param("【杭州市总工会】申请{application_no}被退回，原因：{reason}，{materials}请于{deadline}前提交。", id="逗号后"),
        pytest.param("【杭州市总工会】申请{application_no}被退回，原因：{reason}。请于{deadline}前提交。{materials}", id="末尾"),
    ],
)
def test_materials_between_sentences_are_accepted(text):
    assert check_text("returned", text) == (text, [])


def test_a_batch_return_tells_the_worker_what_the_union_must_upload_again(clerk, workers, grassroots_clerk):
    from .test_batch_pages import paper_form

    clerk.post("/staff/batch/new-entry", paper_form(workers[0]))
    application = Application.objects.get()
    review_decide(
        user=grassroots_clerk,
        application_no=application.application_no,
        decision="return",
        opinion="身份证复印件不清楚",
        materials=["id_card"],
    )
    sms = SmsMessage.objects.get(template="returned_to_union")
    assert "原因：身份证复印件不清楚。需重新上传身份证。如需补充材料，请与单位工会联系。" in sms.text


def test_the_settings_page_lists_the_parameter_as_optional(administrator, campaign):
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(administrator)
    page = staff.get(f"/staff/campaigns/{campaign.year}/sms").content.decode()
    returned_card = page[page.index('id="sms-returned-title"') : page.index('id="sms-returned_to_union-title"')]
    required_part, optional_part = returned_card.split("；可选：", 1)
    assert "{materials}" not in required_part and "{reason}" in required_part
    assert '<code title="审核人要求重新上传的材料' in optional_part and "{materials}</code>审核人要求重新上传的材料" in optional_part
    union_card = page[page.index('id="sms-returned_to_union-title"') : page.index('id="sms-rejected-title"')]
    assert "{materials}</code>审核人要求重新上传的材料" in union_card
    rejected_card = page[page.index('id="sms-rejected-title"') :]
    rejected_card = rejected_card[: rejected_card.index("</section>")]
    assert "{materials}" not in rejected_card  # a rejection names none
