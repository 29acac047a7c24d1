"""Drive Portal's Reflex states in-process: a state tree per "browser", no server, no socket.

Reflex 0.10 builds the whole tree when the root is created with `_reflex_internal_init=True`
(the flag its own state manager passes), so `Browser.state(SettingsState)` is the instance an
event would reach. Handlers are called through the instance (`state.revoke_session(5)`): the
EventHandler descriptor binds the plain function to the state that owns it, an ancestor for an
inherited handler (`settings.guard` runs on the SessionState instance), as the server does.

What a handler returns is turned into wire events with `Event.from_event_type`, the same step
the event processor takes, so `redirect_path` and `toasts` read what the browser would get.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import inspect
import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import reflex as rx
from fastapi.testclient import TestClient
from reflex.event import Event
from reflex.istate.data import HeaderData, RouterData
from reflex.utils.format import format_event_handler
from reflex_base.constants import RouteVar

import portal.portal  # registers every page, page state and page loader
from portal.routes import SESSION_COOKIE, SESSION_COOKIE_HASH
from portal.services.tokens import token_hash
from portal.state.session import SessionState
from tests.api_app import shared_api

ORIGIN = "http://localhost:3000"
CLIENT_IP = "198.51.100.7"
USER_AGENT = "pytest-state"

S = TypeVar("S", bound=rx.State)


class Browser:
    """One connected client: its own state tree, its cookie, and the page it is on.

    The session cookie is HttpOnly: the server reads it from the websocket handshake's
    headers, which Reflex hands to every event as `router.headers` (`token` puts it there).
    """

    def __init__(self, path: str = "/", *, query: str = "", token: str = "") -> None:
        self.root = rx.State(_reflex_internal_init=True)
        self._token = token
        self.visit(path, query=query)

    def visit(self, path: str, *, query: str = "") -> None:
        """Navigate to `path` (as the address bar shows it) with an optional query string.

        The route id is derived as the server derives it from the path the client reports
        (reflex.app.EventNamespace.on_event): "/" + app.router(path), "/index" for the root,
        "/404" for a path no page claims.
        """
        route_id = "/" + (portal.portal.app.router(path) or "404").removeprefix("/")
        # The browser reports dynamic segments ([workspace_uuid]) among the query params.
        params = {
            part[1:-1]: value
            for part, value in zip(
                route_id.strip("/").split("/"), path.strip("/").split("/"), strict=False
            )
            if part.startswith("[") and part.endswith("]")
        }
        self._path, self._query = path, query
        headers = {"origin": ORIGIN, "user-agent": USER_AGENT}
        if self._token:
            # As SessionCookieHashing hands it on: the token's hash, never the token.
            headers["cookie"] = f"theme=dark; {SESSION_COOKIE_HASH}={token_hash(self._token)}"
        self.root.router = RouterData.from_router_data(
            {
                RouteVar.PATH: route_id,
                RouteVar.QUERY: params,
                RouteVar.ORIGIN: path + (f"?{query}" if query else ""),
                RouteVar.CLIENT_IP: CLIENT_IP,
                RouteVar.HEADERS: headers,
            }
        )

    def state(self, cls: type[S]) -> S:
        return self.root.get_substate(cls.get_full_name().split("."))

    @property
    def session(self) -> SessionState:
        return self.state(SessionState)

    @property
    def token(self) -> str:
        """The portal_session cookie the connection's handshake carried."""
        return self._token

    @token.setter
    def token(self, value: str) -> None:
        """A new cookie reaches the server with a new connection (a page load)."""
        self._token = value
        self.visit(self._path, query=self._query)


def drop_cookie(state: rx.State) -> None:
    """The connection `state` belongs to now carries no session cookie."""
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    raw = {k: v for k, v in dict(root.router.headers.raw_headers).items() if k != "cookie"}
    root.router = dataclasses.replace(
        root.router, headers=HeaderData.from_router_data({RouteVar.HEADERS: raw})
    )


def backend_posts(events: list[Event]) -> list[tuple[str, dict[str, str]]]:
    """(route path, form fields) of each form POST to a backend route among `events`
    (portal.state.session.backend_post: sign-in's handoff, sign-out)."""
    found = []
    for event in events:
        if event.name != "_call_script":
            continue
        code = str(event.payload.get("javascript_code", ""))
        action = re.search(r"form\.action = (\"[^\"]*\")", code)
        fields = re.search(r"Object\.entries\((\{.*?\})\)", code)
        if action and fields:
            url = json.loads(action.group(1))
            found.append((urlsplit(url).path, json.loads(fields.group(1))))
    return found


async def _drain(generator) -> list[Any]:
    return [item async for item in generator]


def run_coroutine(coroutine):
    """asyncio.run in a thread of its own (pytest-playwright keeps an event loop running on
    the test's thread once a browser test ran in the same process), with this thread's
    context variables (Reflex's registration context among them)."""
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, coroutine).result()


def run(bound_handler, *args: Any) -> list[Event]:
    """Call a bound handler like the event processor does and return the events it emits.

    A generator handler (sync or async) is run to the end: what it yields and what it returns
    both count; a bare `yield` (send the state now) emits nothing.
    """
    result = bound_handler(*args)
    if inspect.iscoroutine(result):
        result = run_coroutine(result)
    emitted: list[Any] = []
    if inspect.isasyncgen(result):
        with ThreadPoolExecutor(max_workers=1) as pool:
            emitted.extend(pool.submit(asyncio.run, _drain(result)).result())
    elif inspect.isgenerator(result):
        try:
            while True:
                emitted.append(next(result))
        except StopIteration as stop:
            emitted.append(stop.value)
    else:
        emitted.append(result)
    events: list[Event] = []
    for item in emitted:
        events.extend(Event.from_event_type(item))
    return events


def redirects(events: list[Event]) -> list[str]:
    return [event.payload["path"] for event in events if event.name == "_redirect"]


def redirect_path(events: list[Event]) -> str | None:
    """The one redirect among `events` (None when there is none; two is an error)."""
    paths = redirects(events)
    assert len(paths) <= 1, f"more than one redirect: {paths}"
    return paths[0] if paths else None


# rx.toast.<level>("message", {...}) compiles to a call on the toaster ref.
_TOAST = re.compile(r"""refs\['__toast'\]\?\.\["(\w+)"\]\(("(?:[^"\\]|\\.)*")""")


def toasts(events: list[Event]) -> list[tuple[str, str]]:
    """(level, message) of each toast among `events`."""
    found = []
    for event in events:
        if event.name != "_call_function":
            continue
        match = _TOAST.search(str(event.payload.get("function", "")))
        if match:
            found.append((match.group(1), json.loads(match.group(2))))
    return found


def names(events: list[Event]) -> list[str]:
    """Backend events (page loaders, chained handlers) by their full handler name."""
    return [event.name for event in events if not event.name.startswith("_")]


def name_of(*handlers) -> list[str]:
    """What `names` reports for these EventHandlers."""
    return [format_event_handler(handler) for handler in handlers]


def follow_handoff(client, events) -> str:
    """What the browser does with the handler's one form POST: posts it to the backend (as a
    page of Portal's origin, with this browser's cookie), keeps the cookie it sets, and goes
    where it is sent. Returns that location."""
    [(path, fields)] = backend_posts(events)
    http = TestClient(shared_api(), base_url=ORIGIN)
    if client.token:
        http.cookies.set(SESSION_COOKIE, client.token)
    response = http.post(path, data=fields, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert response.status_code == 303, response.text
    if SESSION_COOKIE in response.cookies or "set-cookie" in response.headers:
        client.token = response.cookies.get(SESSION_COOKIE) or ""
    return response.headers["location"].removeprefix(ORIGIN)


def database_snapshot(*, ignore: tuple[str, ...] = ()) -> dict[str, list]:
    """Every row of every table (but those in `ignore`), to compare before and after a
    handler that must change nothing.

    Read through the driver's own cursor: the suite takes thousands of these (fifty tables
    each), and SQLAlchemy's statement and result machinery around each SELECT cost more than
    half of tests/state/test_unauthenticated.py's time."""
    from sqlmodel import SQLModel

    from portal.db import transaction

    unknown = set(ignore) - {table.name for table in SQLModel.metadata.sorted_tables}
    assert not unknown, f"database_snapshot(ignore=...): no such tables {sorted(unknown)}"
    with transaction() as session:
        cursor = session.connection().connection.dbapi_connection.cursor()
        try:
            snapshot = {}
            for table in SQLModel.metadata.sorted_tables:
                if table.name not in ignore:
                    cursor.execute(f'SELECT * FROM "{table.name}"')  # noqa: S608 - the models' names
                    snapshot[table.name] = sorted(map(tuple, cursor.fetchall()), key=repr)
            return snapshot
        finally:
            cursor.close()


def every_state(client) -> Any:
    """Every state in a Browser's tree, the root first."""
    states = [client.root]
    while states:
        state = states.pop()
        states.extend(state.substates.values())
        yield state
