"""A worker's sign-ins on the auditor's record (SECURITY.md 17: logins, with who did them).

A worker who says "I did not change my bank card" (the SMS after a correction asks them to call
their union) is the auditor's case: who signed in to the worker's account, when, from where,
and how many codes were typed wrongly before. Those entries named nobody (``applicant``, no
object), so no search could tie them to the worker; they now name the worker's member record
(by id, never a number) and a search by the worker's application number lists them."""

from __future__ import annotations

import pytest
from django.test import Client

from rewards.core.models import AuditEvent
from rewards.identity import services as identity
from rewards.reports.auditlog import detail_text
from tests import factories

from ._audit_log import URL, ids_on, signed_in
from ._worker import HOST, latest_code, sign_in

pytestmark = pytest.mark.django_db


def worker_api_sign_out(token: str) -> None:
    response = Client(HTTP_HOST="127.0.0.1").delete("/api/v1/applicant/session", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 204, response.content.decode()


def test_a_workers_codes_sign_ins_and_sign_outs_name_the_worker_and_are_found_by_their_application(campaign, xihu, auditor):  # type: ignore[no-untyped-def]
    member = factories.make_member(union=xihu)
    application = factories.make_application(campaign=campaign, member=member, status="payment_failed")
    stranger = factories.make_member(union=xihu)
    strangers_application = factories.make_application(campaign=campaign, member=stranger)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    identity.otp_request(id_number=member.id_number, name=member.name)
    code = latest_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(identity.NotAuthenticated):
        identity.otp_verify(id_number=member.id_number, code=wrong)
    token = identity.otp_verify(id_number=member.id_number, code=code)
    worker_api_sign_out(token)
    identity.otp_request(id_number=stranger.id_number, name=stranger.name)
    identity.otp_verify(id_number=stranger.id_number, code=latest_code())

    written = AuditEvent.objects.filter(pk__gt=before, action__startswith="applicant.").order_by("pk")
    ours = [event for event in written if event.object_id == str(member.pk)]
    assert [(event.action, event.result) for event in ours] == [
        ("applicant.otp_sent", "ok"),
        ("applicant.sign_in", "failed"),
        ("applicant.sign_in", "ok"),
        ("applicant.sign_out", "ok"),
    ]
    assert {event.object_type for event in written} == {"registries.member"}
    assert {event.object_id for event in written} == {str(member.pk), str(stranger.pk)}
    # By id only: no ID, mobile or code in any of them.
    for event in written:
        text = str(event.detail) + event.object_id + event.actor_label
        assert member.id_number not in text and member.phone not in text and code not in text
    assert detail_text(ours[1].detail, action="applicant.sign_in") == "原因：验证码不正确"

    # The auditor's search by the worker's application number lists them with its own steps,
    # and none of the other worker's.
    client = signed_in(auditor)
    page = client.get(URL, {"application_no": application.application_no})
    found = set(ids_on(page))
    assert "也列出该职工的短信登录记录" in page.content.decode()
    assert {event.pk for event in ours} <= found
    assert not found & {event.pk for event in written if event.object_id == str(stranger.pk)}
    theirs = set(ids_on(client.get(URL, {"application_no": strangers_application.application_no})))
    assert not theirs & {event.pk for event in ours}


def test_a_code_asked_for_an_id_that_is_no_member_names_nobody(campaign, xihu):  # type: ignore[no-untyped-def]
    """A code typed for an ID that never had one: the failure is recorded, with no object."""
    member = factories.make_member(union=xihu)
    member_id = member.pk
    with pytest.raises(identity.NotAuthenticated):
        identity.otp_verify(id_number=member.id_number, code="123456")  # no code was ever sent
    member.delete()
    with pytest.raises(identity.NotAuthenticated):
        identity.otp_verify(id_number=member.id_number, code="123456")
    first, second = AuditEvent.objects.filter(action="applicant.sign_in").order_by("pk")
    assert (first.object_type, first.object_id, first.detail) == ("registries.member", str(member_id), {"reason": "no_code"})
    assert (second.object_type, second.object_id, second.result) == ("", "", "failed")
    assert detail_text(second.detail, action="applicant.sign_in") == "原因：没有可用的验证码（未获取、已过期、已使用或错误次数过多）"


def test_signing_out_on_the_worker_pages_is_recorded_as_through_the_api(campaign, xihu):  # type: ignore[no-untyped-def]
    """退出 on the worker pages ends the session as the API's sign-out ends a token, and is on the
    record the same way; a 退出 with no session (it had ended) records nothing."""
    member = factories.make_member(union=xihu)
    client = Client(HTTP_HOST=HOST)
    sign_in(client, member)
    assert client.post("/worker/signout").status_code == 302
    out = AuditEvent.objects.filter(action="applicant.sign_out")
    assert [(e.object_type, e.object_id, e.detail) for e in out] == [("registries.member", str(member.pk), {"channel": "web"})]
    assert client.get("/worker/mine").status_code == 302  # signed out indeed
    assert client.post("/worker/signout").status_code == 302
    assert out.count() == 1


def test_a_re_import_of_the_member_registry_keeps_the_sign_ins_found_by_the_application(campaign, xihu, auditor, tmp_path):  # type: ignore[no-untyped-def]
    """The registry is re-imported every so often: a row changed (a new mobile, a name corrected,
    the union's grassroots unit filled in), the same row again, or a file without the worker. The
    member record is kept (found by the blind index of the ID number and updated in place), so
    the sign-ins named by its id before the import are still listed by the application's number."""
    from rewards.registries.importers import import_members
    from rewards.registries.models import Member

    from ..registries.tables import write_csv
    from ..registries.test_import_members import HEADER, member_row

    member = factories.make_member(union=xihu)
    application = factories.make_application(campaign=campaign, member=member)
    client = Client(HTTP_HOST=HOST)
    sign_in(client, member)
    assert client.post("/worker/signout").status_code == 302
    before = [e.pk for e in AuditEvent.objects.filter(action__startswith="applicant.", object_id=str(member.pk)).order_by("pk")]
    assert len(before) == 3  # the code sent, the sign-in, the sign-out

    changed = member_row(id_number=member.id_number, name=member.name, union=xihu.name, grassroots="杭州西湖精密机械有限公司工会")
    other = member_row(union=xihu.name)
    for rows in ([changed, other], [changed], [other]):  # updated, unchanged, left out
        import_members(write_csv(tmp_path / "members.csv", HEADER, rows))
    report = import_members(write_csv(tmp_path / "members.csv", HEADER, [changed]))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)

    kept = Member.objects.get(id_hash=member.id_hash)
    assert kept.pk == member.pk and kept.phone == changed[2] and kept.grassroots_union is not None
    # A sign-in after the import names the same record; the search lists both, before and after.
    sign_in(Client(HTTP_HOST=HOST), member)
    after = AuditEvent.objects.filter(action="applicant.sign_in", pk__gt=before[-1]).get()
    assert (after.object_type, after.object_id) == ("registries.member", str(member.pk))
    found = set(ids_on(signed_in(auditor).get(URL, {"application_no": application.application_no})))
    assert set(before) | {after.pk} <= found
