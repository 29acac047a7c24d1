"""An app's API keys: create (the secret shown once, only its hash kept), validation, the
list (newest first, per environment), revoke (idempotent, scoped to the app)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.domain import app_keys
from portal.domain.apps import KeyScope
from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.domain.paging import InvalidCursor
from portal.domain.workspaces import EnvironmentName
from portal.models import AppApiKey, AuditEvent
from portal.models._base import utcnow
from portal.services import app_api_keys, apps
from portal.services.tokens import token_hash
from tests.factories import account_of, actor_for, grant, make_user, make_workspace


@pytest.fixture
def owner(db):
    return make_user(db, email="owner@example.com", account_name="Acme")


@pytest.fixture
def account_id(db, owner):
    return account_of(db, owner.id)


@pytest.fixture
def actor(db, owner):
    return actor_for(db, owner)


@pytest.fixture
def workspace(db, account_id):
    return make_workspace(db, account_id, "Production")


@pytest.fixture
def app(db, actor, workspace):
    return apps.create_app(session=db, actor=actor, workspace_id=str(workspace.id), name="Acme")


def create(db, actor, workspace, slug="acme", name="Billing", **kwargs):
    return app_api_keys.create_key(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=slug, name=name, **kwargs
    )


def revoke(db, actor, workspace, key_id, slug="acme"):
    return app_api_keys.revoke_key(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=slug, key_id=key_id
    )


def listed(db, actor, workspace, slug="acme", **kwargs):
    return app_api_keys.list_keys(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=slug, **kwargs
    )


def audit_rows(db, action):
    return db.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def key_count(db):
    return db.exec(select(func.count()).select_from(AppApiKey)).one()


# Create ---------------------------------------------------------------------------------------


def test_create_returns_a_prod_secret_that_parses_and_stores_only_its_hash(
    db, actor, workspace, app, owner
):
    created = create(db, actor, workspace)
    secret = created.secret
    assert secret.startswith("sk_prod_")
    assert app_keys.parse(secret).environment == EnvironmentName.PROD
    assert created.key.key_prefix == app_keys.display_prefix(secret)
    assert secret.startswith(created.key.key_prefix)
    assert (created.key.environment, created.key.scope) == ("prod", KeyScope.READ_WRITE)
    assert (created.key.expires_at, created.key.revoked_at) == (None, None)

    table = AppApiKey.__table__
    row = db.execute(select(table).where(table.c.id == created.key.id)).one()._mapping
    assert row["key_hash"] == token_hash(secret)
    assert row["app_id"] == app.id
    assert row["created_by_user_id"] == owner.id
    random_part = secret[len("sk_prod_") :]
    for column, value in row.items():
        assert secret not in str(value), column
        assert random_part[:12] not in str(value), column


def test_create_records_the_key_without_its_secret(db, actor, workspace, app):
    created = create(db, actor, workspace, name="Payments", expires_in_days=30)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "app_api_key.created")).one()
    assert (event.target_type, event.target_id) == ("app", str(app.id))
    assert event.workspace_id == workspace.id
    assert event.after["key"] == created.key.key_prefix
    assert event.after["name"] == "Payments"
    assert event.after["environment"] == "prod"
    assert event.after["expires_at"] is not None
    table = AuditEvent.__table__
    stored = db.execute(select(table).where(table.c.id == event.id)).one()._mapping
    for column, value in stored.items():
        assert created.secret not in str(value), column
        assert created.secret[len("sk_prod_") :][:12] not in str(value), column
        assert token_hash(created.secret) not in str(value), column


def test_every_secret_is_new(db, actor, workspace, app):
    secrets = {create(db, actor, workspace, name=f"K{n}").secret for n in range(5)}
    assert len(secrets) == 5
    hashes = set(db.exec(select(AppApiKey.key_hash)).all())
    assert hashes == {token_hash(s) for s in secrets}


@pytest.mark.parametrize("environment", ["dev", "staging", "prod", " Staging "])
def test_a_key_names_its_environment(db, actor, workspace, app, environment):
    wanted = environment.strip().lower()
    created = create(db, actor, workspace, environment=environment)
    assert created.secret.startswith(f"sk_{wanted}_")
    assert app_keys.parse(created.secret).environment == wanted
    assert created.key.environment == wanted
    assert db.get(AppApiKey, created.key.id).environment == wanted


def test_a_read_only_key_keeps_its_scope(db, actor, workspace, app):
    created = create(db, actor, workspace, scope="read")
    assert created.key.scope == KeyScope.READ
    assert db.get(AppApiKey, created.key.id).scope == KeyScope.READ


@pytest.mark.parametrize("days", [1, 30, "7", " 3650 "])
def test_a_key_expires_after_the_days_given(db, actor, workspace, app, days):
    before = utcnow()
    created = create(db, actor, workspace, expires_in_days=days)
    after = utcnow()
    wanted = timedelta(days=int(str(days)))
    assert before + wanted <= created.key.expires_at <= after + wanted


@pytest.mark.parametrize("days", [None, "", "never"])
def test_a_key_may_never_expire(db, actor, workspace, app, days):
    assert create(db, actor, workspace, expires_in_days=days).key.expires_at is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"environment": "qa"}, "environment"),
        ({"environment": "production"}, "environment"),
        ({"scope": "admin"}, "scope"),
        ({"scope": "write"}, "scope"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": -1}, "expires_in_days"),
        ({"expires_in_days": 3651}, "expires_in_days"),
        ({"expires_in_days": "soon"}, "expires_in_days"),
        ({"expires_in_days": "1.5"}, "expires_in_days"),
        ({"expires_in_days": 10**30}, "expires_in_days"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "Billing\x00"}, "name"),
    ],
)
def test_bad_key_settings_name_their_field_and_create_nothing(
    db, actor, workspace, app, change, field
):
    with pytest.raises(Invalid) as refused:
        create(db, actor, workspace, **change)
    assert refused.value.field == field
    assert key_count(db) == 0
    assert audit_rows(db, "app_api_key.created") == []


def test_a_key_of_an_unknown_app_is_not_found(db, actor, workspace, app):
    with pytest.raises(NotFound):
        create(db, actor, workspace, slug="globex")
    assert key_count(db) == 0


# List -----------------------------------------------------------------------------------------


def _walk(db, actor, workspace, **kwargs):
    names, cursor, pages = [], None, 0
    while True:
        page = listed(db, actor, workspace, limit=2, cursor=cursor, **kwargs)
        pages += 1
        names += [key.name for key in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return names, pages
        assert pages < 20, "the walk does not end"


def test_the_list_pages_newest_first_in_one_environment(db, actor, workspace, app):
    for n in range(5):
        create(db, actor, workspace, name=f"Prod {n}")
        if n < 2:
            create(db, actor, workspace, name=f"Dev {n}", environment="dev")
    revoked = create(db, actor, workspace, name="Prod 5")
    revoke(db, actor, workspace, revoked.key.id)

    names, pages = _walk(db, actor, workspace)
    assert names == ["Prod 5", "Prod 4", "Prod 3", "Prod 2", "Prod 1", "Prod 0"]
    assert pages == 3
    assert _walk(db, actor, workspace, environment="dev")[0] == ["Dev 1", "Dev 0"]
    assert _walk(db, actor, workspace, environment="staging")[0] == []
    first = listed(db, actor, workspace).items[0]
    assert first.name == "Prod 5" and first.revoked_at is not None  # revoked, still listed


def test_the_list_shows_no_secret(db, actor, workspace, app):
    created = create(db, actor, workspace)
    [key] = listed(db, actor, workspace).items
    dumped = key.model_dump()
    assert "key_hash" not in dumped and "secret" not in dumped
    assert created.secret not in str(dumped)
    assert token_hash(created.secret) not in str(dumped)


def test_the_list_holds_only_the_apps_own_keys(db, actor, workspace, app):
    apps.create_app(session=db, actor=actor, workspace_id=str(workspace.id), name="Globex")
    create(db, actor, workspace, slug="globex", name="Globex key")
    create(db, actor, workspace, name="Acme key")
    assert [k.name for k in listed(db, actor, workspace).items] == ["Acme key"]
    assert [k.name for k in listed(db, actor, workspace, slug="globex").items] == ["Globex key"]


def test_the_list_refuses_an_unknown_environment(db, actor, workspace, app):
    with pytest.raises(Invalid) as refused:
        listed(db, actor, workspace, environment="qa")
    assert refused.value.field == "environment"


@pytest.mark.parametrize(
    "forge",
    [lambda cursor: "garbage!", lambda cursor: cursor[:-2], lambda cursor: cursor + "AAAA"],
    ids=["garbage", "truncated", "extended"],
)
def test_the_list_refuses_a_forged_cursor(db, actor, workspace, app, forge):
    for n in range(3):
        create(db, actor, workspace, name=f"K{n}")
    cursor = listed(db, actor, workspace, limit=1).next_cursor
    assert cursor
    with pytest.raises(InvalidCursor):
        listed(db, actor, workspace, limit=1, cursor=forge(cursor))


def test_the_list_refuses_a_cursor_of_the_app_list(db, actor, workspace, app):
    apps.create_app(session=db, actor=actor, workspace_id=str(workspace.id), name="Globex")
    cursor = apps.list_apps(
        session=db, actor=actor, workspace_id=str(workspace.id), limit=1
    ).next_cursor
    assert cursor
    with pytest.raises(InvalidCursor):
        listed(db, actor, workspace, cursor=cursor)


# Revoke -----------------------------------------------------------------------------------------


def test_revoke_sets_revoked_at_once_and_is_idempotent(db, actor, workspace, app):
    created = create(db, actor, workspace, name="Payments")
    kept = create(db, actor, workspace, name="Other")
    revoked = revoke(db, actor, workspace, created.key.id)
    assert revoked.revoked_at is not None
    assert db.get(AppApiKey, created.key.id).revoked_at == revoked.revoked_at
    assert db.get(AppApiKey, kept.key.id).revoked_at is None
    [event] = audit_rows(db, "app_api_key.revoked")
    assert (event.target_type, event.target_id) == ("app", str(app.id))
    assert event.before == {
        "key": created.key.key_prefix,
        "name": "Payments",
        "environment": "prod",
    }

    again = revoke(db, actor, workspace, created.key.id)
    assert again.revoked_at == revoked.revoked_at
    assert len(audit_rows(db, "app_api_key.revoked")) == 1


def test_a_key_of_another_app_in_the_same_workspace_is_not_found(db, actor, workspace, app):
    apps.create_app(session=db, actor=actor, workspace_id=str(workspace.id), name="Globex")
    theirs = create(db, actor, workspace, slug="globex")
    with pytest.raises(NotFound):
        revoke(db, actor, workspace, theirs.key.id, slug="acme")
    assert db.get(AppApiKey, theirs.key.id).revoked_at is None
    assert audit_rows(db, "app_api_key.revoked") == []


def test_a_key_of_an_app_in_another_workspace_is_not_found(db, actor, workspace, app, account_id):
    other = make_workspace(db, account_id, "Staging")
    apps.create_app(session=db, actor=actor, workspace_id=str(other.id), name="Acme")
    theirs = create(db, actor, other)
    with pytest.raises(NotFound):
        revoke(db, actor, workspace, theirs.key.id)
    assert db.get(AppApiKey, theirs.key.id).revoked_at is None


@pytest.mark.parametrize("key_id", [True, False, 0, -1, 2**31, 2**63, 10**40, "1", 1.0, None])
def test_a_key_id_that_is_not_a_real_id_is_not_found(db, actor, workspace, app, key_id):
    created = create(db, actor, workspace)
    assert created.key.id == 1  # so True, "1" and 1.0 would name it if taken as ids
    with pytest.raises(NotFound):
        revoke(db, actor, workspace, key_id)
    assert db.get(AppApiKey, created.key.id).revoked_at is None


def test_a_reader_lists_keys_but_cannot_create_or_revoke_them(db, actor, workspace, app):
    created = create(db, actor, workspace)
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace.id, permission="read")
    as_reader = actor_for(db, reader)
    assert [k.id for k in listed(db, as_reader, workspace).items] == [created.key.id]
    with pytest.raises(PermissionDenied):
        create(db, as_reader, workspace, name="Mine")
    with pytest.raises(PermissionDenied):
        revoke(db, as_reader, workspace, created.key.id)
    assert key_count(db) == 1
    assert db.get(AppApiKey, created.key.id).revoked_at is None
