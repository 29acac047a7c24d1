"""Errors services raise. Each carries a message fit to show the person who caused it."""

from __future__ import annotations


class PortalError(Exception):
    """Base: `message` is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(PortalError):
    """The thing does not exist, or the actor may not know that it does."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class PermissionDenied(PortalError):
    """The actor can see the thing but lacks the permission the action needs."""


class Invalid(PortalError):
    """Bad input. `field` names the form field to show the message beside, if any;
    `errors` (field, message) lists every invalid input when there are several (a record's
    values), the first of them also in `field` and `message`."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors


class Conflict(Invalid):
    """A well-formed request that the target's current state refuses: freezing a frozen
    workspace, restoring one that is not being offboarded, a confirmation that no longer
    matches. The API answers 409 (the same request can succeed once the state changes)."""


class Frozen(PortalError):
    """A write to a frozen workspace."""


class AuthenticationFailed(PortalError):
    """Wrong email or password. The same message whether or not the email has an account."""

    def __init__(self) -> None:
        super().__init__("That email and password don't match. Check both and try again.")


class Throttled(PortalError):
    """Too many failed sign-ins; `retry_after_seconds` says how long to wait."""

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            f"Too many failed sign-ins. Try again in {minutes} {unit}, or reset your password."
        )
        self.retry_after_seconds = retry_after_seconds


class Unauthenticated(PortalError):
    """No valid session: never signed in, signed out, revoked or expired."""

    def __init__(self, message: str = "Sign in to continue.", *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class ReadOnly(PortalError):
    """A write to a workspace that is being offboarded (read-only until restored or purged).

    Distinct from Frozen so the message and the API's problem type can say which it is; the
    API maps both to 409 Conflict.
    """
