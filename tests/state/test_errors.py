"""state/errors.handle_backend_exception: what the browser sees when a handler raises."""

from __future__ import annotations

import logging

import pytest

import portal.portal
from portal.domain.errors import (
    AuthenticationFailed,
    Invalid,
    NotFound,
    PermissionDenied,
    PortalError,
    Unauthenticated,
)
from portal.state.errors import handle_backend_exception
from tests.state.support import redirect_path, run, toasts

GENERIC = "Something went wrong on our side. Try again; if it keeps happening, contact support."


def _handle(exception: Exception):
    return run(handle_backend_exception, exception)


def test_it_is_the_apps_backend_exception_handler():
    assert portal.portal.app.backend_exception_handler is handle_backend_exception


def test_an_expired_session_goes_to_sign_in_with_the_reason():
    events = _handle(Unauthenticated("Your session expired. Sign in again.", expired=True))
    assert redirect_path(events) == "/sign-in?reason=expired"
    assert events[0].payload["replace"] is True
    assert toasts(events) == []


def test_no_session_goes_to_sign_in():
    assert redirect_path(_handle(Unauthenticated())) == "/sign-in"


@pytest.mark.parametrize(
    "exception",
    [
        PortalError("A message for the person."),
        NotFound("Workspace not found."),
        PermissionDenied("You need administer on the workspace Alpha."),
        Invalid("Enter your name.", field="name"),
        AuthenticationFailed(),
    ],
)
def test_a_domain_error_shows_its_own_message(exception):
    events = _handle(exception)
    assert toasts(events) == [("error", exception.message)]
    assert redirect_path(events) is None


def test_anything_else_is_a_generic_message_that_leaks_nothing(caplog):
    secret = "connection to postgresql://portal:hunter2@db failed"
    with caplog.at_level(logging.ERROR, logger="portal"):
        events = _handle(RuntimeError(secret))
    assert toasts(events) == [("error", GENERIC)]
    assert all(secret not in str(event.payload) for event in events)
    assert all("hunter2" not in str(event.payload) for event in events)
    # ...but the operator gets it, with the traceback.
    assert any(record.exc_info and secret in str(record.exc_info[1]) for record in caplog.records)


def test_a_key_error_does_not_echo_the_key():
    events = _handle(KeyError("session_token"))
    assert toasts(events) == [("error", GENERIC)]
