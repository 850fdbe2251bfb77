"""Properties of the field checks (DOMAIN.md §3): what holds for every ID number, card number,
mobile number and piece of text, not only for the examples in test_validators.py."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import example, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from rewards.core import validators
from rewards.core.vocab import parse_gender, parse_issuer, parse_level, parse_yes_no

DIGITS = "0123456789"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: GB 11643 (ISO 7064 MOD 11-2) weights, as an oracle independent of stdnum.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def gb11643_check_digit(body: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


@st.composite
def id_bodies(draw: st.DrawFn) -> str:
    """17 digits: a province code (81/82/83 included), any area digits, a real birth date, a sequence."""
    province = draw(st.sampled_from(sorted(validators.PROVINCE_CODES)))
    area = draw(st.text(DIGITS, min_size=4, max_size=4))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)))
    sequence = draw(st.text(DIGITS, min_size=3, max_size=3))
    return f"{province}{area}{birth:%Y%m%d}{sequence}"


def assert_result_shape(result: tuple) -> None:  # type: ignore[type-arg]
    value, reason = result
    if reason is None:
        assert value is not None
    else:
        assert value is None
        assert CJK.search(reason)


# 身份证号码 --------------------------------------------------------------------------------


@given(id_bodies())
def test_id_number_with_its_check_digit_is_accepted(body):  # type: ignore[no-untyped-def]
    digit = ric.calc_check_digit(body + "0")  # stdnum ignores the last character it is given
    assert digit == gb11643_check_digit(body)

    assert validators.check_id_number(body + digit) == (body + digit, None)


@given(id_bodies(), st.sampled_from("0123456789X"))
def test_id_number_with_any_other_final_character_is_refused(body, final):  # type: ignore[no-untyped-def]
    if final == gb11643_check_digit(body):
        final = "0" if final != "0" else "1"

    value, reason = validators.check_id_number(body + final)

    assert value is None
    assert reason == validators.WRONG_ID_CHECK_DIGIT


@given(id_bodies())
def test_id_number_lower_case_x_is_upper_case_x(body):  # type: ignore[no-untyped-def]
    number = body + gb11643_check_digit(body)

    assert validators.check_id_number(number.lower()) == validators.check_id_number(number)


@given(id_bodies())
def test_id_facts_agree_with_the_number(body):  # type: ignore[no-untyped-def]
    number = body + gb11643_check_digit(body)

    facts = validators.id_facts(number)

    assert facts.birth_date == dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    assert facts.gender == ("male" if int(body[16]) % 2 else "female")


@given(st.text(DIGITS, max_size=30).filter(lambda s: len(s) not in (15, 18)))
def test_digit_strings_of_the_wrong_length_are_refused(text):  # type: ignore[no-untyped-def]
    value, reason = validators.check_id_number(text)

    assert value is None
    assert reason is not None


@given(st.text(DIGITS, min_size=15, max_size=15))
def test_fifteen_digits_ask_for_the_new_number(text):  # type: ignore[no-untyped-def]
    assert validators.check_id_number(text) == (None, "这是旧的15位身份证号码，请填写18位身份证号码。")


# 银行卡号 ----------------------------------------------------------------------------------


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    body = draw(st.text(DIGITS, min_size=15, max_size=18))
    return body + luhn.calc_check_digit(body)


@given(card_numbers())
def test_card_number_with_its_luhn_digit_is_accepted(card):  # type: ignore[no-untyped-def]
    assert 16 <= len(card) <= 19

    assert validators.check_bank_card(card) == (card, None)


@given(card_numbers(), st.data())
def test_card_number_with_one_digit_changed_is_refused(card, data):  # type: ignore[no-untyped-def]
    position = data.draw(st.integers(min_value=0, max_value=len(card) - 1))
    digit = data.draw(st.sampled_from([d for d in DIGITS if d != card[position]]))
    changed = card[:position] + digit + card[position + 1 :]

    value, reason = validators.check_bank_card(changed)

    assert value is None
    assert reason == "银行卡号校验不通过，请核对卡号是否抄错。"


@given(st.text(DIGITS, max_size=30).filter(lambda s: s and not 16 <= len(s) <= 19))
def test_card_number_of_the_wrong_length_is_refused(text):  # type: ignore[no-untyped-def]
    assert validators.check_bank_card(text) == (None, "银行卡号应为16至19位数字。")


# 手机号码 ----------------------------------------------------------------------------------


@given(st.text(DIGITS, min_size=10, max_size=10))
def test_mobile_starting_with_1_is_judged_without_exception(rest):  # type: ignore[no-untyped-def]
    value, reason = validators.check_mobile("1" + rest)

    assert_result_shape((value, reason))
    if value is not None:
        assert value == "1" + rest
        assert re.fullmatch(r"1[0-9]{10}", value)


@given(st.text(DIGITS, min_size=12, max_size=12))
def test_twelve_digits_are_never_a_mobile(text):  # type: ignore[no-untyped-def]
    value, reason = validators.check_mobile(text)

    assert value is None
    assert reason is not None


# Any text -----------------------------------------------------------------------------------


@given(st.text())
def test_validators_never_raise_on_any_text(text):  # type: ignore[no-untyped-def]
    for check in (
        validators.check_id_number,
        validators.check_name,
        validators.check_mobile,
        validators.check_bank_card,
        validators.check_bank_branch,
    ):
        assert_result_shape(check(text))
    date_result = validators.check_date(text, today=dt.date(2020, 10, 15), label="发证时间")
    assert_result_shape(date_result)
    validators.parse_date(text)
    parse_level(text)
    parse_issuer(text)
    parse_gender(text)
    parse_yes_no(text)


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=10, max_size=20))
def test_accepted_numbers_are_plain_ascii_digits(text):  # type: ignore[no-untyped-def]
    """Digits of other scripts would give the same person a second blind index."""
    for check in (validators.check_id_number, validators.check_mobile, validators.check_bank_card):
        value, _ = check(text)
        if value is not None:
            assert re.fullmatch(r"[0-9X]+", value), (check.__name__, value)
    number, _ = validators.check_mobile("1" + text[:10])
    if number is not None:
        assert re.fullmatch(r"1[0-9]{10}", number)


def _clean_the_long_way(value: str) -> str:
    from rewards.core.text import _SPACES, drop_invisible

    return _SPACES.sub(" ", drop_invisible(value)).strip()


#: Characters that clean() must drop or fold, among ordinary ones: spaces of every kind, line
#: breaks and tabs, zero-width and direction marks, the soft hyphen, controls.
_AWKWARD = " \t\n\r\x0b\x0c\x1c\x85\xa0\u3000\u2028\u2029\u00ad\u200b\u200d\u202e\u2060\ufeff\x00\x07\x7f\x9f"


@given(st.text(alphabet=st.sampled_from(list(_AWKWARD) + list("王建华A1-·.（）")), max_size=30) | st.text(max_size=30))
@example("王  建华 ")
@example(" 王\u3000建华")
@example("车工\u200b")
@example("A\tB")
def test_clean_gives_what_the_full_clean_gives(value):
    from rewards.core.text import clean

    assert clean(value) == _clean_the_long_way(value)
