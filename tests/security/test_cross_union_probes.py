"""Cross-union probes and mass assignment (SECURITY.md 1 and 4).

**Probes.** Every URL of the resolver that names an object — an application, its materials, its
signals, its Annex 3, a batch import, a payment batch or line, an occupation declaration, a
training plan — and every list or export that takes a ``union`` or ``org`` parameter is tried
with objects of 上城区总工会 by 西湖区's district reviewer and grassroots clerk, with every verb.
Each answer must be:

* 404 for an object URL (403 when the role may not use that endpoint at all, 405 for a verb the
  view does not have), and the same status as for an object that does not exist (no oracle);
* for a list or export parameter: the same refusal as for a name that does not exist, or the
  parameter ignored (2xx) — never 上城区's rows;
* never any of 上城区's data: its application numbers, applicants' names, ID, card and mobile
  numbers (full or masked), its declarations' and plans' own words;
* a 404 (or any refusal of a parameter outside the caller's subtree) leaves an
  ``access.denied`` audit entry of the caller.

A URL with an object parameter that :func:`object_probes` does not know fails the run (list and
export parameters are not in the resolver: :func:`parameter_probes` names them). The figures are
printed and recorded as test properties: ``probes=N leaks=0`` (a leak: any answer but the expected
refusal — data shown, another status, an existence oracle), and the 404s without an audit entry.

**Mass assignment.** Bodies carrying server-owned fields (status, amount, union, organisation,
submitting_org, application_no, id_hash, created_by, decided_by, paid_at, role …) are sent to
every create and update endpoint; the database afterwards holds the server's values.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from rewards.applications.models import Application, Flag
from rewards.batches.models import BatchImport
from rewards.campaigns.models import Campaign, OccupationDeclaration
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.memo import clear_all
from rewards.core.models import AuditEvent
from rewards.identity.services import otp_request, otp_verify
from rewards.notifications.models import SmsMessage
from rewards.payments.models import PaymentBatch
from rewards.payments.services import payment_batch_cancel
from rewards.reports import renderers
from rewards.training.models import TrainingPlan
from tests import factories
from tests.batches.sheets import row_for

from .adversarial_world import (
    DECLARATION_DAY,
    XIHU_EMPLOYER,
    Answer,
    World,
    anonymous,
    isolated,
    materials,
    seed_world,
    send,
    sheet,
    url_patterns,
    world_transaction,
)
from .test_access_matrix import CLERK, DISTRICT, EXPECTED, assert_signed_in

pytestmark = pytest.mark.django_db

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PROBERS = {DISTRICT: "xihu.reviewer", CLERK: "xihu.clerk"}
MISSING_NAME = "不存在的测试工会"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), world_transaction():
        yield seed_world()


@pytest.fixture(autouse=True)
def _quick_pdfs(monkeypatch):  # type: ignore[no-untyped-def]
    """What a refused caller gets is judged here; real PDFs are read by the canary crawl."""
    monkeypatch.setattr(renderers, "pdf", lambda template, context: b"%PDF-1.7 stub")


# --- what may not leak ----------------------------------------------------------------------


def foreign_markers(world: World) -> dict[str, str]:
    """Text that only 上城区's objects hold → what it is."""
    xihu_names = {app.name for key, app in world.apps.items() if key.startswith("xihu")}
    markers: dict[str, str] = {}
    for key, app in world.apps.items():
        if not key.startswith("shangcheng"):
            continue
        markers[app.application_no] = f"application number of {key}"
        if app.name not in xihu_names:
            markers[app.name] = f"applicant's name of {key}"
        for number, masked in (
            (app.id_number, mask_id_number(app.id_number)),
            (app.bank_card_no, mask_bank_card(app.bank_card_no)),
            (app.phone, mask_phone(app.phone)),
        ):
            markers[number] = f"a personal number of {key}"
            markers[masked] = f"a masked personal number of {key}"
    markers[world.declarations["shangcheng"].reason] = "上城区's declaration"
    markers[world.plans["shangcheng"].occupation] = "上城区's training plan"
    for line_key, line in world.lines.items():
        if line_key.startswith("shangcheng"):
            markers[line.reference] = f"payment reference of {line_key}"
    return markers


def leaked(answer: Answer, markers: dict[str, str], asked: str) -> list[str]:
    """The markers in the answer that the caller did not send itself (an echo is no leak)."""
    text = answer.text()
    if answer.content[:2] == b"PK":  # an xlsx: its shared strings
        text += _xlsx_text(answer.content)
    return [f"{what} ({marker})" for marker, what in markers.items() if marker in text and marker not in asked]


def _xlsx_text(content: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml"))


def entered_for(org: Any) -> int:
    """Applications and imports entered for ``org`` (a grassroots union)."""
    return Application.objects.filter(submitting_org=org).count() + BatchImport.objects.filter(org=org).count()


def denials(username: str) -> int:
    return AuditEvent.objects.filter(action="access.denied", actor__username=username).count()


# --- the probes -------------------------------------------------------------------------------


@dataclass
class Probe:
    """One URL naming 上城区's object, and its twin naming an object that does not exist."""

    name: str
    kwargs: dict[str, Any]
    missing: dict[str, Any]
    query: dict[str, str] = field(default_factory=dict)
    missing_query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def is_parameter(self) -> bool:
        """A list or export asked for another union by name (not an object in the path)."""
        return bool(self.query) or "org" in self.body


def object_probes(world: World) -> list[Probe]:
    apps = {key: app for key, app in world.apps.items() if key.startswith("shangcheng")}
    pending = apps["shangcheng_online_pending"]
    flag = Flag.objects.filter(application=pending).values_list("code", flat=True).first()
    attachments = list(pending.attachments.values_list("pk", flat=True))
    assert flag and attachments
    nobody = {"no": "2020999999"}
    probes: list[Probe] = []
    for app in apps.values():
        no = {"no": app.application_no}
        for name in (
            "api:review-detail",
            "api:review-decision",
            "api:review-annex3",
            "api:review-resubmit",
            "staff:detail",
            "staff:decision",
            "staff:annex3",
            "staff:batch_resubmit",
        ):
            body = {"decision": "return", "opinion": "越权"} if name.endswith("decision") else {}
            probes.append(Probe(name, no, nobody, body=body))
        for name, param in (("api:review-flag-resolve", "flag"), ("staff:resolve_flag", "code")):
            probes.append(Probe(name, {**no, param: flag}, {**nobody, param: flag}, body={"note": "越权处理"}))
    for attachment in attachments:
        for name in ("api:review-attachment", "staff:attachment"):
            probes.append(
                Probe(
                    name,
                    {"no": pending.application_no, "attachment_id": attachment},
                    {"no": "2020999999", "attachment_id": attachment},
                )
            )
    imported = world.imports["shangcheng"].pk
    for name in ("staff:batch_import", "staff:batch_save", "staff:batch_rejected"):
        probes.append(Probe(name, {"import_id": imported}, {"import_id": 999999}))
    declaration = world.declarations["shangcheng"].pk
    for name in ("api:occupation-declaration", "api:occupation-declaration-decision", "staff:declaration_decision"):
        probes.append(Probe(name, {"declaration_id": declaration}, {"declaration_id": 999999}, body={"decision": "approve"}))
    plan = world.plans["shangcheng"].pk
    for name in ("api:training-plan", "staff:training_edit"):
        probes.append(Probe(name, {"plan_id": plan}, {"plan_id": 999999}, body={"trained": "1"}))
    # Payments: no district role may use them at all (403), whoever's lines a batch holds.
    for batch in (world.payment_sent, world.payment_built):
        for name in ("api:payment-batch-approve", "api:payment-batch-cancel", "api:payment-batch-file", "api:payment-batch-results"):
            probes.append(Probe(name, {"no": batch.batch_no}, {"no": "P209999999"}))
        for name in ("staff:payment_batch", "staff:payment_approve", "staff:payment_cancel", "staff:payment_file", "staff:payment_results"):
            probes.append(Probe(name, {"batch_no": batch.batch_no}, {"batch_no": "P209999999"}))
    for key, line in world.lines.items():
        if key.startswith("shangcheng"):
            probes.append(Probe("api:payment-line-reversal", {"reference": line.reference}, {"reference": "P209999999-999999"}))
            probes.append(Probe("staff:payment_reversal", {"reference": line.reference}, {"reference": "P209999999-999999"}))
    return probes


def parameter_probes(world: World) -> list[Probe]:
    """Lists and exports asked for 上城区 (or one of its grassroots unions) by name."""
    shangcheng = world.orgs["shangcheng"].name
    grassroots = world.orgs["shangcheng_grassroots"].name
    probes = []
    for org in (shangcheng, grassroots):
        for name in ("api:report-annex4-xlsx", "api:report-annex4-pdf"):
            probes.append(Probe(name, {}, {}, query={"org": org, "year": "2020"}, missing_query={"org": MISSING_NAME, "year": "2020"}))
        for download in ("xlsx", "pdf"):
            probes.append(
                Probe(
                    "staff:annex4",
                    {},
                    {},
                    query={"org": org, "download": download},
                    missing_query={"org": MISSING_NAME, "download": download},
                )
            )
        for name in ("api:review-queue", "staff:queue"):
            probes.append(
                Probe(name, {}, {}, query={"union": shangcheng, "org": org}, missing_query={"union": MISSING_NAME, "org": MISSING_NAME})
            )
    union_lists = (
        "api:report-annex5-xlsx",
        "api:report-annex5-pdf",
        "api:occupation-declarations",
        "api:training-plans",
        "api:report-training-plans-xlsx",
        "staff:annex5",
        "staff:training",
        "staff:training_xlsx",
        "staff:declarations",
    )
    for name in union_lists:
        query = {"union": shangcheng}
        if name == "staff:annex5":
            query["format"] = "xlsx"
        probes.append(Probe(name, {}, {}, query=query, missing_query={**query, "union": MISSING_NAME}))
    # Entering for another union's grassroots union (单位统一申报).
    member = factories.make_member(union=world.orgs["xihu"], employer=XIHU_EMPLOYER)
    content = sheet([row_for(member, employer=XIHU_EMPLOYER)])
    for name in ("api:batch-submissions", "staff:batch", "staff:batch_entry"):
        probes.append(Probe(name, {}, {}, body={"org": grassroots, "file": content}))
    probes.append(Probe("staff:batch_template", {}, {}, query={"org": grassroots}, missing_query={"org": MISSING_NAME}))
    return probes


def _send_probe(world: World, prober: str, name: str, method: str, url: str, query: dict[str, str], body: dict[str, Any]) -> Answer:
    data = dict(body)
    if "file" in data:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data["file"] = SimpleUploadedFile("汇总表.xlsx", data["file"])
    if method == "GET":
        data = {**query}
    elif query:
        url = f"{url}?{'&'.join(f'{key}={value}' for key, value in query.items())}"
    if name.startswith("api:"):
        return send(anonymous(), method, url, data=data, token=world.token_for(PROBERS[prober]))
    return send(world.client_for(PROBERS[prober]), method, url, data=data)


def _methods(probe: Probe) -> tuple[str, ...]:
    if probe.query:
        return ("GET",)  # a list's or an export's filter
    if probe.body.get("org"):
        return ("POST",)  # a form naming the grassroots union entered for
    return VERBS


def _expected_refusal(probe: Probe, prober: str, method: str) -> set[int]:
    allowed = EXPECTED[probe.name].get(method)
    if allowed is None:
        return {405, 403}  # not routed (a page may check the role first)
    if prober not in allowed:
        return {403}
    return {404}


def _page_not_found_answer(answer: Answer, probe: Probe) -> bool:
    """A page's refusal of a name typed into a form or a link: 404, the form again with the
    error (400), or back to the feature's own page with the error shown."""
    if answer.status in (400, 404):
        return True
    feature = {"staff:annex5": "staff:declarations", "staff:training_xlsx": "staff:training"}.get(probe.name)
    return answer.status == 302 and feature is not None and answer.location.startswith(reverse(feature))


#: Path parameters that name no union's object: the worker's own applications (probed by
#: test_a_worker_cannot_reach_another_workers_application), a campaign year (the city's), an
#: audit entry (auditor and administrator only).
NOT_A_UNIONS_OBJECT = {
    "api:application-resubmit",
    "api:application-withdraw",
    "api:application-query-password",
    "staff:campaign_settings",
    "staff:campaign_units",
    "staff:campaign_sms",
    "staff:audit_entry",
}


def test_cross_union_probes(world, capsys, record_property):  # type: ignore[no-untyped-def]
    probed = {probe.name for probe in object_probes(world)}
    unprobed = sorted(
        route.name
        for route in url_patterns()
        if route.params and route.namespace in ("api", "staff") and route.name not in probed | NOT_A_UNIONS_OBJECT
    )
    assert not unprobed, f"URLs with object parameters that no probe tries: {unprobed} (add them to object_probes())"

    markers = foreign_markers(world)
    foreign_org = world.orgs["shangcheng_grassroots"]
    entered_before = entered_for(foreign_org)
    failures: list[str] = []
    probes = leaks = missing_audits = 0
    twins: dict[tuple[str, ...], Answer] = {}
    for probe in [*object_probes(world), *parameter_probes(world)]:
        url = reverse(probe.name, kwargs=probe.kwargs)
        twin_url = reverse(probe.name, kwargs=probe.missing)
        for method in _methods(probe):
            for prober, username in PROBERS.items():
                with isolated():
                    before = denials(username)
                    answer = _send_probe(world, prober, probe.name, method, url, probe.query, probe.body)
                    audited = denials(username) > before
                    entered_for_them = entered_for(foreign_org)
                twin_query = probe.missing_query or probe.query
                key = (probe.name, method, prober, twin_url, repr(sorted(twin_query.items())), repr(sorted(probe.body)))
                if key not in twins:
                    with isolated():
                        twins[key] = _send_probe(world, prober, probe.name, method, twin_url, twin_query, probe.body)
                twin = twins[key]
                probes += 1
                where = f"{method} {url}{'?' + str(probe.query) if probe.query else ''} ({probe.name}) as {username}"
                asked = url + " ".join(probe.query.values()) + " ".join(str(v) for v in probe.body.values() if isinstance(v, str))
                found = leaked(answer, markers, asked)
                problems = []
                if answer.status >= 500:
                    problems.append(f"{answer.status} {answer.error}")
                if found:
                    problems.append(f"shows {', '.join(found)}")
                if (answer.status, answer.json_code()) != (twin.status, twin.json_code()):
                    problems.append(f"answers {answer.status} where a missing one answers {twin.status}: an existence oracle")
                expected = _expected_refusal(probe, prober, method)
                refused = not 200 <= answer.status < 300
                if probe.body.get("org") and entered_for_them != entered_before:
                    problems.append("entered rows for 上城区's grassroots union")
                if probe.body.get("org") and prober == CLERK:
                    pass  # a clerk always enters for its own union: the field is not read
                elif probe.is_parameter:
                    if refused and not (
                        answer.status in expected | {403} or (not probe.name.startswith("api:") and _page_not_found_answer(answer, probe))
                    ):
                        problems.append(f"{answer.status}: expected {sorted(expected)} or the parameter ignored")
                elif answer.status not in expected:
                    problems.append(f"{answer.status}: expected {sorted(expected)}")
                leaks += bool(problems)
                needs_audit = answer.status == 404 or (
                    probe.is_parameter and refused and answer.status != 403 and not (probe.body.get("org") and prober == CLERK)
                )
                if needs_audit and not audited:
                    missing_audits += 1
                    problems.append("no access.denied audit entry")
                failures += [f"{where}: {problem}" for problem in problems]
    summary = f"cross-union probes: probes={probes} leaks={leaks} missing_denial_audits={missing_audits}"
    assert_signed_in(world)
    record_property("cross_union_probes", probes)
    record_property("cross_union_leaks", leaks)
    with capsys.disabled():
        print(f"\n{summary}")
    assert not failures, f"{summary}\n" + "\n".join(failures)


def test_a_worker_cannot_reach_another_workers_application(world):  # type: ignore[no-untyped-def]
    """The applicant token on other people's applications: 404, as for a number that does not exist."""
    failures = []
    for key, app in world.apps.items():
        if app.id_hash == world.applicant_member.id_hash:
            continue
        for name in ("api:application-resubmit", "api:application-withdraw", "api:application-query-password"):
            with isolated():
                answer = send(anonymous(), "POST", reverse(name, kwargs={"no": app.application_no}), token=world.applicant_token)
                status = Application.objects.get(pk=app.pk).status
            if answer.status != 404 or status != app.status:
                failures.append(f"{name} on {key} ({app.application_no}): {answer.status}, status {status}")
    assert not failures, "\n".join(failures)


def test_a_personal_number_typed_into_a_url_is_masked_in_the_audit_log(world):  # type: ignore[no-untyped-def]
    """A reviewer pasting an ID or card number where an application number goes gets a 404, and
    the access-denied entry holds the number masked (SECURITY.md 17)."""
    app = world.apps["shangcheng_online_pending"]
    failures = []
    for number in (app.id_number, app.bank_card_no, app.phone):
        for url, token in (
            (reverse("api:review-detail", kwargs={"no": number}), world.token_for("xihu.reviewer")),
            (reverse("staff:detail", kwargs={"no": number}), ""),
            (reverse("staff:annex3", kwargs={"no": number}), ""),
        ):
            with isolated():
                client = anonymous() if token else world.client_for("xihu.reviewer")
                answer = send(client, "GET", url, token=token)
                entries = list(AuditEvent.objects.filter(action="access.denied").order_by("-pk").values_list("detail", "object_id")[:2])
            if answer.status != 404:
                failures.append(f"{url}: {answer.status}")
            if not entries or any(number in str(entry) for entry in entries):
                failures.append(f"{url}: the audit entry {entries[:1]} holds the number in clear")
    assert not failures, "\n".join(failures)


# --- mass assignment (SECURITY.md 4) --------------------------------------------------------------


def server_owned(world: World) -> dict[str, str]:
    """Fields only the server sets, with values that would help a cheat."""
    other = world.orgs["shangcheng"]
    admin = world.users["admin"]
    return {
        "status": "approved",
        "amount": "99999.00",
        "organisation": other.name,
        "organisation_id": str(other.pk),
        "union_id": str(other.pk),
        "submitting_org": world.orgs["shangcheng_grassroots"].name,
        "submitting_org_id": str(world.orgs["shangcheng_grassroots"].pk),
        "grassroots_union_id": str(world.orgs["shangcheng_grassroots"].pk),
        "application_no": "2020999999",
        "id_hash": "0" * 64,
        "created_by": str(admin.pk),
        "decided_by": str(admin.pk),
        "declared_by": str(admin.pk),
        "approved_by": str(admin.pk),
        "built_by": str(admin.pk),
        "paid_at": "2020-10-01T00:00:00+08:00",
        "role": "admin",
        "channel": "batch",
        "has_decision": "true",
        "campaign": "999",
        "campaign_id": "999",
        "id": "999999",
        "pk": "999999",
        "query_password_hash": "0" * 64,
        "checks": "[]",
        "total_amount": "0.01",
        "count": "1",
    }


def _applicant_token(member: Any) -> str:
    otp_request(id_number=member.id_number, name=member.name)
    code = SmsMessage.objects.filter(template="otp").order_by("-pk").first().params["code"]
    return otp_verify(id_number=member.id_number, code=code)


def _api(world: World, method: str, name: str, kwargs: dict[str, Any], data: dict[str, Any], username: str = "", token: str = "") -> Answer:
    return send(anonymous(), method, reverse(name, kwargs=kwargs), data=data, token=token or world.token_for(username))


def test_a_submission_keeps_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = server_owned(world)
    member = factories.make_member(union=world.orgs["xihu"])
    form = factories.annex3(member)
    factories.make_certificate(member=member, certificate_no=form["certificate_no"], issue_date=dt.date(2020, 6, 30))
    with isolated():
        token = _applicant_token(member)
        answer = send(anonymous(), "POST", reverse("api:applications"), data={**form, **materials(), **cheat}, token=token)
        assert answer.status == 201, answer.text()
        created = Application.objects.get(application_no=answer.json()["application_no"])
        assert created.application_no != cheat["application_no"]
        assert (created.status, created.channel, created.has_decision) == ("pending_district", "online", False)
        assert created.union == world.orgs["xihu"] and created.submitting_org is None and created.grassroots_union is None
        assert created.amount in (None, Decimal("500.00"))  # the campaign's table, never the client's
        assert created.id_hash == member.id_hash and created.campaign == world.campaign
        # ``union`` is a form field (Annex 3), but it must match the registry: another one is refused.
        answer = send(
            anonymous(),
            "POST",
            reverse("api:applications"),
            data={**factories.annex3(member), **materials(), "union": "上城区总工会"},
            token=token,
        )
        assert answer.status in (400, 409, 422), answer.text()
        assert Application.objects.filter(id_hash=member.id_hash).count() == 1


def test_a_resubmission_keeps_the_servers_fields(world):  # type: ignore[no-untyped-def]
    from rewards.applications.services import current_values

    app = world.apps["xihu_online_returned"]
    cheat = server_owned(world)
    with isolated():
        values = {key: value for key, value in current_values(app).items() if value not in (None, "")}
        answer = _api(
            world, "POST", "api:application-resubmit", {"no": app.application_no}, {**values, **cheat}, token=world.applicant_token
        )
        assert answer.status == 200, answer.text()
        after = Application.objects.get(pk=app.pk)
        assert (after.application_no, after.status, after.channel, after.union_id, after.amount) == (
            app.application_no,
            "pending_district",
            "online",
            app.union_id,
            app.amount,
        )
        assert after.id_hash == app.id_hash and after.submitting_org_id is None


def test_the_clerks_resubmission_and_batch_entry_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = server_owned(world)
    returned = world.apps["xihu_batch_returned"]
    clerk_org = world.orgs["xihu_grassroots"]
    with isolated():
        answer = _api(
            world,
            "POST",
            "api:review-resubmit",
            {"no": returned.application_no},
            {"occupation": returned.occupation, **cheat},
            "xihu.clerk",
        )
        assert answer.status == 200, answer.text()
        after = Application.objects.get(pk=returned.pk)
        assert (after.status, after.union_id, after.submitting_org_id, after.channel, after.amount) == (
            "pending_district",
            returned.union_id,
            clerk_org.pk,
            "batch",
            returned.amount,
        )
    member = factories.make_member(union=world.orgs["xihu"], grassroots=clerk_org, employer=XIHU_EMPLOYER)
    row = row_for(member, employer=XIHU_EMPLOYER)
    factories.make_certificate(member=member, certificate_no=row["certificate_no"], occupation=row["occupation"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    with isolated():
        upload = SimpleUploadedFile("汇总表.xlsx", sheet([{**row, "status": "paid", "amount": "99999"}]))
        answer = _api(world, "POST", "api:batch-submissions", {}, {"file": upload, **cheat, "org": ""}, "xihu.clerk")
        assert answer.status == 200, answer.text()
        created = Application.objects.get(id_hash=member.id_hash)
        assert (created.status, created.channel, created.union_id, created.submitting_org_id) == (
            "pending_grassroots",
            "batch",
            world.orgs["xihu"].pk,
            clerk_org.pk,
        )
        assert created.application_no != cheat["application_no"] and created.amount in (None, Decimal("500.00"))
    with isolated():  # one paper form entered on the page
        form = {key: value for key, value in factories.annex3(member).items() if value is not None}
        form.update({"employer": XIHU_EMPLOYER, "certificate_no": row["certificate_no"], "is_migrant": "否", "new_level": "senior_worker"})
        answer = send(world.client_for("xihu.clerk"), "POST", reverse("staff:batch_entry"), data={**form, **cheat, "org": ""})
        assert answer.status == 302, answer.status
        created = Application.objects.get(id_hash=member.id_hash)
        assert (created.status, created.union_id, created.submitting_org_id, created.channel) == (
            "pending_grassroots",
            world.orgs["xihu"].pk,
            clerk_org.pk,
            "batch",
        )
        assert created.application_no != cheat["application_no"] and created.amount in (None, Decimal("500.00"))


def test_decisions_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = {**server_owned(world), "status": "paid", "amount": "1.00"}
    pending = world.apps["xihu_online_pending"]
    at_city = world.apps["xihu_online_city"]
    with isolated():
        answer = _api(
            world, "POST", "api:review-decision", {"no": pending.application_no}, {"decision": "approve", **cheat}, "xihu.reviewer"
        )
        assert answer.status == 200, answer.text()
        after = Application.objects.get(pk=pending.pk)
        assert (after.status, after.amount, after.union_id) == ("pending_city", pending.amount, pending.union_id)
        answer = _api(
            world, "POST", "api:review-decision", {"no": at_city.application_no}, {"decision": "approve", **cheat}, "city.reviewer"
        )
        assert answer.status == 200, answer.text()
        after = Application.objects.get(pk=at_city.pk)
        assert (after.status, after.amount) == ("approved", Decimal("500.00"))
    with isolated():  # the same through the page
        answer = send(
            world.client_for("city.reviewer"),
            "POST",
            reverse("staff:decision", kwargs={"no": at_city.application_no}),
            data={"decision": "approve", **cheat},
        )
        assert answer.status == 302, answer.status
        after = Application.objects.get(pk=at_city.pk)
        assert (after.status, after.amount) == ("approved", Decimal("500.00"))


def test_declarations_and_their_decisions_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = {**server_owned(world), "union": world.orgs["shangcheng"].name, "opinion": "自批", "decided_at": "2020-08-01"}
    with isolated(), override_settings(APP_TODAY=DECLARATION_DAY):
        clear_all()
        answer = _api(
            world, "POST", "api:occupation-declarations", {}, {"occupation": "网约配送员", "reason": "平台经济。", **cheat}, "xihu.reviewer"
        )
        assert answer.status == 201, answer.text()
        created = OccupationDeclaration.objects.get(occupation="网约配送员")
        assert (created.status, created.union_id, created.declared_by.username, created.decided_by_id, created.opinion) == (
            "pending",
            world.orgs["xihu"].pk,
            "xihu.reviewer",
            None,
            "",
        )
        answer = send(
            world.client_for("xihu.reviewer"),
            "POST",
            reverse("staff:declare"),
            data={"occupation": "电子竞技员", "reason": "数字经济。", **cheat},
        )
        assert answer.status == 302, answer.status
        created = OccupationDeclaration.objects.get(occupation="电子竞技员")
        assert (created.status, created.union_id, created.decided_by_id) == ("pending", world.orgs["xihu"].pk, None)
    declaration = world.declarations["xihu"]
    with isolated():
        answer = _api(
            world,
            "POST",
            "api:occupation-declaration-decision",
            {"declaration_id": declaration.pk},
            {
                "decision": "approve",
                **cheat,
                "status": "rejected",
                "occupation": "改过的职业",
                "union_id": str(world.orgs["shangcheng"].pk),
            },
            "economic",
        )
        assert answer.status == 200, answer.text()
        after = OccupationDeclaration.objects.get(pk=declaration.pk)
        assert (after.status, after.occupation, after.union_id, after.decided_by.username) == (
            "approved",
            declaration.occupation,
            declaration.union_id,
            "economic",
        )


def test_training_plans_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = {**server_owned(world), "union": world.orgs["shangcheng"].name, "trained": "999", "certified": "999", "spent": "1.00"}
    plan = {"year": "2020", "occupation": "焊工", "level": "technician", "planned_trainees": "10", "mode": "online", "budget": "1000"}
    with isolated():
        answer = _api(world, "POST", "api:training-plans", {}, {**plan, **cheat}, "xihu.reviewer")
        assert answer.status == 201, answer.text()
        created = TrainingPlan.objects.get(pk=answer.json()["id"])
        assert (created.union_id, created.campaign_id, created.created_by.username) == (
            world.orgs["xihu"].pk,
            world.campaign.pk,
            "xihu.reviewer",
        )
        assert (created.trained, created.certified, created.spent) == (0, 0, Decimal("0.00"))
    with isolated():  # the page
        answer = send(
            world.client_for("xihu.reviewer"), "POST", reverse("staff:training_create"), data={**cheat, **plan, "occupation": "钳工"}
        )
        assert answer.status == 302, answer.status
        created = TrainingPlan.objects.get(occupation="钳工")
        assert (created.union_id, created.trained, created.spent) == (world.orgs["xihu"].pk, 0, Decimal("0.00"))
    existing = world.plans["xihu"]
    with isolated():
        answer = _api(
            world, "PATCH", "api:training-plan", {"plan_id": existing.pk}, {**server_owned(world), "trained": "5"}, "xihu.reviewer"
        )
        assert answer.status == 200, answer.text()
        after = TrainingPlan.objects.get(pk=existing.pk)
        assert (after.pk, after.union_id, after.campaign_id, after.trained) == (existing.pk, existing.union_id, existing.campaign_id, 5)
    with isolated():  # the page
        answer = send(
            world.client_for("xihu.reviewer"),
            "POST",
            reverse("staff:training_edit", kwargs={"plan_id": existing.pk}),
            data={**server_owned(world), "trained": "6"},
        )
        assert answer.status == 302, answer.status
        after = TrainingPlan.objects.get(pk=existing.pk)
        assert (after.union_id, after.campaign_id, after.trained) == (existing.union_id, existing.campaign_id, 6)


def test_payment_batches_keep_the_servers_fields(world):  # type: ignore[no-untyped-def]
    cheat = server_owned(world)
    with isolated():
        payment_batch_cancel(user=world.users["finance.a"], batch_no=world.payment_built.batch_no)
        answer = _api(world, "POST", "api:payment-batches", {}, cheat, "finance.a")
        assert answer.status == 201, answer.text()
        batch = PaymentBatch.objects.get(batch_no=answer.json()["batch_no"])
        lines = list(batch.lines.select_related("application"))
        assert (batch.status, batch.approved_by_id, batch.built_by.username) == ("built", None, "finance.a")
        assert batch.count == len(lines) and batch.total_amount == sum(line.application.amount for line in lines)
        assert all(line.amount == line.application.amount for line in lines)


def test_campaign_settings_keep_their_year_and_locked_values(world):  # type: ignore[no-untyped-def]
    from rewards.web.staff.campaign_forms import CampaignSettingsForm

    campaign = Campaign.objects.get(year=2020)
    amounts = {award.level: award.amount for award in campaign.level_awards.all()}
    form = CampaignSettingsForm(campaign=campaign, amounts=amounts, locked=True, readonly=False)
    data: dict[str, Any] = {}
    for name, value in form.initial.items():
        if isinstance(value, list | tuple):
            data[name] = list(value)
        elif value is not None:
            data[name] = str(value)
    data["title"] = campaign.title + "（修订）"
    cheat = {**server_owned(world), "year": "2099", "opens_on": "2020-01-01", "main_window_start": "2000-01-01"}
    for field_name in list(data):
        if field_name.startswith("amount"):
            cheat[field_name] = "9999.00"
    with isolated():
        answer = send(world.client_for("admin"), "POST", reverse("staff:campaign_settings", kwargs={"year": 2020}), data={**data, **cheat})
        after = Campaign.objects.get(pk=campaign.pk)
        assert answer.status == 302 and after.title == data["title"], (answer.status, answer.text()[:2000])  # the form was taken
        assert (after.year, after.opens_on, after.main_window_start) == (2020, campaign.opens_on, campaign.main_window_start)
        assert {award.level: award.amount for award in after.level_awards.all()} == amounts
        assert not Campaign.objects.filter(year=2099).exists()


def test_a_staff_user_cannot_give_themselves_a_role_or_a_union(world):  # type: ignore[no-untyped-def]
    """The own-account pages (password, second factor) take no role or organisation."""
    from tests.conftest import PASSWORD

    cheat = {**server_owned(world), "is_staff": "on", "is_superuser": "on", "username": "admin2"}
    user = world.users["xihu.clerk"]
    client = world.client_for("xihu.clerk", fresh=True)
    with isolated():
        send(
            client,
            "POST",
            reverse("staff:password"),
            data={**cheat, "old_password": PASSWORD, "new_password1": "Another-horse-2021", "new_password2": "Another-horse-2021"},
        )
        send(client, "POST", reverse("staff:account_mfa"), data={**cheat, "code": "000000"})
        user.refresh_from_db()
        assert (user.role, user.organisation_id, user.is_staff, user.is_superuser, user.username) == (
            "grassroots_clerk",
            world.orgs["xihu_grassroots"].pk,
            False,
            False,
            "xihu.clerk",
        )
