"""The save-time check of a webhook endpoint's URL (portal/services/webhook_urls.py): https
only (http while developing or to an allowed host), no credentials, a host and a port, and no
address that is not public, however it is spelled; the operator's allowlist lets one in."""

from __future__ import annotations

import pytest

from portal.domain.errors import Invalid
from portal.services.webhook_urls import check_endpoint_url, literal_address


def _refusal(url, *, development=False, allowed_hosts=()) -> str:
    with pytest.raises(Invalid) as refused:
        check_endpoint_url(url, development=development, allowed_hosts=allowed_hosts)
    assert refused.value.field == "url"
    return refused.value.message


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.acme.example/portal",
        "https://hooks.acme.example:8443/portal?team=1#frag",
        "https://93.184.216.34/hook",
        "https://[2606:4700::1111]/hook",
        "https://[::ffff:93.184.216.34]/hook",
        "https://xn--bcher-kva.example/hook",
        "https://bücher.example/hook",
    ],
)
def test_public_https_urls_are_kept(url):
    assert check_endpoint_url(f"  {url} ", development=False, allowed_hosts=()) == url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "Enter the URL"),
        (None, "Enter the URL"),
        ("https://" + "a" * 2000 + ".example/", "at most 2000 characters"),
        ("https://hooks.example/a b", "spaces"),
        ("https://hooks.example/\x00", "control characters"),
        ("ftp://hooks.example/x", "https://"),
        ("hooks.example/x", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https:///nohost", "https://"),
        ("https://:443/x", "host name"),
        ("https://user:pw@hooks.example/x", "user name and password"),
        ("https://user@hooks.example/x", "user name and password"),
        ("https://@hooks.example/x", "user name and password"),
        ("https://hooks.example:notaport/x", "port"),
        ("https://hooks.example:0/x", "port"),
        ("https://hooks.example:65536/x", "port"),
        ("https://[::1/x", "brackets"),
        ("https://hooks_ex$ample/x", "letters, digits"),
        ("http://hooks.example/x", "clear text"),
    ],
)
def test_malformed_urls_are_refused_with_what_to_change(url, says):
    assert says in _refusal(url)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://127.0.0.1/hook", "127.0.0.1 is not a public address (loopback)"),
        ("https://10.0.0.5/hook", "(private)"),
        ("https://192.168.1.2/hook", "(private)"),
        ("https://169.254.169.254/latest/meta-data", "(link-local)"),
        ("https://100.64.1.1/", "(carrier-grade NAT)"),
        ("https://192.0.2.10/", "(documentation)"),
        ("https://0.0.0.0/", "(unspecified)"),
        ("https://224.0.0.251/", "(multicast)"),
        ("https://[::1]/hook", "::1 is not a public address (loopback)"),
        ("https://[fe80::1%25eth0]/hook", "(link-local)"),
        ("https://[fd00::1]/hook", "(private (unique local))"),
        ("https://[::ffff:127.0.0.1]/hook", "(loopback (IPv4-mapped 127.0.0.1))"),
        ("https://[::ffff:a9fe:a9fe]/hook", "(link-local (IPv4-mapped 169.254.169.254))"),
        ("https://[64:ff9b::10.0.0.1]/hook", "(private (NAT64 10.0.0.1))"),
        ("https://[2002:7f00:1::]/hook", "(loopback (6to4 127.0.0.1))"),
        ("https://[2001:db8::1]/hook", "(documentation)"),
        # what resolvers read as IPv4 though it is not written as four decimals
        ("https://127.1/hook", "127.1 is not a public address (loopback)"),
        ("https://2130706433/hook", "(loopback)"),
        ("https://0x7f.0.0.1/hook", "(loopback)"),
        ("https://0177.0.0.1/hook", "(loopback)"),
        ("https://0xa9fea9fe/hook", "(link-local)"),
        ("https://10.0.0.1./hook", "(private)"),
        ("https://localhost/hook", "this machine (loopback)"),
        ("https://LOCALHOST./hook", "this machine (loopback)"),
        ("https://api.localhost/hook", "this machine (loopback)"),
    ],
)
def test_addresses_that_are_not_public_are_refused_however_spelled(url, says):
    message = _refusal(url, development=True)
    assert says in message
    assert "webhooks go only to public addresses" in message


def test_http_is_for_development_or_allowed_hosts():
    assert check_endpoint_url("http://hooks.example/x", development=True) == (
        "http://hooks.example/x"
    )
    assert "clear text" in _refusal("http://hooks.example/x", development=False)
    assert (
        check_endpoint_url(
            "http://hooks.internal/x", development=False, allowed_hosts=["hooks.internal"]
        )
        == "http://hooks.internal/x"
    )


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://localhost:8080/hook", "localhost"),
        ("http://LocalHost.:8080/hook", "localhost"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1"),
        ("https://[::1]:8443/hook", "[::1]"),
        ("https://[0:0::1]:8443/hook", "::1"),
        ("https://10.0.0.5/hook", "10.0.0.5"),
        ("http://hooks.internal/hook", "Hooks.Internal."),  # a name: only http needs it
    ],
)
def test_the_operators_allowlist_lets_listed_hosts_in(url, allowed):
    _refusal(url)  # refused without it, in production
    assert check_endpoint_url(url, development=False, allowed_hosts=[allowed]) == url


def test_the_allowlist_matches_hosts_exactly():
    for url in ("https://127.0.0.2/", "https://evil.localhost/", "http://localhost.evil/"):
        _refusal(url, allowed_hosts=["localhost", "127.0.0.1"])
    # the allowlist never waives the shape of the URL
    assert "user name" in _refusal("https://u:p@localhost/", allowed_hosts=["localhost"])
    assert "https://" in _refusal("ftp://localhost/", allowed_hosts=["localhost"])


def test_a_name_is_not_resolved_at_save_time():
    """What a name resolves to is checked when the delivery connects (guarded_http)."""
    assert literal_address("hooks.acme.example") is None
    assert literal_address("deadbeef.cafe") is None
    assert str(literal_address("127.1")) == "127.0.0.1"
    assert str(literal_address("[::1]")) == "::1"
