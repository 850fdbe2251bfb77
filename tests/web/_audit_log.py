"""What the audit log pages' tests share (test_audit_pages.py, test_audit_chain_pages.py); their
fixtures ``audit_story`` and ``auditor_client`` are in conftest.py."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client

from rewards.core import clock

URL = "/staff/audit"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def ids_on(response) -> list[int]:  # type: ignore[no-untyped-def]
    """The entry ids listed on a search page, in the order shown."""
    assert response.status_code == 200, response.content.decode()[:500]
    return [int(pk) for pk in re.findall(r'class="audit-id">#(\d+)<', response.content.decode())]


def at(monkeypatch, when: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    """The next entries are written at ``when`` (the audit clock is the real one otherwise)."""
    monkeypatch.setattr(clock, "now", lambda: when)


class Request:
    """Just what audit() reads of a request: the user and the client address."""

    def __init__(self, user, ip: str) -> None:  # type: ignore[no-untyped-def]
        self.user = user
        self.META = {"REMOTE_ADDR": ip}


def search(client: Client, **params) -> list[int]:  # type: ignore[no-untyped-def]
    return ids_on(client.get(URL, params))
