"""Signing out of the API (``DELETE /api/v1/auth/token``, ``DELETE /api/v1/applicant/session``):
the token presented stops working at once, the holder's other tokens do not, each sign-out is
audited, and an unknown, expired or wrong-kind token is 401 (nothing else is touched)."""

from __future__ import annotations

import datetime as dt

import pytest

from rewards.core.audit import verify_chain
from rewards.core.models import AuditEvent
from rewards.identity.models import ApplicantToken, StaffToken

from .helpers import applicant_token, bearer, staff_token

pytestmark = pytest.mark.django_db


def test_a_staff_token_signed_out_is_refused_and_the_others_keep_working(api, xihu_reviewer):
    signed_out, other = staff_token(api, xihu_reviewer), staff_token(api, xihu_reviewer)
    assert api.get("/api/v1/review/applications", **bearer(signed_out)).status_code == 200

    assert api.delete("/api/v1/auth/token", **bearer(signed_out)).status_code == 204

    response = api.get("/api/v1/review/applications", **bearer(signed_out))
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    assert api.get("/api/v1/review/applications", **bearer(other)).status_code == 200
    event = AuditEvent.objects.filter(action="staff.logout").get()
    assert event.actor_id == xihu_reviewer.pk and event.detail == {"channel": "api"}
    assert verify_chain() == []


def test_signing_out_twice_or_without_a_token_is_401(api, xihu_reviewer):
    token = staff_token(api, xihu_reviewer)
    api.delete("/api/v1/auth/token", **bearer(token))
    for headers in (bearer(token), {}, bearer("not-a-token")):
        response = api.delete("/api/v1/auth/token", **headers)
        assert response.status_code == 401 and response.json()["error"]["message"] == "令牌无效或已过期。"
    assert AuditEvent.objects.filter(action="staff.logout").count() == 1


def test_an_expired_staff_token_cannot_be_signed_out(api, xihu_reviewer):
    token = staff_token(api, xihu_reviewer)
    StaffToken.objects.update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert api.delete("/api/v1/auth/token", **bearer(token)).status_code == 401
    assert StaffToken.objects.count() == 1


def test_a_worker_token_signed_out_is_refused(api, business_day, member):
    token = applicant_token(api, member)
    assert api.get("/api/v1/applicant/applications", **bearer(token)).status_code == 200

    assert api.delete("/api/v1/applicant/session", **bearer(token)).status_code == 204

    assert api.get("/api/v1/applicant/applications", **bearer(token)).status_code == 401
    assert not ApplicantToken.objects.exists()
    assert AuditEvent.objects.filter(action="applicant.sign_out", detail={"channel": "api"}).count() == 1


def test_each_kind_of_token_signs_out_only_at_its_own_endpoint(api, business_day, member, xihu_reviewer):
    worker, staff = applicant_token(api, member), staff_token(api, xihu_reviewer)
    assert api.delete("/api/v1/auth/token", **bearer(worker)).status_code == 401
    assert api.delete("/api/v1/applicant/session", **bearer(staff)).status_code == 401
    assert ApplicantToken.objects.count() == 1 and StaffToken.objects.count() == 1


def test_of_two_sign_outs_of_one_token_at_once_only_one_is_audited(api, xihu_reviewer, monkeypatch):
    """The other request removes the token between this one's read and its delete: this one
    finds nothing to delete, answers 401 and writes no entry."""
    from django.db import connection
    from django.db.models.query import QuerySet

    token = staff_token(api, xihu_reviewer)
    original = QuerySet.delete

    def deleted_by_the_other_request_first(self):  # type: ignore[no-untyped-def]
        if self.model is StaffToken:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {StaffToken._meta.db_table}")
        return original(self)

    monkeypatch.setattr(QuerySet, "delete", deleted_by_the_other_request_first)
    response = api.delete("/api/v1/auth/token", **bearer(token))

    assert response.status_code == 401
    assert not AuditEvent.objects.filter(action="staff.logout").exists()
