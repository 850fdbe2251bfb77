"""Synthetic people for demonstrations, tests and benchmarks: valid check digits, no real person.

ID numbers use Hangzhou area codes and random birth dates with a correct GB 11643 check
digit; card numbers pass the Luhn check; mobiles are valid mainland numbers. Names are
drawn from common surnames and given-name characters, so any resemblance is chance.
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum import luhn
from stdnum.cn import ric

HANGZHOU_AREAS = ("330102", "330105", "330106", "330108", "330109", "330110", "330111", "330122", "330127", "330182", "330185")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢傅钟姜崔谭陆汪范金石廖贾夏韦方邹熊孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲飞斌宇浩凯健俊帆鹏波辉宁欣佳怡晨阳雪琳婷琪丹璐晓建国志海林峰亮春梅兰云龙成"
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "182",
    "186",
    "187",
    "188",
    "189",
    "199",
)
CARD_BINS = ("622202", "622848", "621700", "622700", "621661", "622588", "621483", "622609")
BANK_BRANCHES = (
    "中国工商银行杭州西湖支行",
    "中国农业银行杭州余杭支行",
    "中国银行杭州滨江支行",
    "中国建设银行杭州萧山分行营业部",
    "交通银行杭州上城支行",
    "招商银行杭州分行营业部",
    "杭州银行文创支行",
    "浙商银行杭州钱塘支行",
)
OCCUPATIONS = (
    "车工",
    "钳工",
    "电工",
    "焊工",
    "数控车工",
    "汽车维修工",
    "育婴员",
    "中式烹调师",
    "美容师",
    "电子商务师",
    "茶艺师",
    "保育员",
    "养老护理员",
    "企业人力资源管理师",
    "互联网营销师",
)
EDUCATION = ("初中", "高中", "中专", "大专", "本科")


def id_number(rng: random.Random, *, born_from: int = 1965, born_to: int = 2001, area: str | None = None, gender: str | None = None) -> str:
    birth = dt.date(born_from, 1, 1) + dt.timedelta(days=rng.randrange((dt.date(born_to, 12, 31) - dt.date(born_from, 1, 1)).days))
    sequence = rng.randrange(0, 1000)
    if gender is not None:
        sequence = sequence - sequence % 2 + (1 if gender == "male" else 0)
        sequence = min(sequence, 999)
    body = f"{area or rng.choice(HANGZHOU_AREAS)}{birth:%Y%m%d}{sequence:03d}"
    # stdnum's calc_check_digit() takes the whole number and ignores its last character.
    return body + ric.calc_check_digit(body + "0")


def bank_card(rng: random.Random, length: int = 19) -> str:
    body = rng.choice(CARD_BINS) + "".join(str(rng.randrange(10)) for _ in range(length - 7))
    return body + luhn.calc_check_digit(body)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))
