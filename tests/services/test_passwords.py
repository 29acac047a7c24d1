"""Password hashing (argon2id, OWASP parameters) and the password policy."""

from __future__ import annotations

import pytest
from passlib.context import CryptContext

from portal.domain.errors import Invalid
from portal.services import passwords


def test_hash_is_argon2id_with_owasp_parameters():
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "$m=19456,t=2,p=1$" in hashed


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


def test_verify_rehashes_a_hash_made_with_weaker_parameters():
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
    assert new_hash.startswith("$argon2id$") and "$m=19456,t=2,p=1$" in new_hash
    assert passwords.verify("correct horse battery", new_hash) == (True, None)


def test_wrong_password_against_an_old_hash_gives_no_new_hash():
    weak = CryptContext(
        schemes=["argon2"], argon2__type="ID", argon2__memory_cost=8 * 1024, argon2__time_cost=1
    ).hash("correct horse battery")
    assert passwords.verify("something else entirely", weak) == (False, None)


def test_dummy_verify_runs_without_error():
    passwords.dummy_verify("anything at all")


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
