"""The canary crawl (SECURITY.md 15, 17, 18): full personal numbers only where they may be.

Every ID, bank card and mobile number of the seeded world (applications online and batch in
every status, paid and payment_failed among them, payment lines, SMS outbox rows, members) is a
canary. Each role — the seven staff roles, and a worker with the applicant token and a worker
session — crawls every GET page and export of the URL list (seeded with every object the role
might open, then following the links of each HTML page), reading HTML, JSON, CSV, xlsx (every
XML part of the zip) and PDF (``pdftotext``; without it, the raw and inflated streams). The
administrator also crawls the Django admin. A full canary may appear only in

* the detail of an application and its Annex 3, for a reviewer (``sees_full_numbers``) whose
  subtree holds it, with an ``application.view_full`` / ``report.annex3`` audit entry of that view;
* Annex 4 for such a reviewer, audited ``report.annex4`` with ``full`` (DOMAIN.md §9: "Generated
  files that carry full numbers (bank files, Annex 3/4)");
* the refused rows of a batch import, for the union that uploaded them, audited;
* the bank file, for a finance officer: card numbers only, audited.

Nowhere else: not in lists, Annex 1/5 and the other exports, dashboards, payment pages, the audit
log's pages and entries, the Django admin, the SMS outbox's texts or the application log captured
during the whole run. The figures are printed: ``pages=N leaks=0``.

PDFs: the first of each kind per role is rendered by WeasyPrint and read back; the others are
checked on the HTML that WeasyPrint would have rendered (same template and context), which keeps
the run short.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import re
import shutil
import subprocess
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib import admin
from django.template.loader import render_to_string
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from rewards.applications.models import Application, Attachment
from rewards.core.errors import DomainError
from rewards.core.models import AuditEvent
from rewards.identity.services import staff_token_issue
from rewards.notifications.models import SmsMessage
from rewards.organisations.models import Role
from rewards.organisations.selectors import visible_organisations
from rewards.reports import renderers
from rewards.review.services import REVIEWER_ROLES, scoped_applications, sees_full_numbers
from rewards.web.worker import session as worker_session

from ._matrix import APPLICANT, EXPECTED, PRINCIPAL_USERS, assert_signed_in, path_kwargs
from .adversarial_world import HOST, Answer, Canary, World, anonymous, isolated, seed_world, send, url_patterns, world_transaction

pytestmark = pytest.mark.django_db

#: The crawlers: the seven staff roles (one user each) and the worker.
CRAWLERS = {role: PRINCIPAL_USERS[role] for role in (r.value for r in Role)}
#: Pages that are never followed: they end or start a session.
NOT_FOLLOWED = {"staff:logout", "staff:login", "staff:login_otp", "staff:login_enrol", "worker:signout", "worker:signin"}
#: A review form's address opened directly only goes back to the application's page (crawled itself).
NOT_FOLLOWED |= {"staff:decision", "staff:resolve_flag"}
#: Distinct URLs followed per route name and crawler (filters, pages, entries), beyond the seeds.
PER_ROUTE = 12
STAND_IN = b"%PDF-STAND-IN (the HTML WeasyPrint renders)\n"
PDF_METHOD = "pdftotext" if shutil.which("pdftotext") else "raw and inflated PDF streams"


# --- the world, with canaries in the audit log too ----------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), world_transaction():
        world = seed_world()
        # A number typed into the sign-in's user name and into a URL: the audit log keeps neither.
        with contextlib.suppress(DomainError):  # refused, and audited
            staff_token_issue(username=typed_numbers(world)[0], password="wrong")
        for number in typed_numbers(world):
            world.client_for("xihu.reviewer").get(reverse("staff:detail", kwargs={"no": number}))
            send(anonymous(), "GET", reverse("api:review-detail", kwargs={"no": number}), token=world.token_for("xihu.reviewer"))
        # The worker's own pages: a worker session of the applicant.
        worker = Client(HTTP_HOST=HOST)
        store = worker.session
        store[worker_session.SESSION_KEY] = world.applicant_member.id_hash
        store[worker_session.SEEN_KEY] = time.time()
        store.save()
        world.clients["worker"] = worker
        yield world


def typed_numbers(world: World) -> list[str]:
    """An ID, a card and a mobile number of the world, as a person might paste them anywhere."""
    return [next(c.number for c in world.canaries if c.kind == kind and c.application_no) for kind in ("id", "card", "mobile")]


# --- reading any answer -------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    if PDF_METHOD == "pdftotext":
        result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True)
        return result.stdout.decode("utf-8", "replace")
    parts = [content.decode("latin-1")]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(parts)


def readable(answer: Answer) -> tuple[str, str]:
    """(kind, text) of an answer: its headers and its content, whatever the format."""
    content = answer.content
    headers = " ".join(f"{key}: {value}" for key, value in answer.headers.items())
    if content.startswith(STAND_IN):
        return "pdf (html)", content.decode("utf-8", "replace")
    if content.startswith(b"%PDF-"):
        return "pdf", pdf_text(content) + headers
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith((".xml", ".rels"))]
        return "xlsx", "".join(parts) + headers
    if content[:3] in (b"\xff\xd8\xff", b"\x89PN"):
        return "image", content.decode("latin-1") + headers
    kind = answer.headers.get("Content-Type", "").split(";")[0] or "empty"
    return kind, html.unescape(content.decode("utf-8", "replace")) + headers


def found_canaries(text: str, canaries: list[Canary]) -> list[Canary]:
    joined = re.sub(r"(?<=\d)[\s\-\u00a0]+(?=\d)", "", text)  # 6222 0212 3456 7890 → one number
    squeezed = re.sub(r"\s+", "", text)  # table cells that wrap in a PDF
    return [canary for canary in canaries if canary.number in text or canary.number in joined or canary.number in squeezed]


# --- where a full number may be ------------------------------------------------------------------


@dataclass
class Allowance:
    numbers: set[str]
    audit_action: str  # the entry the view must have left


def allowance(world: World, crawler: str, route_name: str, kwargs: dict[str, Any], query: dict[str, str]) -> Allowance | None:
    """The canaries this crawler may see in this answer, and the audit entry that view needs."""
    if crawler not in CRAWLERS:
        return None
    user = world.users[CRAWLERS[crawler]]
    if user.pk not in SCOPE:
        numbers = set(scoped_applications(user).values_list("application_no", flat=True))
        SCOPE[user.pk] = {canary.number for canary in world.canaries if canary.application_no in numbers}
    in_scope = SCOPE[user.pk]
    if sees_full_numbers(user):
        if route_name in ("staff:detail", "api:review-detail"):
            return Allowance({c.number for c in world.canaries if c.application_no == kwargs.get("no")} & in_scope, "application.view_full")
        if route_name in ("staff:annex3", "api:review-annex3"):
            return Allowance({c.number for c in world.canaries if c.application_no == kwargs.get("no")} & in_scope, "report.annex3")
        if route_name in ("api:report-annex4-xlsx", "api:report-annex4-pdf") or (route_name == "staff:annex4" and query.get("download")):
            return Allowance(in_scope, "report.annex4")
        if route_name == "staff:batch_rejected":
            members = {canary.number for canary in world.canaries if not canary.application_no}
            return Allowance(members | in_scope, "batch.rejected_export")
    if user.role == Role.FINANCE_OFFICER and route_name == "api:payment-batch-file":
        return Allowance({c.number for c in world.canaries if c.kind == "card"}, "payment.file_download")
    return None


#: User → the canaries of the applications in its subtree.
SCOPE: dict[int, set[str]] = {}


# --- what to crawl ------------------------------------------------------------------------------


def _url(name: str, kwargs: dict[str, Any], query: dict[str, str] | None = None) -> str:
    url = reverse(name, kwargs=kwargs)
    return f"{url}?{urlencode(query)}" if query else url


def seeds(world: World, crawler: str) -> list[str]:
    """Every GET page and export this crawler may open, with every object it might open."""
    apps = list(Application.objects.order_by("application_no"))
    attachments = list(Attachment.objects.select_related("application").order_by("pk"))
    sampled = {world.apps["xihu_online_pending"].pk, world.apps["shangcheng_online_pending"].pk}
    orgs = list(world.orgs.values())
    urls: list[str] = []
    base = path_kwargs(world)
    for route in url_patterns():
        name = route.name
        if crawler == APPLICANT:
            if not (name.startswith("worker:") or (EXPECTED.get(name, {}).get("GET") and APPLICANT in EXPECTED[name]["GET"])):
                continue
        elif EXPECTED.get(name, {}).get("GET") is None or crawler not in EXPECTED[name]["GET"] or not name.startswith(("api:", "staff:")):
            continue
        if name in NOT_FOLLOWED:
            continue
        if "no" in route.params and name.startswith(("api:review", "staff:")) and "attachment_id" not in route.params:
            urls += [_url(name, {"no": app.application_no}) for app in apps]
        elif "attachment_id" in route.params:  # images: one application's of each union is enough
            urls += [
                _url(name, {"no": a.application.application_no, "attachment_id": a.pk}) for a in attachments if a.application_id in sampled
            ]
        elif name == "staff:batch_import" or name == "staff:batch_rejected":
            urls += [_url(name, {"import_id": item.pk}) for item in world.imports.values()]
        elif name in ("staff:payment_batch",):
            urls += [_url(name, {"batch_no": b.batch_no}) for b in (world.payment_sent, world.payment_built)]
            urls += [_url(name, {"batch_no": world.payment_sent.batch_no}, {"status": s}) for s in ("paid", "failed", "reversed")]
        elif name == "api:payment-batch-file":
            urls += [_url(name, {"no": b.batch_no}, {"format": f}) for b in (world.payment_sent,) for f in ("csv", "xlsx")]
        elif name in ("api:occupation-declaration",):
            urls += [_url(name, {"declaration_id": d.pk}) for d in world.declarations.values()]
        elif name in ("api:training-plan", "staff:training_edit"):
            urls += [_url(name, {"plan_id": p.pk}) for p in world.plans.values()]
        elif name in ("api:report-annex4-xlsx", "api:report-annex4-pdf"):
            urls += [_url(name, {}, {"org": org.name, "year": "2020", "per_unit": "1"}) for org in orgs if org.kind != "city"]
        elif name == "staff:annex4":
            urls.append(_url(name, {}))
            urls += [_url(name, {}, {"org": org.name, "download": fmt}) for org in orgs if org.kind != "city" for fmt in ("xlsx", "pdf")]
        elif name in ("api:report-annex5-xlsx", "api:report-annex5-pdf", "api:report-training-plans-xlsx", "staff:training_xlsx"):
            urls.append(_url(name, {}))
            urls += [_url(name, {}, {"union": org.name}) for org in orgs if org.kind == "district"]
        elif name == "staff:annex5":
            urls += [_url(name, {}, {"format": fmt}) for fmt in ("xlsx", "pdf")]
        elif name == "staff:progress_export":
            urls += [_url(name, {}, {"table": table}) for table in ("annex1", "level", "channel", "migrant", "occupation", "week", "all")]
        elif name == "staff:payment_report":
            urls += [_url(name, {}), _url(name, {}, {"download": "xlsx"})]
        elif name in ("staff:queue", "api:review-queue"):
            urls.append(_url(name, {}))
            urls += [
                _url(name, {}, {"status": status}) for status in ("paid", "payment_failed", "approved", "returned", "pending_district")
            ]
            urls += [_url(name, {}, {"q": app.name}) for app in apps[:3]]
        elif name == "staff:audit_entry":
            urls += [_url(name, {"entry_id": pk}) for pk in AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[:40]]
        elif name == "staff:audit":
            urls += [_url(name, {}), _url(name, {}, {"action": "access.denied"}), _url(name, {}, {"action": "staff.login_failed"})]
        elif route.params:
            try:
                urls.append(_url(name, base.get(name, {})))
            except NoReverseMatch:
                continue
        else:
            urls.append(_url(name, {}))
    if crawler == Role.ADMIN:
        urls.append("/admin/")
        for model in admin.site._registry:
            opts = model._meta
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            urls += [
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
                for pk in model._base_manager.order_by("-pk").values_list("pk", flat=True)[:3]
            ]
    return list(dict.fromkeys(urls))


LINK = re.compile(r"""(?:href|src|hx-get)=["']([^"'#]+)""")


def links(text: str) -> list[str]:
    found = []
    for raw in LINK.findall(text):
        url = html.unescape(raw)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != HOST:
            continue
        if parts.path.startswith(("/staff/", "/api/v1/", "/worker/", "/admin/")):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def route_of(url: str) -> tuple[str, dict[str, Any]] | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name, match.kwargs


# --- the crawl ----------------------------------------------------------------------------------


@dataclass
class PdfRendering:
    real: bool = True


def test_full_numbers_appear_only_in_audited_full_views(world, monkeypatch, caplog, capsys, record_property):  # type: ignore[no-untyped-def]
    rendering = PdfRendering()
    real_pdf = renderers.pdf

    def pdf(template_name: str, context: dict[str, Any]) -> bytes:
        if rendering.real:
            return real_pdf(template_name, context)
        return STAND_IN + render_to_string(template_name, {"serif": renderers.SERIF, "sans": renderers.SANS, **context}).encode()

    monkeypatch.setattr(renderers, "pdf", pdf)
    caplog.set_level(logging.DEBUG)
    canaries = world.canaries
    with isolated():  # numbers typed where an application number goes: 404, logged without them
        for number in typed_numbers(world):
            world.client_for("xihu.reviewer").get(reverse("staff:detail", kwargs={"no": number}))
            send(anonymous(), "GET", reverse("api:review-detail", kwargs={"no": number}), token=world.token_for("xihu.reviewer"))
    failures: list[str] = []
    figures: Counter[str] = Counter()
    full_views = 0
    rendered: set[tuple[str, bool]] = set()  # WeasyPrint once per kind of PDF, masked and full
    crawlers = [*CRAWLERS, APPLICANT]
    for crawler in crawlers:
        queue = seeds(world, crawler)
        seen: set[str] = set(queue)
        per_route: Counter[str] = Counter()
        while queue:
            url = queue.pop(0)
            found_route = route_of(url)
            name, kwargs = found_route if found_route else ("?", {})
            query = dict(pair.split("=", 1) for pair in urlsplit(url).query.split("&") if "=" in pair)
            pdf_key = (name.split(":")[-1].replace("-", "_"), crawler in REVIEWER_ROLES)
            rendering.real = pdf_key not in rendered
            with isolated():
                before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                answer = _get(world, crawler, name, url)
                kind, text = readable(answer)
                new_audit = list(AuditEvent.objects.filter(pk__gt=before).values_list("action", "object_id", "detail"))
            if kind == "pdf":
                rendered.add(pdf_key)
            figures["pages"] += 1
            figures[kind] += 1
            if answer.status >= 500:
                failures.append(f"{crawler} GET {url}: {answer.status} {answer.error}")
            shown = found_canaries(text, canaries)
            allowed = allowance(world, crawler, name, kwargs, query)
            if shown:
                permitted = allowed.numbers if allowed else set()
                bad = [canary for canary in shown if canary.number not in permitted]
                for canary in bad:
                    failures.append(
                        f"{crawler} GET {url} ({name}, {kind}): the full {canary.kind} number of {canary.application_no or 'a member'}"
                    )
                if allowed and not bad:
                    full_views += 1
                    if not any(action == allowed.audit_action for action, _, _ in new_audit):
                        failures.append(f"{crawler} GET {url} ({name}): full numbers shown without a {allowed.audit_action} audit entry")
                figures["leaks"] += bool(bad)
            if answer.status == 200 and kind.startswith("text/html"):
                for link in links(text):
                    target = route_of(link)
                    if link in seen or target is None or target[0] in NOT_FOLLOWED:
                        continue
                    if target[0] not in EXPECTED and not target[0].startswith(("worker:", "admin:")):
                        continue
                    if per_route[target[0]] >= PER_ROUTE:
                        continue
                    per_route[target[0]] += 1
                    seen.add(link)
                    queue.append(link)
    # The outbox's texts, the audit log and the application log of the whole run.
    for message in SmsMessage.objects.all():
        for canary in found_canaries(message.text + " " + str(message.params), canaries):
            failures.append(f"SMS {message.template} #{message.pk}: the full {canary.kind} number of {canary.application_no or 'a member'}")
            figures["leaks"] += 1
    for entry in AuditEvent.objects.all():
        for canary in found_canaries(f"{entry.actor_label} {entry.object_id} {entry.detail}", canaries):
            failures.append(f"audit entry #{entry.pk} {entry.action}: the full {canary.kind} number")
            figures["leaks"] += 1
    for record in caplog.records:
        line = record.getMessage() + (record.exc_text or "")
        for canary in found_canaries(line, canaries):
            failures.append(f"log {record.name} {record.levelname}: the full {canary.kind} number in {line[:120]!r}")
            figures["leaks"] += 1
    summary = (
        f"canary crawl: pages={figures['pages']} leaks={figures['leaks']} (crawlers={len(crawlers)}, canaries={len(canaries)}, "
        f"audited full views={full_views}, html={figures['text/html']}, json={figures['application/json']}, "
        f"xlsx={figures['xlsx']}, pdf={figures['pdf']} read by {PDF_METHOD} + {figures['pdf (html)']} as their HTML, "
        f"csv={figures['text/csv']}, sms={SmsMessage.objects.count()}, log records={len(caplog.records)})"
    )
    assert_signed_in(world)  # every crawler was still signed in at the end
    with isolated():
        assert send(world.clients["worker"], "GET", reverse("worker:mine")).status == 200
    record_property("canary_pages", figures["pages"])
    record_property("canary_leaks", figures["leaks"])
    with capsys.disabled():
        print(f"\n{summary}")
    assert figures["pages"] > 500 and full_views > 0 and all(figures[kind] for kind in ("xlsx", "pdf", "text/csv", "application/json")), (
        summary
    )
    assert not failures, f"{summary}\n" + "\n".join(failures)


def _get(world: World, crawler: str, name: str, url: str) -> Answer:
    if crawler == APPLICANT:
        if name.startswith("api:"):
            return send(anonymous(), "GET", url, token=world.applicant_token)
        return send(world.clients["worker"], "GET", url)
    username = CRAWLERS[crawler]
    if name.startswith("api:"):
        return send(anonymous(), "GET", url, token=world.token_for(username))
    return send(world.client_for(username), "GET", url)


def test_reviewers_see_full_numbers_only_in_their_subtree(world):  # type: ignore[no-untyped-def]
    """The allowance above relies on this: a reviewer's full view is of its own subtree only."""
    everything = Application.objects.count()
    for role in REVIEWER_ROLES:
        user = world.users[CRAWLERS[role]]
        visible = set(visible_organisations(user).values_list("pk", flat=True))
        seen = list(scoped_applications(user))
        assert seen, role  # each reviewer has applications to see here
        if user.organisation.parent_id is not None:  # below the city: another union's stay out
            assert len(seen) < everything, role
        for app in seen:
            assert app.union_id in visible or app.submitting_org_id in visible
