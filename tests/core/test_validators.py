"""Field checks of DOMAIN.md §3 (身份证号码、手机号码、银行卡号、开户行、日期、姓名), the
vocabulary parsers of API.md and the masking of DOMAIN.md §9, as tables of cases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from stdnum import luhn
from stdnum.cn import ric

from rewards.core import masking
from rewards.core.validators import (
    check_bank_branch,
    check_bank_card,
    check_date,
    check_id_number,
    check_mobile,
    check_name,
    id_facts,
    parse_date,
)
from rewards.core.vocab import parse_issuer, parse_level

D = dt.date
CJK = re.compile(r"[\u4e00-\u9fff]")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def with_check_digit(body: str) -> str:
    """An 18-digit ID number from its 17-digit body. stdnum's ``calc_check_digit`` reads the
    whole number and ignores its last character, hence the placeholder."""
    assert len(body) == 17
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    other = next(c for c in "0123456789X" if c != number[-1])
    return number[:-1] + other


def card_with_check_digit(body: str) -> str:
    return body + luhn.calc_check_digit(body)


#: GB 11643-1999's own worked example, whose check digit is X.
GB_EXAMPLE = "11010519491231002X"
HANGZHOU_MAN = with_check_digit("33010619900101001")  # 17th digit 1: male
HANGZHOU_WOMAN = with_check_digit("33010619850615002")  # 17th digit 2: female


def assert_refused(result: tuple, phrase: str) -> None:  # type: ignore[type-arg]
    value, reason = result
    assert value is None
    assert reason is not None
    assert CJK.search(reason)
    assert phrase in reason, reason


# 身份证号码 --------------------------------------------------------------------------------


def test_gb11643_worked_example_is_valid():
    assert check_id_number(GB_EXAMPLE) == (GB_EXAMPLE, None)


def test_check_digit_helper_agrees_with_the_standard():
    assert with_check_digit(GB_EXAMPLE[:17]) == GB_EXAMPLE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(GB_EXAMPLE, GB_EXAMPLE, id="国标示例"),
        pytest.param(HANGZHOU_MAN, HANGZHOU_MAN, id="杭州-男"),
        pytest.param(HANGZHOU_WOMAN, HANGZHOU_WOMAN, id="杭州-女"),
        pytest.param(GB_EXAMPLE.lower(), GB_EXAMPLE, id="小写x转大写"),
        pytest.param(" 110105 19491231 002x ", GB_EXAMPLE, id="内部空格"),
        pytest.param("110105-19491231-002X", GB_EXAMPLE, id="连字符"),
        pytest.param("１１０１０５１９４９１２３１００２Ｘ", GB_EXAMPLE, id="全角数字"),
        pytest.param(with_check_digit("81000019900101001"), with_check_digit("81000019900101001"), id="香港居民居住证810000"),
        pytest.param(with_check_digit("82000019900101002"), with_check_digit("82000019900101002"), id="澳门居民居住证820000"),
        pytest.param(with_check_digit("83000019900101003"), with_check_digit("83000019900101003"), id="台湾居民居住证830000"),
        pytest.param(with_check_digit("33010820000229001"), with_check_digit("33010820000229001"), id="闰日出生"),
    ],
)
def test_check_id_number_accepts(raw, expected):  # type: ignore[no-untyped-def]
    assert check_id_number(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        pytest.param(wrong_check_digit(GB_EXAMPLE), "校验位不正确", id="校验位错误"),
        pytest.param(wrong_check_digit(HANGZHOU_MAN), "校验位不正确", id="校验位错误-杭州"),
        pytest.param(wrong_check_digit(with_check_digit("81000019900101001")), "校验位不正确", id="居住证校验位错误"),
        pytest.param("330106900101001", "这是旧的15位身份证号码，请填写18位身份证号码。", id="15位旧身份证"),
        pytest.param(HANGZHOU_MAN[:17], "应为18位", id="17位"),
        pytest.param(HANGZHOU_MAN + "1", "应为18位", id="19位"),
        pytest.param("33010619900101001Y", "应为18位", id="末位字母非X"),
        pytest.param("3301061990X101001X", "应为18位", id="中间有X"),
        pytest.param(with_check_digit("33010619900230001"), "出生日期不正确", id="2月30日"),
        pytest.param(with_check_digit("33010619901301001"), "出生日期不正确", id="13月"),
        pytest.param(with_check_digit("33010618991231001"), "出生日期不正确", id="1900年以前"),
        pytest.param(with_check_digit("99010619900101001"), "省份代码", id="省份代码不存在"),
        pytest.param(with_check_digit("00000019900101001"), "省份代码", id="省份代码00"),
        pytest.param(HANGZHOU_MAN[:2] + HANGZHOU_MAN[2:].translate(ARABIC_INDIC), "应为18位", id="非ASCII数字"),
        pytest.param("", "请填写身份证号码", id="空"),
        pytest.param(None, "请填写身份证号码", id="None"),
    ],
)
def test_check_id_number_refuses(raw, phrase):  # type: ignore[no-untyped-def]
    assert_refused(check_id_number(raw), phrase)


@pytest.mark.parametrize(
    ("body", "gender", "birth_date"),
    [
        pytest.param("33010619900101001", "male", D(1990, 1, 1), id="第17位1-男"),
        pytest.param("33010619900101003", "male", D(1990, 1, 1), id="第17位3-男"),
        pytest.param("33010619900101009", "male", D(1990, 1, 1), id="第17位9-男"),
        pytest.param("33010619850615000", "female", D(1985, 6, 15), id="第17位0-女"),
        pytest.param("33010619850615002", "female", D(1985, 6, 15), id="第17位2-女"),
        pytest.param("33010619850615018", "female", D(1985, 6, 15), id="第17位8-女"),
        pytest.param("11010519491231002", "female", D(1949, 12, 31), id="国标示例-女"),
    ],
)
def test_id_facts_gender_and_birth_date(body, gender, birth_date):  # type: ignore[no-untyped-def]
    number = with_check_digit(body)

    facts = id_facts(number)

    assert (facts.number, facts.gender, facts.birth_date) == (number, gender, birth_date)


# 手机号码 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("13912347919", "13912347919", id="11位"),
        pytest.param("19912345678", "19912345678", id="199号段"),
        pytest.param("+8613912347919", "13912347919", id="+86"),
        pytest.param("+86 139 1234 7919", "13912347919", id="+86带空格"),
        pytest.param("8613912347919", "13912347919", id="86无加号"),
        pytest.param("139-1234-7919", "13912347919", id="连字符"),
        pytest.param(" 13912347919 ", "13912347919", id="首尾空格"),
    ],
)
def test_check_mobile_accepts(raw, expected):  # type: ignore[no-untyped-def]
    assert check_mobile(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        pytest.param("139123479190", "应为11位数字", id="12位"),
        pytest.param("1391234791", "应为11位数字", id="10位"),
        pytest.param("0571-87654321", "应为11位数字", id="座机带区号"),
        pytest.param("057187654321", "应为11位数字", id="座机12位"),
        pytest.param("87654321", "应为11位数字", id="座机8位"),
        pytest.param("23912347919", "以1开头", id="非1开头"),
        pytest.param("12345678901", "不是有效的中国大陆手机号码", id="不存在的号段"),
        pytest.param("1" + "3912347919".translate(ARABIC_INDIC), "应为11位数字", id="非ASCII数字"),
        pytest.param("", "请填写手机号码", id="空"),
    ],
)
def test_check_mobile_refuses(raw, phrase):  # type: ignore[no-untyped-def]
    assert_refused(check_mobile(raw), phrase)


# 银行卡号 ----------------------------------------------------------------------------------

CARD_16 = card_with_check_digit("622202123456789")
CARD_19 = card_with_check_digit("622202123456789001")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(CARD_16, CARD_16, id="16位"),
        pytest.param(card_with_check_digit("62220212345678"), None, id="15位"),
        pytest.param(card_with_check_digit("6222021234567890"), card_with_check_digit("6222021234567890"), id="17位"),
        pytest.param(CARD_19, CARD_19, id="19位"),
        pytest.param(card_with_check_digit("6222021234567890012"), None, id="20位"),
        pytest.param(" ".join(CARD_19[i : i + 4] for i in range(0, 19, 4)), CARD_19, id="四位一组空格"),
        pytest.param("６２２２０２１２３４５６７８９" + CARD_16[-1], CARD_16, id="全角数字"),
    ],
)
def test_check_bank_card_lengths(raw, expected):  # type: ignore[no-untyped-def]
    value, reason = check_bank_card(raw)

    assert value == expected
    if expected is None:
        assert reason is not None
        assert "16至19位" in reason
    else:
        assert reason is None


@pytest.mark.parametrize("card", [CARD_16, CARD_19], ids=["16位", "19位"])
def test_check_bank_card_refuses_a_luhn_failure(card):  # type: ignore[no-untyped-def]
    broken = card[:-1] + str((int(card[-1]) + 1) % 10)

    assert_refused(check_bank_card(broken), "校验不通过")


def test_check_bank_card_refuses_empty_and_letters():
    assert_refused(check_bank_card(""), "请填写银行卡号")
    assert_refused(check_bank_card("6222O21234567890016"), "16至19位数字")


# 开户行 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("中国工商银行杭州西湖支行", "中国工商银行杭州西湖支行", id="支行"),
        pytest.param("招商银行杭州分行", "招商银行杭州分行", id="分行"),
        pytest.param("中国建设银行杭州萧山分行营业部", "中国建设银行杭州萧山分行营业部", id="营业部"),
        pytest.param("中国农业银行杭州余杭分理处", "中国农业银行杭州余杭分理处", id="分理处"),
        pytest.param("中国邮政储蓄银行杭州市西湖区留下营业所", "中国邮政储蓄银行杭州市西湖区留下营业所", id="邮储营业所"),
        pytest.param("中国工商银行杭州西湖支行文三路储蓄所", "中国工商银行杭州西湖支行文三路储蓄所", id="储蓄所"),
        pytest.param("杭州银行文创支行", "杭州银行文创支行", id="城商行"),
        pytest.param(" 中国银行 杭州滨江支行 ", "中国银行杭州滨江支行", id="空格去掉"),
        pytest.param("会宁县农村信用合作联社郭城信用社", "会宁县农村信用合作联社郭城信用社", id="信用联社下的信用社"),
        pytest.param("会宁县农村信用合作联社营业部", "会宁县农村信用合作联社营业部", id="信用联社营业部"),
        pytest.param("镇宁县农村信用合作联社城关信用分社", "镇宁县农村信用合作联社城关信用分社", id="信用分社"),
        pytest.param("某县信用联社城关分社", "某县信用联社城关分社", id="信用联社分社"),
        pytest.param("某县农村信用社城关分社", "某县农村信用社城关分社", id="信用社分社"),
    ],
)
def test_check_bank_branch_accepts(raw, expected):  # type: ignore[no-untyped-def]
    assert check_bank_branch(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        pytest.param("工商银行", "开户行请写到支行", id="只有银行"),
        pytest.param("中国工商银行", "开户行请写到支行", id="只有总行"),
        pytest.param("中国工商银行杭州西湖", "开户行请写到支行", id="没有支行"),
        pytest.param("中国工商银行杭州西湖网点", "开户行请写到支行", id="网点不是支行"),
        pytest.param("中国邮政储蓄银行杭州市西湖区留下所", "开户行请写到支行", id="所不是营业所"),
        pytest.param("会宁县农村信用合作联社", "农村信用社写到信用社或分社", id="只有信用联社"),
        pytest.param("农村信用社", "开户行请写到支行", id="只有信用社"),
        pytest.param("会宁县信用联社郭城网点", "开户行请写到支行", id="信用社网点"),
        pytest.param("中国工商银行杭州西湖分社", "开户行请写到支行", id="银行没有分社"),
        pytest.param("", "请填写银行卡开户行", id="空"),
        pytest.param("中国工商银行杭州" + "西湖" * 40 + "支行", "开户行名称过长（90 个字，最多 85 个字）", id="过长"),
    ],
)
def test_check_bank_branch_refuses(raw, phrase):  # type: ignore[no-untyped-def]
    assert_refused(check_bank_branch(raw), phrase)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("工行西湖支行", id="简称"),
        pytest.param("农行杭州城东分理处", id="简称分理处"),
        pytest.param("杭州西湖支行", id="没有银行"),
        pytest.param("邮储留下营业所", id="简称营业所"),
    ],
)
def test_a_branch_written_down_to_the_sub_branch_without_the_bank_asks_for_the_bank_not_the_branch(raw):  # type: ignore[no-untyped-def]
    """The worker did write the 支行: "请写到支行" would send them looking for what is there."""
    value, message = check_bank_branch(raw)
    assert value is None and message is not None
    assert "请写上银行的全称" in message and "不要简写" in message and "请写到支行" not in message


def test_the_longest_branch_name_the_pattern_takes_is_accepted_and_one_more_character_is_too_long():
    longest = "中" * 40 + "银行" + "西" * 40 + "分理处"
    assert len(longest) == 85 and check_bank_branch(longest) == (longest, None)
    assert_refused(check_bank_branch("中" + longest), "开户行名称过长（86 个字，最多 85 个字）")


# 日期 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(D(2020, 6, 30), D(2020, 6, 30), id="日期单元格"),
        pytest.param(dt.datetime(2020, 6, 30, 0, 0), D(2020, 6, 30), id="日期时间单元格"),
        pytest.param("2020-06-30", D(2020, 6, 30), id="YYYY-MM-DD"),
        pytest.param("2020-6-3", D(2020, 6, 3), id="YYYY-M-D"),
        pytest.param("2020/6/3", D(2020, 6, 3), id="YYYY/M/D"),
        pytest.param("2020/06/30", D(2020, 6, 30), id="YYYY/MM/DD"),
        pytest.param("2020年6月30日", D(2020, 6, 30), id="年月日"),
        pytest.param("2020年06月03日", D(2020, 6, 3), id="年月日-补零"),
        pytest.param(" 2020-06-30 ", D(2020, 6, 30), id="首尾空格"),
        pytest.param("２０２０－０６－３０", D(2020, 6, 30), id="全角"),
        pytest.param("2020-06-30 00:00:00", D(2020, 6, 30), id="带零点时间"),
        pytest.param("2020-06-30T00:00:00", D(2020, 6, 30), id="ISO零点"),
        pytest.param("2020-02-29", D(2020, 2, 29), id="闰日"),
        pytest.param("20200630", D(2020, 6, 30), id="无分隔"),
        pytest.param("19500101", D(1950, 1, 1), id="无分隔-1950年"),
        pytest.param("２０２００６３０", D(2020, 6, 30), id="无分隔-全角"),
    ],
)
def test_parse_date_accepts(raw, expected):  # type: ignore[no-untyped-def]
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("2020-02-30", id="2月30日"),
        pytest.param("2019-02-29", id="非闰年2月29日"),
        pytest.param("2020/13/1", id="13月"),
        pytest.param("2020年6月31日", id="6月31日"),
        pytest.param("30/06/2020", id="日月年"),
        pytest.param("20200631", id="无分隔-6月31日"),
        pytest.param("2020063", id="无分隔-7位"),
        pytest.param("202006301", id="无分隔-9位"),
        pytest.param("18991231", id="无分隔-19世纪以前"),
        pytest.param("2020-06-30 12:30:00", id="非零点时间"),
        pytest.param("明年", id="文字"),
        pytest.param("", id="空"),
        pytest.param(None, id="None"),
    ],
)
def test_parse_date_refuses(raw):  # type: ignore[no-untyped-def]
    assert parse_date(raw) is None


TODAY = D(2020, 10, 15)


@pytest.mark.parametrize(
    ("raw", "expected", "phrase"),
    [
        pytest.param("2020-10-15", D(2020, 10, 15), None, id="今天"),
        pytest.param(D(2020, 10, 14), D(2020, 10, 14), None, id="昨天"),
        pytest.param("2020-10-16", None, "不能晚于今天（2020-10-15）", id="明天"),
        pytest.param("2021年1月1日", None, "不能晚于今天", id="明年"),
        pytest.param("2020-13-01", None, "不是有效的日期", id="无效日期"),
        pytest.param("1949-12-31", None, "发证时间不正确", id="1950年以前"),
        pytest.param("", None, "请填写发证时间", id="必填为空"),
        pytest.param(None, None, "请填写发证时间", id="必填None"),
    ],
)
def test_check_date(raw, expected, phrase):  # type: ignore[no-untyped-def]
    value, reason = check_date(raw, today=TODAY, label="发证时间")

    assert value == expected
    if phrase is None:
        assert reason is None
    else:
        assert reason is not None
        assert phrase in reason


def test_check_date_optional_empty_is_nothing():
    assert check_date("", today=TODAY, label="原有技能等级取得时间", required=False) == (None, None)


# 姓名 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("张晓明", "张晓明", id="汉字"),
        pytest.param("买买提·艾力", "买买提·艾力", id="间隔号"),
        pytest.param("买买提•艾力", "买买提·艾力", id="圆点统一为间隔号"),
        pytest.param("买买提・艾力", "买买提·艾力", id="日文中点统一为间隔号"),
        pytest.param("张 晓明", "张晓明", id="汉字间空格去掉"),
        pytest.param(" 欧阳 娜娜 ", "欧阳娜娜", id="首尾空格"),
        pytest.param("John Smith", "John Smith", id="英文名"),
        pytest.param("买买提.艾力", "买买提·艾力", id="汉字间的英文句点是间隔号"),
        pytest.param("买买提﹒艾力", "买买提·艾力", id="小句点"),
        pytest.param("买买提。艾力", "买买提·艾力", id="中文句号"),
        pytest.param("J.Smith", "J.Smith", id="字母间的句点不变"),
    ],
)
def test_check_name_accepts(raw, expected):  # type: ignore[no-untyped-def]
    assert check_name(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        pytest.param("张三1", "只能包含汉字、字母和间隔号", id="数字"),
        pytest.param("123", "只能包含汉字、字母和间隔号", id="全是数字"),
        pytest.param("·张三", "只能包含汉字、字母和间隔号", id="间隔号开头"),
        pytest.param("张三·", "只能包含汉字、字母和间隔号", id="间隔号结尾"),
        pytest.param("张三@", "只能包含汉字、字母和间隔号", id="符号"),
        pytest.param("张" * 41, "姓名过长", id="41个字"),
        pytest.param("", "请填写姓名", id="空"),
    ],
)
def test_check_name_refuses(raw, phrase):  # type: ignore[no-untyped-def]
    assert_refused(check_name(raw), phrase)


# 技能等级、发证机关（代码或中文，全角半角均可） --------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("senior_worker", "senior_worker", id="代码"),
        pytest.param("高级工", "senior_worker", id="中文"),
        pytest.param(" 技师 ", "technician", id="首尾空格"),
        pytest.param("高级技师", "senior_technician", id="高级技师"),
        pytest.param("中级工", "intermediate_worker", id="中级工"),
        pytest.param("初级工", "junior_worker", id="初级工"),
        pytest.param("三级", "senior_worker", id="三级"),
        pytest.param("一级", "senior_technician", id="一级"),
        pytest.param("ｔｅｃｈｎｉｃｉａｎ", "technician", id="全角代码"),
        pytest.param("高级", None, id="不完整"),
        pytest.param("三级/高级工", "senior_worker", id="证书写法-三级/高级工"),
        pytest.param("高级工（三级）", "senior_worker", id="证书写法-括号"),
        pytest.param("二级 / 技师", "technician", id="证书写法-空格"),
        pytest.param("国家职业资格一级", "senior_technician", id="国家职业资格一级"),
        pytest.param("二级/高级工", None, id="两部分不一致"),
        pytest.param("三级/高级工/技师", None, id="三部分"),
        pytest.param("高级工/高级", None, id="一部分无法识别"),
        pytest.param("Senior_Worker", "senior_worker", id="大小写不同"),
        pytest.param("", None, id="空"),
        pytest.param(None, None, id="None"),
    ],
)
def test_parse_level(raw, expected):  # type: ignore[no-untyped-def]
    assert parse_level(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("hr_district", "hr_district", id="代码"),
        pytest.param("区县（市）人社部门", "hr_district", id="全角括号"),
        pytest.param("区县(市)人社部门", "hr_district", id="半角括号"),
        pytest.param(" 区县(市)人社部门 ", "hr_district", id="首尾空格"),
        pytest.param("浙江省人社部门", "hr_zhejiang", id="浙江省"),
        pytest.param("杭州市人社部门", "hr_hangzhou", id="杭州市"),
        pytest.param("国家行业主管部门", "industry_authority", id="行业主管部门"),
        pytest.param("社会培训评价组织", "evaluation_org", id="评价组织"),
        pytest.param("用人单位", "employer", id="用人单位"),
        pytest.param("其他", "other", id="其他"),
        pytest.param(" industry_authority ", "industry_authority", id="代码空格"),
        pytest.param("人社部门", None, id="不完整"),
        pytest.param("浙江省人力资源和社会保障厅", "hr_zhejiang", id="证书写法-省厅"),
        pytest.param("杭州市人力资源和社会保障局", "hr_hangzhou", id="证书写法-市局"),
        pytest.param("杭州市人社局", "hr_hangzhou", id="简称-市局"),
        pytest.param("杭州市西湖区人力资源和社会保障局", "hr_district", id="证书写法-区局"),
        pytest.param("余杭区人力资源与社会保障局", "hr_district", id="区局-与"),
        pytest.param("建德市人社局", "hr_district", id="县级市"),
        pytest.param("淳安县人力社保局", "hr_district", id="县"),
        pytest.param("宁波市人力资源和社会保障局", None, id="外市"),
        pytest.param("宁波市鄞州区人社局", None, id="外市的区"),
        pytest.param("人力资源和社会保障部", None, id="人社部"),
        pytest.param("人社局", None, id="没有地名"),
        pytest.param("", None, id="空"),
    ],
)
def test_parse_issuer(raw, expected):  # type: ignore[no-untyped-def]
    assert parse_issuer(raw) == expected


# 脱敏（前6后4） -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mask", "raw", "expected"),
    [
        pytest.param(masking.mask_id_number, "33010619900101001X", "330106********001X", id="身份证"),
        pytest.param(masking.mask_phone, "13912347919", "139****7919", id="手机"),
        pytest.param(masking.mask_bank_card, "6222021234567890016", "622202*********0016", id="银行卡19位"),
        pytest.param(masking.mask_bank_card, "6222021234567890", "622202******7890", id="银行卡16位"),
        pytest.param(masking.mask_id_number, "", "", id="身份证空"),
        pytest.param(masking.mask_phone, None, "", id="手机None"),
        pytest.param(masking.mask_bank_card, "1234", "****", id="过短全遮"),
    ],
)
def test_masking(mask, raw, expected):  # type: ignore[no-untyped-def]
    assert mask(raw) == expected


def test_mobile_check_agrees_with_a_full_phonenumbers_parse():
    """check_mobile caches validity per 5-digit block; it must agree with parsing every number."""
    import random

    import phonenumbers

    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

    def full(text: str) -> bool:
        try:
            parsed = phonenumbers.parse(text, "CN")
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in kinds

    rng = random.Random(11)
    numbers = ["1" + "".join(str(rng.randrange(10)) for _ in range(10)) for _ in range(5000)]
    disagreements = [n for n in numbers if (check_mobile(n)[0] is not None) != full(n)]
    assert disagreements == []
    assert sum(check_mobile(n)[0] is not None for n in numbers) > 500  # the sample holds valid numbers too
