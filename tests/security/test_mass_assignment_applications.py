"""Mass assignment on applications (SECURITY.md 4).

Bodies carrying server-owned fields (status, amount, union, organisation, submitting_org,
application_no, id_hash, created_by, decided_by, paid_at, role …) are sent to the worker's
submission and resubmission, the clerk's resubmission and batch entry, and the decisions; the
database afterwards holds the server's values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from rewards.applications.models import Application
from tests import factories
from tests.batches.sheets import row_for

from ._mass_assignment import _api, _applicant_token, server_owned
from .adversarial_world import XIHU_EMPLOYER, anonymous, isolated, materials, send, sheet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_pdfs")]


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
        assert created.amount == Decimal("500.00")  # the campaign's table, never the client's
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
        assert created.application_no != cheat["application_no"] and created.amount == Decimal("500.00")
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
        assert created.application_no != cheat["application_no"] and created.amount == Decimal("500.00")


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
