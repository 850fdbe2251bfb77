"""Rendering the texts and the mask check: pure functions, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.notifications.templates import (
    DEFAULT_TEXTS,
    SIGNATURE,
    SmsTemplate,
    contains_personal_number,
    lifetime,
    mask_personal_numbers,
    placeholders,
    redact,
    render,
    sms_reason,
)


def test_every_template_has_a_signed_default_text():
    assert set(DEFAULT_TEXTS) == set(SmsTemplate.values)
    for code, text in DEFAULT_TEXTS.items():
        assert text.startswith("【杭州市总工会】"), code
        assert "query_password" not in placeholders(text), code


@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        (
            "otp",
            {"code": "482913", "minutes": 10},
            "【杭州市总工会】您的验证码为482913，10分钟内有效，用于登录高技能人才奖励平台，请勿告诉他人。",
        ),
        (
            "rejected",
            {"application_no": "2020000123", "reason": "证书等级与申报不符"},
            "【杭州市总工会】您的高技能人才奖励申请（编号2020000123）经审核不予奖励，原因：证书等级与申报不符。如有疑问请联系所在工会。",
        ),
        (
            "submitted",
            {"application_no": "2020000123"},
            "【杭州市总工会】您的高技能人才奖励申请（编号2020000123）已提交，请等待审核。",
        ),
        (
            "returned",
            {"application_no": "2020000123", "reason": "证书照片不清晰", "deadline": "12月15日", "materials": ""},
            "【杭州市总工会】您的高技能人才奖励申请（编号2020000123）被退回，原因：证书照片不清晰。请最迟于12月15日登录平台修改后重新提交。",
        ),
        (
            "paid",
            {"application_no": "2020000123", "amount": "3000.00", "card_tail": "0016"},
            "【杭州市总工会】您的高技能人才奖励（编号2020000123）3000.00元已发放至您尾号0016的银行卡，请注意查收。",
        ),
    ],
)
def test_render_fills_the_default_text(template, params, expected):
    text, used = render(template, params)
    assert text == expected
    assert used == {name: str(value) for name, value in params.items()}


def test_the_texts_without_a_reason_fit_one_sms():
    """One SMS holds 70 characters; a text one character over costs two. Counted with typical
    values, and the union's name of 单位已代为申报 at 20 characters (a company's union is often
    longer than the sample's 14)."""
    from rewards.campaigns.setup.sms import SAMPLE_VALUES, SINGLE

    values = {**SAMPLE_VALUES, "union_name": "杭州市西湖区某某某某科技股份有限公司工会"}
    assert len(values["union_name"]) == 20
    for code, text in DEFAULT_TEXTS.items():
        if code == "otp" or "{reason}" in text:
            continue
        rendered, _ = render(code, values)
        assert len(rendered) <= SINGLE, (code, len(rendered), rendered)


def test_parameters_the_text_does_not_name_are_dropped():
    text, used = render("submitted", {"application_no": 2020000123, "name": "张晓明", "amount": 3000})
    assert used == {"application_no": "2020000123"}
    assert "张晓明" not in text


def test_campaign_override_replaces_the_text_and_keeps_the_signature():
    overrides = {"approved": "恭喜！申请{application_no}通过，金额{amount}元。", "paid": ""}
    text, _ = render("approved", {"application_no": "2020000123", "amount": "5000"}, overrides)
    assert text == SIGNATURE + "恭喜！申请2020000123通过，金额5000元。"
    # An empty override falls back to the default text.
    text, _ = render("paid", {"application_no": "2020000123", "amount": "5000", "card_tail": "0016"}, overrides)
    assert text.startswith(SIGNATURE + "您的高技能人才奖励（编号2020000123）5000元")


def test_placeholders_are_plain_names_only():
    """A text typed into the admin cannot reach Python attributes through format syntax."""
    text, used = render("submitted", {"application_no": "2020000123"}, {"submitted": "编号{application_no.__class__}，{application_no}"})
    assert text == SIGNATURE + "编号{application_no.__class__}，2020000123"
    assert used == {"application_no": "2020000123"}


def test_the_submission_sms_never_carries_the_query_password():
    with pytest.raises(ValueError, match="查询密码"):
        render("submitted", {"application_no": "2020000123", "query_password": "7K3M9QX2AB"})
    with pytest.raises(ValueError, match="查询密码"):
        render("submitted", {"application_no": "2020000123"}, {"submitted": "编号{application_no}，查询密码{query_password}"})


@pytest.mark.parametrize(
    ("template", "params", "overrides", "message"),
    [
        ("birthday", {}, None, "未知的短信类型"),
        ("returned", {"application_no": "2020000123", "deadline": "12月15日"}, None, "缺少参数 reason"),
        ("returned", {"application_no": "2020000123", "deadline": "12月15日", "reason": None}, None, "缺少参数 reason"),
        ("returned", {"application_no": "2020000123", "reason": "卡号不清楚"}, None, "缺少参数 deadline"),
    ],
)
def test_render_refuses_what_it_cannot_fill(template, params, overrides, message):
    with pytest.raises(ValueError, match=message):
        render(template, params, overrides)


@pytest.mark.parametrize(
    ("text", "personal"),
    [
        ("身份证号330106199001011234", True),
        ("身份证号33010619900101123X已登记", True),
        ("身份证号33010619900101123x", True),
        ("卡号6222021234567890016", True),  # 19 digits
        ("卡号6222021234567890", True),  # 16 digits
        ("卡号6222 0212 3456 7890 016", True),  # written in groups
        ("卡号6222-0212-3456-7890", True),
        ("卡号６２２２０２１２３４５６７８９０", True),  # full-width digits
        ("身份证号330106********1234", False),
        ("卡号622202*********0016", False),
        ("尾号0016的银行卡", False),
        ("编号2020000123，金额3000.00元", False),
        ("手机139****7919", False),
        ("15位数字123456789012345", False),
        ("20位数字12345678901234567890", True),  # may hide a card number
    ],
)
def test_mask_check(text, personal):
    assert contains_personal_number(text) is personal


@pytest.mark.parametrize(
    "reason",
    ["身份证号330106199001011234与证书不符", "银行卡6222021234567890016户名不符", "卡号6222 0212 3456 7890 016有误"],
)
def test_render_refuses_a_full_id_or_card_number(reason):
    with pytest.raises(ValueError, match="身份证号或银行卡号"):
        render("returned", {"application_no": "2020000123", "deadline": "12月15日", "reason": reason})


def test_render_accepts_masked_numbers():
    text, _ = render("returned", {"application_no": "2020000123", "deadline": "12月15日", "reason": "银行卡622202*********0016户名不符"})
    assert "622202*********0016" in text


def test_redact_hides_the_otp_code_only():
    text, params = render("otp", {"code": "482913", "minutes": 10})
    kept, hidden = redact("otp", params, text)
    assert kept == {"code": "******", "minutes": "10"}
    assert "482913" not in hidden and "******" in hidden
    text, params = render("submitted", {"application_no": "2020000123"})
    assert redact("submitted", params, text) == (params, text)


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("身份证号330106199001011234与证书不符", "身份证号330106********1234与证书不符"),
        ("身份证号33010619900101123X有误", "身份证号330106********123X有误"),
        ("银行卡6222 0212 3456 7890 016户名不符", "银行卡622202*********0016户名不符"),
        ("证书编号2020-3301-0001缺失", "证书编号2020-3301-0001缺失"),
    ],
)
def test_mask_personal_numbers_makes_typed_text_fit_for_an_sms(typed, masked):
    assert mask_personal_numbers(typed) == masked
    text, _ = render("returned", {"application_no": "2020000123", "deadline": "12月15日", "reason": mask_personal_numbers(typed)})
    assert masked in text


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("银行卡照片不清晰，请重新上传。", "银行卡照片不清晰，请重新上传"),
        ("  证书照片看不清！！ ", "证书照片看不清"),
        ("证书等级与申报不符", "证书等级与申报不符"),
        ("身份证号330106199001011234与证书不符。", "身份证号330106********1234与证书不符"),
        ("。", "详见平台上的审核意见"),
        (" ！ ", "详见平台上的审核意见"),
    ],
)
def test_a_reason_loses_the_full_stop_the_text_adds(typed, reason):
    assert sms_reason(typed) == reason
    text, _ = render("returned", {"application_no": "2020000123", "deadline": "12月15日", "reason": sms_reason(typed)})
    assert f"原因：{reason}。请最迟于" in text and "。。" not in text


def test_an_empty_bank_reason_gets_its_own_default():
    assert sms_reason("", default="银行退回") == "银行退回"


def test_a_long_reason_is_cut_to_sixty_characters():
    assert sms_reason("照" * 59 + "。" + "片" * 10) == "照" * 59
    assert len(sms_reason("照" * 100)) == 60


def test_an_otp_message_lives_as_long_as_its_code():
    assert lifetime("otp", {"code": "1", "minutes": "5"}) == dt.timedelta(minutes=5)
    assert lifetime("otp", {"code": "1"}) == dt.timedelta(minutes=10)
    assert lifetime("submitted", {"minutes": "5"}) is None


def test_a_long_reason_is_never_cut_inside_a_number():
    """A cut at sixty characters that falls inside a (masked) number leaves the whole number
    out, rather than a fragment that reads as a wrong number ("联系电话139***")."""
    typed = "银行退回：户名与卡号不符，请核对开户名是否与身份证上的姓名一致，如有疑问请联系所在单位工会经办人王老师，联系电话13912345678，工作日上午"
    masked_at = typed.index("139")
    assert masked_at < 60 < masked_at + 11  # the sixtieth character is inside the mobile number
    reason = sms_reason(typed)
    assert reason.endswith("联系电话") and "139" not in reason and len(reason) < 60
    # A number that ends before the cut stays whole.
    assert sms_reason("请联系 0571-88886666 核实") == "请联系 0571-88886666 核实"
    # A cut between words is where it was.
    assert sms_reason("照" * 59 + "。" + "片" * 10) == "照" * 59
