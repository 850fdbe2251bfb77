"""Mass assignment (SECURITY.md 4): the server-owned fields a cheat sends, and the requests that
send them, for test_mass_assignment_applications.py and test_mass_assignment_administration.py."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from rewards.identity.services import otp_request, otp_verify
from rewards.notifications.models import SmsMessage

from .adversarial_world import Answer, World, anonymous, send


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
