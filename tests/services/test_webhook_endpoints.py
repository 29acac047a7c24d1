"""An app's webhook endpoints: URLs checked, categories, the signing secret sealed at rest,
revealed and rotated by administrators only, and sealing itself."""

from __future__ import annotations

import base64

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.errors import Frozen, Invalid, NotFound, PermissionDenied
from portal.models import AuditEvent, WebhookEndpoint
from portal.services import sealing, webhook_endpoints, workspaces
from tests.factories import actor_for, admin_actor, grant, make_app, make_user, make_workspace


@pytest.fixture
def setup(db):
    actor, account = admin_actor(db)
    workspace = str(make_workspace(db, account).id)
    make_app(db, actor, workspace, "Acme")
    make_app(db, actor, workspace, "Other")
    return actor, workspace


def _create(db, actor, workspace, slug="acme", **kwargs):
    values = {"url": "https://hooks.acme.example/portal", "categories": ["sign_in"]} | kwargs
    return webhook_endpoints.create_endpoint(
        session=db, actor=actor, workspace_id=workspace, app_slug=slug, **values
    )


def test_the_secret_is_standard_webhooks_shaped_and_sealed_at_rest(db, setup):
    actor, workspace = setup
    created = _create(db, actor, workspace)
    assert created.secret.startswith("whsec_")
    assert len(base64.b64decode(created.secret.removeprefix("whsec_"))) == 24
    row = db.get(WebhookEndpoint, created.endpoint.id)
    assert created.secret not in row.signing_secret_sealed
    assert created.secret.removeprefix("whsec_") not in row.signing_secret_sealed
    revealed = webhook_endpoints.reveal_secret(
        session=db,
        actor=actor,
        workspace_id=workspace,
        app_slug="acme",
        endpoint_id=created.endpoint.id,
    )
    assert revealed == created.secret
    actions = db.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["webhook_endpoint.created", "webhook_endpoint.secret_revealed"]
    assert all(created.secret not in str(e.after) for e in db.exec(select(AuditEvent)).all())


def test_rotation_replaces_the_secret(db, setup):
    actor, workspace = setup
    created = _create(db, actor, workspace)
    rotated = webhook_endpoints.rotate_secret(
        session=db,
        actor=actor,
        workspace_id=workspace,
        app_slug="acme",
        endpoint_id=created.endpoint.id,
    )
    assert rotated != created.secret and rotated.startswith("whsec_")
    assert (
        webhook_endpoints.reveal_secret(
            session=db,
            actor=actor,
            workspace_id=workspace,
            app_slug="acme",
            endpoint_id=created.endpoint.id,
        )
        == rotated
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://192.168.1.2/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://2130706433/hook",  # 127.0.0.1 to a resolver
        "http://localhost:8080/hook",  # this machine: only when the operator allows it
        "https://user:pw@hooks.acme.example/x",
        "ftp://hooks.acme.example/x",
        "https:///nohost",
        "https://hooks.acme.example:notaport/x",
        "",
    ],
)
def test_urls_that_are_not_public_https_are_refused(db, setup, url):
    actor, workspace = setup
    with pytest.raises(Invalid) as refused:
        _create(db, actor, workspace, url=url)
    assert refused.value.field == "url"
    assert db.exec(select(WebhookEndpoint)).all() == []


def test_http_is_accepted_in_development(db, setup):
    actor, workspace = setup
    assert _create(db, actor, workspace, url="http://hooks.acme.example/x").endpoint.url


def test_a_receiver_on_this_machine_needs_the_operators_allowlist(db, setup, monkeypatch):
    """PORTAL_WEBHOOK_ALLOWED_HOSTS (the tests' local receiver, a developer's own)."""
    actor, workspace = setup
    monkeypatch.setenv("PORTAL_WEBHOOK_ALLOWED_HOSTS", "localhost,127.0.0.1")
    get_settings.cache_clear()
    try:
        for url in ("http://localhost:8080/hook", "https://127.0.0.1:8443/hook"):
            assert _create(db, actor, workspace, url=url).endpoint.url == url
        with pytest.raises(Invalid):
            _create(db, actor, workspace, url="http://127.0.0.2:8080/hook")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_categories_are_checked_and_required(db, setup):
    actor, workspace = setup
    for categories in ([], ["nope"]):
        with pytest.raises(Invalid) as refused:
            _create(db, actor, workspace, categories=categories)
        assert refused.value.field == "categories"
    created = _create(db, actor, workspace, categories=["sign_in", "sign_in", "api_key"])
    assert created.endpoint.categories == ["sign_in", "api_key"]


def test_readers_list_but_change_and_reveal_nothing(db, setup):
    actor, workspace = setup
    created = _create(db, actor, workspace)
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace, permission="read")
    reader_actor = actor_for(db, reader)
    listed = webhook_endpoints.list_endpoints(
        session=db, actor=reader_actor, workspace_id=workspace, app_slug="acme"
    )
    assert [e.id for e in listed.items] == [created.endpoint.id]
    for call in (
        webhook_endpoints.reveal_secret,
        webhook_endpoints.rotate_secret,
        webhook_endpoints.delete_endpoint,
    ):
        with pytest.raises(PermissionDenied):
            call(
                session=db,
                actor=reader_actor,
                workspace_id=workspace,
                app_slug="acme",
                endpoint_id=created.endpoint.id,
            )
    stranger = actor_for(db, make_user(db))
    with pytest.raises(NotFound):
        webhook_endpoints.list_endpoints(
            session=db, actor=stranger, workspace_id=workspace, app_slug="acme"
        )


def test_another_apps_endpoint_id_is_not_found(db, setup):
    actor, workspace = setup
    theirs = _create(db, actor, workspace, slug="other")
    for endpoint_id in (theirs.endpoint.id, True, 0, -1, 2**40):
        with pytest.raises(NotFound):
            webhook_endpoints.reveal_secret(
                session=db,
                actor=actor,
                workspace_id=workspace,
                app_slug="acme",
                endpoint_id=endpoint_id,
            )


def test_a_frozen_workspace_refuses_changes(db, setup):
    actor, workspace = setup
    created = _create(db, actor, workspace)
    workspaces.freeze(session=db, actor=actor, workspace_id=workspace, reason="audit")
    with pytest.raises(Frozen):
        _create(db, actor, workspace)
    with pytest.raises(Frozen):
        webhook_endpoints.set_enabled(
            session=db,
            actor=actor,
            workspace_id=workspace,
            app_slug="acme",
            endpoint_id=created.endpoint.id,
            enabled=False,
        )


def test_disable_enable_and_delete(db, setup):
    actor, workspace = setup
    created = _create(db, actor, workspace)
    ids = {
        "session": db,
        "actor": actor,
        "workspace_id": workspace,
        "app_slug": "acme",
        "endpoint_id": created.endpoint.id,
    }
    off = webhook_endpoints.set_enabled(**ids, enabled=False)
    assert not off.enabled and actor.email in off.disabled_reason
    on = webhook_endpoints.set_enabled(**ids, enabled=True)
    assert on.enabled and on.disabled_reason is None
    webhook_endpoints.delete_endpoint(**ids)
    assert db.get(WebhookEndpoint, created.endpoint.id) is None


def test_a_value_sealed_under_another_key_is_unsealable(monkeypatch):
    sealed = sealing.seal("whsec_abc")
    assert sealing.unseal(sealed) == "whsec_abc"
    monkeypatch.setenv("PORTAL_SECRET_KEY", "another key entirely")
    get_settings.cache_clear()
    try:
        with pytest.raises(sealing.Unsealable):
            sealing.unseal(sealed)
        with pytest.raises(sealing.Unsealable):
            sealing.unseal("whsec_abc")  # never sealed
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_production_refuses_this_machine_and_plain_http(db, setup, monkeypatch):
    actor, workspace = setup
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.example")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a key of this test")
    get_settings.cache_clear()
    try:
        for url in (
            "http://localhost:8080/h",
            "https://localhost/h",
            "https://api.localhost/h",
            "http://hooks.acme.example/x",  # http only while developing
        ):
            with pytest.raises(Invalid):
                _create(db, actor, workspace, url=url)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
