"""The cross-union probes (SECURITY.md 1) used by test_cross_union_access.py.

Every URL of the resolver that names an object — an application, its materials, its signals, its
Annex 3, a batch import, a payment batch or line, an occupation declaration, a training plan — is
named by :func:`object_probes` with objects of 上城区总工会; every list or export that takes a
``union`` or ``org`` parameter by :func:`parameter_probes` (those parameters are not in the
resolver). :func:`foreign_markers` is what may not leak: 上城区's application numbers,
applicants' names, ID, card and mobile numbers (full or masked), its declarations' and plans' own
words.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from rewards.applications.models import Application, Flag
from rewards.batches.models import BatchImport
from rewards.core.masking import mask_bank_card, mask_id_number, mask_phone
from rewards.core.models import AuditEvent
from tests import factories
from tests.batches.sheets import row_for

from ._matrix import CLERK, DISTRICT, EXPECTED
from .adversarial_world import XIHU_EMPLOYER, Answer, World, anonymous, send, sheet

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PROBERS = {DISTRICT: "xihu.reviewer", CLERK: "xihu.clerk"}
MISSING_NAME = "不存在的测试工会"

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
    for name in ("staff:batch_import", "staff:batch_save", "staff:batch_discard", "staff:batch_rejected"):
        probes.append(Probe(name, {"import_id": imported}, {"import_id": 999999}))
    declaration = world.declarations["shangcheng"].pk
    for name in (
        "api:occupation-declaration",
        "api:occupation-declaration-decision",
        "api:occupation-declaration-withdraw",
        "staff:declaration_decision",
        "staff:declaration_withdraw",
    ):
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
