"""Secrets Portal must read back later (a webhook signing secret it signs with and shows
again, an OAuth client secret it sends to the provider), sealed at rest: Fernet (AES-128-CBC
with HMAC-SHA256) under a key derived from PORTAL_SECRET_KEY. A database dump without the key
reveals none of them; a changed key makes them unreadable (`Unsealable`), never wrong.

Secrets Portal only compares (passwords, tokens, API keys) are hashed instead, never sealed.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from portal.config import get_settings

_VERSION = "v1:"


class Unsealable(Exception):  # noqa: N818 - a state, not an event
    """Sealed under another key, or not a sealed value at all."""


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"portal sealing v1\x00" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _current() -> Fernet:
    return _fernet(get_settings().secret_key.get_secret_value())


def seal(plaintext: str) -> str:
    return _VERSION + _current().encrypt(plaintext.encode()).decode()


def unseal(sealed: str) -> str:
    if not sealed.startswith(_VERSION):
        raise Unsealable("not a sealed value")
    try:
        return _current().decrypt(sealed[len(_VERSION) :].encode()).decode()
    except InvalidToken:
        raise Unsealable("sealed under another PORTAL_SECRET_KEY") from None
