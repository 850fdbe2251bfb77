"""The worker's session: signed in by ID number + SMS code, signed out after 30 minutes idle.

The session holds only the blind index of the ID number (``applicant_id_hash``); between the
two sign-in steps it holds the typed ID number encrypted, never in clear. The code step lasts
15 minutes; after that the session still remembers, for an hour, what this browser typed on the
first step, so that a worker who went to find the phone is offered a new code instead of the
empty first page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from rewards.core import clock, crypto

SESSION_KEY = "applicant_id_hash"
SEEN_KEY = "applicant_seen"
PENDING_KEY = "worker_signin"
DONE_KEY = "worker_done"
NEW_PASSWORD_KEY = "worker_new_password"  # noqa: S105 - a session key, not a password
#: A refusal (or a note) about one application, shown once inside its card on 我的申请.
CARD_NOTICE_KEY = "worker_card_notice"
IDLE_SECONDS = 30 * 60
#: The SMS code lives 10 minutes; the half-finished sign-in (a code typed is checked) a little longer.
PENDING_SECONDS = 15 * 60
#: How long after its last code an expired sign-in step is remembered, to send a new code
#: without typing the ID number and name again; then it is forgotten.
REMEMBER_SECONDS = 60 * 60


def _now() -> float:
    return clock.now().timestamp()


def sign_in(request: HttpRequest, id_hash: str) -> None:
    """A new session key for the signed-in worker (no session fixation)."""
    request.session.cycle_key()
    request.session.pop(PENDING_KEY, None)
    request.session[SESSION_KEY] = id_hash
    request.session[SEEN_KEY] = _now()
    # The cookie and the stored session end 30 minutes after the last request that saved it;
    # every signed-in page saves it (SEEN_KEY changes), so this is an idle timeout.
    request.session.set_expiry(IDLE_SECONDS)


def sign_out(request: HttpRequest) -> None:
    request.session.flush()


def signed_in(request: HttpRequest) -> str | None:
    """The signed-in worker's ID hash, or None; an idle session is ended here."""
    id_hash = request.session.get(SESSION_KEY)
    if not id_hash:
        return None
    if _now() - float(request.session.get(SEEN_KEY) or 0) > IDLE_SECONDS:
        sign_out(request)
        return None
    request.session[SEEN_KEY] = _now()
    return str(id_hash)


def safe_next(request: HttpRequest, default: str) -> str:
    """Only a worker page of this site is a place to go back to after signing in."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/worker/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def applicant_required(view: View) -> View:
    """Pages for a signed-in worker; others go to the sign-in page and come back afterwards."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        had_session = bool(request.session.get(SESSION_KEY))
        id_hash = signed_in(request)
        if id_hash is None:
            if request.headers.get("X-Worker-Upload") == "1":
                # The page's script sent the form: it keeps the form and says how to sign in again.
                from .precheck import signed_out_answer

                return signed_out_answer(request)
            if had_session:
                messages.warning(request, "您已超过30分钟未操作，为保护您的个人信息已自动退出，请重新登录。")
            else:
                messages.info(request, "请先登录。")
            back = request.path if request.method == "GET" else reverse("worker:mine")
            return redirect(f"{reverse('worker:signin')}?{urlencode({'next': back})}")
        request.applicant_id_hash = id_hash  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def pending_sign_in(request: HttpRequest) -> dict[str, Any] | None:
    """The first step's result (ID encrypted, name, masked mobile, ``expired``), or None.

    ``expired`` is true past the step's 15 minutes: no code is checked any more, but a new one
    may be sent with what was typed. Past :data:`REMEMBER_SECONDS` the step is forgotten."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    age = _now() - float(pending.get("at") or 0)
    if age > REMEMBER_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return {**pending, "expired": age > PENDING_SECONDS}


def forget_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def remember_pending(request: HttpRequest, *, id_number: str, name: str, masked_phone: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {
        "id": crypto.encrypt(id_number),
        "name": name,
        "phone": masked_phone,
        "next": next_url,
        "at": _now(),
    }


def pending_id_number(pending: dict[str, Any]) -> str:
    return crypto.decrypt(pending["id"])
