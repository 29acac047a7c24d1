"""A bound on what Reflex's upload endpoint (/_upload) accepts: the endpoint would parse, and
spool to disk, a body of any size before any handler can look at who sent it.

The bound depends on the handler the upload names (its Reflex-Event-Handler header, which is
also the handler Reflex hands the files to): UPLOAD_MAX_BYTES (a developer app's icon, at most
developer_icons.ICON_MAX_BYTES, and its framing) unless the handler was `allow`ed more (the
Files page: PORTAL_FILES_MAX_MB a file). A body declared or found larger than its bound is
answered 413 before Reflex reads it; each handler's service checks its own limit again, on
the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.services.developer_icons import ICON_MAX_BYTES

UPLOAD_PATH = "/_upload"
# The icon, and room for the multipart framing around it.
UPLOAD_MAX_BYTES = ICON_MAX_BYTES + 64 * 1024
HANDLER_HEADER = b"reflex-event-handler"

# Handlers allowed a larger body: their full event name -> the bound, read per request (the
# settings it comes from may change in tests).
_ALLOWED: dict[str, Callable[[], int]] = {}


def allow(handler: str, max_bytes: Callable[[], int]) -> None:
    """Let uploads to `handler` (its full name, as Reflex-Event-Handler names it) carry
    bodies of up to max_bytes() instead of UPLOAD_MAX_BYTES."""
    _ALLOWED[handler] = max_bytes


def limit_for(headers: dict[bytes, bytes]) -> int:
    """The bound for an upload with these (lower-case) headers."""
    bound = _ALLOWED.get(headers.get(HANDLER_HEADER, b"").decode("latin-1"))
    return bound() if bound is not None else UPLOAD_MAX_BYTES


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"The upload is too large."})


class UploadLimit:
    """ASGI middleware around the whole app (rx.App's api_transformer): see the module."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").rstrip("/") != UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        limit = limit_for(headers)
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send)
            return
        seen = 0
        over = False
        started = False

        async def counted() -> Message:
            # Past the limit the app is told the client left: it stops reading, and its
            # answer is replaced by the 413 below.
            nonlocal seen, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if over:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _refuse(send)
