"""The save-time check of a webhook endpoint's URL (issue 11, item 5: the SSRF guard).

`check_endpoint_url(url, development=..., allowed_hosts=...)` answers the URL to store, or
raises Invalid(field="url") saying what to change:

- https:// only; http:// while developing (PORTAL_ENV=development) or to a host the operator
  allows (PORTAL_WEBHOOK_ALLOWED_HOSTS);
- no user name or password (deliveries are signed instead), a host, a port from 1 to 65535;
- an address written into the URL (`https://10.0.0.5/`, `https://[::ffff:127.0.0.1]/`, the
  shorthands `127.1` and `2130706433` that resolvers read as IPv4) or a name that is loopback
  by definition (`localhost`, `*.localhost`) must be public: portal/domain/network.py says
  which addresses are not. A host the operator allows skips this.

A name is not resolved here: what it resolves to can change after saving, so the delivery
client checks every address at connect time and connects to the one it checked
(portal/workers/guarded_http.py). This check only refuses early what can never be delivered.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from portal.domain.errors import Invalid
from portal.domain.network import IPAddress, blocked_reason, host_key

MAX_LENGTH = 2000
# What resolvers read as an IPv4 address though `ipaddress` does not: 127.1, 0x7f.1, 017700000001.
_IPV4_SHORTHAND = re.compile(r"[0-9a-fx.]+")


def _refuse(message: str) -> Invalid:
    return Invalid(message, field="url")


def allowed_host_keys(allowed_hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(host_key(host) for host in allowed_hosts if host.strip())


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host denotes by itself (no DNS), or None for a name."""
    text = host_key(host)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _IPV4_SHORTHAND.fullmatch(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def _local_name(host: str) -> bool:
    key = host_key(host)
    return key == "localhost" or key.endswith(".localhost")


def check_endpoint_url(url: Any, *, development: bool, allowed_hosts: Iterable[str] = ()) -> str:
    """`url`, trimmed, if a webhook may be sent there; Invalid(field="url") if not."""
    text = (url if isinstance(url, str) else "").strip()
    if not text:
        raise _refuse("Enter the URL the events go to.")
    if len(text) > MAX_LENGTH:
        raise _refuse(f"Use a URL of at most {MAX_LENGTH} characters.")
    if any(c.isspace() or not c.isprintable() for c in text):
        raise _refuse("A URL cannot contain spaces or control characters.")
    try:
        parts = urlsplit(text)
    except ValueError:  # an unclosed [IPv6 address
        raise _refuse("That is not a URL: check the brackets around the address.") from None
    try:
        port = parts.port
    except ValueError:
        raise _refuse("The port must be a number from 1 to 65535.") from None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise _refuse("Use an https:// URL, such as https://api.example.com/webhooks.")
    if "@" in parts.netloc:
        raise _refuse(
            "Leave the user name and password out of the URL: Portal signs every delivery "
            "so the receiver can check it came from Portal."
        )
    host = parts.hostname
    if not host:
        raise _refuse("The URL needs a host name, such as https://api.example.com/webhooks.")
    if port == 0:
        raise _refuse("The port must be a number from 1 to 65535.")
    if not all(c.isalnum() or c in "-._:%" for c in host):
        raise _refuse("The host name can hold only letters, digits, hyphens and dots.")
    allowed = host_key(host) in allowed_host_keys(allowed_hosts)
    if parts.scheme == "http" and not (development or allowed):
        raise _refuse(
            "Use https://: http:// would send your events in clear text (it is accepted only "
            "while developing, or for a host the operator allows)."
        )
    if allowed:
        return text
    if _local_name(host):
        raise _refuse(f"{host} is this machine (loopback): webhooks go only to public addresses.")
    address = literal_address(host)
    reason = blocked_reason(address) if address is not None else None
    if reason is not None:
        raise _refuse(
            f"{host} is not a public address ({reason}): webhooks go only to public addresses."
        )
    return text
