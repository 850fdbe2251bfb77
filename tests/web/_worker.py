"""Helpers of the worker pages' tests (test_worker_*.py): the materials, the Annex 3 form as the
worker types it, the SMS sign-in, a submission and its one-time query password."""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rewards.applications.models import Application
from rewards.core.vocab import Status
from rewards.notifications.models import SmsMessage
from rewards.web.worker import session as worker_session
from tests import factories

HOST = "127.0.0.1"


def jpeg(color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), color).save(buffer, "JPEG")
    return buffer.getvalue()


def materials(**skip: bool) -> dict[str, SimpleUploadedFile]:
    colours = {"id_card_file": (200, 60, 60), "certificate_file": (60, 160, 60), "bank_card_file": (60, 60, 200)}
    return {
        name: SimpleUploadedFile(f"{name}.jpg", jpeg(colour), content_type="image/jpeg")
        for name, colour in colours.items()
        if not skip.get(name)
    }


def form_for(member, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the worker types on /worker/apply (name and ID come from the sign-in)."""
    data = factories.annex3(member, is_migrant="否")
    for key in ("name", "id_number"):
        data.pop(key)
    data.update(overrides)
    return data


def latest_code() -> str:
    message = SmsMessage.objects.filter(template="otp").order_by("-created_at", "-pk").first()
    assert message is not None, "no SMS code was sent"
    return str(message.params["code"])


def sign_in(client: Client, member, next_url: str = "/worker/mine") -> None:  # type: ignore[no-untyped-def]
    response = client.post("/worker/signin", {"id_number": member.id_number, "name": member.name, "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/worker/signin/code"
    response = client.post("/worker/signin/code", {"code": latest_code()})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.session[worker_session.SESSION_KEY] == member.id_hash


def submit(client: Client, member, **overrides: Any) -> Application:  # type: ignore[no-untyped-def]
    response = client.post("/worker/apply", {**form_for(member, **overrides), **materials()})
    assert response.status_code == 302, response.content.decode()[:3000]
    return Application.objects.get(id_hash=member.id_hash, status=Status.PENDING_DISTRICT)


#: A date kept on one line (``whole_dates``): the words read the same without the span.
WHOLE_DATE = re.compile(r'<span class="nowrap">([^<]*)</span>')


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's HTML as its sentences read: each date's ``nowrap`` span (``whole_dates``) left
    out, so that “在2020年12月25日前（含当日）重新提交” is found whole."""
    return WHOLE_DATE.sub(r"\1", response.content.decode())


def submitted_with_password(client: Client, member) -> tuple[Application, str]:  # type: ignore[no-untyped-def]
    sign_in(client, member)
    application = submit(client, member)
    body = text(client.get("/worker/done"))
    return application, body.split('id="query-password">')[1].split("<")[0]
