"""How the compiled frontend reaches a browser: cached for good, and without a redirect.

Reflex serves the production build (`.web/build/client`) through Starlette's StaticFiles. Two
of its defaults cost every full page load a round trip or more:

- `/assets/*` are named by their content's hash (`entry.client-ztWJY0Jw.js`), yet are sent
  with only an ETag, so a returning browser asks again for each of a page's 15 or so scripts
  and style sheets (a 304 each) before the page can run. They get
  `Cache-Control: public, max-age=31536000, immutable`: a new build has new names.
- A page whose route also has sub-pages (`/workspaces` beside `/workspaces/[uuid]`) is a
  directory in the build, so `/workspaces` answered 307 to `/workspaces/`: one more round
  trip before anything loads, on every link opened in a new tab. The same page is now served
  at the address asked for.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ASSETS_PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"


class StaticDelivery:
    """ASGI middleware around the whole app (rx.App's api_transformer): see the module."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(ASSETS_PREFIX):
            await self.app(scope, receive, _cached_for_good(send))
            return
        if path.endswith("/") or "." in path.rsplit("/", 1)[-1]:
            await self.app(scope, receive, send)
            return
        redirected: list[bool] = []
        await self.app(scope, receive, _unless_slash_redirect(send, path, redirected))
        if redirected:
            # The page lives at path + "/": serve it here, same bytes, no round trip.
            await self.app({**scope, "path": path + "/"}, receive, send)


def _cached_for_good(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] in (200, 304):
            MutableHeaders(scope=message)["cache-control"] = IMMUTABLE
        await send(message)

    return sending


def _unless_slash_redirect(send: Send, path: str, redirected: list[bool]) -> Send:
    """Passes the response on, unless it is StaticFiles' redirect from `path` to `path/`:
    that one is swallowed, and noted in `redirected`."""
    swallowing = False

    async def sending(message: Message) -> None:
        nonlocal swallowing
        if message["type"] == "http.response.start" and message["status"] in (307, 308):
            location = dict(message.get("headers", [])).get(b"location", b"").decode("latin-1")
            if urlsplit(location).path == path + "/":
                swallowing = True
                redirected.append(True)
                return
        if swallowing:
            return
        await send(message)

    return sending
