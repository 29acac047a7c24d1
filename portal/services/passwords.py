"""Password hashing: argon2id through passlib's CryptContext, with the OWASP parameters."""

from __future__ import annotations

from dataclasses import dataclass

from passlib.context import CryptContext
from passlib.utils import MAX_PASSWORD_SIZE

from portal.domain.errors import Invalid


@dataclass(frozen=True)
class Argon2Parameters:
    memory_cost: int  # KiB
    time_cost: int
    parallelism: int


# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. A hash made with other
# parameters is re-hashed on the next successful sign-in (verify_and_update).
PRODUCTION = Argon2Parameters(memory_cost=19 * 1024, time_cost=2, parallelism=1)


def _context_for(parameters: Argon2Parameters) -> CryptContext:
    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=parameters.memory_cost,
        argon2__time_cost=parameters.time_cost,
        argon2__parallelism=parameters.parallelism,
    )


_parameters = PRODUCTION
_context = _context_for(PRODUCTION)
# Verified against when the email has no account, so both paths cost one argon2 verify.
_DUMMY_HASH = _context.hash("portal-dummy-password-for-timing")

MIN_LENGTH = 10
MAX_LENGTH = 128


def use_parameters(parameters: Argon2Parameters) -> Argon2Parameters:
    """Hash with `parameters` from now on, in this process; returns the ones in use before.

    For the test suite only: a production hash costs ~50 ms of CPU and the suite makes
    thousands, so tests/conftest.py switches to cheap parameters (and tests that check the
    production ones switch back). Nothing in portal calls this: production hashes with
    PRODUCTION.
    """
    global _parameters, _context, _DUMMY_HASH
    previous = _parameters
    _parameters = parameters
    _context = _context_for(parameters)
    _DUMMY_HASH = _context.hash("portal-dummy-password-for-timing")
    return previous


def check_policy(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(f"Use at least {MIN_LENGTH} characters.", field=field)
    if len(password) > MAX_LENGTH:
        raise Invalid(f"Use at most {MAX_LENGTH} characters.", field=field)
    if not password.strip():
        raise Invalid("A password cannot be only spaces.", field=field)


def hash_password(password: str) -> str:
    return _context.hash(password)


def _oversized(password: str) -> bool:
    # passlib raises PasswordSizeError (a ValueError) past MAX_PASSWORD_SIZE characters. No
    # stored password is that long (the policy caps it far lower), so such input simply does
    # not match, at the cost of an ordinary verify, instead of crashing the caller.
    return len(password) > MAX_PASSWORD_SIZE


def verify(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the stored one uses outdated parameters)."""
    if _oversized(password):
        dummy_verify("")
        return False, None
    return _context.verify_and_update(password, password_hash)


def dummy_verify(password: str) -> None:
    _context.verify("" if _oversized(password) else password, _DUMMY_HASH)
