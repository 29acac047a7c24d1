"""Which network addresses a webhook may reach (issue 11, item 5: the SSRF guard).

`blocked_reason(ip)` names why Portal refuses to send a request to an address, or answers
None for a public one. Both doors use it: the save-time URL check
(portal/services/webhook_urls.py) for an address written into the URL, and the delivery
client's transport (portal/workers/guarded_http.py) for every address a host name resolves
to, at connect time.

Refused: unspecified, loopback, private, link-local, multicast, broadcast, carrier-grade NAT,
documentation, benchmarking, reserved and the IETF's own special-purpose blocks, IPv4 and
IPv6, after the IANA special-purpose registries (RFC 6890 and successors). An IPv6 address
that carries an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64
`64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`) is unwrapped and the IPv4 address inside
checked, so `::ffff:127.0.0.1` is as loopback as `127.0.0.1`.

The `ipaddress` properties are used where they are right on every Python this runs on
(unspecified, loopback, multicast, link-local); the ranges are written out otherwise, because
`is_private` / `is_global` differ between patch releases (3.11.7 calls `fec0::1`, `3fff::1`
and `64:ff9b:1::1` global). IPv6 outside 2000::/3 (global unicast) is refused as a whole:
everything there is special (ULA, link-local, multicast, NAT64, discard, SRv6) or unassigned.

`host_key(host)` is the form a host takes in an allowlist comparison (lowercase, no brackets,
no trailing dot, an IP address in its canonical text).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

# Checked in order; the first match names the reason. (Loopback, multicast, link-local and
# unspecified come from the ipaddress properties before these.)
_V4_RANGES: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(network), reason)
    for network, reason in (
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "reserved"),  # "this network"
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("192.0.0.0/24", "IETF protocol assignment"),
        ("192.0.2.0/24", "documentation"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("198.18.0.0/15", "benchmarking"),
        ("192.88.99.0/24", "deprecated 6to4 relay anycast"),
        ("240.0.0.0/4", "reserved"),
    )
)

_V6_RANGES: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(network), reason)
    for network, reason in (
        ("fc00::/7", "private (unique local)"),
        ("fec0::/10", "site-local"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("2001:2::/48", "benchmarking"),
        ("2001::/23", "IETF protocol assignment"),  # Teredo (2001::/32) is unwrapped first
    )
)
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_IPV4_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")


def blocked_reason(ip: IPAddress) -> str | None:
    """Why a webhook may not go to `ip` ("loopback", "private", ...), or None if it may."""
    if isinstance(ip, IPv4Address):
        return _v4_reason(ip)
    if not isinstance(ip, IPv6Address):
        raise TypeError(f"expected an IPv4Address or IPv6Address, not {type(ip).__name__}")
    return _v6_reason(ip)


def _v4_reason(ip: IPv4Address) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    for network, reason in _V4_RANGES:
        if ip in network:
            return reason
    return None


def _v6_reason(ip: IPv6Address) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    embedded = _embedded_v4(ip)
    if embedded is not None:
        kind, addresses = embedded
        for inner in addresses:
            reason = _v4_reason(inner)
            if reason is not None:
                return f"{reason} ({kind} {inner})"
        return None
    if ip.is_multicast:
        return "multicast"
    if ip.is_link_local:
        return "link-local"
    for network, reason in _V6_RANGES:
        if ip in network:
            return reason
    if ip not in _GLOBAL_UNICAST:
        return "reserved (outside IPv6 global unicast)"
    return None


def _embedded_v4(ip: IPv6Address) -> tuple[str, tuple[IPv4Address, ...]] | None:
    """The IPv4 address(es) an IPv6 address carries, with the name of the encoding."""
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", (ip.ipv4_mapped,)
    if ip in _IPV4_COMPATIBLE:  # :: and ::1 were answered before
        return "IPv4-compatible", (IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip in _NAT64:
        return "NAT64", (IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip.sixtofour is not None:
        return "6to4", (ip.sixtofour,)
    if ip.teredo is not None:
        server, client = ip.teredo
        return "Teredo", (client, server)
    return None


def host_key(host: str) -> str:
    """`host` as an allowlist compares it: `[::1]`, `::0001` and `::1` are one host,
    `Hooks.Example.` and `hooks.example` another."""
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ip_address(text).compressed
    except ValueError:
        return text.rstrip(".")
