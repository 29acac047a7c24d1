"""A closed tab's state leaves the server's memory after the grace period, not after the
30-minute state expiry; a tab whose socket came back keeps it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State

from portal.config import get_settings
from portal.state import closed_tabs
from tests.state.support import run_coroutine

GRACE = 0.05


class FakeNamespace:
    """The parts of Reflex's EventNamespace the watcher reads."""

    def __init__(self) -> None:
        self.sid_to_token: dict[str, str] = {}
        self._token_manager = SimpleNamespace(token_to_socket={})
        self.disconnected: list[str] = []

    def on_disconnect(self, sid: str):
        self.disconnected.append(sid)
        token = self.sid_to_token.pop(sid, None)
        self._token_manager.token_to_socket.pop(token, None)


async def _open_tab(app, token: str, sid: str) -> None:
    await app.state_manager.get_state(BaseStateToken(ident=token, cls=State))
    app.event_namespace.sid_to_token[sid] = token
    app.event_namespace._token_manager.token_to_socket[token] = sid


async def _run(scenario) -> StateManagerMemory:
    manager = StateManagerMemory(token_expiration=1800)
    app = SimpleNamespace(event_namespace=FakeNamespace(), state_manager=manager)
    watcher = asyncio.create_task(closed_tabs.watch(app, grace=GRACE)())
    await asyncio.sleep(0)  # the watcher wraps on_disconnect
    try:
        await scenario(app)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        await manager.close()
    return manager


def test_a_closed_tab_state_is_dropped_after_the_grace_period():
    async def scenario(app):
        await _open_tab(app, "tab-a", "sid-a")
        await _open_tab(app, "tab-b", "sid-b")
        assert closed_tabs.held(app) == 2  # what bench/compare.py's probe reads
        app.event_namespace.on_disconnect("sid-a")
        assert app.event_namespace.disconnected == ["sid-a"]  # Reflex's own handler ran
        assert "tab-a" in app.state_manager.states  # not before the grace period
        await asyncio.sleep(GRACE * 4)
        assert "tab-a" not in app.state_manager.states
        assert "tab-b" in app.state_manager.states  # the open tab keeps its state
        assert closed_tabs.held(app) == 1

    run_coroutine(_run(scenario))


def test_a_tab_that_reconnects_within_the_grace_period_keeps_its_state():
    async def scenario(app):
        await _open_tab(app, "tab-a", "sid-1")
        app.event_namespace.on_disconnect("sid-1")
        await _open_tab(app, "tab-a", "sid-2")  # the same tab, a new socket
        await asyncio.sleep(GRACE * 4)
        assert "tab-a" in app.state_manager.states

    run_coroutine(_run(scenario))


def test_the_watcher_restores_the_namespace_when_the_app_stops():
    run_coroutine(_restores())


async def _restores():
    namespace = FakeNamespace()
    original = namespace.on_disconnect
    app = SimpleNamespace(event_namespace=namespace, state_manager=StateManagerMemory())
    watcher = asyncio.create_task(closed_tabs.watch(app, grace=GRACE)())
    await asyncio.sleep(0)
    assert namespace.on_disconnect != original
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    assert namespace.on_disconnect == original


def test_the_tab_state_probe_is_off_unless_asked_for():
    """The count of tab states (bench/compare.py's probe) is not served by default."""
    from portal import portal

    assert get_settings().tab_state_probe is False
    assert "/_probe/tab-states" not in {getattr(route, "path", "") for route in portal.api.routes}
