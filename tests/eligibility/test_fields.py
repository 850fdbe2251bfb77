"""Field checks of an Annex 3 form (附件3 申请表) before any rule: ``clean_annex3``."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum import luhn
from stdnum.cn import ric

from rewards.eligibility.fields import RULE_FIELDS, SUBMISSION_FIELDS, clean_annex3

TODAY = dt.date(2020, 10, 15)


def id_number(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character it is given


MAN = id_number("33010619900101001")  # 17th digit odd
WOMAN = id_number("33010619850615002")  # 17th digit even
CARD = "622202123456789001" + luhn.calc_check_digit("622202123456789001")
BAD_CARD = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)


def form(**overrides) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "name": "张晓明",
        "id_number": MAN,
        "occupation": "车工",
        "new_level": "senior_worker",
        "certificate_issue_date": "2020-06-30",
        "issuer": "hr_hangzhou",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def full_form(**overrides) -> dict:  # type: ignore[no-untyped-def]
    extra = {
        "certificate_no": "2020 0000 01ab",
        "phone": "13912347919",
        "bank_card_no": CARD,
        "bank_branch": "中国工商银行杭州西湖支行",
        "employer": "杭州西湖精密机械有限公司",
        "education": "高中",
    }
    return form(**{**extra, **overrides})


def test_a_complete_form_is_typed():
    applicant, errors = clean_annex3(form(new_level="技师", previous_level="高级工", issuer="区县(市)人社部门"), today=TODAY)

    assert errors == {}
    assert applicant is not None
    assert applicant.id_number == MAN
    assert applicant.new_level == "technician"
    assert applicant.previous_level == "senior_worker"
    assert applicant.issuer == "hr_district"
    assert applicant.certificate_issue_date == dt.date(2020, 6, 30)


@pytest.mark.parametrize(
    ("number", "gender", "birth_date"),
    [
        pytest.param(MAN, "male", dt.date(1990, 1, 1), id="男"),
        pytest.param(WOMAN, "female", dt.date(1985, 6, 15), id="女"),
    ],
)
def test_gender_and_birth_date_derived_from_the_id(number, gender, birth_date):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(id_number=number), today=TODAY)

    assert errors == {}
    assert applicant is not None
    assert (applicant.gender, applicant.birth_date) == (gender, birth_date)


@pytest.mark.parametrize(
    ("number", "given", "expected"), [(MAN, "male", "male"), (MAN, "男", "male"), (WOMAN, "female", "female"), (WOMAN, "女", "female")]
)
def test_gender_agreeing_with_the_id_is_kept(number, given, expected):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(id_number=number, gender=given), today=TODAY)

    assert errors == {}
    assert applicant is not None
    assert applicant.gender == expected


@pytest.mark.parametrize(("number", "given"), [(MAN, "female"), (MAN, "女"), (WOMAN, "male"), (WOMAN, "男")])
def test_gender_contradicting_the_id_is_a_field_error(number, given):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(id_number=number, gender=given), today=TODAY)

    assert applicant is None
    assert list(errors) == ["gender"]
    assert "性别与身份证号码不符" in errors["gender"][0]


def test_unknown_gender_is_a_field_error():
    applicant, errors = clean_annex3(form(gender="unknown"), today=TODAY)

    assert applicant is None
    assert list(errors) == ["gender"]


def test_bad_id_number_is_the_only_error_even_with_a_gender():
    applicant, errors = clean_annex3(form(id_number=MAN[:-1] + ("0" if MAN[-1] != "0" else "1"), gender="female"), today=TODAY)

    assert applicant is None
    assert list(errors) == ["id_number"]
    assert "校验位" in errors["id_number"][0]


@pytest.mark.parametrize("field", RULE_FIELDS)
def test_each_rule_field_is_required(field):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(**{field: None}), today=TODAY)

    assert applicant is None
    assert errors[field] == ["此项必填。"]


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_counts_as_missing(value):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(name=value), today=TODAY)

    assert applicant is None
    assert errors == {"name": ["此项必填。"]}


def test_an_empty_form_names_every_rule_field():
    applicant, errors = clean_annex3({}, today=TODAY)

    assert applicant is None
    assert set(errors) == set(RULE_FIELDS)


@pytest.mark.parametrize("field", [f for f in SUBMISSION_FIELDS if f not in RULE_FIELDS])
def test_submission_fields_are_required_on_a_submission(field):  # type: ignore[no-untyped-def]
    data = full_form()
    del data[field]

    applicant, errors = clean_annex3(data, today=TODAY, required=SUBMISSION_FIELDS)

    assert applicant is None
    assert errors == {field: ["此项必填。"]}


def test_a_full_submission_is_normalised():
    applicant, errors = clean_annex3(full_form(), today=TODAY, required=SUBMISSION_FIELDS)

    assert errors == {}
    assert applicant is not None
    assert applicant.certificate_no == "2020000001AB"
    assert applicant.phone == "13912347919"
    assert applicant.bank_card_no == CARD


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("２０２０００００００００２", "2020000000002"),
        ("ＨＹ２０２０００１", "HY2020001"),
        ("ｈｙ　２０２０　００１", "HY2020001"),  # an ideographic space too
        ("HY2020001", "HY2020001"),
    ],
)
def test_a_certificate_number_is_kept_as_the_registry_keeps_it(typed, stored):
    """Widths folded, spaces dropped, upper case: what the HR registry's importer stores."""
    applicant, errors = clean_annex3(full_form(certificate_no=typed), today=TODAY, required=SUBMISSION_FIELDS)

    assert errors == {}
    assert applicant is not None and applicant.certificate_no == stored


def test_a_certificate_number_is_measured_as_stored():
    """60 full-width digits typed in groups of four with spaces are 60 digits; 61 are too many."""
    typed = " ".join(["１２３４"] * 15)  # 74 characters as typed
    applicant, errors = clean_annex3(full_form(certificate_no=typed), today=TODAY, required=SUBMISSION_FIELDS)
    assert errors == {} and applicant is not None and applicant.certificate_no == "1234" * 15

    _, errors = clean_annex3(full_form(certificate_no=typed + "５"), today=TODAY, required=SUBMISSION_FIELDS)
    assert errors == {"certificate_no": ["最多60个字。"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "0571-87654321"),
        ("bank_card_no", BAD_CARD),
        ("bank_branch", "工商银行"),
        ("new_level", "特级工"),
        ("issuer", "人社部门"),
        ("name", "张三1"),
    ],
)
def test_malformed_fields_are_errors_on_that_field(field, value):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(full_form(**{field: value}), today=TODAY, required=SUBMISSION_FIELDS)

    assert applicant is None
    assert list(errors) == [field]


@pytest.mark.parametrize(
    ("previous_date", "ok"),
    [
        pytest.param("2018-05-20", True, id="早于发证时间"),
        pytest.param("2020-06-30", True, id="与发证时间同日"),
        pytest.param("2020-07-01", False, id="晚于发证时间"),
    ],
)
def test_previous_level_date_not_after_the_issue_date(previous_date, ok):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(previous_level="intermediate_worker", previous_level_date=previous_date), today=TODAY)

    if ok:
        assert errors == {}
        assert applicant is not None
        assert applicant.previous_level_date == dt.date.fromisoformat(previous_date)
    else:
        assert applicant is None
        assert list(errors) == ["previous_level_date"]
        assert "不能晚于现等级证书的发证时间" in errors["previous_level_date"][0]


def test_previous_level_date_needs_the_previous_level():
    applicant, errors = clean_annex3(form(previous_level_date="2018-05-20"), today=TODAY)

    assert applicant is None
    assert list(errors) == ["previous_level"]


@pytest.mark.parametrize(
    ("extra", "missing"),
    [
        pytest.param({}, {"hukou_place", "years_in_hangzhou"}, id="都没填"),
        pytest.param({"hukou_place": "安徽省阜阳市"}, {"years_in_hangzhou"}, id="缺来杭年限"),
        pytest.param({"years_in_hangzhou": "6"}, {"hukou_place"}, id="缺户籍地"),
    ],
)
def test_migrant_needs_hukou_place_and_years(extra, missing):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(is_migrant="是", **extra), today=TODAY)

    assert applicant is None
    assert set(errors) == missing


def test_migrant_with_hukou_place_and_years_is_kept():
    applicant, errors = clean_annex3(form(is_migrant=True, hukou_place="安徽省阜阳市", years_in_hangzhou="6"), today=TODAY)

    assert errors == {}
    assert applicant is not None
    assert (applicant.is_migrant, applicant.hukou_place, applicant.years_in_hangzhou) == (True, "安徽省阜阳市", 6)


def test_non_migrant_needs_neither():
    applicant, errors = clean_annex3(form(is_migrant="否"), today=TODAY)

    assert errors == {}
    assert applicant is not None
    assert (applicant.is_migrant, applicant.hukou_place, applicant.years_in_hangzhou) == (False, "", None)


@pytest.mark.parametrize("years", ["abc", "-1", "101", "6.5"])
def test_years_in_hangzhou_is_a_whole_number(years):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(is_migrant="是", hukou_place="安徽省阜阳市", years_in_hangzhou=years), today=TODAY)

    assert applicant is None
    assert list(errors) == ["years_in_hangzhou"]


@pytest.mark.parametrize(
    ("issue_date", "ok"),
    [
        pytest.param("2020-10-15", True, id="今天"),
        pytest.param("2020-10-16", False, id="明天"),
        pytest.param("2021年1月1日", False, id="明年"),
    ],
)
def test_issue_date_not_in_the_future(issue_date, ok):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(certificate_issue_date=issue_date), today=TODAY)

    if ok:
        assert errors == {}
        assert applicant is not None
    else:
        assert applicant is None
        assert list(errors) == ["certificate_issue_date"]
        assert "不能晚于今天" in errors["certificate_issue_date"][0]


def test_issue_date_before_birth_is_an_error():
    applicant, errors = clean_annex3(form(id_number=id_number("33010620000101001"), certificate_issue_date="1999-06-30"), today=TODAY)

    assert applicant is None
    assert list(errors) == ["certificate_issue_date"]
    assert "早于出生日期" in errors["certificate_issue_date"][0]


def test_every_error_is_a_chinese_sentence():
    _, errors = clean_annex3({"id_number": "330106900101001", "gender": "x", "phone": "123"}, today=TODAY)

    assert errors
    for messages in errors.values():
        for message in messages:
            assert any("\u4e00" <= char <= "\u9fff" for char in message), message


@pytest.mark.parametrize(
    ("typed", "years"),
    [
        pytest.param("0", 0, id="0"),
        pytest.param("5年", 5, id="带“年”"),
        pytest.param("５ 年", 5, id="全角带空格"),
        pytest.param("100年", 100, id="100年"),
        pytest.param("101年", None, id="101年"),
        pytest.param("5.5", None, id="小数"),
        pytest.param("五年", None, id="汉字"),
        pytest.param("-1", None, id="负数"),
        pytest.param("年", None, id="只有年"),
    ],
)
def test_years_in_hangzhou_as_typed_with_or_without_nian(typed, years):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(form(is_migrant="是", hukou_place="安徽省阜阳市", years_in_hangzhou=typed), today=TODAY)

    if years is None:
        assert applicant is None
        assert errors == {"years_in_hangzhou": [f"来杭年限“{typed}”应为0至100之间的整数（年数，例如 5）。"]}
    else:
        assert errors == {}
        assert applicant is not None and applicant.years_in_hangzhou == years


def test_an_unknown_level_and_issuer_are_echoed_with_what_to_write():
    _, errors = clean_annex3(form(new_level="高级", previous_level="五级工", issuer="宁波市人社局"), today=TODAY)

    assert errors["new_level"] == ["无法识别的技能等级“高级”：请填写高级工、技师或高级技师（也可写作三级、二级、一级）。"]
    assert errors["previous_level"] == ["无法识别的技能等级“五级工”：请填写初级工、中级工、高级工、技师或高级技师。"]
    assert errors["issuer"][0].startswith("无法识别的发证机关“宁波市人社局”：请填写浙江省人社部门、杭州市人社部门、区县（市）人社部门、")
    assert "杭州市人力资源和社会保障局" in errors["issuer"][0]


@pytest.mark.parametrize(
    "field", ["name", "education", "occupation", "employer", "hukou_place", "is_migrant", "years_in_hangzhou", "union"]
)
@pytest.mark.parametrize("value", [["大专"], {"text": "大专"}, []])
def test_a_list_or_an_object_is_an_error_on_that_field_alone(field, value):  # type: ignore[no-untyped-def]
    applicant, errors = clean_annex3(full_form(**{field: value}), today=TODAY, required=SUBMISSION_FIELDS)

    assert applicant is None
    assert errors == {field: ["此项应为一个值（文字、数字或是否），不能是列表或对象。"]}


@pytest.mark.parametrize(
    ("field", "value", "kept"), [("years_in_hangzhou", 5, 5), ("is_migrant", True, True), ("education", "大专", "大专")]
)
def test_a_number_or_true_false_is_read_as_written(field, value, kept):  # type: ignore[no-untyped-def]
    extra = {"is_migrant": True, "hukou_place": "安徽省阜阳市", "years_in_hangzhou": 3}
    applicant, errors = clean_annex3(full_form(**{**extra, field: value}), today=TODAY, required=SUBMISSION_FIELDS)

    assert errors == {}
    assert getattr(applicant, field) == kept
