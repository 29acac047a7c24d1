"""A bound on what Reflex's upload endpoint (/_upload) accepts: the one upload Portal has is a
developer app's icon (at most developer_icons.ICON_MAX_BYTES), yet the endpoint would parse,
and spool to disk, a body of any size before any handler can look at who sent it.

A body declared or found larger than UPLOAD_MAX_BYTES is answered 413 before Reflex reads
it; the icon's own limit is checked again by the service, on the bytes.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.services.developer_icons import ICON_MAX_BYTES

UPLOAD_PATH = "/_upload"
# The icon, and room for the multipart framing around it.
UPLOAD_MAX_BYTES = ICON_MAX_BYTES + 64 * 1024


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
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > UPLOAD_MAX_BYTES:
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
                if seen > UPLOAD_MAX_BYTES:
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
