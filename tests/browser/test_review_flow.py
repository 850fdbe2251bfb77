"""The review pages as reviewers use them: a 西湖区 reviewer signs in, filters the queue,
opens an application, looks at the materials in the viewer (zoom, rotate, next), approves,
then approves the rest at once; a city reviewer returns another application with an opinion
and sees a hard signal that blocks 终审. Screenshots 20–29 in docs/screenshots/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from rewards.applications.models import Application
from rewards.applications.services import application_submit
from rewards.campaigns.services import campaign_load_notice
from rewards.core.models import AuditEvent
from rewards.organisations.models import OrgKind, Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import organisation_ensure, staff_create
from rewards.review.services import review_decide
from tests import factories

from .conftest import SCREENSHOTS, STAFF_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = STAFF_PASSWORD
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def material(title: str, lines: list[str], *, size: tuple[int, int], tint: tuple[int, int, int], kind: str = "JPEG") -> bytes:
    """A specimen scan: a tinted card with a title and a few lines, marked 样张."""
    image = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 34) if FONT.exists() else ImageFont.load_default()
    small = ImageFont.truetype(str(FONT), 24) if FONT.exists() else ImageFont.load_default()
    draw.rounded_rectangle(
        (20, 20, size[0] - 20, size[1] - 20), radius=24, outline=tint, width=6, fill=tuple(min(255, c + 170) for c in tint)
    )
    draw.text((60, 50), title, fill=tint, font=font)
    for index, line in enumerate(lines):
        draw.text((60, 130 + index * 44), line, fill=(40, 40, 40), font=small)
    draw.text((size[0] - 190, size[1] - 90), "样张", fill=(200, 40, 40), font=font)
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def submit(campaign, member, *, in_registry: bool = True, pdf_bank_card: bool = False, **overrides) -> Application:  # type: ignore[no-untyped-def]
    data = factories.annex3(member, **overrides)
    if in_registry:
        factories.register_certificate(member, data)
    masked = member.id_number[:6] + "********" + member.id_number[-4:]
    files = {
        "id_card_file": SimpleUploadedFile(
            "id.jpg",
            material("居民身份证（正反面）", [f"姓名 {member.name}", f"公民身份号码 {masked}"], size=(900, 1100), tint=(30, 90, 160)),
            "image/jpeg",
        ),
        "certificate_file": SimpleUploadedFile(
            "cert.jpg",
            material(
                "职业资格证书",
                [
                    f"姓名 {member.name}",
                    f"职业 {data['occupation']}",
                    f"证书编号 {data['certificate_no']}",
                    "发证机关 杭州市人力资源和社会保障局",
                ],
                size=(1200, 850),
                tint=(150, 60, 30),
            ),
            "image/jpeg",
        ),
        "bank_card_file": SimpleUploadedFile(
            "card.pdf" if pdf_bank_card else "card.jpg",
            material(
                "银行卡",
                ["中国工商银行", "6222 02** **** 0016"],
                size=(856, 540),
                tint=(20, 110, 70),
                kind="PDF" if pdf_bank_card else "JPEG",
            ),
            "application/pdf" if pdf_bank_card else "image/jpeg",
        ),
    }
    return application_submit(campaign=campaign, data=data, files=files, applicant_id_hash=member.id_hash).application


@pytest.fixture
def cast(settings):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-10-15"
    settings.SHOW_DEMO_BANNER = True
    campaign, _ = campaign_load_notice(year=2020)
    xihu = organisation_by_name("西湖区总工会")
    city = organisation_by_name("杭州市总工会")
    shangcheng = organisation_by_name("上城区总工会")
    grassroots, _ = organisation_ensure(name="杭州西湖精密机械有限公司工会", kind=OrgKind.GRASSROOTS, parent=xihu)
    staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=PASSWORD, full_name="陈审核")
    staff_create(username="city.reviewer", role=Role.CITY_REVIEWER, organisation=city, password=PASSWORD, full_name="刘终审")
    people = [
        ("张晓明", {}, {}),
        ("李建国", {"in_registry": False}, {}),
        ("王芳", {}, {"new_level": "technician", "occupation": "电工"}),
        ("赵磊", {"pdf_bank_card": True}, {}),
        ("孙丽", {}, {"new_level": "senior_technician", "occupation": "数控车工"}),
    ]
    applications = {}
    for name, options, fields in people:
        member = factories.make_member(union=xihu, name=name, grassroots=grassroots, employer="杭州西湖精密机械有限公司")
        applications[name] = submit(campaign, member, **options, **fields)
    # Already passed by 上城区: one to return, one with a hard signal.
    shangcheng_reviewer = staff_create(
        username="shangcheng.reviewer", role=Role.DISTRICT_REVIEWER, organisation=shangcheng, password=PASSWORD
    )
    city_cases = {}
    for name, options in (("周强", {}), ("吴敏", {"in_registry": False})):
        member = factories.make_member(union=shangcheng, name=name)
        application = submit(campaign, member, **options)
        review_decide(
            user=shangcheng_reviewer, application_no=application.application_no, decision="approve", opinion="材料齐全，同意上报。"
        )
        city_cases[name] = application
    return {"applications": applications, "city_cases": city_cases}


def inside(live_server) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """Requests that never leave the machine: the materials as blob: URLs, and Chromium's own PDF viewer with its built-in resources."""
    return ("blob:" + live_server.url, PDF_VIEWER, "chrome://resources/")


def viewport_shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The viewer covers the window: a picture of the window, not of the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def materials_loaded(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("document.querySelectorAll('.material[data-blob]').length === document.querySelectorAll('.material').length")


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/staff/login")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queue")


def test_a_district_reviewer_filters_views_the_materials_and_approves(cast, live_server, page_factory):
    page = page_factory(1440, 900)
    page.on("dialog", lambda dialog: dialog.accept())
    base = live_server.url

    page.goto(base + "/")
    page.click("text=工作人员登录")
    page.wait_for_selector("#id_username")
    page.fill("#id_username", "xihu.reviewer")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text(".form-error")
    screenshot(page, "20-staff-login-refused")
    page.fill("#id_username", "xihu.reviewer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#queue")

    # The queue opens on what waits for 西湖区, masked numbers, signal badges.
    assert page.locator(".status-tabs .tab.active").inner_text().startswith("待区县（产业）审核")
    assert page.locator(".queue-table tbody tr").count() == 5
    first = cast["applications"]["张晓明"]
    assert first.id_number not in page.content()
    assert page.locator(".signal.hard").count() == 1
    screenshot(page, "21-staff-queue")

    # Filter by level without a full reload (htmx), then by name.
    page.select_option("select[name=level]", "technician")
    page.wait_for_function("document.querySelectorAll('.queue-table tbody tr').length === 1")
    assert "王芳" in page.inner_text(".queue-table tbody")
    assert "level=technician" in page.url
    # Back to every level (a plain page load; the htmx filtering was shown just above).
    page.goto(live_server.url + "/staff/")
    page.wait_for_function("document.querySelectorAll('.queue-table tbody tr').length === 5")
    page.fill("input[name=q]", "张晓")
    page.press("input[name=q]", "Enter")
    page.wait_for_function(
        "document.querySelectorAll('.queue-table tbody tr').length === 1 && document.querySelector('.queue-table tbody').textContent.includes('张晓明')"
    )
    screenshot(page, "22-staff-queue-filtered")

    # The application: Annex 3 in full, the rules, the history.
    page.click(f"text={first.application_no}")
    page.wait_for_selector(".annex3")
    assert first.id_number in page.inner_text(".annex3")
    assert page.locator("ul.checks li.pass").count() == 6
    materials_loaded(page)
    screenshot(page, "23-staff-detail")

    # The viewer: open, zoom in, rotate, next, keyboard, close. Each material is fetched once.
    materials_loaded(page)
    assert AuditEvent.objects.filter(action="application.view_attachment", object_id=str(first.pk)).count() == 3
    page.click(".material >> nth=0")
    viewer = page.locator("#viewer")
    viewer.wait_for(state="visible")
    page.wait_for_function("document.querySelector('[data-viewer-img]').naturalWidth > 0")
    assert page.inner_text("#viewer-title") == "身份证（正反面）"
    fit = page.inner_text("[data-viewer-zoom]")
    page.click("[data-viewer=zoom-in]")
    page.click("[data-viewer=zoom-in]")
    assert int(page.inner_text("[data-viewer-zoom]").rstrip("%")) > int(fit.rstrip("%"))
    page.click("[data-viewer=rotate]")
    assert viewer.get_attribute("data-rotation") == "90"
    viewport_shot(page, "24-staff-viewer-zoom-rotate")
    page.click("[data-viewer=next]")
    page.wait_for_function("document.getElementById('viewer-title').textContent === '等级证书'")
    assert viewer.get_attribute("data-rotation") == "0"
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#viewer-title") == "银行卡"
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#viewer-title") == "身份证（正反面）"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('[data-viewer-img]').naturalWidth > 0")
    viewport_shot(page, "25-staff-viewer-certificate")
    page.keyboard.press("Escape")
    viewer.wait_for(state="hidden")
    assert AuditEvent.objects.filter(action="application.view_attachment", object_id=str(first.pk)).count() == 3

    # Approve: 预审 passes it to the city.
    page.check("input[name=decision][value=approve]")
    page.click(".decision-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "已通过" in page.inner_text(".flash-success")
    first.refresh_from_db()
    assert first.status == "pending_city"

    # 批量通过 the rest from the queue (the PDF one included).
    page.click("text=审核列表")
    page.wait_for_selector("#queue")
    page.check("[data-select-all]")
    assert page.inner_text("[data-selected-count]") == "已选 4 份"
    page.click("[data-bulk-submit]")
    page.wait_for_selector(".bulk-result")
    assert "通过 4 份" in page.inner_text(".bulk-result")
    screenshot(page, "26-staff-bulk-approved")
    assert set(Application.objects.filter(union__name="西湖区总工会").values_list("status", flat=True)) == {"pending_city"}

    # A PDF material opens inside the viewer.
    pdf_case = cast["applications"]["赵磊"]
    page.goto(f"{base}/staff/applications/{pdf_case.application_no}")
    page.click(".material >> nth=2")
    page.wait_for_selector("[data-viewer-frame]:not([hidden])")
    assert page.get_attribute("[data-viewer=open]", "href").endswith(f"/attachments/{pdf_case.attachments.get(kind='bank_card').pk}")
    assert page.get_attribute("[data-viewer-frame]", "src")
    assert page.locator("[data-viewer=rotate]").is_disabled()
    page.wait_for_timeout(800)
    viewport_shot(page, "27-staff-viewer-pdf")
    assert [url for url in page_factory.outside if not url.startswith(inside(live_server))] == []


def test_a_city_reviewer_returns_with_an_opinion_and_meets_a_hard_signal(cast, live_server, page_factory):
    page = page_factory(1366, 768)
    base = live_server.url
    sign_in(page, base, "city.reviewer")
    assert page.locator(".status-tabs .tab.active").inner_text().startswith("待市总终审")

    blocked = cast["city_cases"]["吴敏"]
    page.goto(f"{base}/staff/applications/{blocked.application_no}")
    assert page.locator("input[name=decision][value=approve]").is_disabled()
    assert "尚未处理的硬性风险信号" in page.inner_text(".decision-card")
    materials_loaded(page)
    screenshot(page, "28-staff-hard-signal")

    returned = cast["city_cases"]["周强"]
    page.goto(f"{base}/staff/applications/{returned.application_no}")
    # No opinion: said in Chinese on the page, before any request and before 不予奖励's confirmation.
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click(".decision-form button[type=submit]")
    assert page.inner_text("[data-decision-problem]") == "请先选择通过、退回修改或不予奖励。"
    page.check("input[name=decision][value=reject]")
    page.click(".decision-form button[type=submit]")
    assert page.inner_text("[data-decision-problem]") == "不予奖励时请填写审核意见，意见将告知申请人。"
    assert dialogs == [] and page.evaluate("document.activeElement.id") == "opinion"
    # With an opinion, 不予奖励 asks first, naming the year it closes (not “本年度”, read in a later year).
    page.fill("#opinion", "材料不符合要求。")
    page.click(".decision-form button[type=submit]")
    assert dialogs == [f"“不予奖励”将终结该申请，申请人不能再次申请{returned.campaign.year}年度奖励。确定吗？"]
    page.fill("#opinion", "")
    dialogs.clear()
    page.check("input[name=decision][value=return]")
    page.click(".decision-form button[type=submit]")
    assert page.inner_text("[data-decision-problem]") == "退回修改时请填写审核意见，意见将告知申请人。"
    returned.refresh_from_db()
    assert returned.status == "pending_city" and dialogs == []
    page.fill("#opinion", "银行卡照片不清晰，请重新上传本人名下银行卡的清晰照片。")
    assert page.locator("[data-decision-problem]").count() == 0
    page.click(".decision-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    returned.refresh_from_db()
    assert returned.status == "returned"
    assert "银行卡照片不清晰" in page.inner_text(".history")
    materials_loaded(page)
    screenshot(page, "29-staff-returned")

    # Not broken on a small laptop: nothing wider than the window.
    page.set_viewport_size({"width": 1024, "height": 700})
    for url in ("/staff/?status=", f"/staff/applications/{returned.application_no}"):
        page.goto(base + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024, url
    assert [url for url in page_factory.outside if not url.startswith(inside(live_server))] == []


def test_bulk_approve_names_what_it_approves_and_back_restores_no_tick(cast, live_server, page_factory):
    """批量通过 names each application chosen; the browser's Back then shows the changed list
    with nothing ticked (never other applications ticked by position)."""
    page = page_factory(1280, 900)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    sign_in(page, live_server.url, "xihu.reviewer")
    boxes = page.locator("input[name=application_no]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("[data-bulk-submit]")
    page.wait_for_selector(".bulk-result")
    first, second = cast["applications"]["张晓明"], cast["applications"]["李建国"]
    assert dialogs == [f"确定通过以下 2 份申请：\n{first.application_no} 张晓明、{second.application_no} 李建国？"]

    page.go_back()
    page.wait_for_selector("#queue")
    assert page.locator(".queue-table tbody tr").count() == 3  # the two approved have left the list
    page.wait_for_function("document.querySelectorAll('.queue-table input[type=checkbox]:checked').length === 0", timeout=3000)
    assert page.inner_text("[data-selected-count]") == "勾选本人审核环节的申请后可批量通过"
    assert page.locator("[data-bulk-submit]").is_disabled()
