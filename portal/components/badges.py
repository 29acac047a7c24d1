"""Status badges: one colour per status word, everywhere it appears."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

from portal.domain.processes import ProcessStatus
from portal.domain.workspaces import EnvironmentStatus, WorkspaceStatus

_W, _E, _P = WorkspaceStatus, EnvironmentStatus, ProcessStatus
STATUS_COLORS: dict[str, str] = {
    _W.PROVISIONING: "amber",  # also an environment's
    _P.PENDING: "gray",
    _P.RUNNING: "blue",
    _W.ACTIVE: "green",
    _E.READY: "green",
    _P.SUCCEEDED: "green",
    _W.FROZEN: "cyan",
    _W.OFFBOARDING: "orange",
    _P.FAILED: "red",  # also an environment's
    _W.DELETED: "gray",
    # Words without an enum yet: a token's or invitation's state, a coderunner's status.
    "revoked": "gray",
    "online": "green",
    "busy": "blue",
    "offline": "gray",
    "expired": "gray",
    # A webhook's state (domain/delivery_health.py EndpointState).
    "healthy": "green",
    "failing": "amber",
    "disabled": "red",
}


def status_badge(status: Var | str) -> rx.Component:
    """Radix's soft, round badge as a plain <span> with its classes: the same look without
    the component's per-render prop work (a list shows one per row)."""
    return rx.el.span(
        status,
        # Radix's soft green/amber/cyan text on its own tint is under 4.5:1 at badge size
        # (axe: color-contrast); high contrast (rt-high-contrast) is step 12 of the colour.
        class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
        custom_attrs={
            "data-accent-color": rx.match(
                status, *[(name, color) for name, color in STATUS_COLORS.items()], "gray"
            ),
            "data-radius": "full",
        },
    )


# An app's state has its own colours: "ready" is an environment's green elsewhere, but here
# it sits between setup (amber) and operating (green).
APP_STATE_COLORS: dict[str, str] = {"setup": "amber", "ready": "blue", "operating": "green"}


def app_state_badge(state: Var | str) -> rx.Component:
    return rx.el.span(
        state,
        class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
        custom_attrs={
            "data-accent-color": rx.match(
                state, *[(name, color) for name, color in APP_STATE_COLORS.items()], "gray"
            ),
            "data-radius": "full",
        },
    )


# A developer app's visibility: who may install it (domain/developer.Visibility).
VISIBILITY_COLORS: dict[str, str] = {"private": "gray", "unlisted": "blue", "public": "green"}


def visibility_badge(visibility: Var | str) -> rx.Component:
    return rx.el.span(
        visibility,
        class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
        custom_attrs={
            "data-accent-color": rx.match(
                visibility, *[(name, color) for name, color in VISIBILITY_COLORS.items()], "gray"
            ),
            "data-radius": "full",
        },
    )


# A request for public listing (domain/developer.DistributionState).
DISTRIBUTION_COLORS: dict[str, str] = {
    "pending": "amber",
    "approved": "green",
    "rejected": "red",
    "withdrawn": "gray",
    "unlisted": "orange",
}


def distribution_badge(state: Var | str, **props) -> rx.Component:
    return rx.el.span(
        state,
        class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
        custom_attrs={
            "data-accent-color": rx.match(
                state, *[(name, color) for name, color in DISTRIBUTION_COLORS.items()], "gray"
            ),
            "data-radius": "full",
        },
        **props,
    )


# A message in the mail outbox (domain/mail.MailStatus).
MAIL_STATUS_COLORS: dict[str, str] = {
    "queued": "blue",
    "sent": "green",
    "failed": "red",
    "kept": "gray",
}


def mail_status_badge(status: Var | str) -> rx.Component:
    return rx.el.span(
        status,
        class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast",
        custom_attrs={
            "data-accent-color": rx.match(
                status, *[(name, color) for name, color in MAIL_STATUS_COLORS.items()], "gray"
            ),
            "data-radius": "full",
        },
    )
