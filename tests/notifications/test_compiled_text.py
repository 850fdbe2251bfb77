"""``compile_text``: a text cut once at its placeholders renders exactly what :func:`render` does,
including every refusal (the mask check above all), whatever the text and the values."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rewards.notifications.templates import DEFAULT_TEXTS, SIGNATURE, compile_text, render

NAMES = ("application_no", "amount", "card_tail", "reason")
#: Pieces that make numbers of every kind, alone or together with their neighbours.
PIECES = (
    "",
    "0016",
    "6222",
    "021234567890016",
    "33010619900101123",
    "X",
    "x",
    "Ｘ",
    "１２３４",
    " ",
    "-",
    "－",
    "，",
    "编号",
    "元",
    "\u3000",
)


def outcome(call):  # type: ignore[no-untyped-def]
    try:
        return ("ok", call())
    except ValueError as exc:
        return ("refused", str(exc))


def both(template: str, params: dict[str, object], overrides: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    expected = outcome(lambda: render(template, params, overrides))
    compiled = outcome(lambda: compile_text(template, overrides).render(params))
    return expected, compiled


literals = st.lists(st.sampled_from(PIECES), max_size=4).map("".join)
values = st.one_of(st.lists(st.sampled_from(PIECES), max_size=4).map("".join), st.text(max_size=25), st.none())


@st.composite
def texts(draw: st.DrawFn) -> str:
    """A campaign's text: literals and placeholders in any order, adjacent ones included."""
    parts = [draw(literals)]
    for _ in range(draw(st.integers(0, 4))):
        parts.append("{" + draw(st.sampled_from(NAMES)) + "}")
        parts.append(draw(literals))
    return "".join(parts)


@settings(max_examples=600, deadline=None)
@given(text=texts(), params=st.fixed_dictionaries({}, optional={name: values for name in NAMES}))
@example(text="卡号6222{card_tail}元", params={"card_tail": "021234567890016"})  # a number across an edge
@example(text="卡号{amount}021234567890016", params={"amount": "6222"})  # across the other edge
@example(text="卡号{amount}元", params={"amount": "6222021234567890"})  # 16 digits, the shortest card
@example(text="身份证号{reason}X", params={"reason": "33010619900101123"})  # the X after a value
@example(text="{application_no}{amount}", params={"application_no": "62220212", "amount": "34567890"})
@example(text="卡号 {amount} ", params={"amount": "6222 0212 3456 7890"})
@example(text="证件330106199001011234{amount}", params={"amount": "1"})  # in the literal itself
@example(text="编号{application_no}", params={"application_no": "6222021234567890016"})
@example(text="编号{application_no}", params={})
def test_a_compiled_text_renders_what_render_does(text, params):
    expected, compiled = both("returned", params, {"returned": text})
    assert compiled == expected


@pytest.mark.parametrize("template", sorted(DEFAULT_TEXTS))
def test_every_default_text_compiles_to_the_fast_check(template):
    """The default texts keep every placeholder between characters no number is made of."""
    assert compile_text(template).separated


@pytest.mark.parametrize(
    ("params", "refused"),
    [
        ({"application_no": "2020000123", "amount": "500.00", "card_tail": "0016"}, None),
        ({"application_no": "6222021234567890016", "amount": "500.00", "card_tail": "0016"}, "身份证号或银行卡号"),
        ({"application_no": "2020000123", "amount": "500.00"}, "缺少参数 card_tail"),
        ({"application_no": "2020000123", "amount": "500.00", "card_tail": "0016", "query_password": "7K3M9QX2AB"}, "查询密码"),
    ],
)
def test_the_paid_text(params, refused):
    expected, compiled = both("paid", params)
    assert compiled == expected
    if refused:
        assert compiled[0] == "refused" and refused in compiled[1]
    else:
        assert compiled[1][0].startswith(SIGNATURE)


def test_unknown_template_and_password_placeholder_are_refused_when_compiling():
    with pytest.raises(ValueError, match="未知的短信类型"):
        compile_text("birthday")
    with pytest.raises(ValueError, match="查询密码"):
        compile_text("submitted", {"submitted": "编号{application_no}，查询密码{query_password}"})
