"""The audit log: who, in which role and organisation, from where, did what to which object
with what result; append-only and hash-chained (SECURITY.md 17)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory

from rewards.core.audit import audit, verify_chain
from rewards.core.models import AuditChainHead, AuditEvent

TABLE = AuditEvent._meta.db_table


def raw_sql(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def chain_of(count: int, city) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return [audit("test.step", obj=city, detail={"step": n}, actor_label="cli") for n in range(count)]


def test_an_entry_records_actor_role_organisation_address_object_action_and_result(xihu_reviewer, xihu_grassroots):
    request = RequestFactory().post("/staff/", REMOTE_ADDR="10.20.30.40")
    request.user = xihu_reviewer

    event = audit("organisation.view", request=request, obj=xihu_grassroots, result="denied", detail={"reason": "scope"})

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == xihu_reviewer
    assert stored.actor_label == "xihu.reviewer"
    assert stored.role == "district_reviewer"
    assert stored.organisation_id == xihu_reviewer.organisation_id
    assert stored.client_ip == "10.20.30.40"
    assert (stored.object_type, stored.object_id) == ("organisations.organisation", str(xihu_grassroots.pk))
    assert (stored.action, stored.result, stored.detail) == ("organisation.view", "denied", {"reason": "scope"})
    assert stored.at is not None
    assert stored.entry_hash == stored.compute_hash()


def test_an_explicit_actor_and_object_id_without_a_request(city_reviewer):
    event = audit("application.view_full", actor=city_reviewer, object_type="applications.application", object_id=42)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.role, stored.organisation_id) == (city_reviewer, "city_reviewer", city_reviewer.organisation_id)
    assert (stored.object_type, stored.object_id, stored.result) == ("applications.application", "42", "ok")
    assert stored.client_ip is None


def test_a_system_entry_has_no_actor(city):
    event = audit("campaign.reminder", obj=city)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_label, stored.role, stored.organisation_id) == (None, "system", "", None)


def test_entries_are_chained(city):
    head = AuditEvent.objects.order_by("-id").first()  # loading the campaign wrote the first entries
    events = chain_of(3, city)

    assert events[0].prev_hash == (head.entry_hash if head else "")
    assert events[1].prev_hash == events[0].entry_hash
    assert events[2].prev_hash == events[1].entry_hash
    assert AuditChainHead.objects.get(pk=1).last_hash == events[2].entry_hash


def test_an_entry_cannot_be_changed_through_the_model(city):
    event = chain_of(1, city)[0]
    count = AuditEvent.objects.count()

    event.result = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(result="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(result="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.result == "ok"
    assert AuditEvent.objects.count() == count


def test_verify_chain_is_empty_on_an_intact_chain(city, xihu_reviewer):
    chain_of(3, city)
    audit("staff.login", actor=xihu_reviewer, detail={"nested": {"b": 2, "a": [1, "二"]}})

    assert verify_chain() == []


def test_verify_chain_finds_an_edited_detail(city):
    events = chain_of(4, city)
    forged = AuditEvent._meta.get_field("detail").get_db_prep_value({"step": 99}, connection)

    raw_sql(f"UPDATE {TABLE} SET detail = %s WHERE id = %s", [forged, events[1].pk])

    assert AuditEvent.objects.get(pk=events[1].pk).detail == {"step": 99}
    problems = verify_chain()
    assert problems
    assert any(f"第 {events[1].pk} 条" in problem and "被修改" in problem for problem in problems)


def test_verify_chain_finds_an_edited_result(city):
    events = chain_of(3, city)

    raw_sql(f"UPDATE {TABLE} SET result = %s WHERE id = %s", ["denied", events[2].pk])

    assert any(f"第 {events[2].pk} 条" in problem for problem in verify_chain())


def test_verify_chain_finds_a_deleted_middle_row(city):
    events = chain_of(4, city)

    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])

    problems = verify_chain()
    assert problems
    assert any(f"第 {events[2].pk} 条" in problem and "删除" in problem for problem in problems)


def test_verify_chain_finds_a_deleted_last_row(city):
    events = chain_of(3, city)

    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])

    assert any("链头" in problem for problem in verify_chain())


def test_verify_chain_finds_a_rehashed_edit(city):
    """Rewriting a row together with its own hash still breaks the link to the next row."""
    events = chain_of(3, city)
    event = AuditEvent.objects.get(pk=events[1].pk)
    event.result = "forged"
    new_hash = event.compute_hash()

    raw_sql(f"UPDATE {TABLE} SET result = %s, entry_hash = %s WHERE id = %s", ["forged", new_hash, event.pk])

    assert any(f"第 {events[2].pk} 条" in problem for problem in verify_chain())


def test_an_ipv6_address_is_stored_and_hashed_in_its_canonical_form(xihu_reviewer):  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/staff/", REMOTE_ADDR="2001:0DB8:0000::0001")
    request.user = xihu_reviewer

    event = audit("organisation.view", request=request)

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.client_ip == "2001:db8::1"
    assert stored.entry_hash == stored.compute_hash()
    assert verify_chain() == []
