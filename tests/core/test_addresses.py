"""core.addresses: forwarded headers are believed only from our own proxies, and IPv6 clients count by /64."""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from core.addresses import UntrustedForwardingMiddleware, client_address, client_network, proxy_networks
from tests.test_deploy_check import run_manage

PROXY = "172.30.0.2"  # the Compose proxy's fixed address (docker-compose.yml)


def request_from(peer: str, forwarded_for: str | None = None, **meta: str):
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/sign-in/", REMOTE_ADDR=peer, **meta)


@pytest.fixture
def behind_the_proxy(settings):
    settings.TRUSTED_PROXIES = proxy_networks([PROXY])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards(settings):
    settings.TRUSTED_PROXIES = ()

    assert client_address(request_from("203.0.113.10", "10.9.9.9")) == "203.0.113.10"


def test_a_caller_that_is_not_the_proxy_is_counted_by_its_own_address(behind_the_proxy):
    # gunicorn reached directly (the port published by mistake): its X-Forwarded-For is the caller's invention.
    assert client_address(request_from("198.51.100.7", "10.0.0.1")) == "198.51.100.7"
    assert client_address(request_from("198.51.100.7", f"10.0.0.2, {PROXY}")) == "198.51.100.7"


def test_behind_the_proxy_the_client_is_the_address_the_proxy_saw(behind_the_proxy):
    # The client sent "10.9.9.9" itself; the proxy appended the address it saw.
    assert client_address(request_from(PROXY, "10.9.9.9, 198.51.100.7")) == "198.51.100.7"
    assert client_address(request_from(PROXY, "198.51.100.7")) == "198.51.100.7"
    # The proxy asking for itself (a health check) is the proxy.
    assert client_address(request_from(PROXY)) == PROXY


def test_a_chain_of_our_proxies_is_walked_past_and_never_further(settings):
    settings.TRUSTED_PROXIES = proxy_networks([PROXY, "10.20.0.0/16"])
    # A load balancer (10.20.x) in front of the Compose proxy: both ours; the client is the first address that is not.
    assert client_address(request_from(PROXY, "6.6.6.6, 198.51.100.7, 10.20.3.4")) == "198.51.100.7"


def test_an_entry_that_is_not_an_address_stops_at_the_last_proxy_reached(behind_the_proxy):
    assert client_address(request_from(PROXY, "198.51.100.7, not-an-address")) == PROXY
    assert client_address(request_from("not-an-address")) is None


def test_an_ipv4_peer_seen_through_a_dual_stack_socket_is_that_ipv4_address(behind_the_proxy):
    assert client_address(request_from("::ffff:198.51.100.7")) == "198.51.100.7"
    assert client_address(request_from(f"::ffff:{PROXY}", "198.51.100.8")) == "198.51.100.8"


def test_an_ipv6_client_counts_by_its_64_and_an_ipv4_client_by_its_address(behind_the_proxy):
    one, other_in_the_64 = "2001:db8:1:2::1", "2001:db8:1:2:ffff:ee:dd:cc"

    assert client_network(request_from(one)) == client_network(request_from(other_in_the_64)) == "2001:db8:1:2::"
    assert client_network(request_from(PROXY, other_in_the_64)) == "2001:db8:1:2::"
    assert client_network(request_from("2001:db8:1:3::1")) == "2001:db8:1:3::"
    assert client_network(request_from("198.51.100.7")) == "198.51.100.7"
    assert client_network(request_from("nonsense")) is None


def test_forwarded_headers_from_anyone_but_a_trusted_proxy_are_dropped_before_django_reads_them(
    behind_the_proxy, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as the settings set it with proxies
    seen = {}

    def view(request):
        seen.update(secure=request.is_secure(), forwarded=request.META.get("HTTP_X_FORWARDED_FOR"))
        return HttpResponse()

    middleware = UntrustedForwardingMiddleware(view)
    headers = {"HTTP_X_FORWARDED_PROTO": "https"}

    middleware(request_from("198.51.100.7", "10.0.0.1", **headers))
    assert seen == {"secure": False, "forwarded": None}
    middleware(request_from(PROXY, "198.51.100.7", **headers))
    assert seen == {"secure": True, "forwarded": "198.51.100.7"}


def test_trusted_proxies_are_addresses_or_networks_and_nonsense_is_refused():
    assert proxy_networks(["172.30.0.2", " 10.0.0.0/8", "fd00::/8", ""]) == (
        ipaddress.ip_network("172.30.0.2/32"),
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
    )
    with pytest.raises(ImproperlyConfigured, match=r"'proxy\.local' is neither an IP address nor a network"):
        proxy_networks(["proxy.local"])


PRINT_PROXIES = "from django.conf import settings; print(settings.TRUSTED_PROXIES, settings.SECURE_PROXY_SSL_HEADER)"
DEBUG_RUN = {"DEBUG": "True", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"}


def test_the_settings_read_trusted_proxies_from_the_environment():
    behind = run_manage(
        "shell", "--no-imports", "-c", PRINT_PROXIES, TRUSTED_PROXIES="172.30.0.2,10.20.0.0/16", **DEBUG_RUN
    )
    alone = run_manage("shell", "--no-imports", "-c", PRINT_PROXIES, **DEBUG_RUN)

    assert behind.returncode == 0, behind.stderr
    assert behind.stdout.strip() == (
        "(IPv4Network('172.30.0.2/32'), IPv4Network('10.20.0.0/16')) ('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    # Nothing in front: no forwarded header is read, not even the scheme.
    assert alone.stdout.strip() == "() None"


def test_a_server_still_told_behind_tls_proxy_refuses_to_start_and_says_what_replaced_it():
    result = run_manage("check", BEHIND_TLS_PROXY="True", **DEBUG_RUN)

    assert result.returncode != 0
    assert "BEHIND_TLS_PROXY is gone: name the proxies in front in TRUSTED_PROXIES" in result.stderr
