"""Cross-union probes (SECURITY.md 1).

Every URL of the resolver that names an object — an application, its materials, its
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

A URL with an object parameter that :func:`object_probes` (in ``_probes.py``) does not know fails
the run (list and export parameters are not in the resolver: :func:`parameter_probes` names them).
The figures are printed and recorded as test properties: ``probes=N leaks=0`` (a leak: any answer
but the expected refusal — data shown, another status, an existence oracle), and the 404s without
an audit entry.

Also: a signal on an application of one's own that shares a card with 上城区's, and a stored rule
result naming 上城区's applications, name none of their numbers; a worker's token on other workers' applications, a worker's session on other workers'
materials, and personal numbers typed into a URL (masked in the audit log). Mass assignment (SECURITY.md 4) is in test_mass_assignment_*.py.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from rewards.applications.models import Application, Attachment, FlagCode
from rewards.core.models import AuditEvent
from rewards.core.vocab import Status
from rewards.review.flags import refresh_flags
from rewards.review.services import scoped_applications
from rewards.web.worker import session as worker_session

from ._matrix import CLERK, assert_signed_in
from ._probes import (
    NOT_A_UNIONS_OBJECT,
    PROBERS,
    _expected_refusal,
    _methods,
    _page_not_found_answer,
    _send_probe,
    denials,
    entered_for,
    foreign_markers,
    leaked,
    object_probes,
    parameter_probes,
)
from .adversarial_world import Answer, anonymous, isolated, send, url_patterns

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_pdfs")]


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


def test_a_signal_names_no_other_unions_application(world):  # type: ignore[no-untyped-def]
    """Every application a prober opens, its bank card shared with every 上城区 application (decision
    17's card_shared): its page and its API detail name none of 上城区's application numbers, and
    say that another unit's application shares the card (decision 221's rule, for the signals)."""
    foreign = [app for key, app in world.apps.items() if key.startswith("shangcheng")]
    live = [app for app in foreign if app.status != Status.WITHDRAWN and app.purged_at is None]
    assert live

    def share_the_card(app: Application) -> None:
        Application.objects.filter(pk__in=[other.pk for other in foreign]).update(bank_card_hash=app.bank_card_hash)
        refresh_flags(app)
        stored = app.flags.get(code=FlagCode.CARD_SHARED).message
        assert any(other.application_no in stored for other in live), stored

    _each_detail_names_none_of(world, foreign, share_the_card, says="其他单位的申请")


def test_a_rule_result_names_no_other_unions_application(world):  # type: ignore[no-untyped-def]
    """Every application a prober opens, its stored rule results naming every 上城区 application
    as the once-a-year rule names one (“（申请编号…）”, decision 223): its page and its API detail
    name none of them and say another unit's application instead (decision 221's rule, for the
    stored rule results as 229 for the signals)."""
    foreign = [app for key, app in world.apps.items() if key.startswith("shangcheng")]
    assert foreign

    def name_them_all(app: Application) -> None:
        checks = [
            {
                "rule": "once_per_campaign",
                "passed": False,
                "message": f"您已获得{other.campaign.year}年度奖励（申请编号{other.application_no}）。",
            }
            for other in foreign
        ]
        Application.objects.filter(pk=app.pk).update(checks=checks)

    _each_detail_names_none_of(world, foreign, name_them_all, says="（其他单位的申请）")


def _each_detail_names_none_of(world, foreign, prepare, *, says: str) -> None:  # type: ignore[no-untyped-def]
    """Every application each prober may open, made by ``prepare`` (inside a rolled-back
    savepoint) to name the ``foreign`` ones: its page and its API detail name none of them as a
    number of its own (a certificate number such as 202000000110 holds 2020000001) and ``says``
    instead."""
    failures, read = [], 0
    for username in PROBERS.values():
        user = world.user(username)
        for app in scoped_applications(user).filter(purged_at__isnull=True).order_by("pk"):
            with isolated():
                prepare(app)
                answers = [
                    send(world.client_for(username), "GET", reverse("staff:detail", kwargs={"no": app.application_no})),
                    send(
                        anonymous(), "GET", reverse("api:review-detail", kwargs={"no": app.application_no}), token=world.token_for(username)
                    ),
                ]
            for answer, where in zip(answers, ("page", "API"), strict=True):
                if answer.status == 403:
                    continue  # a role without that channel (the API's review endpoints)
                read += 1
                text = answer.text()
                named = [other.application_no for other in foreign if re.search(rf"(?<!\d){other.application_no}(?!\d)", text)]
                if answer.status != 200 or named or says not in text:
                    failures.append(f"{username} {where} of {app.application_no}: {answer.status}, names {named}")
    assert read >= 10 and not failures, "\n".join(failures)


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


def test_a_worker_session_opens_its_own_materials_only(world):  # type: ignore[no-untyped-def]
    """Every material of the seeded world through the worker's page, by the applicant's session:
    its own current ones answer 200, every other one (another worker's, under its own application
    number or under theirs, a replaced one) the same 404 as a material that does not exist."""
    worker = Client(HTTP_HOST="127.0.0.1")
    store = worker.session
    store[worker_session.SESSION_KEY] = world.applicant_member.id_hash
    store[worker_session.SEEN_KEY] = time.time()
    store.save()
    own = world.apps["xihu_online_returned"]
    missing = (Attachment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    refusal = send(worker, "GET", reverse("worker:material", kwargs={"no": own.application_no, "attachment_id": missing}))
    assert refusal.status == 404
    failures, served = [], 0
    for attachment in Attachment.objects.select_related("application").order_by("pk"):
        mine = attachment.application.id_hash == world.applicant_member.id_hash
        for no in {attachment.application.application_no, own.application_no}:
            with isolated():
                answer = send(worker, "GET", reverse("worker:material", kwargs={"no": no, "attachment_id": attachment.pk}))
            expected = 200 if mine and no == own.application_no and attachment.current else 404
            served += answer.status == 200
            if answer.status != expected or (expected == 404 and answer.content != refusal.content):
                failures.append(f"material {attachment.pk} of {attachment.application.application_no} under {no}: {answer.status}")
    assert served == 3 and not failures, "\n".join(failures)


def test_a_worker_session_cannot_reach_another_workers_application_on_the_pages(world):  # type: ignore[no-untyped-def]
    """The worker pages that take an application number (修改, 撤回, 重新设置查询密码), by the
    applicant's session, GET and POST, on every other person's application: 404, and nothing of
    theirs changes (status, query password)."""
    worker = Client(HTTP_HOST="127.0.0.1")
    store = worker.session
    store[worker_session.SESSION_KEY] = world.applicant_member.id_hash
    store[worker_session.SEEN_KEY] = time.time()
    store.save()
    failures, probes = [], 0
    for key, app in world.apps.items():
        if app.id_hash == world.applicant_member.id_hash:
            continue
        for name in ("worker:edit", "worker:withdraw", "worker:query_password"):
            for method in ("GET", "POST"):
                with isolated():
                    answer = send(worker, method, reverse(name, kwargs={"no": app.application_no}))
                    after = Application.objects.get(pk=app.pk)
                probes += 1
                if answer.status != 404 or (after.status, after.query_password_hash) != (app.status, app.query_password_hash):
                    failures.append(f"{method} {name} on {key} ({app.application_no}): {answer.status}, status {after.status}")
    assert probes >= 30 and not failures, "\n".join(failures)


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
