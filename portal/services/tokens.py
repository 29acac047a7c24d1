"""Random tokens for the browser; only their SHA-256 is stored."""

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # surrogatepass: a token from a hostile client may hold a lone surrogate ("\ud800" in
    # JSON), which strict UTF-8 cannot encode; it hashes to what no stored token has, so the
    # lookup answers "not found" instead of raising. Real tokens are ASCII: same hash.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
