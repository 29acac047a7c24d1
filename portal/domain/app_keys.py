"""An app's secret key: `sk_<environment>_<random><checksum>` (issue 9, item 1).

    sk_prod_4gYh1Kc0rUq9VtZ2mXb7LwN3sPd8Ea6F2kT9qR

- `sk_` says what it is (a secret key) to a person and to secret scanners;
- the environment (`dev`, `staging`, `prod`) says where a leaked key works, before anyone
  looks it up;
- 32 random base62 characters (about 190 bits) from `secrets`;
- 6 base62 characters of the CRC-32 of everything before them: a mistyped or truncated key is
  refused by `parse` without a database lookup (the same scheme as GitHub's tokens).

The server keeps only the key's SHA-256 and `display_prefix(key)`; the key itself is shown
once (portal/state/secrets.py).
"""

from __future__ import annotations

import secrets
import zlib
from dataclasses import dataclass

from portal.domain.workspaces import EnvironmentName

PREFIX = "sk_"
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_SET = frozenset(_BASE62)
_DISPLAY_RANDOM = 4  # random characters kept beside the environment, to tell keys apart


class MalformedKey(ValueError):
    """Not an app secret key: wrong shape, unknown environment, or a checksum that does not
    match (a typo, a truncated paste)."""


@dataclass(frozen=True)
class ParsedKey:
    environment: EnvironmentName
    key: str


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    # CRC-32 is under 62**6 (about 5.7e10), so six digits always hold it.
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def new_key(environment: EnvironmentName | str) -> str:
    """A fresh secret key for an app's `environment`."""
    environment = EnvironmentName(environment)
    random = "".join(secrets.choice(_BASE62) for _ in range(RANDOM_LENGTH))
    body = f"{PREFIX}{environment.value}_{random}"
    return body + _checksum(body)


def parse(text: str) -> ParsedKey:
    """The key's environment, or MalformedKey. Checks the shape and the checksum only: whether
    the key exists, is revoked or has expired is for the server to look up."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise MalformedKey("not an app secret key")
    environment_name, separator, tail = text[len(PREFIX) :].partition("_")
    if not separator:
        raise MalformedKey("not an app secret key")
    try:
        environment = EnvironmentName(environment_name)
    except ValueError:
        raise MalformedKey("not an app secret key") from None
    if len(tail) != RANDOM_LENGTH + CHECKSUM_LENGTH or not set(tail) <= _BASE62_SET:
        raise MalformedKey("not an app secret key")
    body, checksum = text[:-CHECKSUM_LENGTH], text[-CHECKSUM_LENGTH:]
    if not secrets.compare_digest(_checksum(body), checksum):
        raise MalformedKey("the key's checksum does not match: check it was copied whole")
    return ParsedKey(environment=environment, key=text)


def display_prefix(key: str) -> str:
    """What a list shows of a key to tell it apart, never enough to use it:
    `sk_prod_4gYh…`."""
    parsed = parse(key)
    start = len(PREFIX) + len(parsed.environment.value) + 1
    return key[: start + _DISPLAY_RANDOM]
