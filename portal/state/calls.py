"""How an event handler calls a service: off the event loop, in one transaction, as the person
behind this browser; and where a refused call shows its message.

Every page state reaches this through SessionState:

    class InviteState(SessionState):
        invite_errors: dict[str, str] = {}
        invite_banner: str = ""

        @rx.event
        async def invite(self, form: dict):
            self.invite_errors = {}
            try:
                sent = await self._call(
                    accounts.invite, account_id=self._account_id(), email=form.get("email", "")
                )
            except PortalError as exc:
                # Invalid(field="email") -> invite_errors["email"]; anything else -> beside
                # "email" too (field=...); banner="invite_banner" would put it in a banner.
                return self._show_error(exc, fields="invite_errors", field="email")
            return rx.toast.success(f"Invitation sent to {sent.email}.")

- `await self._call(service_fn, **kwargs)` calls `service_fn(session=..., actor=..., **kwargs)`
  in a worker thread (asyncio.to_thread), inside one portal.db.transaction(), with the Actor
  resolved from the session cookie (HttpOnly, read from the websocket handshake). The event
  loop stays free for every other browser meanwhile. The handler must be `async`.
- Errors: Unauthenticated always propagates (the app's backend_exception_handler sends the
  person to sign in). A
  PortalError the handler does not catch becomes an error toast (same handler). Catch it and
  call `self._show_error(exc, ...)` to put it beside a form field or in a banner var instead
  (see `show_error` for the rule).
- Services get plain values as arguments (ids, strings), never state: the thread must not touch
  the state object, which belongs to the event loop.
- Pages do not import portal.db; this module is the one place the UI opens transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import reflex as rx

from portal.db import transaction
from portal.domain.access import Actor, ClientInfo
from portal.domain.errors import Invalid, PortalError, Unauthenticated
from portal.services import sessions

T = TypeVar("T")

# One id for every error toast, so a burst of failures shows one toast, not a stack.
ERROR_TOAST_ID = "portal_error"


# The Actor the guard resolved for this event, with the session hash it came from: the page's
# loaders run in the same event, and each would otherwise resolve it again (two queries and a
# session lookup per call, on every page load). Set only for the guard's loaders.
_EVENT_ACTOR: ContextVar[tuple[str, Actor] | None] = ContextVar("portal_event_actor", default=None)


@contextmanager
def actor_resolved(hashed: str, actor: Actor) -> Iterator[None]:
    """Within this block (one event: the guard's loaders), `call_as` for the same session
    hash reuses `actor` instead of resolving it again."""
    token = _EVENT_ACTOR.set((hashed, actor))
    try:
        yield
    finally:
        _EVENT_ACTOR.reset(token)


def _with_actor(fn: Callable[..., T], actor: Actor, kwargs: dict[str, Any]) -> T:
    with transaction() as session:
        return fn(session=session, actor=actor, **kwargs)


def _as_actor(fn: Callable[..., T], hashed: str, client: ClientInfo, kwargs: dict[str, Any]) -> T:
    with transaction() as session:
        actor = sessions.resolve_actor_by_hash(session=session, hashed=hashed, client=client)
        return fn(session=session, actor=actor, **kwargs)


def _anonymous(fn: Callable[..., T], kwargs: dict[str, Any]) -> T:
    with transaction() as session:
        return fn(session=session, **kwargs)


async def call_as(fn: Callable[..., T], hashed: str, client: ClientInfo, /, **kwargs: Any) -> T:
    """`fn(session=, actor=, **kwargs)` in a worker thread, one transaction, as the Actor of
    the session whose token hashes to `hashed` (the handshake's cookie, hashed on arrival).

    Unauthenticated (no, revoked, expired or forged session) is raised before `fn` runs.
    `hashed` and `client` are positional-only, so a service with its own `token=` argument (an
    invitation's) can be called through here too.
    """
    resolved = _EVENT_ACTOR.get()
    if resolved is not None and hashed and resolved[0] == hashed:
        return await asyncio.to_thread(_with_actor, fn, resolved[1], kwargs)
    return await asyncio.to_thread(_as_actor, fn, hashed, client, kwargs)


async def call_anonymous(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """`fn(session=, **kwargs)` in a worker thread and one transaction, with no Actor: for
    public handlers (sign-in, sign-up, password reset) whose service checks its own credential.
    """
    return await asyncio.to_thread(_anonymous, fn, kwargs)


def show_error(
    state: rx.State,
    exc: PortalError,
    *,
    fields: str | None = None,
    field: str | None = None,
    banner: str | None = None,
):
    """Put a refused call's message where the person sees it; returns the event to return.

    - Unauthenticated is raised again: the app sends the person to sign in.
    - `fields` names a `dict[str, str]` var of form errors: an Invalid naming a field goes
      beside that field; any other error goes beside `field` when given.
    - Otherwise `banner` names a `str` var shown above the form or list.
    - Otherwise the message is returned as an error toast.
    """
    if isinstance(exc, Unauthenticated):
        raise exc
    if fields is not None:
        key = exc.field if isinstance(exc, Invalid) and exc.field else field
        if key:
            setattr(state, fields, {key: exc.message})
            return None
    if banner is not None:
        setattr(state, banner, exc.message)
        return None
    return rx.toast.error(exc.message, id=ERROR_TOAST_ID, position="top-center")
