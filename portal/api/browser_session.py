"""The browser's session cookie: set and cleared here, by the backend, HttpOnly.

Reflex event handlers answer over the websocket, so the only cookies they can set are ones
page JavaScript writes (`rx.Cookie`), which page JavaScript can also read: one injected
script would carry the session away. So the session cookie is HttpOnly and set only by these
two routes, which the page reaches by a plain form POST (a full navigation):

- POST /auth/session (`handoff`, `next`): the sign-in page's handler checked the password and
  issued a session behind a one-time handoff (services/sessions.py); this trades the handoff
  for the session token, sets it as the cookie (HttpOnly, SameSite=Strict, Secure on https),
  ends the session the browser held before, and sends the browser on to `next`.
- POST /auth/sign-out: ends the session the cookie names and clears the cookie.

The server reads the cookie from every request (downloads.py) and from the websocket
handshake, whose headers Reflex hands to every event (SessionState._session_hash): the new page
load after these routes opens a new websocket that carries the new cookie. Reflex keeps those
headers in the tab's state, which it pickles to `.states/` or Redis, so
`SessionCookieHashing` (ASGI middleware around the whole app) puts the cookie's SHA-256 in the
event websocket's handshake in place of the token: state files and Redis keys hold only the
hash the sessions table holds too, and a hash sent by a client is dropped, never trusted.

Both refuse a request whose Origin is not Portal's own (rxconfig.allowed_origins, the list
Reflex's CORS and Socket.IO use): no other site can sign a browser in to an account of its
choosing (login CSRF) or out. The browser is sent back to that same origin, so the dev
frontend (port 3000) gets its pages back from the backend on port 8000.
"""

from __future__ import annotations

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from reflex import constants
from reflex.config import get_config
from starlette.types import ASGIApp, Receive, Scope, Send

from portal import routes
from portal.config import get_settings
from portal.db import transaction
from portal.domain.errors import Unauthenticated
from portal.services import auth, sessions
from portal.services.tokens import token_hash

router = APIRouter(include_in_schema=False)


def portal_origin(request: Request) -> str | None:
    """The request's Origin when it is one of Portal's own, else None."""
    origin = (request.headers.get("origin") or "").strip().lower()
    allowed = {o.lower() for o in get_config().cors_allowed_origins}
    if not origin or origin == "null" or "*" in allowed or origin not in allowed:
        return None
    return origin


def _refused() -> Response:
    return PlainTextResponse("Cross-site request refused.", status_code=403)


def _set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        routes.SESSION_COOKIE,
        token,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        secure=settings.public_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def _clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        routes.SESSION_COOKIE,
        path="/",
        secure=get_settings().public_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


@router.post(routes.AUTH_SESSION)
def start_session(
    request: Request,
    handoff: str = Form(""),
    next: str = Form(""),  # noqa: A002 - the form field's name
    portal_session: str | None = Cookie(default=None),
) -> Response:
    origin = portal_origin(request)
    if origin is None:
        return _refused()
    target = routes.safe_next(next)
    try:
        with transaction() as session:
            token = sessions.redeem_handoff(session=session, handoff=handoff)
            # The new session replaces whatever session this browser held before.
            auth.sign_out(session=session, token=portal_session)
    except Unauthenticated:
        # Used, expired or forged: sign in again (nothing was set).
        return RedirectResponse(
            origin + routes.sign_in_url(next_path=target, reason="expired"), status_code=303
        )
    response = RedirectResponse(origin + target, status_code=303)
    _set_session_cookie(response, token)
    return response


@router.post(routes.AUTH_SIGN_OUT)
def end_session(request: Request, portal_session: str | None = Cookie(default=None)) -> Response:
    origin = portal_origin(request)
    if origin is None:
        return _refused()
    with transaction() as session:
        auth.sign_out(session=session, token=portal_session)
    response = RedirectResponse(origin + routes.SIGN_IN, status_code=303)
    _clear_session_cookie(response)
    return response


def hash_session_cookie(header: bytes) -> bytes:
    """A Cookie header with the session token replaced by its SHA-256 (SESSION_COOKIE_HASH),
    and any SESSION_COOKIE_HASH the client sent itself dropped."""
    pairs = []
    for pair in header.decode("latin-1").split(";"):
        name, sep, value = pair.strip().partition("=")
        if not name or name == routes.SESSION_COOKIE_HASH:
            continue
        if name == routes.SESSION_COOKIE:
            token = value.strip().strip('"')
            if token:
                pairs.append(f"{routes.SESSION_COOKIE_HASH}={token_hash(token)}")
            continue
        pairs.append(f"{name}{sep}{value}")
    return "; ".join(pairs).encode("latin-1")


class SessionCookieHashing:
    """ASGI middleware: requests to Reflex's event endpoint (the websocket handshake) carry
    the session cookie's hash instead of the token (see the module docstring). Every other
    request (these routes, downloads) gets the cookie as the browser sent it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.prefix = get_config().prepend_backend_path(str(constants.Endpoint.EVENT))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("path", "").startswith(self.prefix):
            headers = [
                (name, hash_session_cookie(value) if name == b"cookie" else value)
                for name, value in scope.get("headers", [])
            ]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)
