"""Where a request comes from: the peer, or behind our own proxies the client they saw; and the network it stands for.

Forwarded headers are the caller's to write unless a proxy of ours wrote them, so they are believed only from a peer
in ``TRUSTED_PROXIES`` (addresses or networks, from the environment). Everything that counts or locks by address
(the sign-in lockout, the public form's limits) reads ``client_network``: an IPv6 client holds a whole /64 (a phone,
a household), so counting its single addresses would let it pick a fresh one for every try.
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address
type Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The prefix an IPv6 client is counted by: the smallest a provider hands out to one line or phone.
IPV6_CLIENT_PREFIX = 64

# Headers a proxy writes about the request it passed on; from anyone else they are dropped.
FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
)


def proxy_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` read from the environment: each entry an address or a network (``172.30.0.2``,
    ``10.0.0.0/8``, ``fd00::/8``). A server told something it cannot read refuses to start."""
    networks = []
    for entry in (entry.strip() for entry in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is neither an IP address nor a network (e.g. 172.30.0.2, 10.0.0.0/8)."
            ) from exc
    return tuple(networks)


def client_address(request: HttpRequest) -> str | None:
    """The address of whoever sent ``request``: the peer's (``REMOTE_ADDR``) or, when the peer is a trusted proxy,
    the first address from the right of ``X-Forwarded-For`` that is not one of ours.

    Each trusted proxy appends the address it saw, so the entries are read from the right, past our own proxies;
    what lies further left is whatever the client sent and is never read. An entry that is not an address stops
    the walk at the last proxy reached: a misconfigured chain then counts everyone as that proxy, never as
    someone the client named.
    """
    hop = _parsed(request.META.get("REMOTE_ADDR", ""))
    if hop is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    while _is_trusted_proxy(hop) and forwarded:
        previous = _parsed(forwarded.pop())
        if previous is None:
            break
        hop = previous
    return str(hop)


def client_network(request: HttpRequest) -> str | None:
    """What the client is counted by: its IPv4 address, or its IPv6 address's /64 (as that network's first address,
    so that it fits wherever an address does)."""
    address = client_address(request)
    if address is None:
        return None
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False).network_address)
    return address


class UntrustedForwardingMiddleware:
    """Drops the forwarded headers of a request whose peer is not a trusted proxy, before anything reads them:
    Django's ``is_secure()`` (``SECURE_PROXY_SSL_HEADER``) would otherwise take a client's word that it came over
    TLS. First in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        peer = _parsed(request.META.get("REMOTE_ADDR", ""))
        if peer is None or not _is_trusted_proxy(peer):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


def _is_trusted_proxy(address: Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES if network.version == address.version)


def _parsed(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: the same client as a.b.c.d.
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
