"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import functools
import os
import secrets
import time
from pathlib import Path

import pytest
from PIL import Image

from rewards.campaigns.services import campaign_load_notice
from rewards.organisations.selectors import organisation_by_name
from tests import factories

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
# the test itself are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
]
#: One throwaway password for every staff account the browser tests create (never a literal).
STAFF_PASSWORD = "Tb-" + secrets.token_urlsafe(12)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "需要 Debian 的 chromium 软件包（make test 以 root 运行时会自动安装）"
    with sync_playwright() as playwright:
        # The browser's own controls (a file button, a date box) in Chinese as a union's browsers
        # show them: Chromium reads its interface language from the environment (Debian's
        # chromium-l10n holds the translations; without it they stay English).
        # LANGUAGE alone: a zh_CN.UTF-8 locale is not generated here, and a missing one leaves
        # Chromium unable to name a download in Chinese.
        environment = {**os.environ, "LANGUAGE": "zh_CN"}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=environment)
        yield browser
        browser.close()


#: Chromium's console text for anything the Content-Security-Policy refused, and what the page
#: itself reports through the ``securitypolicyviolation`` event (SECURITY.md 11).
CSP_MARKERS = ("Content Security Policy", "CSP violation")
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " " + (event.blockedURI || "inline") + " at " + event.documentURI);
});
"""


def wait_for_function_without_eval(page, expression: str, *, arg=None, timeout: float | None = None, polling=None):  # type: ignore[no-untyped-def]
    """``page.wait_for_function`` for pages under the CSP: Playwright's own compiles the predicate
    with ``new Function`` inside the page, which ``script-src 'self'`` (no 'unsafe-eval') refuses.
    ``page.evaluate`` goes through the DevTools protocol, which the page's CSP does not govern."""
    from playwright.sync_api import Error, TimeoutError

    deadline = time.monotonic() + (30_000 if timeout is None else timeout) / 1000
    while True:
        try:
            if page.evaluate(expression, arg):
                return None
        except Error as exc:  # a navigation replaced the document while polling: try again
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"等待页面条件超时：{expression}")
        page.wait_for_timeout(polling if isinstance(polling, int | float) else 50)


@pytest.fixture
def page_factory(browser, live_server):  # type: ignore[no-untyped-def]
    """New pages that record every request leaving the test server (there must be none) and
    every Content-Security-Policy violation (there must be none: the test fails at teardown)."""
    contexts = []
    outside: list[str] = []
    csp_violations: list[str] = []

    def make(width: int = 1280, height: int = 900, *, phone: bool | None = None):  # type: ignore[no-untyped-def]
        # A narrow page is a phone: touch and a coarse pointer (the camera buttons show), as a
        # worker's phone has them, not a desktop browser made narrow.
        phone = width <= 480 if phone is None else phone
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=phone, has_touch=phone, device_scale_factor=1
        )
        contexts.append(context)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()

        def note(request):  # type: ignore[no-untyped-def]
            # data: and blob: URLs are made inside the page (a preview, a photo made smaller).
            if not request.url.startswith((live_server.url, "data:", "blob:")):
                outside.append(request.url)

        def console(message):  # type: ignore[no-untyped-def]
            if message.type == "error" and any(marker in message.text for marker in CSP_MARKERS):
                csp_violations.append(f"{page.url}: {message.text}")

        page.on("request", note)
        page.on("console", console)
        page.wait_for_function = functools.partial(wait_for_function_without_eval, page)  # type: ignore[method-assign]
        return page

    make.outside = outside  # type: ignore[attr-defined]
    make.csp_violations = csp_violations  # type: ignore[attr-defined]
    yield make
    for context in contexts:
        context.close()
    assert not csp_violations, "Content-Security-Policy 拦截了页面内容：\n" + "\n".join(csp_violations)


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


WIDTH, HEIGHT = 360, 740


@pytest.fixture
def member(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.APP_TODAY = "2020-10-15"
    private = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": private}}
    settings.SHOW_DEMO_BANNER = True
    # SMS stay in the outbox unsent, so the code is still in the row's params (delivery redacts it).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    campaign_load_notice(year=2020)
    xihu = organisation_by_name("西湖区总工会")
    return factories.make_member(
        union=xihu, name="张晓明", id_number="330106198503150016", phone="13957187919", employer="杭州西湖精密机械有限公司"
    )


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    """Three small generated JPEGs standing in for the phone's photos."""
    paths = {}
    for name, colour in (("id_card", (214, 196, 160)), ("certificate", (170, 40, 40)), ("bank_card", (30, 80, 160))):
        path = tmp_path / f"{name}.jpg"
        image = Image.new("RGB", (480, 300), colour)
        for x in range(40, 440):
            for y in (60, 61, 150, 151, 240, 241):
                image.putpixel((x, y), (255, 255, 255))
        image.save(path, "JPEG", quality=85)
        paths[name] = path
    return paths


def fits(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing overflows the phone's width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def fill_application(page, *, certificate_no: str, bank_card: str) -> None:  # type: ignore[no-untyped-def]
    """What a worker types on the application form (name, ID, union come from the registry)."""
    page.fill("#id_education", "高中")
    page.fill("#id_occupation", "车工")
    page.select_option("#id_new_level", "senior_worker")
    page.fill("#id_certificate_no", certificate_no)
    page.fill("#id_certificate_issue_date", "2020-06-30")
    page.select_option("#id_issuer", "hr_hangzhou")
    page.fill("#id_bank_card_no", bank_card)
    page.fill("#id_bank_branch", "中国工商银行杭州西湖支行")


def choose_files(page, photos: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    for kind, path in photos.items():
        page.set_input_files(f"#id_{kind}_file", str(path))
        page.wait_for_selector(f"#preview-id_{kind}_file img")


def fill_self_check(page, member, *, issued: str) -> None:  # type: ignore[no-untyped-def]
    """The worker's self-check form for ``member``: a 高级工 certificate of the Hangzhou HR bureau
    (车工) issued on ``issued``."""
    page.fill("#id_name", member.name)
    page.fill("#id_id_number", member.id_number)
    page.select_option("#id_new_level", "senior_worker")
    page.fill("#id_certificate_issue_date", issued)
    page.select_option("#id_issuer", "hr_hangzhou")
    page.fill("#id_occupation", "车工")
