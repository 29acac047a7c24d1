"""Personal access tokens: create (shown once, stored hashed), list, revoke, resolve; and the
Idempotency-Key records of API writes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.domain.access import ActorKind, ClientInfo
from portal.domain.errors import Invalid, NotFound, PermissionDenied, Unauthenticated
from portal.models import AuditEvent, IdempotencyRecord, PersonalAccessToken
from portal.models._base import utcnow
from portal.services import api_tokens
from tests.factories import actor_for, make_user

CLIENT = ClientInfo(ip_address="198.51.100.7", user_agent="curl/8")


def _row(db, token_id: int) -> PersonalAccessToken:
    return db.get(PersonalAccessToken, token_id)


def _shift(db, token_id: int, **fields: timedelta) -> None:
    """Move a token's timestamps into the past, as if time had passed."""
    row = _row(db, token_id)
    for name, delta in fields.items():
        setattr(row, name, getattr(row, name) - delta)
    db.add(row)
    db.commit()


def test_create_shows_the_secret_once_and_stores_only_its_hash(db):
    user = make_user(db)
    actor = actor_for(db, user)
    created = api_tokens.create_token(session=db, actor=actor, name="  CI   deploys ")
    db.commit()

    assert created.secret.startswith("pat_")
    assert len(created.secret) > 40
    assert created.token.name == "CI deploys"
    assert created.token.prefix == created.secret[:12]
    assert created.token.expires_at is None
    row = _row(db, created.token.id)
    assert row.token_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in {row.token_hash, row.token_prefix, row.name}
    # Listing never shows the secret or the hash again.
    listed = api_tokens.list_tokens(session=db, actor=actor)
    assert [t.id for t in listed] == [created.token.id]
    dumped = listed[0].model_dump_json()
    assert created.secret not in dumped
    assert row.token_hash not in dumped


def test_create_is_audited_without_an_account(db):
    user = make_user(db)
    actor = actor_for(db, user)
    created = api_tokens.create_token(session=db, actor=actor, name="CI", expires_in_days=30)
    db.commit()
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "token.created")).one()
    assert event.account_id is None
    assert event.target_type == "token"
    assert event.target_id == str(created.token.id)
    assert event.actor_id == str(user.id)
    assert event.after["name"] == "CI"
    assert created.secret not in str(event.after)


def test_expiry_is_optional_and_bounded(db):
    actor = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=actor, name="A", expires_in_days=365)
    assert created.token.expires_at is not None
    assert timedelta(days=364) < created.token.expires_at - utcnow() <= timedelta(days=365)
    for days in (0, -1, 366, True):
        with pytest.raises(Invalid) as caught:
            api_tokens.create_token(session=db, actor=actor, name="B", expires_in_days=days)
        assert caught.value.field == "expires_in_days"


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_name_is_required_and_at_most_80_characters(db, name):
    actor = actor_for(db, make_user(db))
    with pytest.raises(Invalid) as caught:
        api_tokens.create_token(session=db, actor=actor, name=name)
    assert caught.value.field == "name"


def test_list_shows_only_own_tokens_newest_first_with_state(db):
    actor = actor_for(db, make_user(db))
    other = actor_for(db, make_user(db))
    first = api_tokens.create_token(session=db, actor=actor, name="first").token
    api_tokens.create_token(session=db, actor=other, name="not mine")
    second = api_tokens.create_token(session=db, actor=actor, name="second").token
    api_tokens.revoke_token(session=db, actor=actor, token_id=first.id)
    db.commit()
    listed = api_tokens.list_tokens(session=db, actor=actor)
    assert [t.name for t in listed] == ["second", "first"]
    assert [t.revoked for t in listed] == [False, True]
    assert listed[0].id == second.id


def test_revoke_own_token_only(db):
    owner = actor_for(db, make_user(db))
    stranger = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=owner, name="CI")
    db.commit()
    with pytest.raises(NotFound):
        api_tokens.revoke_token(session=db, actor=stranger, token_id=created.token.id)
    with pytest.raises(NotFound):
        api_tokens.revoke_token(session=db, actor=owner, token_id=999_999)
    revoked = api_tokens.revoke_token(session=db, actor=owner, token_id=created.token.id)
    db.commit()
    assert revoked.revoked is True
    # Revoking again changes nothing and writes no second audit row.
    api_tokens.revoke_token(session=db, actor=owner, token_id=created.token.id)
    db.commit()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "token.revoked")).all()
    assert len(events) == 1
    with pytest.raises(Unauthenticated):
        api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)


def test_a_token_cannot_manage_tokens(db):
    actor = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=actor, name="CI")
    db.commit()
    token_actor = api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)
    with pytest.raises(PermissionDenied):
        api_tokens.create_token(session=db, actor=token_actor, name="another")
    with pytest.raises(PermissionDenied):
        api_tokens.list_tokens(session=db, actor=token_actor)
    with pytest.raises(PermissionDenied):
        api_tokens.revoke_token(session=db, actor=token_actor, token_id=created.token.id)


def test_resolve_token_acts_as_its_owner(db):
    user = make_user(db, name="Ada")
    actor = actor_for(db, user)
    created = api_tokens.create_token(session=db, actor=actor, name="CI")
    db.commit()
    resolved = api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)
    assert resolved.kind is ActorKind.TOKEN
    assert resolved.user_id == user.id
    assert resolved.email == user.email
    assert resolved.token_id == created.token.id
    assert resolved.token_name == "CI"
    assert resolved.session_id is None
    assert resolved.client == CLIENT


@pytest.mark.parametrize(
    "secret", [None, "", "pat_", "pat_never-issued", "not-a-pat", "pat_" + "x" * 500]
)
def test_unknown_tokens_are_unauthenticated(db, secret):
    with pytest.raises(Unauthenticated) as caught:
        api_tokens.resolve_token(session=db, secret=secret, client=CLIENT)
    assert caught.value.expired is False


def test_expired_token_is_unauthenticated(db):
    actor = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=actor, name="CI", expires_in_days=1)
    db.commit()
    api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)
    _shift(db, created.token.id, expires_at=timedelta(days=1, seconds=1))
    with pytest.raises(Unauthenticated) as caught:
        api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)
    assert caught.value.expired is True
    assert api_tokens.list_tokens(session=db, actor=actor)[0].expired is True


def test_last_used_is_written_at_most_once_a_minute(db):
    actor = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=actor, name="CI")
    db.commit()
    assert _row(db, created.token.id).last_used_at is None

    api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)
    db.commit()
    first = _row(db, created.token.id).last_used_at
    assert first is not None

    api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)
    db.commit()
    assert _row(db, created.token.id).last_used_at == first

    _shift(db, created.token.id, last_used_at=timedelta(seconds=61))
    api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)
    db.commit()
    assert _row(db, created.token.id).last_used_at > first - timedelta(seconds=61)
    assert api_tokens.list_tokens(session=db, actor=actor)[0].last_used_at is not None


# Idempotency-Key records ----------------------------------------------------------------------


@pytest.fixture
def token_actor(db):
    actor = actor_for(db, make_user(db))
    created = api_tokens.create_token(session=db, actor=actor, name="CI")
    db.commit()
    return api_tokens.resolve_token(session=db, secret=created.secret, client=CLIENT)


def _request(**overrides):
    return {"key": "k-1", "method": "POST", "path": "/v1/workspaces", "request_hash": "h1"} | (
        overrides
    )


def test_a_stored_response_is_replayed_for_the_same_request(db, token_actor):
    assert api_tokens.stored_response(session=db, actor=token_actor, **_request()) is None
    api_tokens.store_response(
        session=db, actor=token_actor, status_code=201, body='{"id": "w"}', **_request()
    )
    db.commit()
    stored = api_tokens.stored_response(session=db, actor=token_actor, **_request())
    assert stored is not None
    assert (stored.status_code, stored.body) == (201, '{"id": "w"}')


@pytest.mark.parametrize(
    "change", [{"request_hash": "h2"}, {"path": "/v1/workspaces/x/freeze"}, {"method": "PATCH"}]
)
def test_the_same_key_for_a_different_request_is_invalid(db, token_actor, change):
    api_tokens.store_response(
        session=db, actor=token_actor, status_code=201, body="{}", **_request()
    )
    db.commit()
    with pytest.raises(Invalid) as caught:
        api_tokens.stored_response(session=db, actor=token_actor, **_request(**change))
    assert caught.value.field == "Idempotency-Key"


def test_keys_are_per_token(db, token_actor):
    api_tokens.store_response(
        session=db, actor=token_actor, status_code=201, body="{}", **_request()
    )
    db.commit()
    other = replace(token_actor, token_id=None)
    with pytest.raises(Invalid):  # not a token: no idempotency records at all
        api_tokens.stored_response(session=db, actor=other, **_request())
    second = actor_for(db, make_user(db))
    secret = api_tokens.create_token(session=db, actor=second, name="CI").secret
    db.commit()
    second_token = api_tokens.resolve_token(session=db, secret=secret, client=CLIENT)
    assert api_tokens.stored_response(session=db, actor=second_token, **_request()) is None


def test_records_lapse_after_24_hours(db, token_actor):
    api_tokens.store_response(
        session=db, actor=token_actor, status_code=201, body="{}", **_request()
    )
    db.commit()
    row = db.exec(select(IdempotencyRecord)).one()
    row.created_at = row.created_at - timedelta(hours=24, seconds=1)
    db.add(row)
    db.commit()
    # A lapsed key is new again, even for a different request.
    assert (
        api_tokens.stored_response(session=db, actor=token_actor, **_request(request_hash="h2"))
        is None
    )
    db.commit()
    assert db.exec(select(IdempotencyRecord)).all() == []


def test_purge_drops_only_lapsed_records(db, token_actor):
    for key in ("old", "new"):
        api_tokens.store_response(
            session=db, actor=token_actor, status_code=200, body="{}", **_request(key=key)
        )
    db.commit()
    old = db.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == "old")).one()
    old.created_at = old.created_at - timedelta(hours=25)
    db.add(old)
    db.commit()
    assert api_tokens.purge_idempotency_records(session=db) == 1
    db.commit()
    assert [r.key for r in db.exec(select(IdempotencyRecord)).all()] == ["new"]


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\nkey"])
def test_keys_must_be_short_printable_text(db, token_actor, key):
    with pytest.raises(Invalid):
        api_tokens.stored_response(session=db, actor=token_actor, **_request(key=key))
