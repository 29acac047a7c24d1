"""The coderunner integration client: runners listed, failures reported, tenants kept apart."""

from __future__ import annotations

import httpx
import pytest

from portal.config import get_settings
from portal.domain.errors import NotFound
from portal.services import coderunners
from tests.factories import account_of, actor_for, make_user, make_workspace


@pytest.fixture
def workspace(db):
    owner = make_user(db, email="owner@example.com")
    ws = make_workspace(db, account_of(db, owner.id), name="Runners")
    db.commit()
    return actor_for(db, owner), str(ws.id)


@pytest.fixture
def integration(monkeypatch):
    """Configure the integration and answer its HTTP calls with `handler`."""
    seen: list[httpx.Request] = []

    def use(handler):
        def record(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return handler(request)

        monkeypatch.setenv("PORTAL_CODERUNNER_URL", "https://runners.example/")
        monkeypatch.setenv("PORTAL_CODERUNNER_TOKEN", "crt_secret")
        get_settings.cache_clear()
        monkeypatch.setattr(coderunners, "transport", httpx.MockTransport(record))
        return seen

    yield use
    get_settings.cache_clear()


def test_not_configured_lists_nothing_and_calls_nobody(db, workspace):
    actor, workspace_id = workspace
    listed = coderunners.list_runners(session=db, actor=actor, workspace_id=workspace_id)
    assert listed.runners == [] and listed.error is None


def test_runners_are_listed_from_the_integration(db, workspace, integration):
    actor, workspace_id = workspace
    seen = integration(
        lambda request: httpx.Response(
            200,
            json={
                "items": [
                    {
                        "id": "r1",
                        "name": "builder-1",
                        "status": "online",
                        "last_seen_at": "2026-11-22T06:00:00Z",
                    },
                    {"id": "r2", "name": "builder-2", "status": "offline"},
                ]
            },
        )
    )
    listed = coderunners.list_runners(session=db, actor=actor, workspace_id=workspace_id)
    assert [(r.name, r.status) for r in listed.runners] == [
        ("builder-1", "online"),
        ("builder-2", "offline"),
    ]
    assert listed.error is None
    assert str(seen[0].url) == f"https://runners.example/v1/workspaces/{workspace_id}/runners"
    assert seen[0].headers["authorization"] == "Bearer crt_secret"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda r: httpx.Response(503), "answered 503"),
        (lambda r: httpx.Response(200, text="<html>"), "cannot read"),
        (lambda r: httpx.Response(200, json={"items": [{"id": 1}]}), "cannot read"),
    ],
)
def test_a_failing_integration_is_reported_not_raised(db, workspace, integration, answer, message):
    actor, workspace_id = workspace
    integration(answer)
    listed = coderunners.list_runners(session=db, actor=actor, workspace_id=workspace_id)
    assert listed.runners == []
    assert message in listed.error


def test_an_unreachable_integration_is_reported(db, workspace, integration):
    actor, workspace_id = workspace

    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    integration(refuse)
    listed = coderunners.list_runners(session=db, actor=actor, workspace_id=workspace_id)
    assert "did not answer" in listed.error


def test_another_accounts_workspace_is_not_found_and_not_asked(db, workspace, integration):
    _, workspace_id = workspace
    seen = integration(lambda request: httpx.Response(200, json={"items": []}))
    stranger = actor_for(db, make_user(db, email="stranger@example.com"))
    with pytest.raises(NotFound):
        coderunners.list_runners(session=db, actor=stranger, workspace_id=workspace_id)
    assert seen == []
