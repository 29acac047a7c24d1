"""The signed-in person, resolved on the server from a session token kept in a cookie.

Every event handler that touches data gets its Actor from the server-side session: the only
thing the browser supplies is the token, and the server decides what it is worth on every
call.

The token is an HttpOnly cookie (`portal_session`) that page JavaScript cannot read or write:
backend routes set and clear it (portal/api/browser_session.py), and the server reads it from
the websocket handshake. Reflex 0.10 keeps the handshake's headers for the connection's
lifetime and gives them to every event as `router.headers` (reflex.app.EventNamespace
._build_static_router_data), so `_session_hash()` reads the cookie there, on every event, even
on a tab state that expired and was started afresh. Reflex also keeps those headers in the
tab's state (pickled to `.states/` or Redis), so the handshake carries the cookie's SHA-256,
put there by api/browser_session.SessionCookieHashing, never the token itself.

A handshake from another origin is refused by Socket.IO (rxconfig.allowed_origins), so another
site cannot open a websocket that carries the cookie (cross-site websocket hijacking). Signing
in or out is a handler followed by a form POST to one of those routes (`hand_off_session`,
`leave_session`): a full page load, whose new websocket carries the new cookie.

Handlers call services through `await self._call(service_fn, ...)` (portal/state/calls.py:
a worker thread, one transaction, errors shown by `self._show_error`). `_acting()` and
`_require_session()` are the older synchronous way, kept for pages not migrated yet: they run
their transaction on the event loop.

One event per page load: `guard` (the on_load of every page) checks the page's requirement and
then runs the page's own loaders in the same event (`register_page_loaders`), so the first
delta after the guard carries what the page shows.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar

import reflex as rx
from reflex.config import get_config
from sqlmodel import Session

from portal import routes
from portal.db import transaction
from portal.domain.access import Actor, ClientInfo, Requirement
from portal.domain.errors import PortalError, Unauthenticated
from portal.services import auth, permissions, sessions
from portal.state.calls import actor_resolved, call_anonymous, call_as, show_error

T = TypeVar("T")

# Each page's own load handlers, run by the guard (in its own event) only after the page's
# requirement passed.
PAGE_LOADERS: dict[str, list] = {}


def register_page_loaders(route: str, loaders: list) -> None:
    """The guard calls each loader inline, in its own event: plain (or async) handlers that
    take no argument. A background handler cannot run that way: return it from a loader."""
    for loader in loaders:
        if loader.is_background:
            raise ValueError(f"{loader.fn.__qualname__}: a background event cannot be a loader")
    PAGE_LOADERS[route] = list(loaders)


def _who(*, session: Session, actor: Actor) -> tuple[Actor, bool]:
    """The guard's one read: the Actor, and whether they accepted the developer terms."""
    return actor, permissions.meets(session, actor, Requirement.DEVELOPER_TERMS)


def _nothing(*, session: Session, actor: Actor) -> None:
    """A service call that only resolves the Actor (see SessionState._check_session)."""


def session_cookie_hash(cookie_header: str) -> str:
    """The session cookie's hash in a handshake's Cookie header ("" when there is none)."""
    try:
        morsel = SimpleCookie(cookie_header or "").get(routes.SESSION_COOKIE_HASH)
    except CookieError:
        return ""
    return morsel.value if morsel is not None else ""


def backend_post(path: str, fields: dict[str, str]) -> rx.event.EventSpec:
    """Leave the page by a form POST to a backend route (a full navigation, like a form
    submit): the way to the routes that set and clear the HttpOnly session cookie. `fields`
    travel in the request body, not the URL (so not in history or access logs)."""
    action = get_config().api_url.rstrip("/") + path
    script = (
        "(() => { const form = document.createElement('form'); form.method = 'POST'; "
        f"form.action = {json.dumps(action)}; form.style.display = 'none'; "
        f"for (const [name, value] of Object.entries({json.dumps(fields)})) {{ "
        "const input = document.createElement('input'); input.type = 'hidden'; "
        "input.name = name; input.value = value; form.appendChild(input); } "
        "document.body.appendChild(form); form.submit(); })()"
    )
    return rx.call_script(script)


def hand_off_session(handoff: str, next_path: str) -> rx.event.EventSpec:
    """After a sign-in issued with `handoff=True`: the browser trades the one-time handoff for
    its HttpOnly session cookie at /auth/session, then lands on `next_path`. The handoff is in
    this event's return only, never in state (portal/state/secrets.py's rule)."""
    return backend_post(
        routes.AUTH_SESSION, {"handoff": handoff, "next": routes.safe_next(next_path)}
    )


def leave_session() -> rx.event.EventSpec:
    """Clear the session cookie (and end its session) at /auth/sign-out; lands on sign-in."""
    return backend_post(routes.AUTH_SIGN_OUT, {})


def _events(result: Any) -> list:
    if result is None:
        return []
    if isinstance(result, list | tuple):
        return [event for event in result if event is not None]
    return [result]


class SessionState(rx.State):
    """Base of every page state: page states subclass it to reach `_actor()`."""

    # Who is signed in and what they may open, as last checked by the server.
    signed_in: bool = False
    terms_accepted: bool = False
    platform_admin: bool = False
    user_name: str = ""
    user_email: str = ""

    def _client(self) -> ClientInfo:
        return ClientInfo(
            ip_address=self.router.session.client_ip or "",
            user_agent=self.router.headers.user_agent or "",
        )

    def _session_hash(self) -> str:
        """The SHA-256 of this browser's session token: the HttpOnly cookie its websocket
        handshake carried, hashed on arrival ("" when none; resolving it then raises
        Unauthenticated). Never stored in a var."""
        return session_cookie_hash(self.router.headers.cookie)

    def _actor(self, session: Session) -> Actor:
        """The Actor for this browser, or Unauthenticated (the app turns it into sign-in)."""
        return sessions.resolve_actor_by_hash(
            session=session, hashed=self._session_hash(), client=self._client()
        )

    async def _call(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """`fn(session=, actor=, **kwargs)` off the event loop, in one transaction, as the
        person behind this browser. See portal/state/calls.py."""
        return await call_as(fn, self._session_hash(), self._client(), **kwargs)

    async def _check_session(self) -> None:
        """Raise Unauthenticated unless this browser has a live session (off the event loop).

        For a handler that would do nothing this time but must still refuse a browser without
        a session, like every handler that can touch data."""
        await self._call(_nothing)

    async def _call_anonymous(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """`fn(session=, **kwargs)` off the event loop, in one transaction, with no Actor."""
        return await call_anonymous(fn, **kwargs)

    def _show_error(
        self,
        exc: PortalError,
        *,
        fields: str | None = None,
        field: str | None = None,
        banner: str | None = None,
    ):
        """Show a refused call's message beside a field, in a banner, or as a toast."""
        return show_error(self, exc, fields=fields, field=field, banner=banner)

    async def _run_loaders(self, route: str) -> list:
        """Run the page's loaders in this event; return the events they ask for.

        Each loader is an event handler of a page or nav state; it is called on that state's
        instance in this browser's tree, as the event processor would call it.
        """
        events: list = []
        for handler in PAGE_LOADERS.get(route, []):
            state = await self.get_state(handler.state)
            result = handler.fn(state)
            if inspect.isawaitable(result):
                result = await result
            if inspect.isasyncgen(result):
                result = [event async for event in result]
            elif inspect.isgenerator(result):
                result = list(result)
            events.extend(_events(result))
        return events

    @contextmanager
    def _acting(self) -> Iterator[tuple[Session, Actor]]:
        """One transaction with the server-resolved Actor: `with self._acting() as (db, actor)`."""
        with transaction() as session:
            yield session, self._actor(session)

    def _require_session(self) -> None:
        """Refuse (Unauthenticated) before a handler touches even its own state."""
        with transaction() as session:
            self._actor(session)

    def _forget_identity(self) -> None:
        self.signed_in = False
        self.terms_accepted = False
        self.platform_admin = False
        self.user_name = ""
        self.user_email = ""

    def _current_path(self) -> str:
        url = self.router.url
        # The prod server adds a trailing slash (/settings -> /settings/); links use none.
        path = url.path.rstrip("/") or "/"
        return path + (f"?{url.query}" if url.query else "")

    @rx.event
    async def guard(self):
        """on_load of every page: check the page's requirement (from routes.PAGES), redirect,
        or load the page (its loaders run in this same event)."""
        route = routes.page_key(self.router.route_id)
        requirement = routes.requirement_for(route)
        try:
            actor, self.terms_accepted = await self._call(_who)
        except Unauthenticated as exc:
            # A cookie that names no live session is left as it is (only /auth/sign-out
            # clears it); it signs nothing in, and the next sign-in replaces it.
            self._forget_identity()
            if requirement is Requirement.PUBLIC:
                return await self._run_loaders(route)
            return rx.redirect(
                routes.sign_in_url(
                    next_path=self._current_path(), reason="expired" if exc.expired else None
                ),
                replace=True,
            )
        self.signed_in = True
        self.platform_admin = actor.is_platform_admin
        self.user_name = actor.name
        self.user_email = actor.email
        if route in routes.SIGNED_OUT_ONLY:
            return rx.redirect(routes.DASHBOARD, replace=True)
        if requirement is Requirement.DEVELOPER_TERMS and not self.terms_accepted:
            return rx.redirect(
                routes.developer_terms_url(next_path=self._current_path()), replace=True
            )
        if requirement is Requirement.PLATFORM_ADMIN and not actor.is_platform_admin:
            return rx.redirect(routes.DASHBOARD, replace=True)
        # The loaders run as the Actor just resolved: no second look-up per call.
        with actor_resolved(self._session_hash(), actor):
            return await self._run_loaders(route)

    @rx.event
    async def sign_out(self):
        """End the session now, then clear the cookie (/auth/sign-out, which lands on sign-in)."""
        await self._call_anonymous(auth.sign_out, hashed=self._session_hash())
        self._forget_identity()
        return leave_session()
