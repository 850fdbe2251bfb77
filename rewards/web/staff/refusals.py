"""How a refused staff form is told: the Chinese sentence of a domain error, and the values the
user typed, kept for the page the browser is sent back to (POST-redirect-GET).

A refusal is no longer drawn at the address the form was posted to: reloading that page would
post the form again, and the browser's Back button would ask to. The view keeps the message
and the typed values in the session and redirects to the form's page, which takes them once.
What was typed (an opinion, a note) may name a person, so it is stored encrypted, as the
worker's pages keep a query password (``crypto.encrypt``).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

from rewards.core import crypto
from rewards.core.errors import DomainError

SESSION_KEY = "staff_refused_forms"
#: Refusals kept at once (several tabs); the oldest goes first.
KEPT_AT_MOST = 5


def error_text(exc: DomainError) -> str:
    """The sentence a page shows for ``exc``: its fields' messages when it names fields."""
    if exc.fields:
        return "；".join(text for texts in exc.fields.values() for text in texts)
    return exc.message


def keep(request: HttpRequest, form: str, *, message: str, values: dict[str, Any] | None = None) -> None:
    """Keep a refusal of ``form`` (e.g. ``decision:2020…``) for the next rendering of its page."""
    kept: dict[str, Any] = dict(request.session.get(SESSION_KEY) or {})
    kept.pop(form, None)
    while len(kept) >= KEPT_AT_MOST:
        kept.pop(next(iter(kept)))
    kept[form] = {"message": message, "values": crypto.encrypt(json.dumps(values or {}, ensure_ascii=False, default=str))}
    request.session[SESSION_KEY] = kept


def take(request: HttpRequest, form: str) -> dict[str, Any] | None:
    """The refusal kept for ``form`` (``message`` and ``values``), once; None when there is none."""
    kept: dict[str, Any] = dict(request.session.get(SESSION_KEY) or {})
    entry = kept.pop(form, None)
    if entry is None:
        return None
    request.session[SESSION_KEY] = kept
    try:
        values = json.loads(crypto.decrypt(entry["values"]))
    except Exception:  # a key rotated away meanwhile: the message still says what happened
        values = {}
    return {"message": str(entry.get("message") or ""), "values": values if isinstance(values, dict) else {}}
