"""The one way a handler calls a service (portal/state/calls.py, SessionState._call): a worker
thread, one transaction, the Actor from the server-side session; and where a refused call's
message shows (SessionState._show_error)."""

from __future__ import annotations

import asyncio
import threading

import pytest
import reflex as rx
from sqlmodel import select

from portal.domain.errors import (
    Frozen,
    Invalid,
    NotFound,
    PermissionDenied,
    PortalError,
    Unauthenticated,
)
from portal.models import Account
from portal.state.session import SessionState
from tests.state.support import run, run_coroutine, toasts


def _rename_account_then_fail(*, session, actor, account_id: int, error: Exception | None):
    """Writes, then (optionally) fails: what a service does halfway through a use case."""
    account = session.get(Account, account_id)
    account.name = "Renamed"
    session.add(account)
    session.flush()
    if error is not None:
        raise error
    return {
        "user_id": actor.user_id,
        "thread": threading.get_ident(),
        "loop_running": _loop_running(),
    }


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class CallsProbeState(SessionState):
    """A page state as a page would write one, for these tests only."""

    form_errors: dict[str, str] = {}
    banner: str = ""
    outcome: dict[str, str] = {}

    @rx.event
    async def act(self, account_id: int, error_kind: str, where: str):
        self.form_errors = {}
        self.banner = ""
        errors = {
            "none": None,
            "invalid_name": Invalid("Enter a name.", field="name"),
            "invalid": Invalid("That will not do."),
            "denied": PermissionDenied("You need administer on the account."),
            "frozen": Frozen("The workspace is frozen."),
            "missing": NotFound(),
        }
        try:
            result = await self._call(
                _rename_account_then_fail, account_id=account_id, error=errors[error_kind]
            )
        except PortalError as exc:
            targets = {
                "fields": {"fields": "form_errors", "field": "account"},
                "fields_only": {"fields": "form_errors"},
                "banner": {"banner": "banner"},
                "toast": {},
            }[where]
            return self._show_error(exc, **targets)
        self.outcome = {key: str(value) for key, value in result.items()}
        return None


@pytest.fixture
def ada(db, person, browse):
    user, token, _ = person(name="Ada", account_name="Ada Co")
    account_id = db.exec(select(Account.id).where(Account.name == "Ada Co")).one()
    client = browse("/settings", token=token)
    return client.state(CallsProbeState), account_id, user


def _account_name(db, account_id: int) -> str:
    db.expire_all()
    return db.get(Account, account_id).name


def test_the_service_runs_in_a_worker_thread_as_the_sessions_actor(ada, db):
    state, account_id, user = ada
    run(state.act, account_id, "none", "toast")
    assert state.outcome["user_id"] == str(user.id)
    # Not on the event loop: the worker thread has no running loop, and is not this thread.
    assert state.outcome["loop_running"] == "False"
    assert state.outcome["thread"] != str(threading.get_ident())
    assert _account_name(db, account_id) == "Renamed"  # committed


@pytest.mark.parametrize("error_kind", ["invalid", "denied", "frozen", "missing"])
def test_a_refused_call_is_one_transaction_rolled_back(ada, db, error_kind):
    state, account_id, _ = ada
    run(state.act, account_id, error_kind, "toast")
    assert _account_name(db, account_id) == "Ada Co"


@pytest.mark.parametrize("token", ["", "forged-token"])
def test_without_a_live_session_the_service_never_runs(browse, db, token, ada):
    _, account_id, _ = ada
    state = browse("/settings", token=token).state(CallsProbeState)
    with pytest.raises(Unauthenticated):
        run(state.act, account_id, "none", "fields")
    assert _account_name(db, account_id) == "Ada Co"
    assert state.outcome == {}


def test_unauthenticated_is_never_swallowed_by_show_error(ada):
    state, _, _ = ada
    with pytest.raises(Unauthenticated):
        state._show_error(Unauthenticated(), fields="form_errors", field="account")
    with pytest.raises(Unauthenticated):
        state._show_error(Unauthenticated(expired=True), banner="banner")


def test_an_invalid_naming_a_field_goes_beside_that_field(ada):
    state, account_id, _ = ada
    events = run(state.act, account_id, "invalid_name", "fields")
    assert state.form_errors == {"name": "Enter a name."}
    assert (state.banner, toasts(events)) == ("", [])


@pytest.mark.parametrize(
    ("error_kind", "message"),
    [
        ("invalid", "That will not do."),
        ("denied", "You need administer on the account."),
        ("missing", "Not found."),
    ],
)
def test_other_errors_go_beside_the_fallback_field(ada, error_kind, message):
    state, account_id, _ = ada
    events = run(state.act, account_id, error_kind, "fields")
    assert state.form_errors == {"account": message}
    assert toasts(events) == []


def test_without_a_fallback_field_an_error_naming_no_field_is_a_toast(ada):
    state, account_id, _ = ada
    events = run(state.act, account_id, "denied", "fields_only")
    assert state.form_errors == {}
    assert toasts(events) == [("error", "You need administer on the account.")]


def test_a_banner_takes_the_message(ada):
    state, account_id, _ = ada
    events = run(state.act, account_id, "frozen", "banner")
    assert state.banner == "The workspace is frozen."
    assert toasts(events) == []


def test_with_nowhere_named_the_message_is_an_error_toast(ada):
    state, account_id, _ = ada
    events = run(state.act, account_id, "missing", "toast")
    assert toasts(events) == [("error", "Not found.")]
    assert (state.form_errors, state.banner) == ({}, "")


def _who_acts(*, session, actor):
    return actor.user_id


def test_the_guards_loaders_reuse_the_actor_it_resolved(ada, db, monkeypatch):
    """Inside actor_resolved (the guard's loaders) a call for the same session does not look
    the session up again; a call for another session, or after the block, does."""
    from portal.services import sessions
    from portal.state import calls

    state, _, user = ada
    hashed = state._session_hash()
    actor = run_coroutine(calls.call_as(lambda *, session, actor: actor, hashed, state._client()))
    lookups: list[str] = []
    real = sessions.resolve_actor_by_hash

    def counted(**kwargs):
        lookups.append(kwargs["hashed"])
        return real(**kwargs)

    monkeypatch.setattr(sessions, "resolve_actor_by_hash", counted)

    async def guard_then_after():
        with calls.actor_resolved(hashed, actor):
            inside = [await calls.call_as(_who_acts, hashed, state._client()) for _ in range(3)]
            with pytest.raises(Unauthenticated):
                await calls.call_as(_who_acts, "another-sessions-hash", state._client())
        after = await calls.call_as(_who_acts, hashed, state._client())
        return inside, after

    inside, after = run_coroutine(guard_then_after())
    assert inside == [user.id] * 3 and after == user.id
    assert lookups == ["another-sessions-hash", hashed]
