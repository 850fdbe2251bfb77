"""审计日志 pages with the Django test client: every filter narrows the search to exactly the
entries it names (the time range in Asia/Shanghai, both ends included), pages walk the log by
id, one entry shows its hashes, the chain check finds a tampered entry, the export opens in
openpyxl and is recorded, only the auditor and the administrator get in, and nothing on these
pages can change an entry."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from rewards.core.audit import audit, verify_chain
from rewards.core.models import AuditEvent
from rewards.reports import auditlog
from rewards.web.staff import auditlog as pages
from tests import factories

from ._audit_log import URL, at, ids_on, search, signed_in

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TABLE = AuditEvent._meta.db_table


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/verify", "/export.xlsx"])
def test_the_auditor_and_the_administrator_get_in(path, audit_story, auditor, administrator):  # type: ignore[no-untyped-def]
    for user in (auditor, administrator):
        response = signed_in(user).get(URL + path)
        assert response.status_code == 200, (user.role, path)
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["xihu_reviewer", "city_reviewer", "finance_a", "grassroots_clerk", "economic_officer"])
def test_other_roles_get_the_403_page_and_the_refusal_is_recorded(who, audit_story, request):  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(who)
    client = signed_in(user)
    entry = audit_story["entries"]["approve"]
    before = AuditEvent.objects.count()

    for response in (
        client.get(URL),
        client.get(f"{URL}/{entry.pk}"),
        client.get(f"{URL}/verify"),
        client.post(f"{URL}/verify"),
        client.get(f"{URL}/export.xlsx"),
    ):
        assert response.status_code == 403
        assert "无权进行此操作" in response.content.decode()

    denials = AuditEvent.objects.filter(pk__gt=entry.pk, action="access.denied", actor=user)
    assert denials.count() == 5
    assert AuditEvent.objects.count() == before + 5  # no audit.verify, no audit.export
    assert not AuditEvent.objects.filter(action__in=["audit.verify", "audit.export"]).exists()


def test_anonymous_visitors_are_sent_to_sign_in(audit_story):  # type: ignore[no-untyped-def]
    response = Client(HTTP_HOST="127.0.0.1").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login")


def test_the_navigation_shows_the_audit_log_to_the_auditor_and_the_administrator_only(audit_story, auditor, administrator, city_reviewer):  # type: ignore[no-untyped-def]
    link = f'href="{URL}">审计日志</a>'
    assert link in signed_in(auditor).get(URL).content.decode()
    assert link in signed_in(administrator).get(URL).content.decode()
    assert link not in signed_in(city_reviewer).get("/staff/").content.decode()


def test_no_page_changes_an_entry(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    entry = audit_story["entries"]["approve"]
    for method in ("post", "put", "patch", "delete"):
        assert getattr(auditor_client, method)(URL).status_code == 405
        assert getattr(auditor_client, method)(f"{URL}/{entry.pk}").status_code == 405
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=entry.pk).update(result="ok")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=entry.pk).delete()
    assert verify_chain() == []


# --- the search ---------------------------------------------------------------------------------


def test_the_whole_log_newest_first(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    shown = search(auditor_client)
    assert shown == sorted(shown, reverse=True)
    ours = [entry.pk for entry in audit_story["entries"].values()]
    assert [pk for pk in shown if pk in ours] == ours[::-1]
    assert shown == list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:50])


def test_each_filter_narrows_to_exactly_the_entries_it_names(audit_story, auditor_client, xihu, city, grassroots_clerk):  # type: ignore[no-untyped-def]
    e = {name: entry.pk for name, entry in audit_story["entries"].items()}
    first, second = audit_story["first"], audit_story["second"]
    ours = set(e.values())

    def found(**params) -> set[int]:  # type: ignore[no-untyped-def]
        return set(search(auditor_client, **params)) & ours

    # actor: part of the recorded user name, of the account's full name, or a label of no account
    assert found(actor="finance") == {e["build"], e["file"]}
    assert found(actor="FINANCE.A") == {e["build"], e["file"]}
    assert found(actor="wang.li") == {e["failed_login"]}
    assert found(actor="appl") == {e["submit"]}
    assert found(actor="职工本人") == {e["submit"]}
    assert found(actor="nobody-at-all") == set()
    # role, and "no role" for workers and the system
    assert found(role="finance_officer") == {e["build"], e["file"]}
    assert found(role="district_reviewer") == {e["approve"], e["denied"]}
    assert found(role=auditlog.NO_ROLE) == {e["failed_login"], e["submit"]}
    # organisation: a district with the grassroots unions below it; the city union itself
    assert found(organisation=xihu.pk) == {e["approve"], e["import"]}
    assert found(organisation=city.pk) == {e["reject"], e["build"], e["file"]}
    # object by type and id, or by application number (resolved to the application's id)
    assert found(object_type="payments.paymentbatch", object_id="7") == {e["build"], e["file"]}
    assert found(object_type="batches.batchimport") == {e["import"]}
    assert found(object_id=str(first.pk), object_type="applications.application") == {e["approve"], e["denied"]}
    assert found(application_no=first.application_no) == {e["approve"], e["denied"]}
    assert found(application_no=second.application_no) == {e["reject"], e["submit"]}
    wide = second.application_no.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert found(application_no=wide) == {e["reject"], e["submit"]}  # typed with a Chinese input method
    # action: one, or a group by prefix
    assert found(action="review.approve") == {e["approve"]}
    assert found(action="payment.") == {e["build"], e["file"]}
    assert found(action="review.") == {e["approve"], e["reject"]}
    # result
    assert found(result="denied") == {e["denied"]}
    assert found(result="failed") == {e["failed_login"]}
    assert found(result="ok") == ours - {e["denied"], e["failed_login"]}
    # filters combine
    assert found(action="payment.", actor="finance", object_id="7") == {e["build"], e["file"]}
    assert found(role="district_reviewer", result="denied") == {e["denied"]}
    assert found(organisation=xihu.pk, action="batch.import") == {e["import"]}


def test_an_unknown_application_number_says_so_and_finds_nothing(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    response = auditor_client.get(URL, {"application_no": "2020999999"})
    assert ids_on(response) == []
    assert "没有申请编号为 2020999999 的申请" in response.content.decode()


def test_the_time_range_is_in_shanghai_and_includes_its_first_and_last_day(monkeypatch, campaign, auditor_client):  # type: ignore[no-untyped-def]
    moments = {
        "day_before": dt.datetime(2020, 9, 30, 23, 59, 59, tzinfo=SHANGHAI),
        "first_day": dt.datetime(2020, 10, 1, 0, 0, 0, tzinfo=SHANGHAI),  # still 30 September in UTC
        "middle": dt.datetime(2020, 10, 2, 12, 0, 0, tzinfo=SHANGHAI),
        "last_day": dt.datetime(2020, 10, 3, 23, 59, 59, 999999, tzinfo=SHANGHAI),
        "day_after": dt.datetime(2020, 10, 4, 0, 0, 0, tzinfo=SHANGHAI),
    }
    written = {}
    for name, moment in moments.items():
        at(monkeypatch, moment.astimezone(dt.UTC))
        written[name] = audit("test.moment", actor_label="cli", detail={"name": name}).pk
    monkeypatch.undo()

    def found(**params) -> set[int]:  # type: ignore[no-untyped-def]
        return set(search(auditor_client, action="test.moment", **params))

    assert found(date_from="2020-10-01", date_to="2020-10-03") == {written["first_day"], written["middle"], written["last_day"]}
    assert found(date_from="2020-10-01", date_to="2020-10-01") == {written["first_day"]}
    assert found(date_from="2020-10-03", date_to="2020-10-03") == {written["last_day"]}
    assert found(date_from="2020-10-04") == {written["day_after"]}
    assert found(date_to="2020-09-30") == {written["day_before"]}
    assert found(date_from="2020-10-05") == set()
    # the page shows Beijing time
    page = auditor_client.get(URL, {"action": "test.moment", "date_from": "2020-10-01", "date_to": "2020-10-01"}).content.decode()
    assert "2020-10-01 00:00:00" in page


def test_dates_that_cannot_be_searched_are_refused_not_widened(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    response = auditor_client.get(URL, {"date_from": "2020-13-01"})
    assert response.status_code == 400
    assert "不是有效日期" in response.content.decode()
    assert 'class="audit-id"' not in response.content.decode()
    response = auditor_client.get(URL, {"date_from": "2020-10-03", "date_to": "2020-10-01"})
    assert response.status_code == 400
    assert "开始日期晚于结束日期" in response.content.decode()


def test_pages_walk_the_log_by_id_newer_and_older(monkeypatch, campaign, auditor_client):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(auditlog, "PAGE_SIZE", 3)
    written = [audit("test.page", actor_label="cli", detail={"n": n}).pk for n in range(8)]
    newest = list(reversed(written))

    first = auditor_client.get(URL, {"action": "test.page"})
    assert ids_on(first) == newest[:3]
    older = re.search(r'href="/staff/audit\?([^"]*before=\d+[^"]*)"', first.content.decode())
    assert older is not None
    second = auditor_client.get(f"{URL}?{older.group(1).replace('&amp;', '&')}")
    assert ids_on(second) == newest[3:6]
    third = auditor_client.get(URL, {"action": "test.page", "before": newest[5]})
    assert ids_on(third) == newest[6:]
    assert "较早 →" not in third.content.decode()
    back = auditor_client.get(URL, {"action": "test.page", "after": newest[3]})
    assert ids_on(back) == newest[:3]
    assert "← 较新" not in back.content.decode()


FORM = {
    name: ""
    for name in ("actor", "role", "organisation", "action", "result", "object_type", "object_id", "application_no", "date_from", "date_to")
}


def test_a_page_asks_with_the_form_and_a_cursor_of_other_filters_starts_at_the_newest(monkeypatch, campaign, auditor_client):  # type: ignore[no-untyped-def]
    """The pager's htmx request is its cursor, the fingerprint of the filters it was drawn under
    (of) and the filter form as it stands. A cursor is an entry's id in one search: applied to
    another (the form changed while its answer was on its way) it drew that search's entries
    older than an id of the first, somewhere in its middle, with a 较新 that may lead nowhere."""
    monkeypatch.setattr(auditlog, "PAGE_SIZE", 3)
    written = [
        audit("test.page" if n % 3 else "test.other", actor_label="cli", object_type="core.auditevent", object_id=42).pk for n in range(12)
    ]
    pages_ = [pk for n, pk in enumerate(reversed(written)) if (11 - n) % 3]
    others = [pk for n, pk in enumerate(reversed(written)) if not (11 - n) % 3]
    first = auditor_client.get(URL, {"action": "test.page"}).content.decode()
    older = re.search(r'id="pager-older" href="[^"]*" hx-get="/staff/audit\?before=(\d+)&amp;of=(\w+)"', first)
    assert older is not None and int(older.group(1)) == pages_[2]
    cursor, of = older.group(1), older.group(2)
    assert of == pages.cursor_of({"action": "test.page"})

    def htmx(**values: str):  # type: ignore[no-untyped-def]
        response = auditor_client.get(URL, {**FORM, **values}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return response

    same = htmx(action="test.page", before=cursor, of=of)
    assert ids_on(same) == pages_[3:6] and "pager-restarted" not in same.content.decode()
    assert same["HX-Push-Url"] == f"/staff/audit?action=test.page&before={cursor}"
    # The same filters typed otherwise (full-width digits, spaces) are the same search.
    assert (
        ids_on(htmx(action="test.page", object_id="４ 2", before=cursor, of=pages.cursor_of({"action": "test.page", "object_id": "42"})))
        == pages_[3:6]
    )

    changed = htmx(action="test.other", before=cursor, of=of)  # was: test.other older than a test.page id
    assert ids_on(changed) == others[:3]
    assert changed["HX-Push-Url"] == "/staff/audit?action=test.other"
    assert "查询条件已改变，从符合新条件的最新记录起显示。" in changed.content.decode()
    assert 'id="pager-latest"' not in changed.content.decode() and 'id="pager-newer"' not in changed.content.decode()
    newer = htmx(action="test.other", object_id="42", after=str(others[-1]), of=of)  # one filter more: another search
    assert ids_on(newer) == others[:3] and newer["HX-Push-Url"] == "/staff/audit?object_id=42&action=test.other"
    assert ids_on(htmx(action="test.page", before=cursor, of="<script>")) == pages_[:3]  # a fingerprint of nothing drawn
    assert ids_on(htmx(action="test.page", before="x1", of=of)) == pages_[:3]  # no cursor to apply
    assert htmx(action="test.page")["HX-Push-Url"] == "/staff/audit?action=test.page"
    assert htmx()["HX-Push-Url"] == "/staff/audit"
    # A link's href (a bookmark, no JavaScript) carries its own filters and no fingerprint.
    plain = auditor_client.get(URL, {"action": "test.other", "before": others[2]})
    assert ids_on(plain) == others[3:] and "HX-Push-Url" not in plain


def test_rows_show_who_where_what_and_the_detail_in_chinese(audit_story, auditor_client, finance_a):  # type: ignore[no-untyped-def]
    page = auditor_client.get(URL, {"action": "review.approve"}).content.decode()
    assert "xihu.reviewer" in page
    assert "区县（产业）工会审核人" in page
    assert "西湖区总工会" in page
    assert "10.1.1.1" in page
    assert "审核通过" in page and "review.approve" in page
    assert f"申请编号 {audit_story['first'].application_no}" in page
    assert "成功" in page
    # The detail in the auditor's words, not JSON.
    assert "原状态：待区县（产业）工会审核" in page
    assert "&quot;from&quot;" not in page


def test_the_detail_is_said_in_chinese_and_the_raw_json_stays_on_the_entry_page(campaign, auditor_client, city):  # type: ignore[no-untyped-def]
    entry = audit(
        "staff.change",
        detail={"changes": {"role": ["district_reviewer", "city_reviewer"], "is_active": [True, False]}, "initial_review": True},
    )
    page = auditor_client.get(URL, {"action": "staff.change"}).content.decode()
    assert "变更：角色：区县（产业）工会审核人 → 市总职工服务中心审核人；启用：是 → 否" in page
    assert "保存时完成初审：是" in page
    detail = auditor_client.get(f"{URL}/{entry.pk}").content.decode()
    assert "角色：区县（产业）工会审核人 → 市总职工服务中心审核人" in detail
    assert "&quot;changes&quot;" in detail and "原始数据" in detail  # the JSON the hash covers


def test_numbers_typed_into_the_wrong_box_are_masked(campaign, auditor_client):  # type: ignore[no-untyped-def]
    entry = audit("staff.login", result="failed", actor_label="330106198503150016", detail={"typed": "13957187919"})
    page = auditor_client.get(URL, {"result": "failed"}).content.decode()
    assert entry.pk in ids_on(auditor_client.get(URL, {"result": "failed"}))
    assert "330106198503150016" not in page and "330106********0016" in page
    assert "13957187919" not in page and "139****7919" in page
    detail = auditor_client.get(f"{URL}/{entry.pk}").content.decode()
    assert "330106198503150016" not in detail and "13957187919" not in detail


def test_searches_and_entries_are_not_audited(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    before = AuditEvent.objects.count()
    auditor_client.get(URL)
    auditor_client.get(URL, {"actor": "finance"})
    auditor_client.get(f"{URL}/{audit_story['entries']['approve'].pk}")
    auditor_client.get(f"{URL}/verify")
    assert AuditEvent.objects.count() == before


# --- one entry ----------------------------------------------------------------------------------


def test_one_entry_shows_its_hashes_and_that_they_hold(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    entry = audit_story["entries"]["denied"]
    previous = audit_story["entries"]["file"]
    page = auditor_client.get(f"{URL}/{entry.pk}").content.decode()
    assert entry.entry_hash in page
    assert entry.prev_hash == previous.entry_hash and entry.prev_hash in page
    assert "本条内容与其哈希一致" in page
    assert f"前序哈希与上一条（#{previous.pk}）的哈希一致" in page
    assert "越权访问被拒绝" in page and "shangcheng.reviewer" in page
    assert f'href="{URL}/{previous.pk}"' in page and f'href="{URL}/{entry.pk + 1}"' in page
    assert auditor_client.get(f"{URL}/999999999").status_code == 404


def test_one_entry_shows_that_it_was_changed(audit_story, auditor_client):  # type: ignore[no-untyped-def]
    entry = audit_story["entries"]["build"]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["failed", entry.pk])
    page = auditor_client.get(f"{URL}/{entry.pk}").content.decode()
    assert "本条内容与其哈希不符" in page


# --- the export ---------------------------------------------------------------------------------


def test_the_export_is_the_current_search_as_xlsx_and_is_recorded(audit_story, auditor_client, auditor):  # type: ignore[no-untyped-def]
    response = auditor_client.get(f"{URL}/export.xlsx", {"action": "payment.", "actor": "finance"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = next(index for index, row in enumerate(rows) if row[0] == "编号")
    assert rows[header][:3] == ("编号", "时间（北京时间）", "操作人")
    assert sheet.freeze_panes == f"A{header + 2}"
    assert any("查询条件：操作人：finance；动作：奖励核发（全部 payment.*）" in str(row[0]) for row in rows[:header])
    data = rows[header + 1 :]
    assert [row[0] for row in data] == [audit_story["entries"]["file"].pk, audit_story["entries"]["build"].pk]
    first = dict(zip(rows[header], data[0], strict=True))
    assert first["动作"] == "下载发放文件（payment.file_download）"
    assert first["操作人"].startswith("finance.a") and first["角色"] == "市总财务人员" and first["所属组织"] == "杭州市总工会"
    assert first["对象"] == "核发批次 #7"
    assert first["结果"] == "成功" and first["说明"] == "格式：csv" and first["说明（原始数据）"] == '{"format": "csv"}'
    assert first["本条哈希"] == audit_story["entries"]["file"].entry_hash
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == auditor
    assert export.detail == {"filters": {"actor": "finance", "action": "payment."}, "rows": 2, "truncated": False}


def test_the_export_is_capped_and_says_so(monkeypatch, audit_story, auditor_client):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(auditlog, "EXPORT_LIMIT", 3)
    response = auditor_client.get(f"{URL}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert len([value for value in values if isinstance(value, int)]) == 3
    assert any("仅导出最新的 3 条" in str(value) for value in values)
    assert AuditEvent.objects.get(action="audit.export").detail["truncated"] is True


def test_every_object_type_in_the_filter_has_a_chinese_name():
    labels = auditlog.object_type_labels()
    assert "applications.application" in labels and len(labels) > 20
    english = {key: label for key, label in labels.items() if re.search(r"[A-Za-z]", label)}
    assert not english, english


@pytest.mark.parametrize("query", ["application_no=%00", "object_id=%00", "actor=a%01b"])
def test_control_characters_in_the_search_do_not_break_the_export(query, audit_story, auditor):  # type: ignore[no-untyped-def]
    response = signed_in(auditor).get(f"{URL}/export.xlsx?{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)).active
    assert sheet is not None and "\x00" not in str(sheet["A2"].value or "")


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "union=%00"])
def test_control_characters_in_queue_filters_are_dropped_not_a_fault(query, xihu_reviewer):  # type: ignore[no-untyped-def]
    """PostgreSQL refuses a NUL in any text it is given: the queue (page and API) drops them."""
    assert signed_in(xihu_reviewer).get(f"/staff/?{query}").status_code == 200


def test_a_control_character_recorded_in_an_entry_is_written_visibly_and_the_export_opens(audit_story, auditor_client, xihu_reviewer):  # type: ignore[no-untyped-def]
    """A probe of /staff/applications/%00 records what was asked for; the export must still open."""
    assert signed_in(xihu_reviewer).get("/staff/applications/%00").status_code == 404
    denial = AuditEvent.objects.filter(action="access.denied").latest("id")
    assert denial.detail["application_no"] == "\\x00"  # written out: PostgreSQL holds no NUL
    response = auditor_client.get(f"{URL}/export.xlsx", {"action": "access.denied"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    assert any("\\x00" in value for value in cells)


def test_payment_entries_name_the_batch_and_an_application_number_finds_its_batches_money(
    campaign, xihu, auditor_client, finance_a, finance_b
):  # type: ignore[no-untyped-def]
    """The auditor follows an application's money: its batch's build, approval, bank file and
    return file (entries of the whole batch, never one per line), and no other batch's."""
    from rewards.payments import services

    paid, other = (factories.make_application(campaign=campaign, member=factories.make_member(union=xihu)) for _ in range(2))
    batch, _ = services.payment_batch_build(user=finance_a, campaign=campaign)
    services.payment_batch_approve(user=finance_b, batch_no=batch.batch_no)
    services.payment_batch_file(user=finance_a, batch_no=batch.batch_no)
    reference, others = batch.lines.get(application=paid).reference, batch.lines.get(application=other).reference
    answer = f"reference,amount,result,reason\r\n{reference},500.00,success,\r\n{others},500.00,success,\r\n".encode()
    services.payment_results_import(user=finance_a, batch_no=batch.batch_no, content=answer)
    services.payment_line_reversal(user=finance_b, reference=others, reason="账户已冻结")  # of the other application only
    outside = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu))
    later, _ = services.payment_batch_build(user=finance_b, campaign=campaign)  # holds only ``outside``
    assert set(later.lines.values_list("application", flat=True)) == {outside.pk}
    ours = AuditEvent.objects.filter(object_type="payments.paymentbatch", object_id=str(batch.pk))
    assert sorted(ours.values_list("action", flat=True)) == [
        "payment.batch_approve",
        "payment.batch_build",
        "payment.file_download",
        "payment.results_import",
        "payment.reversal",
    ]
    reversal = ours.get(action="payment.reversal")
    ours = ours.exclude(pk=reversal.pk)
    submitted = audit("application.submit", obj=paid, actor_label="applicant", detail={"channel": "online"})

    response = auditor_client.get(URL, {"application_no": paid.application_no})
    assert set(ids_on(response)) == {submitted.pk, *ours.values_list("pk", flat=True)}
    page = response.content.decode()
    assert f"核发批次 {batch.batch_no}（#{batch.pk}）" in page and "也列出该申请所在核发批次的核发记录" in page
    assert f"核发批次 {later.batch_no}" not in page
    assert "工会：全部工会" in page and "批次号：" + batch.batch_no in page
    # The batch by its number, as the pages name it (any case), in the object number box.
    assert set(search(auditor_client, object_id=batch.batch_no.lower())) == {reversal.pk, *ours.values_list("pk", flat=True)}
    assert set(search(auditor_client, object_id=batch.batch_no, object_type="payments.paymentbatch")) == {
        reversal.pk,
        *ours.values_list("pk", flat=True),
    }
    assert search(auditor_client, object_id="P209999999") == []
    # The other application of the batch finds the batch's entries as well, and its own reversal;
    # one never in a batch, none.
    assert set(search(auditor_client, application_no=other.application_no)) == {reversal.pk, *ours.values_list("pk", flat=True)}
    assert set(search(auditor_client, application_no=outside.application_no)) == set(
        AuditEvent.objects.filter(object_type="payments.paymentbatch", object_id=str(later.pk)).values_list("pk", flat=True)
    )
    lonely = factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="pending_city")
    lonely_page = auditor_client.get(URL, {"application_no": lonely.application_no})
    assert ids_on(lonely_page) == [] and "没有符合条件的记录" in lonely_page.content.decode()
    # The export says the same.
    sheet = load_workbook(io.BytesIO(auditor_client.get(f"{URL}/export.xlsx", {"application_no": paid.application_no}).content)).active
    assert sheet is not None
    objects = {row[7] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert f"核发批次 {batch.batch_no}（#{batch.pk}）" in objects


def test_action_codes_break_only_after_their_dots(campaign, auditor_client, finance_a):  # type: ignore[no-untyped-def]
    entry = audit("payment.results_import", actor=finance_a, result="failed", detail={"batch_no": "P202000001"})
    html = auditor_client.get(URL).content.decode()
    assert '<span class="audit-code">payment.<wbr>results_import</span>' in html
    page = auditor_client.get(f"{URL}/{entry.pk}").content.decode()
    assert '<span class="audit-code">payment.<wbr>results_import</span>' in page
    # An unnamed code is escaped, piece by piece.
    odd = audit("x<b>.y", actor=finance_a)
    assert "x&lt;b&gt;.<wbr>y" in auditor_client.get(f"{URL}/{odd.pk}").content.decode()
