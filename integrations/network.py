"""One outgoing HTTP POST to an address an admin typed, refused unless it is public (SSRF).

The host is resolved once; every address it resolves to must be public (not private, loopback, link-local,
multicast, reserved or unspecified), unless the admin allowed a private network for this destination. The
connection then goes to the address that was checked (a second lookup could answer otherwise: DNS rebinding),
with the host's name for the Host header and TLS. Redirects are never followed: a 3xx is a failure like a 5xx.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10


class AddressRefused(Exception):
    """The destination is not one we may send to (private, loopback…, or not http(s))."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def address_check(url: str, *, allow_private: bool) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to) of ``url``, checked; raises ``AddressRefused``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"not an http(s) address: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"{parts.hostname} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not allow_private:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not _public(ip):
                raise AddressRefused(f"{parts.hostname} resolves to {address}, which is not a public address")
    return parts.scheme, parts.hostname, port, addresses[0]


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
    )


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool) -> Answer:
    """POST ``body`` to ``url`` (checked as ``address_check`` does, connected to the checked address), no redirect
    followed. Raises ``AddressRefused``, or ``OSError`` / ``http.client.HTTPException`` when it cannot be sent."""
    scheme, host, port, address = address_check(url, allow_private=allow_private)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = connection_class(host, port, address=address, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("POST", target, body=body, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return Answer(status=response.status, body=response.read(64 * 1024))
    finally:
        connection.close()


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
