"""Free text typed by people is stored with its long digit runs masked (SECURITY.md 14: a dump of
the database holds no ID, bank card or mobile number in clear; decision 62): a reviewer's
opinion, a signal's note, the bank's and the finance officer's reasons. The same text reads the
same everywhere afterwards: the history, the status query, the SMS."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.utils import timezone

from rewards.applications.models import ApplicationEvent, Flag, FlagCode
from rewards.core.masking import mask_stored_text
from rewards.notifications.models import SmsMessage
from rewards.payments import services as payments
from rewards.payments.models import PaymentLine
from tests import factories
from tests.api.helpers import applicant_token, bearer, decide, staff_token, submit

pytestmark = pytest.mark.django_db

CARD = "6222021234567890016"
MOBILE = "13912347919"


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_a_number_typed_into_an_opinion_is_stored_and_shown_masked(api, member, xihu_reviewer, business_day):
    worker = applicant_token(api, member)
    number = submit(api, worker, factories.annex3(member)).json()["application_no"]
    opinion = (
        f"身份证号{member.id_number}与证书不符；银行卡{CARD}有误；本人手机{member.phone}未接通，请致电{MOBILE}（王老师）（申请{number}）"
    )
    assert decide(api, staff_token(api, xihu_reviewer), number, "return", opinion).json() == {"status": "returned"}

    event = ApplicationEvent.objects.get(application__application_no=number, decision="return")
    raw = stored(ApplicationEvent._meta.db_table, "opinion", event.pk)
    for number_in_clear in (member.id_number, CARD, member.phone):
        assert number_in_clear not in raw
    id_masked = member.id_number[:6] + "********" + member.id_number[-4:]
    own_phone = member.phone[:3] + "****" + member.phone[-4:]
    assert raw == (
        f"身份证号{id_masked}与证书不符；银行卡622202*********0016有误；本人手机{own_phone}未接通，"
        f"请致电{MOBILE}（王老师）（申请{number}）"  # the reviewer's contact number stays: the worker needs it
    )
    assert event.opinion == raw  # what every page and export reads
    history = api.get("/api/v1/applicant/applications", **bearer(worker)).json()[0]["history"]
    assert history[-1]["opinion"] == raw
    sms = SmsMessage.objects.get(template="returned")
    assert CARD not in sms.text and member.id_number not in sms.text and member.phone not in sms.text


def test_a_signal_note_hides_the_applicants_own_mobile(api, campaign, member, city_reviewer):  # type: ignore[no-untyped-def]
    from rewards.review.services import flag_resolve

    application = factories.make_application(campaign=campaign, member=member, status="pending_city")
    Flag.objects.create(
        application=application, code=FlagCode.CARD_SHARED, hard=True, message="该银行卡号也用于他人的申请。", raised_at=timezone.now()
    )
    spaced = f"{member.phone[:3]} {member.phone[3:7]} {member.phone[7:]}"
    flag = flag_resolve(
        user=city_reviewer,
        application_no=application.application_no,
        code=FlagCode.CARD_SHARED,
        note=f"已致电本人 {spaced} 核实，系夫妻共用",
    )
    assert flag.resolution_note == f"已致电本人 {member.phone[:3]} **** {member.phone[-4:]} 核实，系夫妻共用"  # spaces kept
    assert member.phone not in stored(Flag._meta.db_table, "resolution_note", flag.pk)


def test_every_way_of_writing_masks_the_text(campaign, member):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status="pending_city")
    flag = Flag(
        application=application, code=FlagCode.CARD_SHARED, hard=True, message="该银行卡号也用于他人的申请。", raised_at=timezone.now()
    )
    flag.resolution_note = f"已电话核实 {MOBILE}，卡号 {CARD} 为本人"
    flag.save()
    assert flag.resolution_note == f"已电话核实 {MOBILE}，卡号 622202*********0016 为本人"  # the instance, as saved
    assert stored(Flag._meta.db_table, "resolution_note", flag.pk) == flag.resolution_note

    Flag.objects.filter(pk=flag.pk).update(resolution_note=f"改为 {CARD}")  # a queryset update
    assert stored(Flag._meta.db_table, "resolution_note", flag.pk) == "改为 622202*********0016"
    flag.resolution_note = "再改 33010619900101123X"
    Flag.objects.bulk_update([flag], ["resolution_note"])  # a bulk update
    assert stored(Flag._meta.db_table, "resolution_note", flag.pk) == "再改 330106********123X"
    assert Flag.objects.filter(resolution_note="再改 330106********123X").exists()


def test_short_numbers_and_plain_text_stay_as_typed(campaign, member):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status="pending_city")
    text = "申请2020000123、证书号 1234567890 与电话 0571-8888 8888 无误，同意。"
    event = ApplicationEvent.objects.create(
        application=application, at=timezone.now(), stage="city_review", decision="approve", opinion=text, to_status="approved"
    )
    assert stored(ApplicationEvent._meta.db_table, "opinion", event.pk) == text


def test_a_bank_reason_with_a_card_number_is_stored_masked(campaign, xihu, finance_a, finance_b):  # type: ignore[no-untyped-def]
    factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    batch, _ = payments.payment_batch_build(user=finance_a, campaign=campaign)
    payments.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    content, _ = payments.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    first = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    text = f"reference,amount,result,reason\r\n{first[0]},{first[4]},failure,账号{CARD}已销户\r\n"
    assert payments.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=text.encode()) == {"paid": 0, "failed": 1}
    line = PaymentLine.objects.get(reference=first[0])
    assert line.result_reason == "账号622202*********0016已销户"
    assert CARD not in stored(PaymentLine._meta.db_table, "result_reason", line.pk)


def test_text_stored_before_the_change_is_masked_by_the_migration_step(campaign, member):  # type: ignore[no-untyped-def]
    application = factories.make_application(campaign=campaign, member=member, status="returned")
    events = [
        ApplicationEvent.objects.create(application=application, at=timezone.now(), stage="district_review", to_status="returned")
        for _ in range(5)
    ]
    table = ApplicationEvent._meta.db_table
    with connection.cursor() as cursor:  # as an older version stored them: in clear
        for index, event in enumerate(events):
            opinion = f"卡号{CARD}有误" if index % 2 == 0 else "材料不清晰"
            cursor.execute(f"UPDATE {table} SET opinion = %s WHERE id = %s", [opinion, event.pk])

    assert mask_stored_text(ApplicationEvent, ("opinion",), chunk=2) == 3
    assert [stored(table, "opinion", event.pk) for event in events] == [
        "卡号622202*********0016有误",
        "材料不清晰",
        "卡号622202*********0016有误",
        "材料不清晰",
        "卡号622202*********0016有误",
    ]
    assert mask_stored_text(ApplicationEvent, ("opinion",), chunk=2) == 0  # a second run changes nothing


@pytest.mark.parametrize(
    ("typed", "stored_as"),
    [
        ("卡号 6222 0212 3456 7890 011 有误", "卡号 622202*********0011 有误"),
        ("卡号6222-0212-3456-7890-011", "卡号622202*********0011"),
        ("手机 139 1234 7919", "手机 139****7919"),
        ("手机１３９１２３４７９１９", "手机139****7919"),  # full-width digits
        ("身份证 330106 19900101 123X", "身份证 330106********123X"),
        ("身份证33010619900101123x。", "身份证330106********123x。"),
        ("重复：2020000123 2020000124", "重复：2020000123 2020000124"),  # two application numbers, not one number
        ("申请２０２００００１２３", "申请２０２００００１２３"),  # nothing to mask: kept as typed
        ("电话 0571-8888 8888，邮编 310000", "电话 0571-8888 8888，邮编 310000"),
        ("证书 S2020330003475 与 13912347919 核对", "证书 S202033***3475 与 139****7919 核对"),  # the audit log masks both
    ],
)
def test_numbers_written_in_groups_or_full_width_are_recognised(typed, stored_as):  # type: ignore[no-untyped-def]
    from rewards.core.masking import mask_card_and_id_numbers, mask_digit_runs

    assert mask_digit_runs(typed) == stored_as  # the audit log's masking: every long number
    # Stored free text: ID and card numbers only; a mobile stays unless it is the person's own.
    assert mask_card_and_id_numbers(typed) == (typed if "139****7919" in stored_as else stored_as)


def test_the_persons_own_numbers_are_masked_however_typed():
    from rewards.core.masking import mask_numbers_of

    text = "本人 139-1234-7919 与 １３９１２３４７９１９，联系人 13812345678，卡 6222 0212 3456 7890 011"
    assert mask_numbers_of(text, "13912347919", "") == (
        "本人 139-****-7919 与 １３９****７９１９，联系人 13812345678，卡 622202*********0011"  # separators and widths kept
    )
    assert mask_numbers_of("联系人 13812345678") == "联系人 13812345678"
    # After an application number and a space: still found, on its own.
    assert mask_numbers_of("2020000123 13912347919", "13912347919") == "2020000123 139****7919"
    assert mask_numbers_of("身份证33010619900101123X", "33010619900101123X") == "身份证330106********123X"


def test_the_persons_own_numbers_are_found_next_to_other_numbers_and_separators():
    from rewards.core.masking import mask_numbers_of

    note = "本人 132 3281 9156 2020-10-15 已核实；卡号 6228 4802 1332 8743 587 3000元；ID330185197206061536；+86 132.3281.9156"
    masked = mask_numbers_of(note, "13232819156", "6228480213328743587", "330185197206061536")
    for digits in ("13232819156", "6228480213328743587", "330185197206061536"):
        assert digits not in masked.replace(" ", "").replace(".", "")
    assert "2020-10-15" in masked and "3000元" in masked
    assert masked.startswith("本人 132 **** 9156 2020-10-15")


@pytest.mark.parametrize(
    "typed",
    ["金额分别为 3000 5000 8000 1000 元", "2019 2020 2021 2022 年均已获奖", "日期 2020.10.15、2020/10/15", "重复：2020000123 2020000124"],
)
def test_amounts_years_and_dates_typed_in_groups_stay(typed):  # type: ignore[no-untyped-def]
    from rewards.core.masking import mask_card_and_id_numbers, mask_digit_runs

    assert mask_card_and_id_numbers(typed) == typed and mask_digit_runs(typed) == typed


@pytest.mark.parametrize(
    ("typed", "stored_as"),
    [
        ("ID330106199001011234", "ID330106********1234"),
        ("6222021234567890011CNY", "622202*********0011CNY"),
        ("卡号 6222\u30000212\u30003456\u30007890\u3000011", "卡号 622202*********0011"),  # full-width spaces
        ("卡号 6222.0212.3456.7890.011", "卡号 622202*********0011"),
    ],
)
def test_card_and_id_numbers_next_to_letters_or_other_separators_are_masked(typed, stored_as):  # type: ignore[no-untyped-def]
    from rewards.core.masking import mask_card_and_id_numbers, mask_digit_runs

    assert mask_card_and_id_numbers(typed) == stored_as and mask_digit_runs(typed) == stored_as
