"""Helpers of the staff authentication tests: sign-in through the page and the API, codes
from a user's authenticator, and a clock that can be moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
from django.test import Client

from rewards.core import clock
from rewards.identity import mfa
from rewards.identity.lockout import sign_in_failed, unlock
from rewards.identity.models import StaffTotp
from tests.conftest import PASSWORD

HOST = "127.0.0.1"


def web_client() -> Client:
    return Client(HTTP_HOST=HOST)


def web_login(client: Client, username: str, password: str = PASSWORD, **extra: Any):  # type: ignore[no-untyped-def]
    return client.post("/staff/login", {"username": username, "password": password, **extra})


def api_token(client: Client, username: str, password: str = PASSWORD, otp: str | None = None):  # type: ignore[no-untyped-def]
    body: dict[str, str] = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/v1/auth/token", body, content_type="application/json")


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` steps of 30 s later)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now().timestamp()) + steps_ahead)


def enrol(user: Any) -> str:
    """Binds an authenticator to ``user`` through the services; returns its secret."""
    device = mfa.mfa_enrol_start(user=user)
    secret = device.pending_secret
    # The confirming code is used up: sign-ins in the same 30 s need the next step's code.
    assert mfa.mfa_enrol_confirm(user=user, code=code_for(secret))
    return secret


def next_code(user: Any) -> str:
    """A code of the user's authenticator that has not been used yet (the next time step)."""
    device = StaffTotp.objects.get(user=user)
    totp = pyotp.TOTP(device.secret)
    current = totp.timecode(clock.now().timestamp())
    step = max(current - mfa.DRIFT_STEPS, device.last_step + 1)
    assert step <= current + mfa.DRIFT_STEPS, "no unused code left in the drift window"
    return totp.generate_otp(step)


class MovableClock:
    """``rewards.core.clock.now`` moved forward by a test (throttles, sessions and codes use it).
    ``frozen``: it stands still between moves, for tests of a limit to the second."""

    def __init__(self, monkeypatch: Any, *, frozen: bool = False) -> None:
        self.offset = dt.timedelta()
        real = clock.now
        start = real()
        monkeypatch.setattr(clock, "now", (lambda: start + self.offset) if frozen else (lambda: real() + self.offset))

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


def admin_session(user: Any, page: str = "/admin/organisations/staffuser/") -> Client:
    """An administrator signed in as production wants: password, then a code of their
    authenticator (enrolled here when they have none)."""
    if not StaffTotp.objects.filter(user=user).exists():
        enrol(user)
    client = web_client()
    assert web_login(client, user.username)["Location"] == "/staff/login/otp"
    assert client.post("/staff/login/otp", {"code": next_code(user)}).status_code == 302
    assert client.get(page).status_code == 200
    return client


def refused_everywhere(username: str, password: str) -> None:
    """The password signs in nowhere (page, API), with the answer of any failure."""
    page = web_login(web_client(), username, password)
    assert page.status_code == 200 and sign_in_failed() in page.content.decode()  # not on to enrolment
    token = api_token(web_client(), username, password)
    assert token.status_code == 401 and token.json()["error"]["code"] == "not_authenticated"
    unlock(username)  # these attempts are not what the lockout is about
