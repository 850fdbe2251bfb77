"""The chunked save of batch rows (rewards.batches.bulk) writes what Django's own save writes:
the same value in every column (encrypted numbers that decrypt to the same text, the rule
results as the JSON field dumps them, dates and times in the backend's form), the same
history, SMS and signals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction

from rewards.applications.models import Application, ApplicationEvent
from rewards.batches.bulk import IMPORT_WAL_AUTOCHECKPOINT, import_settings, save_many
from rewards.batches.services import entry_save
from rewards.core import crypto
from rewards.core.vocab import Status
from rewards.eligibility.fields import SUBMISSION_FIELDS
from rewards.eligibility.services import judge
from rewards.notifications.models import SmsMessage

from .. import factories
from .sheets import row_for

pytestmark = pytest.mark.django_db

ENCRYPTED = ("id_number", "phone", "bank_card_no")
#: Differ between two saves of the same person by construction.
OWN = ("id", "application_no", "submitted_at", "updated_at", "signals_at")


@pytest.fixture
def workers(xihu, xihu_grassroots, business_day):  # type: ignore[no-untyped-def]
    return [factories.make_member(union=xihu, grassroots=xihu_grassroots, employer="杭州西湖精密机械有限公司") for _ in range(4)]


def _raw(model: Any, **where: Any) -> dict[str, Any]:
    """The row as the database holds it (no field conversion)."""
    table = model._meta.db_table
    column = model._meta.get_field(next(iter(where))).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} WHERE {column} = %s", list(where.values()))
        names = [description[0] for description in cursor.description]
        row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def _saved_both_ways(
    campaign: Any, clerk: Any, worker: Any, start_status: str
) -> tuple[dict[str, Any], dict[str, Any], list[Any], list[Any]]:
    """The same worker's row saved by ``save_many`` (then rolled back) and by a model ``save()``."""
    judgement = judge(campaign, row_for(worker), required=SUBMISSION_FIELDS)
    org = clerk.organisation
    with transaction.atomic():
        (number,) = save_many(campaign=campaign, user=clerk, org=org, start_status=start_status, items=[(judgement, [])])
        bulk = _raw(Application, application_no=number)
        bulk_events = list(ApplicationEvent.objects.filter(application_id=bulk["id"]).order_by("pk").values())
        bulk_sms = SmsMessage.objects.get(event_key=f"app:{number}:batch_entered")
        assert (bulk_sms.phone, bulk_sms.template) == (worker.phone, "batch_entered")
        transaction.set_rollback(True)
    number = entry_save(campaign=campaign, user=clerk, org=org, start_status=start_status, judgement=judgement, checked=[])
    assert number is not None
    single = _raw(Application, application_no=number)
    single_events = list(ApplicationEvent.objects.filter(application_id=single["id"]).order_by("pk").values())
    return bulk, single, bulk_events, single_events


@pytest.mark.parametrize("start_status", [Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT])
def test_a_bulk_row_holds_what_a_model_save_writes(campaign, grassroots_clerk, workers, start_status):  # type: ignore[no-untyped-def]
    bulk, single, bulk_events, single_events = _saved_both_ways(campaign, grassroots_clerk, workers[0], start_status)
    assert bulk.keys() == single.keys()
    for column in bulk:
        if column in ENCRYPTED:
            assert crypto.decrypt(bulk[column]) == crypto.decrypt(single[column]), column
            assert bulk[column] != single[column]  # each value sealed with its own nonce
        elif column in OWN:
            assert type(bulk[column]) is type(single[column]), column
        else:
            assert bulk[column] == single[column], column
    assert bulk["id_hash"] == crypto.blind_index("id", workers[0].id_number)
    for column in ("submitted_at", "updated_at"):
        value = bulk[column]
        assert value is not None
        if isinstance(value, str):  # SQLite: the text Django writes, which Django reads back
            assert dt.datetime.fromisoformat(value)
    assert len(bulk_events) == len(single_events) == (2 if start_status == Status.PENDING_DISTRICT else 1)
    for bulk_event, single_event in zip(bulk_events, single_events, strict=True):
        for key in ("stage", "decision", "opinion", "from_status", "to_status", "actor_id"):
            assert bulk_event[key] == single_event[key], key


def test_a_chunk_reads_back_through_the_model(campaign, grassroots_clerk, xihu, workers):  # type: ignore[no-untyped-def]
    people = workers
    judgements = [judge(campaign, row_for(person), required=SUBMISSION_FIELDS) for person in people]
    with import_settings():
        numbers = save_many(
            campaign=campaign,
            user=grassroots_clerk,
            org=grassroots_clerk.organisation,
            start_status=Status.PENDING_GRASSROOTS,
            items=[(judgement, []) for judgement in judgements],
        )
    saved = {application.application_no: application for application in Application.objects.filter(application_no__in=numbers)}
    for number, person, judgement in zip(numbers, people, judgements, strict=True):
        application = saved[str(number)]
        assert (application.id_number, application.phone, application.name) == (person.id_number, person.phone, person.name)
        assert application.bank_card_no == judgement.applicant.bank_card_no
        assert application.checks == judgement.decision.as_list()
        assert application.amount == judgement.decision.amount
        assert application.union_id == xihu.pk and application.signals_at is not None
        assert application.events.get().stage == "batch_entered"
    assert SmsMessage.objects.filter(event_key__in=[f"app:{number}:batch_entered" for number in numbers]).count() == 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's WAL setting")
def test_the_import_settings_are_put_back_even_after_a_failure(db):  # type: ignore[no-untyped-def]
    def autocheckpoint() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            return int(cursor.fetchone()[0])

    before = autocheckpoint()
    with pytest.raises(RuntimeError), import_settings():
        assert autocheckpoint() == IMPORT_WAL_AUTOCHECKPOINT != before
        raise RuntimeError("the import failed")
    assert autocheckpoint() == before


def test_the_templates_example_row_passes_every_field_check():
    """A clerk who overwrites the example row keeps only valid shapes (the ID's check digit,
    the card's Luhn digit…): the example itself must pass what it illustrates."""
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from rewards.batches.sheet import read_rows, template
    from rewards.eligibility.fields import SUBMISSION_FIELDS, clean_annex3

    workbook = load_workbook(io.BytesIO(template(year=2020, org_name="杭州西湖精密机械有限公司工会")))
    sheet = workbook.active
    example_row = next(row for row in sheet.iter_rows(min_row=1) if row[0].value == "示例")
    example_row[0].value = "1"  # as the clerk's first row
    buffer = io.BytesIO()
    workbook.save(buffer)
    (row,) = list(read_rows(buffer.getvalue()))
    applicant, errors = clean_annex3(row.values, today=dt.date(2020, 10, 15), required=SUBMISSION_FIELDS)
    assert errors == {} and applicant is not None and applicant.gender == "male"


def test_a_sheet_without_required_columns_is_refused_as_a_file_naming_them():
    import io

    import pytest
    from openpyxl import Workbook

    from rewards.batches.sheet import SHEET_REQUIRED, read_rows
    from rewards.core.tabular import UnreadableFile
    from rewards.eligibility.fields import SUBMISSION_FIELDS

    assert set(SHEET_REQUIRED) == set(SUBMISSION_FIELDS)
    workbook = Workbook()
    workbook.active.append(["序号", "姓名", "身份证号", "备注"])
    for number in range(1, 1001):
        workbook.active.append([number, "张三", "330106199001010018", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(UnreadableFile) as refused:
        list(read_rows(buffer.getvalue()))
    assert str(refused.value) == (
        "表头第 1 行缺少以下列：工作单位、职业（工种）、技术等级、证书编号、联系方式（手机号码）、银行卡号、银行卡开户行、学历、发证时间、发证机关。"
        "每份申请都须填写这些内容，请使用下载的模板填写。表头中另有“备注”列，系统不读取：如果缺少的内容在其中，请把列名改为模板中的名称。"
    )


@pytest.mark.parametrize("start_status", [Status.PENDING_GRASSROOTS, Status.PENDING_DISTRICT])
def test_under_a_business_date_the_filing_moves_and_the_history_keeps_the_real_clock(campaign, grassroots_clerk, workers, start_status):  # type: ignore[no-untyped-def]
    """APP_TODAY (2020-10-15 here) moves the 填报日期; history keeps the real clock (API.md; decision 113)."""
    from rewards.core import clock

    before = clock.now()
    bulk, single, bulk_events, single_events = _saved_both_ways(campaign, grassroots_clerk, workers[1], start_status)
    for raw in (bulk["submitted_at"], single["submitted_at"]):
        filed = Application._meta.get_field("submitted_at").to_python(raw)
        filed = filed if filed.tzinfo else filed.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without a zone
        assert filed.astimezone(clock.SHANGHAI).date() == dt.date(2020, 10, 15)
    for event in bulk_events + single_events:
        assert before <= event["at"] <= clock.now()
    assert len(bulk_events) == len(single_events) == (2 if start_status == Status.PENDING_DISTRICT else 1)
