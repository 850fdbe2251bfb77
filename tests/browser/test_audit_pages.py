"""审计日志 as the city union's auditor 周敏 reads it: she looks up everything that happened to one
application (submitted, viewed and approved by 西湖区, refused to 上城区's reviewer, approved and
printed by the city), opens the refused access with its hashes, exports the search, and checks
the hash chain, which the page walks in steps with its progress until it reports the chain
intact; after one entry is changed behind the application's back, the next check names it.
Screenshots 85–87 in docs/screenshots/."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from openpyxl import load_workbook
from playwright.sync_api import Error as PlaywrightError

from rewards.campaigns.services import campaign_load_notice
from rewards.core import audit as audit_module
from rewards.core import clock
from rewards.core.audit import audit
from rewards.core.models import AuditEvent
from rewards.organisations.models import OrgKind, Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import organisation_ensure, staff_create
from rewards.reports import auditlog
from rewards.web.staff import auditlog as auditlog_page
from tests import factories

from .conftest import STAFF_PASSWORD, screenshot
from .test_queue_keyboard import ON_ITS_WAY, quiet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Request:
    """What audit() reads of a request: the user and the client address."""

    def __init__(self, user, ip: str) -> None:  # type: ignore[no-untyped-def]
        self.user = user
        self.META = {"REMOTE_ADDR": ip}


@pytest.fixture
def story(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """The 2020 campaign's staff and three applications of 西湖区, and the audit log of a few
    October days: sign-ins (one mistyped), submissions, views, decisions, a refused look from
    上城区, a printed Annex 3, a payment batch."""
    settings.SHOW_DEMO_BANNER = False
    campaign, _ = campaign_load_notice(year=2020)
    city = organisation_by_name("杭州市总工会")
    xihu = organisation_by_name("西湖区总工会")
    shangcheng = organisation_by_name("上城区总工会")
    unit, _ = organisation_ensure(name="杭州西湖精密机械有限公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)

    def staff(username: str, role: str, organisation, full_name: str):  # type: ignore[no-untyped-def]
        return staff_create(username=username, role=role, organisation=organisation, password=STAFF_PASSWORD, full_name=full_name)

    auditor = staff("audit.zhou", Role.AUDITOR, city, "周敏")
    wang = staff("xihu.wang", Role.DISTRICT_REVIEWER, xihu, "王丽")
    chen = staff("shangcheng.chen", Role.DISTRICT_REVIEWER, shangcheng, "陈刚")
    li = staff("city.li", Role.CITY_REVIEWER, city, "李娜")
    lin = staff("finance.lin", Role.FINANCE_OFFICER, city, "林晓燕")
    clerk = staff("jingmi.clerk", Role.GRASSROOTS_CLERK, unit, "赵磊")
    apps = [factories.make_application(campaign=campaign, member=factories.make_member(union=xihu), status="approved") for _ in range(3)]
    first = apps[0]

    moment = [dt.datetime(2020, 10, 12, 8, 50, tzinfo=SHANGHAI)]

    def write(minutes: int, action: str, **kwargs):  # type: ignore[no-untyped-def]
        moment[0] += dt.timedelta(minutes=minutes)
        monkeypatch.setattr(clock, "now", lambda: moment[0].astimezone(dt.UTC))
        return audit(action, **kwargs)

    write(0, "staff.login", request=Request(wang, "10.12.3.45"), detail={"channel": "web"})
    write(3, "staff.login", result="failed", request=Request(None, "10.12.7.20"), actor_label="jingmi.clrek", detail={"channel": "web"})
    write(1, "staff.login", request=Request(clerk, "10.12.7.20"), detail={"channel": "web"})
    write(22, "application.submit", obj=first, request=Request(None, "36.27.118.9"), actor_label="applicant", detail={"channel": "online"})
    write(
        17, "application.submit", obj=apps[1], request=Request(None, "112.17.40.3"), actor_label="applicant", detail={"channel": "online"}
    )
    write(
        40,
        "batch.import",
        actor=clerk,
        request=Request(clerk, "10.12.7.20"),
        object_type="batches.batchimport",
        object_id=1,
        detail={"accepted": 1, "unchanged": 0, "rejected": 0},
    )
    write(55, "application.view_full", obj=first, request=Request(wang, "10.12.3.45"), detail={"channel": "web"})
    write(4, "review.approve", obj=first, request=Request(wang, "10.12.3.45"), detail={"from": "pending_district", "to": "pending_city"})
    write(6, "review.approve", obj=apps[1], request=Request(wang, "10.12.3.45"), detail={"from": "pending_district", "to": "pending_city"})
    write(180, "staff.login", request=Request(chen, "10.13.2.8"), detail={"channel": "web"})
    write(
        2,
        "access.denied",
        obj=first,
        request=Request(chen, "10.13.2.8"),
        result="denied",
        detail={"application_no": first.application_no, "what": "detail"},
    )
    write(
        1,
        "access.denied",
        obj=first,
        request=Request(chen, "10.13.2.8"),
        result="denied",
        detail={"application_no": first.application_no, "what": "annex3"},
    )
    write(1100, "staff.login", request=Request(li, "10.1.0.21"), detail={"channel": "web"})
    write(5, "application.view_full", obj=first, request=Request(li, "10.1.0.21"), detail={"channel": "web"})
    write(2, "review.approve", obj=first, request=Request(li, "10.1.0.21"), detail={"from": "pending_city", "to": "approved"})
    write(3, "report.annex3", obj=first, request=Request(li, "10.1.0.21"), detail={"format": "pdf", "full": True})
    write(1, "review.approve", obj=apps[1], request=Request(li, "10.1.0.21"), detail={"from": "pending_city", "to": "approved"})
    write(60, "staff.login", request=Request(lin, "10.1.0.35"), detail={"channel": "web"})
    write(
        4,
        "payment.batch_build",
        actor=lin,
        request=Request(lin, "10.1.0.35"),
        object_type="payments.paymentbatch",
        object_id=1,
        detail={"count": 3, "total_amount": "1500.00"},
    )
    write(
        35,
        "payment.results_import",
        actor=lin,
        request=Request(lin, "10.1.0.35"),
        object_type="payments.paymentbatch",
        object_id=1,
        result="failed",
        detail={
            "batch_no": "P202000001",
            "reason": "invalid_result_file",
            "problems": 2,
            "problem_list": [
                "第 2 行：未知的付款参考号 622202*********0016。",
                "第 5 行：付款参考号 P202000001-000003 的金额 5000.00 与发放金额 500.00 不符。",
            ],
            "sha256": "3f6c1a9be07d4e21",
        },
    )
    for n in range(30):  # the rest of the day's sign-ins, so that the chain check takes several steps
        write(7, "staff.login", request=Request([wang, li, lin, clerk][n % 4], f"10.1.0.{40 + n % 9}"), detail={"channel": "web"})
    monkeypatch.undo()
    return {"auditor": auditor, "first": first, "chen": chen}


def test_the_auditor_searches_reads_one_entry_exports_and_checks_the_chain(story, live_server, page_factory, tmp_path, monkeypatch):
    base = live_server.url
    first = story["first"]
    page = page_factory(1440, 900)
    page.goto(base + "/staff/login")
    page.fill("#id_username", "audit.zhou")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")

    # Everything that happened to one application.
    page.click("nav.staff-nav >> text=审计日志")
    page.wait_for_selector("table.audit-table")
    page.fill("input[name=application_no]", first.application_no)
    page.click("form.audit-filters button[type=submit]")
    page.wait_for_url(f"**application_no={first.application_no}**")
    page.wait_for_selector("table.audit-table tbody tr >> nth=6")
    rows = page.locator("table.audit-table tbody tr")
    assert rows.count() == 8
    table = page.inner_text("table.audit-table")
    for words in (
        "提交申请",
        "查看完整个人信息",
        "审核通过",
        "越权访问被拒绝",
        "打印申请表（附件3）",
        "shangcheng.chen（陈刚）",
        "西湖区总工会",
        "上城区总工会",
    ):
        assert words in table, words
    assert "2020-10-12 09:16:00" in table  # Beijing time
    screenshot(page, "85-audit-search")

    # The refused look, with its hashes.
    denied = AuditEvent.objects.filter(action="access.denied").order_by("id").first()
    assert denied is not None
    page.click(f"a[href='/staff/audit/{denied.pk}']")
    page.wait_for_selector(".audit-hash-card")
    card = page.inner_text(".audit-hash-card")
    assert denied.entry_hash in card and denied.prev_hash in card
    assert "本条内容与其哈希一致" in card and "前序哈希与上一条" in card
    assert "shangcheng.chen（陈刚）" in page.inner_text(".audit-facts")
    screenshot(page, "86-audit-entry")

    # Back to the search, and its export.
    page.go_back()
    page.wait_for_selector("table.audit-table")
    with page.expect_download() as info:
        page.click("text=导出 Excel")
    saved = tmp_path / "audit.xlsx"
    info.value.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None
    exported = [row for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert len(exported) == 8
    assert AuditEvent.objects.filter(action="audit.export", actor=story["auditor"]).count() == 1

    # The chain check, in steps of ten entries: the page carries on by itself and reports.
    monkeypatch.setattr(audit_module, "VERIFY_STEP_ROWS", 10)
    entries = AuditEvent.objects.count()
    steps: list[str] = []
    page.on(
        "request", lambda request: steps.append(request.url) if request.method == "POST" and "/staff/audit/verify" in request.url else None
    )
    page.click("button:has-text('校验审计链')")
    page.wait_for_selector(".audit-outcome.ok", timeout=30_000)
    outcome = page.inner_text(".audit-outcome")
    assert f"共校验 {entries} 条记录" in outcome
    assert len(steps) == -(-entries // 10)  # one request per step of ten, the first one clicked
    check = AuditEvent.objects.get(action="audit.verify")
    assert check.result == "ok" and check.detail["entries"] == entries
    screenshot(page, "87-audit-chain-check")

    # One entry changed behind the application's back: the next check names it.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET result = 'ok' WHERE id = %s", [denied.pk])
    page.click("button:has-text('再次校验')")
    page.wait_for_selector(".audit-outcome.bad", timeout=30_000)
    assert f"第 {denied.pk} 条的内容与其哈希不符" in page.inner_text(".audit-outcome")
    assert AuditEvent.objects.filter(action="audit.verify").order_by("-id").first().result == "failed"  # type: ignore[union-attr]
    assert page_factory.outside == []


def test_quick_choices_on_the_audit_log_end_on_the_last_one_with_the_focus_kept(story, live_server, page_factory):
    """The audit log's filters redraw it as the queue's do: a change made right after a redraw is
    sent, and the focus stays on the control used (its controls had no ids, and htmx puts the focus
    back by id: the second press went to the page, the list stayed on the first choice)."""
    page = audit_page(live_server, page_factory)
    page.goto(live_server.url + "/staff/audit")
    page.evaluate("htmx.config.defaultSettleDelay = 1000")  # a busy machine settles late
    roles = page.eval_on_selector_all("select[name=role] option", "(options) => options.map((o) => [o.value, o.textContent.trim()])")
    assert roles[3] == ["city_reviewer", "市总职工服务中心审核人"]
    page.focus("select[name=role]")
    page.keyboard.press("ArrowDown")  # 基层工会经办人
    page.wait_for_url("**role=grassroots_clerk**")
    page.keyboard.press("ArrowDown")  # 区县（产业）工会审核人, at once
    page.keyboard.press("ArrowDown")  # 市总职工服务中心审核人
    quiet(page)
    assert "role=city_reviewer" in page.url and page.input_value("select[name=role]") == "city_reviewer"
    assert page.evaluate("document.activeElement.name") == "role"
    cells = page.locator("table.audit-table tbody tr td:nth-child(3)").all_inner_texts()
    assert cells and set(cells) == {"市总职工服务中心审核人"}
    assert page.inner_text(".result-count strong") == str(len(cells))


def audit_page(live_server, page_factory, width: int = 1440, height: int = 900):  # type: ignore[no-untyped-def]
    """The auditor 周敏 signed in, the requests on their way counted (``ON_ITS_WAY``)."""
    page = page_factory(width, height)
    page.add_init_script(ON_ITS_WAY)
    page.goto(live_server.url + "/staff/login")
    page.fill("#id_username", "audit.zhou")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/")
    return page


def test_the_next_page_chosen_while_a_filters_answer_is_on_its_way_is_the_new_searchs_first(story, live_server, page_factory, monkeypatch):
    """较早 chosen while 登录's answer is held: the pager asked with the filters its link carried
    (the whole log's page 2) and the choice of 登录 was lost; asking with the form as it stands, its
    cursor (an id in the whole log's order) would start 登录's list in its middle. Now it is 登录's
    newest ten, said so, and 较早 from there is 登录's second page."""
    monkeypatch.setattr(auditlog, "PAGE_SIZE", 10)
    held = []

    def hold(route):  # type: ignore[no-untyped-def]
        if "before=" in route.request.url or "after=" in route.request.url:
            route.continue_()
        else:
            held.append(route)  # the filter's answer, on its way as long as the test likes

    page = audit_page(live_server, page_factory)
    logins = list(AuditEvent.objects.filter(action="staff.login").order_by("-id").values_list("pk", flat=True))  # hers too
    assert len(logins) > 20
    page.goto(live_server.url + "/staff/audit")
    page.route("**/staff/audit?*action=staff.login*", hold)
    page.select_option("#filter-action", "staff.login")
    page.wait_for_function("window.onItsWay === 1")
    page.click("#pager-older")
    quiet(page)
    assert len(held) == 1
    with contextlib.suppress(PlaywrightError):  # too late: the page gave it up for the pager's request
        held[0].continue_()
    page.unroute("**/staff/audit?*action=staff.login*")
    quiet(page)
    assert page.input_value("#filter-action") == "staff.login"
    assert page.evaluate("location.pathname + location.search") == "/staff/audit?action=staff.login"
    shown = [int(text.lstrip("#")) for text in page.locator(".audit-id").all_inner_texts()]
    assert shown == logins[:10]
    assert page.inner_text("#pager-restarted") == "查询条件已改变，从符合新条件的最新记录起显示。"
    assert page.locator("#pager-latest, #pager-newer").count() == 0
    assert page.get_attribute("#pager-older", "href") == f"/staff/audit?action=staff.login&before={logins[9]}"
    screenshot(page, "85b-audit-filter-changed-under-pager")

    page.click("#pager-older")  # nothing on its way: 登录's second page, its address pushed
    quiet(page)
    assert page.evaluate("location.pathname + location.search") == f"/staff/audit?action=staff.login&before={logins[9]}"
    assert [int(text.lstrip("#")) for text in page.locator(".audit-id").all_inner_texts()] == logins[10:20]
    assert page.locator("#pager-restarted").count() == 0 and page.input_value("#filter-action") == "staff.login"

    # Ctrl+click opens the page's link in a new browser tab, this page stays.
    with page.context.expect_page() as opened:
        page.click("#pager-latest", modifiers=["Control"])
    assert opened.value.url.endswith("/staff/audit?action=staff.login")
    opened.value.close()
    assert page.evaluate("location.search") == f"?action=staff.login&before={logins[9]}"
    page.reload()
    assert [int(text.lstrip("#")) for text in page.locator(".audit-id").all_inner_texts()] == logins[10:20]


#: A busy machine settles late, and the auditor presses 继续校验 as soon as each step is drawn.
PRESS_AT_ONCE = """
document.addEventListener("DOMContentLoaded", () => { htmx.config.defaultSettleDelay = 3000; });
document.addEventListener("DOMContentLoaded", () => {
  const find = () => document.querySelector("#verify-panel form[hx-post] button[type=submit]");
  let pressed = find();  // the first step's form goes on by itself
  new MutationObserver(() => {
    const button = find();
    if (button && button !== pressed) { pressed = button; setTimeout(() => button.click(), 0); }
  }).observe(document.body, {childList: true, subtree: true});
});
"""


def test_continue_pressed_as_soon_as_a_step_is_drawn_is_the_next_step_in_place(story, live_server, page_factory, monkeypatch):
    """继续校验 pressed before htmx settled the step just drawn went as a whole-page POST (the page
    reloaded); pressed while a step is on its way it is dropped: each step is asked once and the
    check recorded once."""
    monkeypatch.setattr(audit_module, "VERIFY_STEP_ROWS", 10)
    page = audit_page(live_server, page_factory)
    page.add_init_script(PRESS_AT_ONCE)
    posts: list[bool] = []
    page.on("request", lambda request: posts.append(bool(request.headers.get("hx-request"))) if request.method == "POST" else None)
    page.goto(live_server.url + "/staff/audit/verify")
    entries = AuditEvent.objects.count()
    page.click("button:has-text('开始校验')")  # a whole page, whose form carries on by itself
    page.wait_for_selector("progress")
    page.evaluate("window.samePage = true")
    page.wait_for_selector(".audit-outcome.ok", timeout=30_000)
    quiet(page)
    assert page.evaluate("window.samePage === true"), "a press went as a whole-page POST"
    assert f"共校验 {entries} 条记录" in page.inner_text(".audit-outcome")
    assert posts == [False] + [True] * (-(-entries // 10) - 1)  # each step once, in place
    assert AuditEvent.objects.filter(action="audit.verify").count() == 1


#: Whole codes: each text piece of an action code (between the <wbr> after a dot) on one line.
CODES_WHOLE = """() => [...document.querySelectorAll('table.audit-table .audit-code')].flatMap(code =>
  [...code.childNodes].filter(node => node.nodeType === Node.TEXT_NODE && node.textContent.trim()).map(node => {
    const range = document.createRange(); range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
    return [node.textContent, tops.size];
  }))"""


def test_the_payment_entries_at_1366_keep_their_codes_whole_and_a_refused_file_names_its_reasons(story, live_server, page_factory):
    page = audit_page(live_server, page_factory, 1366, 768)
    page.goto(live_server.url + "/staff/audit?action=payment.")
    page.wait_for_selector("table.audit-table tbody tr >> nth=1")
    pieces = page.evaluate(CODES_WHOLE)
    assert ["payment.", 1] in pieces and ["results_import", 1] in pieces and ["batch_build", 1] in pieces
    assert all(lines == 1 for _, lines in pieces), pieces
    screenshot(page, "88-audit-payment-entries-1366")

    refused = AuditEvent.objects.get(action="payment.results_import")
    page.click(f"a[href='/staff/audit/{refused.pk}']")
    page.wait_for_selector(".audit-facts")
    facts = page.inner_text(".audit-facts")
    assert "问题：2" in facts and "1. 第 2 行：未知的付款参考号 622202*********0016。" in facts
    assert "2. 第 5 行：付款参考号 P202000001-000003 的金额 5000.00 与发放金额 500.00 不符。" in facts
    screenshot(page, "89-audit-refused-return-file")
    assert page_factory.outside == []


def test_dates_chosen_in_the_wrong_order_say_so_in_place(story, live_server, page_factory):
    """A start date after the end date is refused with a 400 that draws the form and the error: htmx
    leaves a 4xx answer undrawn, so the auditor saw the earlier list with nothing said. Now the
    error is drawn in place, the dates kept as chosen; put right, the list comes back."""
    page = audit_page(live_server, page_factory)
    page.goto(live_server.url + "/staff/audit")
    today = clock.today()
    page.fill("#filter-date-to", (today - dt.timedelta(days=1)).isoformat())
    quiet(page)
    page.fill("#filter-date-from", today.isoformat())
    quiet(page)
    assert page.inner_text("#audit .form-error") == "开始日期晚于结束日期。"
    assert page.locator("table.audit-table").count() == 0
    assert page.input_value("#filter-date-from") == today.isoformat()
    assert page.evaluate("document.activeElement.id") == "filter-date-from"
    page.fill("#filter-date-to", today.isoformat())
    quiet(page)
    assert page.locator("#audit .form-error").count() == 0
    assert page.locator("table.audit-table tbody tr").count() > 0
    assert page.evaluate("location.search") == f"?date_from={today.isoformat()}&date_to={today.isoformat()}"


def test_a_chain_check_whose_step_expired_says_so_in_place(story, live_server, page_factory, monkeypatch):
    """A step whose signed position has expired is refused with a 400 naming it: the panel went on
    showing 正在校验…… (htmx leaves a 4xx undrawn) and the auditor waited for nothing."""
    monkeypatch.setattr(audit_module, "VERIFY_STEP_ROWS", 10)
    monkeypatch.setattr(auditlog_page, "VERIFY_MAX_AGE", 0)  # every step's position has expired
    page = audit_page(live_server, page_factory)
    page.goto(live_server.url + "/staff/audit/verify")
    page.click("button:has-text('开始校验')")
    page.wait_for_selector("#verify-panel .form-error", timeout=30_000)
    quiet(page)
    assert page.inner_text("#verify-panel .form-error") == "这次校验已过期或无效，请重新开始校验。"
    assert page.locator("#verify-panel progress").count() == 0
    assert AuditEvent.objects.filter(action="audit.verify").count() == 0
