"""Driving the online channel through the API as a worker and as staff."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rewards.notifications.models import SmsMessage

from .. import factories
from ..conftest import PASSWORD


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (64, 48), color: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def materials() -> dict[str, SimpleUploadedFile]:
    return {
        "id_card_file": jpeg("id.jpg"),
        "certificate_file": jpeg("cert.jpg", color="blue"),
        "bank_card_file": jpeg("card.jpg", color="green"),
    }


def latest_code() -> str:
    """The last SMS code: from the outbox while unsent, else from the file backend's log
    (the outbox masks a code once its message is settled)."""
    code = SmsMessage.objects.filter(template="otp").order_by("-pk").first().params["code"]
    if code.isdigit():
        return code
    from django.conf import settings

    assert settings.SMS_BACKEND == "file", "use the file SMS backend in tests that commit"
    last = Path(settings.SMS_FILE_PATH).read_text(encoding="utf-8").splitlines()[-1]
    match = re.search(r"验证码为(\d{6})", json.loads(last)["text"])
    assert match
    return match[1]


def applicant_token(api, member) -> str:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/applicant/otp", {"id_number": member.id_number, "name": member.name}, content_type="application/json")
    assert response.status_code == 202, response.content
    code = latest_code()
    response = api.post("/api/v1/applicant/session", {"id_number": member.id_number, "code": code}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def submit(api, token: str, form: dict, files: dict | None = None):  # type: ignore[no-untyped-def]
    body = {key: value for key, value in form.items() if value is not None}
    body.update(files if files is not None else materials())
    return api.post("/api/v1/applications", body, **bearer(token))


def staff_token(api, user) -> str:  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/auth/token", {"username": user.username, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def decide(api, token: str, number: str, decision: str, opinion: str = ""):  # type: ignore[no-untyped-def]
    return api.post(
        f"/api/v1/review/applications/{number}/decision",
        {"decision": decision, "opinion": opinion},
        content_type="application/json",
        **bearer(token),
    )


def registered_form(member, **overrides):  # type: ignore[no-untyped-def]
    """An Annex 3 form whose certificate is in the HR registry as declared (no signal)."""
    form = factories.annex3(member, **overrides)
    factories.register_certificate(member, form)
    return form
