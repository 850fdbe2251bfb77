"""The client's address behind reverse proxies: taken from X-Forwarded-For only when the request
comes from a proxy named in TRUSTED_PROXIES, so that the audit log and the per-client throttles
see each client, and a client cannot pick the address it is counted under."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from rewards.core.client_address import forwarded_client, trusted_networks
from rewards.core.models import AuditEvent
from tests import factories

PROXY = trusted_networks(["127.0.0.1", "10.0.0.0/8", "fd00::/8"])


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),  # one proxy
        ("127.0.0.1", "203.0.113.5, 10.1.2.3", "203.0.113.5"),  # two proxies: the inner one is skipped
        ("127.0.0.1", "198.51.100.66, 203.0.113.5", "203.0.113.5"),  # the client wrote the first one itself
        ("127.0.0.1", "10.9.9.9, 10.1.2.3", "10.9.9.9"),  # every hop trusted: the left-most
        ("127.0.0.1", "unknown, 203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", "203.0.113.5, not-an-address", "127.0.0.1"),  # the proxy wrote garbage: its own address
        ("127.0.0.1", " 2001:DB8::7 ", "2001:db8::7"),
        ("fd00::1", "203.0.113.5", "203.0.113.5"),
        ("192.0.2.10", "203.0.113.5", "192.0.2.10"),  # not a trusted proxy: the header proves nothing
        ("", "203.0.113.5", ""),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(remote, forwarded, client):  # type: ignore[no-untyped-def]
    assert forwarded_client(remote, forwarded, PROXY) == client


def test_a_proxy_list_that_is_not_addresses_stops_the_start():
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES 中的“nginx”不是 IP 地址或网段"):
        trusted_networks(["127.0.0.1", "nginx"])


@pytest.fixture
def fresh_cache():  # type: ignore[no-untyped-def]
    caches["default"].clear()
    yield
    caches["default"].clear()


def check(client: Client, member, **extra):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/eligibility", factories.annex3(member), content_type="application/json", **extra)


def test_without_trusted_proxies_a_made_up_forwarded_address_escapes_no_throttle(  # type: ignore[no-untyped-def]
    campaign, member, business_day, settings, fresh_cache
):
    settings.THROTTLES = {**settings.THROTTLES, "eligibility": "2/min"}
    settings.TRUSTED_PROXIES = []
    client = Client(HTTP_HOST="127.0.0.1")
    answers = [check(client, member, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)]
    assert answers == [200, 200, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_count(campaign, member, business_day, settings, fresh_cache):  # type: ignore[no-untyped-def]
    settings.THROTTLES = {**settings.THROTTLES, "eligibility": "1/min"}
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    first = check(client, member, HTTP_X_FORWARDED_FOR="203.0.113.5")
    # The same client again, hiding behind an address it wrote itself: still counted as itself.
    again = check(client, member, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
    other = check(client, member, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert [first.status_code, again.status_code, other.status_code] == [200, 429, 200]


def test_failed_status_queries_of_one_client_do_not_lock_out_the_others(campaign, business_day, settings):  # type: ignore[no-untyped-def]
    settings.THROTTLES = {**settings.THROTTLES, "query_failure_client": "2/15min"}
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")

    def query(forwarded: str) -> int:
        body = {"id_number": factories.new_id_number(), "query_password": "WRONG12345"}
        return client.post("/api/v1/applications/query", body, content_type="application/json", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [query("203.0.113.5") for _ in range(3)] == [404, 404, 429]
    assert query("203.0.113.6") == 404  # another worker behind the same proxy


def test_the_audit_log_records_the_client_behind_the_proxy(xihu_reviewer, settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    client.post("/staff/login", {"username": xihu_reviewer.username, "password": "wrong-password"}, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AuditEvent.objects.latest("pk").client_ip == "203.0.113.5"
