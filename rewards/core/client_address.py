"""The client's address when the server sits behind reverse proxies (nginx terminating HTTPS).

Behind a proxy every request comes from the proxy's address: the audit log would record it for
everybody, and the throttles kept per client (the self-check, failed status queries) would count
the whole city as one client. ``TRUSTED_PROXIES`` names the proxies (addresses or networks);
for a request from one of them, :class:`ClientAddressMiddleware` takes the client from
``X-Forwarded-For``, right to left, skipping the trusted hops: the entries further left were
written by the client itself and prove nothing. Without the setting the header is ignored, so a
client cannot choose the address it is counted under.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def trusted_networks(values: Iterable[str]) -> tuple[Network, ...]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES 中的“{value}”不是 IP 地址或网段（例如 127.0.0.1 或 10.0.0.0/8）。") from exc
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def forwarded_client(remote_addr: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address: ``remote_addr`` unless it is a trusted proxy; then the right-most
    ``X-Forwarded-For`` entry that is not a trusted proxy (or the left-most if all of them are).
    An entry that is not an address ends the walk at the last trusted hop."""
    peer = _address(remote_addr)
    if peer is None or not _trusted(peer, networks):
        return remote_addr
    client = remote_addr
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break
        client = str(address)
        if not _trusted(address, networks):
            break
    return client


class ClientAddressMiddleware:
    """Sets ``REMOTE_ADDR`` to the client's address for requests through a trusted proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = trusted_networks(getattr(settings, "TRUSTED_PROXIES", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.networks:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
            if forwarded:
                request.META["REMOTE_ADDR"] = forwarded_client(request.META.get("REMOTE_ADDR", ""), forwarded, self.networks)
        return self.get_response(request)
