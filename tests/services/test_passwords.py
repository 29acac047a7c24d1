"""Password hashing (argon2id, OWASP parameters) and the password policy.

The suite hashes with cheap parameters (tests/conftest.py); the tests here that are about the
parameters switch back to the production ones with the `production_hashing` fixture.
"""

from __future__ import annotations

import subprocess
import sys

import argon2.low_level
import pytest
from passlib.context import CryptContext

from portal.config import ROOT
from portal.domain.errors import Invalid
from portal.services import passwords
from tests.conftest import TEST_HASHING

OWASP = "$m=19456,t=2,p=1$"


def test_production_uses_the_owasp_parameters():
    production = passwords.PRODUCTION
    assert (production.memory_cost, production.time_cost, production.parallelism) == (19456, 2, 1)


def test_a_fresh_process_hashes_with_the_production_parameters():
    """What portal itself uses: nothing but the test suite switches parameters."""
    script = "from portal.services import passwords; print(passwords.hash_password('x' * 12))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.startswith("$argon2id$")
    assert OWASP in result.stdout


def test_hash_is_argon2id_with_owasp_parameters(production_hashing):
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert OWASP in hashed


def test_the_suite_hashes_cheaply():
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert f"$m={TEST_HASHING.memory_cost},t={TEST_HASHING.time_cost}," in hashed


def test_hashes_are_salted():
    assert passwords.hash_password("correct horse battery") != passwords.hash_password(
        "correct horse battery"
    )


def test_verify_accepts_the_password_and_needs_no_rehash():
    hashed = passwords.hash_password("correct horse battery")
    assert passwords.verify("correct horse battery", hashed) == (True, None)


def test_verify_refuses_another_password():
    hashed = passwords.hash_password("correct horse battery")
    assert passwords.verify("correct horse battery!", hashed) == (False, None)


def test_verify_rehashes_a_hash_made_with_weaker_parameters(production_hashing):
    weak = CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=8 * 1024,
        argon2__time_cost=1,
        argon2__parallelism=1,
    ).hash("correct horse battery")
    assert "$m=8192,t=1,p=1$" in weak

    ok, new_hash = passwords.verify("correct horse battery", weak)

    assert ok
    assert new_hash is not None
    assert new_hash.startswith("$argon2id$") and OWASP in new_hash
    assert passwords.verify("correct horse battery", new_hash) == (True, None)


def test_wrong_password_against_an_old_hash_gives_no_new_hash():
    weak = CryptContext(
        schemes=["argon2"], argon2__type="ID", argon2__memory_cost=8 * 1024, argon2__time_cost=1
    ).hash("correct horse battery")
    assert passwords.verify("something else entirely", weak) == (False, None)


@pytest.fixture
def argon2_verifications(monkeypatch):
    """Every argon2 verification this process runs, as (hash, secret, matched)."""
    seen: list[tuple[bytes, bytes, bool]] = []
    real = argon2.low_level.verify_secret

    def spy(hash_, secret, type_):
        try:
            matched = real(hash_, secret, type_)
        except argon2.exceptions.VerifyMismatchError:
            seen.append((hash_, secret, False))
            raise
        seen.append((hash_, secret, matched))
        return matched

    monkeypatch.setattr(argon2.low_level, "verify_secret", spy)
    return seen


def test_dummy_verify_does_one_real_argon2_verification(production_hashing, argon2_verifications):
    """An unknown email costs what a known one does: one argon2id verify at the production
    parameters, against a hash that nothing typed can match."""
    passwords.dummy_verify("anything at all")
    [(hash_, secret, matched)] = argon2_verifications
    assert hash_.startswith(b"$argon2id$") and OWASP.encode() in hash_
    assert secret == b"anything at all"
    assert matched is False

    real_user = passwords.hash_password("anything at all")
    argon2_verifications.clear()
    passwords.verify("anything at all", real_user)
    [(known_hash, _, _)] = argon2_verifications
    assert known_hash.split(b"$")[3] == hash_.split(b"$")[3]  # the same cost parameters


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Use at least 10 characters."),
        ("x" * 9, "Use at least 10 characters."),
        ("x" * 129, "Use at most 128 characters."),
        (" " * 12, "A password cannot be only spaces."),
    ],
)
def test_policy_refuses(password, message):
    with pytest.raises(Invalid) as caught:
        passwords.check_policy(password)
    assert caught.value.message == message
    assert caught.value.field == "password"


def test_policy_names_the_field_it_is_given():
    with pytest.raises(Invalid) as caught:
        passwords.check_policy("short", field="new_password")
    assert caught.value.field == "new_password"


@pytest.mark.parametrize("password", ["x" * 10, "x" * 128, "  padded password  "])
def test_policy_accepts(password):
    passwords.check_policy(password)


@pytest.mark.parametrize("length", [4097, 100_000])
def test_an_enormous_password_does_not_match_instead_of_crashing(length):
    hashed = passwords.hash_password("correct horse battery")
    assert passwords.verify("x" * length, hashed) == (False, None)
    passwords.dummy_verify("x" * length)
