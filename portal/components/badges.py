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
}


def status_badge(status: Var | str) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(
            status, *[(name, color) for name, color in STATUS_COLORS.items()], "gray"
        ),
        variant="soft",
        radius="full",
        # Radix's soft green/amber/cyan text on its own tint is under 4.5:1 at badge size
        # (axe: color-contrast); the high-contrast text is step 12 of the same colour.
        high_contrast=True,
    )
