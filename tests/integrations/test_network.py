"""One POST to an admin's address: refused when the host is, or resolves to, anything but a public address (SSRF),
unless the admin allowed a private network for it."""

import pytest

from integrations.network import AddressRefused, address_check

NOT_PUBLIC = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",  # a name: resolved, then refused for what it resolves to
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",  # link-local: a cloud's metadata service
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4 loopback written as IPv6
    "http://[fe80::1]/hook",
    "http://224.0.0.1/hook",
]


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_private_loopback_or_link_local_address_is_refused(url):
    with pytest.raises(AddressRefused):
        address_check(url, allow_private=False)


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "http:///nohost"])
def test_only_http_and_https_addresses_with_a_host(url):
    with pytest.raises(AddressRefused):
        address_check(url, allow_private=True)


def test_a_public_address_passes_and_is_the_one_connected_to():
    assert address_check("https://93.184.215.14/hook", allow_private=False) == (
        "https",
        "93.184.215.14",
        443,
        "93.184.215.14",
    )


def test_the_admin_may_allow_a_private_address_for_one_destination():
    assert address_check("http://127.0.0.1:9100/robot/send", allow_private=True)[3] == "127.0.0.1"
