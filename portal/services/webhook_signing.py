"""Standard Webhooks signing (https://www.standardwebhooks.com): what lets a receiver trust a
delivery came from Portal, unchanged, and recently.

Each delivery carries three headers: `webhook-id` (the message's id: the same on every attempt,
so a receiver can drop a duplicate), `webhook-timestamp` (Unix seconds of this attempt, so a
receiver can refuse a replay) and `webhook-signature`: `v1,<base64 HMAC-SHA256>` of
`"{id}.{timestamp}.{body}"`, keyed with the base64-decoded part of the endpoint's `whsec_`
secret. While a rotation overlaps, the header holds one space-separated signature per live
secret, so a receiver still on the old secret and one already on the new both verify.

Written to the specification, not to a library, so a receiver can check it with any of the
public ones; the tests verify it with the `standardwebhooks` package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets as _random
from datetime import UTC, datetime

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix
SECRET_BYTES = 24  # what Portal generates; the specification asks for 24 to 64
_KEY_BYTES = range(24, 65)
MESSAGE_ID_PREFIX = "msg_"
SIGNATURE_VERSION = "v1"

# Crockford's base32: no I, L, O or U, so an id read aloud or copied by hand stays itself.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class MalformedSecret(ValueError):
    """Not a signing secret Portal can sign with: no `whsec_` prefix, not base64, or a key
    shorter than 24 or longer than 64 bytes. The message never repeats the secret."""


def new_secret() -> str:
    """A fresh endpoint signing secret: `whsec_` + base64 of 24 random bytes. The one
    generator: endpoints get theirs here when created or rotated."""
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_` secret; MalformedSecret if it is not one."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise MalformedSecret(f"A webhook signing secret starts with {SECRET_PREFIX}.")
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # validate=True: a stray character is an error, never silently skipped. Padding is
        # optional in the wild (some providers drop it), so it is put back first.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedSecret(
            f"A webhook signing secret is {SECRET_PREFIX} followed by base64."
        ) from None
    if len(key) not in _KEY_BYTES:
        raise MalformedSecret("A webhook signing secret's key is 24 to 64 bytes long.")
    return key


def unix_seconds(timestamp: datetime | int) -> int:
    """Whole Unix seconds, as the header carries them; a naive datetime is taken as UTC."""
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=UTC)
        seconds = math.floor(timestamp.timestamp())
    elif isinstance(timestamp, int) and not isinstance(timestamp, bool):
        seconds = timestamp
    else:
        raise TypeError("A webhook timestamp is a datetime or whole Unix seconds.")
    if seconds < 0:
        raise ValueError("A webhook timestamp is not before 1970.")
    return seconds


def _checked_id(msg_id: str) -> str:
    # The id is a header value and part of the signed content: printable ASCII, no spaces,
    # so it can neither split a header nor be read two ways.
    if (
        not isinstance(msg_id, str)
        or not 0 < len(msg_id) <= 255
        or not all("!" <= c <= "~" for c in msg_id)
    ):
        raise ValueError("A webhook message id is 1 to 255 printable characters, no spaces.")
    return msg_id


def signature(secret: str, msg_id: str, timestamp: datetime | int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">` under `secret`'s key.

    The body is signed as the exact bytes sent: re-serialising the JSON would change them.
    """
    if not isinstance(body, bytes | bytearray):
        raise TypeError("A webhook body is signed as the bytes sent.")
    signed = f"{_checked_id(msg_id)}.{unix_seconds(timestamp)}.".encode() + bytes(body)
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def headers(
    secrets: list[str], msg_id: str, timestamp: datetime | int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt, signed with every live secret
    (the current one and, while a rotation overlaps, the previous one)."""
    live = list(dict.fromkeys(secrets))  # one signature per distinct secret, order kept
    if not live:
        raise MalformedSecret("A delivery is signed with at least one secret.")
    return {
        "webhook-id": _checked_id(msg_id),
        "webhook-timestamp": str(unix_seconds(timestamp)),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in live),
    }


def new_message_id(now: datetime | None = None) -> str:
    """`msg_` + a ULID: 48 bits of milliseconds then 80 random bits, in Crockford base32.

    Ids sort by when they were made (to the millisecond), so a log or a cursor ordered by id
    is ordered by time, and two workers never need to agree on a counter.
    """
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    millis = math.floor(moment.timestamp() * 1000)
    if not 0 <= millis < 2**48:
        raise ValueError("A message id's time is between 1970 and the year 10889.")
    value = (millis << 80) | _random.randbits(80)
    return MESSAGE_ID_PREFIX + "".join(
        _CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)
    )
