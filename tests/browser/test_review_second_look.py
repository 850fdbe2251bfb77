"""The review pages with the keyboard and a reader's eye: a long scan opens readable and scrolls
with the arrow keys, the viewer keeps the rest of the page out of reach while it is open, a PDF
says which keys are its own, a decision made with the keyboard only is sent once however often
its button is pressed, and the active status tab's count is legible (WCAG AA, 4.5:1)."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rewards.applications.models import Application
from rewards.applications.services import application_submit
from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.models import Role
from rewards.organisations.selectors import organisation_by_name
from rewards.organisations.services import staff_create
from rewards.review.flags import ensure_signals
from rewards.web.staff import views
from tests import factories

from .conftest import STAFF_PASSWORD
from .test_review_flow import material, materials_loaded, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The WCAG contrast ratio of an element's text against what is behind it, layers of partly
#: transparent backgrounds composed over white.
CONTRAST = """(element) => {
  function parse(text) { const p = text.match(/[\\d.]+/g).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
  const layers = [];
  for (let node = element; node; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) { break; } }
  }
  let back = [255, 255, 255];
  for (let i = layers.length - 1; i >= 0; i--) { const c = layers[i]; back = back.map((v, k) => c[k] * c[3] + v * (1 - c[3])); }
  const fore = parse(getComputedStyle(element).color);
  function lum(c) { const a = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; }
  const [l1, l2] = [lum(fore), lum(back)];
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}"""


@pytest.fixture
def long_scan(settings):  # type: ignore[no-untyped-def]
    """One 西湖区 application whose certificate is a 1000 × 7000 scan and whose bank card is a PDF."""
    settings.APP_TODAY = "2020-10-15"
    campaign, _ = campaign_load_notice(year=2020)
    xihu = organisation_by_name("西湖区总工会")
    staff_create(username="xihu.reviewer", role=Role.DISTRICT_REVIEWER, organisation=xihu, password=STAFF_PASSWORD)
    member = factories.make_member(union=xihu, name="王建国")
    data = factories.annex3(member)
    factories.register_certificate(member, data)
    files = {
        "id_card_file": SimpleUploadedFile(
            "id.jpg", material("居民身份证", ["王建国"], size=(900, 1100), tint=(30, 90, 160)), "image/jpeg"
        ),
        "certificate_file": SimpleUploadedFile(
            "cert.jpg", material("职业资格证书（长图）", ["第1页"], size=(1000, 7000), tint=(150, 60, 30)), "image/jpeg"
        ),
        "bank_card_file": SimpleUploadedFile(
            "card.pdf", material("银行卡", ["中国工商银行"], size=(856, 540), tint=(20, 110, 70), kind="PDF"), "application/pdf"
        ),
    }
    application = application_submit(campaign=campaign, data=data, files=files, applicant_id_hash=member.id_hash).application
    ensure_signals(application)
    return application


def test_a_long_scan_opens_readable_and_the_viewer_keeps_the_page_out_of_reach(long_scan, live_server, page_factory):
    page = page_factory(1366, 768)
    base = live_server.url
    sign_in(page, base, "xihu.reviewer")
    page.goto(f"{base}/staff/applications/{long_scan.application_no}")
    materials_loaded(page)
    page.click(".material >> nth=1")
    page.wait_for_function("document.querySelector('[data-viewer-img]').naturalWidth > 0")
    assert page.inner_text("#viewer-title") == "等级证书"
    # Fitted whole it would be 9 % (94 pixels wide): it fills the width at no more than 100 %,
    # from its top, and the arrow keys move down it.
    assert page.inner_text("[data-viewer-zoom]") == "100%"
    stage = page.locator("[data-viewer-stage]")
    assert stage.evaluate("(s) => s.scrollTop") == 0 and stage.evaluate("(s) => s.scrollHeight") > 6000
    page.keyboard.press("PageDown")
    page.keyboard.press("ArrowDown")
    assert stage.evaluate("(s) => s.scrollTop") > 500
    # An ordinary portrait scan still fits the window whole.
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.getElementById('viewer-title').textContent === '身份证（正反面）'")
    page.wait_for_function("document.querySelector('[data-viewer-img]').naturalWidth === 900")
    assert int(page.inner_text("[data-viewer-zoom]").rstrip("%")) < 100

    # The rest of the page is inert: Tab goes round the viewer's tools only.
    assert page.evaluate("document.querySelector('.site-header').inert && document.querySelector('main, .staff-main').inert")
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("document.activeElement.closest('#viewer') !== null"))
    assert seen == {True}
    # The PDF: its own keys, said so; back to images, the image help again.
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector("[data-viewer-frame]:not([hidden])")
    assert page.locator("[data-viewer-help=pdf]").is_visible() and not page.locator("[data-viewer-help=image]").is_visible()
    assert "请点“✕ 关闭”" in page.inner_text("[data-viewer-help=pdf]")
    page.keyboard.press("ArrowRight")
    assert page.locator("[data-viewer-help=image]").is_visible()
    page.keyboard.press("Escape")
    page.locator("#viewer").wait_for(state="hidden")
    assert not page.evaluate("document.querySelector('.site-header').inert")
    assert page.evaluate("document.activeElement.matches('.material')")

    # The count on the active status tab (white on a light tint of the brand colour was 4.1:1).
    page.goto(f"{base}/staff/")
    assert page.locator(".status-tabs .tab.active .count").evaluate(CONTRAST) >= 4.5


def test_a_decision_with_the_keyboard_only_is_sent_once(long_scan, live_server, page_factory, monkeypatch):
    # A slow answer (a busy server): the page is still on its way when the button is pressed again.
    slow_decide = views.review_decide

    def review_decide(**kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        return slow_decide(**kwargs)

    monkeypatch.setattr(views, "review_decide", review_decide)
    page = page_factory(1920, 1080)
    base = live_server.url
    sign_in(page, base, "xihu.reviewer")
    page.goto(f"{base}/staff/applications/{long_scan.application_no}")
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    # Tab to the decision: the first radio of the group, Space chooses it, Tab to the button.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name === 'decision'"):
            break
    # 需重新上传 is for 退回修改 alone: disabled until it is chosen, so Tab passes over it.
    again = "document.querySelector('fieldset.again-choices').disabled"
    assert page.evaluate(again) is True
    page.check("input[name=decision][value=return]")
    assert page.evaluate(again) is False
    page.check("input[name=decision][value=approve]")
    assert page.evaluate(again) is True
    page.focus("input[name=decision][value=approve]")
    page.keyboard.press("Space")
    assert page.evaluate("document.querySelector('input[name=decision]:checked').value") == "approve"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "opinion"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "提交决定"
    # Enter, and again while the answer is on its way: one request, one decision.
    button = page.locator(".decision-form button[type=submit]")
    box = button.bounding_box()
    assert box is not None
    button.press("Enter", no_wait_after=True)  # it has the focus
    page.wait_for_timeout(200)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".flash-success")
    assert len(posts) == 1
    assert Application.objects.get(pk=long_scan.pk).events.filter(decision="approve").count() == 1


def settled(page) -> None:  # type: ignore[no-untyped-def]
    """No answer on its way and none being drawn. No pause after it: a redraw settles at once, the
    new controls wired in the same task, so a key pressed the next moment is already heard (it was
    not, for htmx's 20 ms settle, and a third quick ArrowDown went unsent)."""
    page.wait_for_function("!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_the_queue_keeps_the_keyboard_where_it_was_when_it_is_redrawn(long_scan, live_server, page_factory):
    """The filters, the search and the status tabs redraw the list in place (htmx): the focus
    stays on the control used, not thrown back to the top of the page."""
    page = page_factory(1366, 768)
    sign_in(page, live_server.url, "xihu.reviewer")
    page.focus("select[name=level]")
    for _ in range(3):  # 高级技师, 技师, 高级工: each choice made with the keyboard redraws the list at once
        page.keyboard.press("ArrowDown")
    page.wait_for_url("**level=senior_worker**")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'level'")
    settled(page)
    # The address, the select and the list all on the last choice: nothing earlier drawn over it.
    assert "level=senior_worker" in page.url and page.input_value("#filter-level") == "senior_worker"
    assert page.locator(".queue-table tbody tr").count() == 1 and page.inner_text(".result-count") == "共 1 份"
    assert "王建国" in page.inner_text(".queue-table tbody") and "高级工" in page.inner_text(".queue-table tbody")
    page.focus("input[name=q]")
    page.keyboard.type("王建")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=%E7%8E%8B%E5%BB%BA**")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'q'")
    settled(page)
    page.focus("#tab-all")
    page.keyboard.press("Enter")
    page.wait_for_url("**status=&**")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'tab-all'")
    assert page.locator(".queue-table tbody tr").count() == 1 and "王建国" in page.inner_text(".queue-table tbody")
