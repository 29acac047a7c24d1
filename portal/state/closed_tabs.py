"""Free a closed tab's state on the server soon after its websocket goes away.

Reflex keeps each tab's state until it has gone unused for the state expiry (rxconfig.py,
30 minutes), because it cannot tell a closed tab from one whose connection dropped for a
moment. So a person who opens and closes tabs all day leaves their states in memory for half
an hour each. This module tells them apart by waiting: when a tab's websocket disconnects
and no socket has come back for the same tab within GRACE_SECONDS, the tab's state is
dropped (memory state manager) or left to expire within the grace period (Redis). A tab that
comes back later (a laptop waking up) loses nothing it cannot get again: Reflex's client
rehydrates in full on every reconnect, which runs the page's guard and loaders afresh, and
the session comes from the cookie in the new websocket handshake (portal/state/session.py).

Installed as a lifespan task (portal/portal.py): the websocket namespace exists only once the
app is serving. It wraps the namespace's `on_disconnect` (Reflex 0.10 offers no hook for it).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

log = logging.getLogger(__name__)

GRACE_SECONDS = float(os.environ.get("PORTAL_CLOSED_TAB_GRACE_SECONDS") or 120)


def _connected(namespace: Any, token: str) -> bool:
    return namespace._token_manager.token_to_socket.get(token) is not None


async def _forget(app: Any, token: str, grace: float) -> None:
    """After `grace` seconds, drop `token`'s state unless a socket came back for it."""
    await asyncio.sleep(grace)
    namespace = app.event_namespace
    if namespace is None or _connected(namespace, token):
        return
    manager = app.state_manager
    states = getattr(manager, "states", None)
    locks = getattr(manager, "_states_locks", None)
    if isinstance(states, dict) and isinstance(locks, dict):  # StateManagerMemory
        lock = locks.get(token)
        if lock is not None and lock.locked():
            return  # an event is being processed: the tab is alive after all
        from reflex.istate.manager.token import BaseStateToken
        from reflex.state import State

        manager._purge_token(BaseStateToken(ident=token, cls=State))
        return
    redis = getattr(manager, "redis", None)
    if redis is not None:  # StateManagerRedis: the keys expire within the grace period
        async for key in redis.scan_iter(match=f"{token}_*"):
            await redis.expire(key, max(1, int(grace)), lt=True)


def held(app: Any) -> int | None:
    """How many tab states the server holds in memory (memory and disk state managers);
    None with Redis, whose keys expire on their own."""
    states = getattr(app.state_manager, "states", None)
    return len(states) if isinstance(states, dict) else None


def watch(app: Any, grace: float | None = None):
    """The lifespan task: wrap on_disconnect, then wait (the wrapper does the work)."""
    grace = GRACE_SECONDS if grace is None else grace

    async def task() -> None:
        namespace = app.event_namespace
        if namespace is None:  # no websocket endpoint (backend not serving events)
            return
        original = namespace.on_disconnect
        pending: set[asyncio.Task] = set()

        def on_disconnect(sid: str, *_reason: Any):
            token = namespace.sid_to_token.get(sid)
            result = original(sid)
            if token:
                forget = asyncio.create_task(_forget(app, token, grace))
                pending.add(forget)
                forget.add_done_callback(_done(pending))
            return result

        namespace.on_disconnect = on_disconnect
        try:
            await asyncio.Event().wait()  # until the app stops
        finally:
            namespace.on_disconnect = original
            for forget in pending:
                forget.cancel()

    task.__name__ = "free_closed_tabs"
    return task


def _done(pending: set[asyncio.Task]):
    def callback(task: asyncio.Task) -> None:
        pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("freeing a closed tab's state failed", exc_info=task.exception())

    return callback
