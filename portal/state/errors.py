"""What the browser sees when a handler raises: a sign-in redirect or a plain message."""

from __future__ import annotations

import logging

import reflex as rx

from portal import routes
from portal.domain.errors import PortalError, Unauthenticated

log = logging.getLogger("portal")


def handle_backend_exception(exception: Exception):
    """App-wide backend_exception_handler.

    Handlers let Unauthenticated propagate from `_actor()`: a session that expired or was
    revoked mid-page sends the person to sign in. Domain errors nobody caught show their own
    message; anything else is logged and shown without internals.
    """
    if isinstance(exception, Unauthenticated):
        return rx.redirect(
            routes.sign_in_url(reason="expired" if exception.expired else None), replace=True
        )
    if isinstance(exception, PortalError):
        return rx.toast.error(exception.message, id="portal_error", position="top-center")
    log.exception("Unhandled error in an event handler", exc_info=exception)
    return rx.toast.error(
        "Something went wrong on our side. Try again; if it keeps happening, contact support.",
        id="portal_error",
        position="top-center",
    )
