"""portal/domain/network.py: which addresses a webhook may not reach, and why; every special
range of IPv4 and IPv6 at and beside its edges, and IPv4 addresses carried inside IPv6 ones."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest

from portal.domain.network import blocked_reason, host_key

BLOCKED = [
    # IPv4
    ("0.0.0.0", "unspecified"),  # noqa: S104 - judged, never bound
    ("0.1.2.3", "reserved"),
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.0.1", "private"),
    ("192.168.255.255", "private"),
    ("169.254.0.1", "link-local"),
    ("169.254.169.254", "link-local"),  # the cloud metadata service
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("192.0.0.1", "IETF protocol assignment"),
    ("192.0.0.170", "IETF protocol assignment"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.255", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("192.88.99.1", "deprecated 6to4 relay anycast"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("254.255.255.255", "reserved"),
    ("255.255.255.255", "broadcast"),
    # IPv6
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("febf:ffff::1", "link-local"),
    ("fc00::1", "private (unique local)"),
    ("fd12:3456:789a::1", "private (unique local)"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("ff0e::101", "multicast"),
    ("2001:db8::1", "documentation"),
    ("2001:db8:ffff:ffff::1", "documentation"),
    ("3fff::1", "documentation"),
    ("3fff:fff:ffff::1", "documentation"),
    ("2001:2::1", "benchmarking"),
    ("2001:10::1", "IETF protocol assignment"),
    ("2001:1ff::1", "IETF protocol assignment"),
    ("64:ff9b:1::1", "reserved (outside IPv6 global unicast)"),  # local-use NAT64
    ("100::1", "reserved (outside IPv6 global unicast)"),  # discard-only
    ("5f00::1", "reserved (outside IPv6 global unicast)"),  # SRv6 SIDs
    ("1::1", "reserved (outside IPv6 global unicast)"),
    ("::ffff:0:0:1", "reserved (outside IPv6 global unicast)"),  # IPv4-translated
    # IPv4 inside IPv6: mapped, compatible, NAT64, 6to4, Teredo
    ("::ffff:127.0.0.1", "loopback (IPv4-mapped 127.0.0.1)"),
    ("::ffff:7f00:1", "loopback (IPv4-mapped 127.0.0.1)"),
    ("::ffff:10.1.2.3", "private (IPv4-mapped 10.1.2.3)"),
    ("::ffff:169.254.169.254", "link-local (IPv4-mapped 169.254.169.254)"),
    ("::ffff:0.0.0.0", "unspecified (IPv4-mapped 0.0.0.0)"),
    ("::ffff:100.64.0.1", "carrier-grade NAT (IPv4-mapped 100.64.0.1)"),
    ("::127.0.0.1", "loopback (IPv4-compatible 127.0.0.1)"),
    ("::192.168.1.1", "private (IPv4-compatible 192.168.1.1)"),
    ("::0.0.0.2", "reserved (IPv4-compatible 0.0.0.2)"),
    ("64:ff9b::127.0.0.1", "loopback (NAT64 127.0.0.1)"),
    ("64:ff9b::a9fe:a9fe", "link-local (NAT64 169.254.169.254)"),
    ("2002:7f00:1::", "loopback (6to4 127.0.0.1)"),
    ("2002:c0a8:101::1", "private (6to4 192.168.1.1)"),
    ("2002:a9fe:a9fe::1", "link-local (6to4 169.254.169.254)"),
    # Teredo: 2001:0:<server>:<flags>:<port>:<client XOR ffff:ffff>
    ("2001:0:5db8:d822::80ff:fffe", "loopback (Teredo 127.0.0.1)"),
    ("2001:0:a00:1::f7f7:f7f7", "private (Teredo 10.0.0.1)"),  # the server's address
]

ALLOWED = [
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "11.0.0.1",
    "100.63.255.255",  # beside carrier-grade NAT
    "100.128.0.0",
    "172.15.255.255",  # beside 172.16/12
    "172.32.0.0",
    "169.253.255.255",
    "192.0.1.255",
    "192.0.3.0",
    "198.17.255.255",  # beside benchmarking
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:82a::200e",
    "2001:db9::1",  # beside documentation
    "2001:200::1",  # beside 2001::/23
    "3fff:1000::1",  # beside 3fff::/20
    "::ffff:93.184.216.34",  # mapped public
    "::8.8.8.8",  # compatible public
    "64:ff9b::808:808",  # NAT64 to 8.8.8.8
    "2002:5db8:d822::1",  # 6to4 of 93.184.216.34
    "2001:0:5db8:d822::f7f7:f7f7",  # Teredo: server 93.184.216.34, client 8.8.8.8
]


@pytest.mark.parametrize(("address", "reason"), BLOCKED)
def test_internal_addresses_are_refused_with_their_reason(address, reason):
    assert blocked_reason(ip_address(address)) == reason


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_pass(address):
    assert blocked_reason(ip_address(address)) is None


def test_the_tables_are_as_long_as_the_issue_asks():
    """Issue 11's test list: at least 30 addresses and encodings."""
    assert len(BLOCKED) >= 30 and len({a for a, _ in BLOCKED}) == len(BLOCKED)


def test_only_addresses_are_judged():
    with pytest.raises(TypeError):
        blocked_reason("127.0.0.1")  # type: ignore[arg-type]
    assert blocked_reason(IPv4Address("8.8.8.8")) is None
    assert blocked_reason(IPv6Address("::1")) == "loopback"


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("Hooks.Example.COM", "hooks.example.com"),
        ("hooks.example.com.", "hooks.example.com"),
        ("[::1]", "::1"),
        ("0:0::0001", "::1"),
        ("[::FFFF:127.0.0.1]", "::ffff:7f00:1"),
        (" localhost ", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_host_key_is_one_spelling_per_host(host, key):
    assert host_key(host) == key
