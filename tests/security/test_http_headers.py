"""SECURITY.md 11: every page and API answer carries a Content-Security-Policy allowing only this
origin (no inline script or style), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``,
``X-Frame-Options``/``frame-ancestors``, ``Permissions-Policy`` and
``Cross-Origin-Opener-Policy``; every answer except a few public ones is ``Cache-Control:
no-store``; cookies are HttpOnly and SameSite; forms need their CSRF token. The browser tests
(tests/browser/test_security_csp_mfa.py and every test under tests/browser) fail on any CSP
violation; here the headers and the templates are checked without a browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from rewards.web.security import PUBLIC_PATHS

from .staff_helpers import api_token, bearer, web_client, web_login

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    parts = (p.strip() for p in header.split(";"))
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else "" for part in parts if part}  # sandbox has no value


def assert_hardened(response, *, cacheable: bool = False) -> None:  # type: ignore[no-untyped-def]
    assert policy(response) == EXPECTED_CSP, response.wsgi_request.path
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    if not cacheable:
        assert "no-store" in response.get("Cache-Control", ""), response.wsgi_request.path


@pytest.fixture
def reviewer_page(xihu_reviewer) -> Client:
    client = web_client()
    web_login(client, "xihu.reviewer")
    return client


def test_staff_pages_carry_every_header(reviewer_page, business_day):
    for url in ("/staff/", "/staff/account/", "/staff/account/password", "/staff/batch/", "/staff/reports/annex4"):
        response = reviewer_page.get(url)
        assert response.status_code == 200, url
        assert_hardened(response)
    assert_hardened(web_client().get("/staff/login"))


def test_worker_pages_and_the_administration_carry_every_header(administrator, campaign, business_day):
    client = web_client()
    for url in ("/worker/", "/worker/signin", "/worker/status", "/worker/check"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hardened(response)
    admin = web_client()
    web_login(admin, "admin")
    for url in ("/admin/", "/admin/organisations/staffuser/", "/admin/organisations/staffuser/add/"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert_hardened(response)


def test_api_answers_with_personal_data_are_not_stored(xihu_reviewer, campaign):
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    client = web_client()
    for response in (
        client.get("/api/v1/review/applications", **bearer(token)),
        client.post("/api/v1/auth/token", {"username": "x", "password": "y"}, content_type="application/json"),
        client.post("/api/v1/applications/query", {"id_number": "x", "query_password": "y"}, content_type="application/json"),
    ):
        assert_hardened(response)


def test_only_the_public_answers_may_be_cached(campaign):
    client = web_client()
    assert {"/", "/api/v1/health", "/api/v1/campaigns/current", "/api/v1/openapi.json", "/api/v1/docs"} == PUBLIC_PATHS
    for path in ("/api/v1/health", "/api/v1/campaigns/current", "/"):
        response = client.get(path)
        assert response.status_code == 200
        assert_hardened(response, cacheable=True)
        assert "no-store" not in response.get("Cache-Control", "")


def test_a_material_may_be_framed_by_this_site_only(reviewer_page, campaign, business_day, member):
    from tests.web.test_staff_pages import submit

    application = submit(campaign, member)
    attachment = application.attachments.first()
    response = reviewer_page.get(f"/staff/applications/{application.application_no}/attachments/{attachment.pk}")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert policy(response)["frame-ancestors"] == "'self'"
    assert "no-store" in response["Cache-Control"]
    # Opened on its own, a material loads and runs nothing (rewards.applications.serving).
    assert policy(response)["default-src"] == "'none'" and "sandbox" in policy(response) and "script-src" not in policy(response)
    assert response["Content-Disposition"].startswith("inline;") and response["X-Content-Type-Options"] == "nosniff"
    token = api_token(web_client(), "xihu.reviewer").json()["token"]
    url = f"/api/v1/review/applications/{application.application_no}/attachments/{attachment.pk}"
    answer = web_client().get(url, **bearer(token))
    assert answer.status_code == 200 and policy(answer)["frame-ancestors"] == "'none'" and policy(answer)["default-src"] == "'none'"
    assert "no-store" in answer["Cache-Control"] and answer["X-Content-Type-Options"] == "nosniff"


def test_the_api_documentation_allows_inline_styles_and_nothing_else():
    """Swagger UI injects <style> elements; its page is public and holds no personal data."""
    response = web_client().get("/api/v1/docs")
    assert response.status_code == 200
    assert policy(response) == {**EXPECTED_CSP, "style-src": "'self' 'unsafe-inline'"}
    assert "<script>" not in response.text.replace(" ", "")  # its start-up script is a file


def test_session_and_csrf_cookies_and_csrf_enforcement(xihu_reviewer):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    page = client.get("/staff/login")
    csrf = client.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"
    refused = client.post("/staff/login", {"username": "xihu.reviewer", "password": "correct-horse-battery-2020"})
    assert refused.status_code == 403  # no token: refused before any password check
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    done = client.post(
        "/staff/login", {"username": "xihu.reviewer", "password": "correct-horse-battery-2020", "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302
    session = client.cookies["sessionid"]
    assert session["httponly"] is True and session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"] is True and csrf["samesite"] == "Lax"  # no script reads it: forms carry the token


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>"  # an inline script
    r"|\son[a-z]+\s*="  # an event handler attribute (onclick=…)
    r"|\sstyle\s*="  # a style attribute
    r"|<style"  # a style element
    r"|javascript:"  # a javascript: URL
    r"|hx-on",  # htmx handlers (evaluated code)
    re.IGNORECASE,
)


def test_no_template_holds_inline_script_or_style():
    """What the CSP would block in a browser, found in the source: every template served as a
    page (the printed annexes are rendered by WeasyPrint on the server and are not pages)."""
    found = []
    for template in sorted((ROOT / "rewards").glob("*/templates/**/*.html")):
        if "reports/templates" in template.as_posix():
            continue
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
            if INLINE.search(line):
                found.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_no_static_script_builds_markup_with_inline_handlers_or_eval():
    found = []
    for script in sorted((ROOT / "rewards" / "web" / "static").rglob("*.js")):
        text = script.read_text(encoding="utf-8")
        for pattern in (
            r"\beval\(",
            r"new Function\(",
            r"setAttribute\(\s*[\"']on",
            r"setAttribute\(\s*[\"']style",
            r"\son[a-z]+=\\?[\"']",
        ):
            if re.search(pattern, text):
                found.append(f"{script.relative_to(ROOT)}: {pattern}")
    assert not found, "\n".join(found)
