"""The Distribution section of a developer app's General tab: whether the app is listed in
the app directory, its latest request for a public listing (pending, approved, rejected,
withdrawn, or unlisted by platform staff) with staff's note, and the owner's two actions:
Request public listing (a reason, in a dialog) and Withdraw request (confirmed).

The page calls `distribution_section()` and runs `DeveloperDistributionState.load` after
its own load (which finds the app by the URL's slug, team members only); the services check
the team role again on every call (services/distribution.py)."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.badges import distribution_badge, visibility_badge
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, form_dialog
from portal.components.forms import field_error
from portal.domain.developer import DistributionState, TeamRole, Visibility
from portal.domain.errors import PortalError
from portal.pages.developer.frame import section
from portal.services import distribution
from portal.services.distribution import DistributionStatus
from portal.state.open_developer_app import OpenDeveloperAppState

_STATE_SAYS = {
    DistributionState.PENDING: "Waiting for platform staff",
    DistributionState.APPROVED: "Approved",
    DistributionState.REJECTED: "Rejected",
    DistributionState.WITHDRAWN: "Withdrawn",
    DistributionState.UNLISTED: "Listing withdrawn",
}


class DeveloperDistributionState(OpenDeveloperAppState):
    dist_version: int = 0  # the newest published version's number; 0: none yet
    dist_state: str = ""  # the latest request's DistributionState; "": never asked
    dist_reason: str = ""
    dist_note: str = ""
    dist_requested_at: str = ""  # ISO 8601 UTC
    dist_requested_by: str = ""
    dist_decided_at: str = ""
    dist_decided_by: str = ""
    request_open: bool = False
    request_errors: dict[str, str] = {}

    def _show_distribution(self, status: DistributionStatus) -> None:
        self.dev_app_visibility = status.visibility.value
        self.dev_app_visibility_meaning = status.visibility.meaning
        self.dist_version = status.published_version or 0
        latest = status.latest
        self.dist_state = latest.state.value if latest else ""
        self.dist_reason = latest.reason if latest else ""
        self.dist_note = latest.note if latest else ""
        self.dist_requested_at = iso_utc(latest.requested_at) if latest else ""
        self.dist_requested_by = latest.requested_by if latest else ""
        self.dist_decided_at = iso_utc(latest.decided_at) if latest else ""
        self.dist_decided_by = latest.decided_by if latest else ""

    @rx.event
    async def load(self):
        """After the tab's own load: the app's distribution (nothing when no app was found)."""
        if not self._dev_app_id:
            await self._check_session()  # nothing to show, but refuse a signed-out browser
            return
        status = await self._call(distribution.status, app_id=self._dev_app_id)
        self._show_distribution(status)
        self.request_open = False
        self.request_errors = {}

    @rx.event
    def set_request_open(self, value: bool):
        self.request_open = bool(value)
        self.request_errors = {}

    @rx.event
    async def request_listing(self, form: dict):
        """Ask platform staff for a public listing (distribution.request_public: owners)."""
        try:
            status = await self._call(
                distribution.request_public,
                app_id=self._dev_app_id,
                reason=str(form.get("reason", ""))[: distribution.REASON_MAX * 4],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="request_errors")
        self._show_distribution(status)
        self.request_open = False
        self.request_errors = {}
        return rx.toast.success(
            "Request sent: platform staff review it, and their decision shows here.",
            position="top-center",
        )

    @rx.event
    async def withdraw_request(self):
        """Take back the pending request (distribution.withdraw: owners)."""
        try:
            status = await self._call(distribution.withdraw, app_id=self._dev_app_id)
        except PortalError as exc:
            return self._show_error(exc)
        self._show_distribution(status)
        return rx.toast.success("Request withdrawn.", position="top-center")


_S = DeveloperDistributionState
_OWNER = _S.dev_app_role == TeamRole.OWNER.value
_PUBLIC = _S.dev_app_visibility == Visibility.PUBLIC.value
_PENDING = _S.dist_state == DistributionState.PENDING.value


def _listing() -> rx.Component:
    return rx.el.div(
        visibility_badge(_S.dev_app_visibility),
        rx.text(
            rx.cond(
                _PUBLIC,
                "Listed in the app directory for every signed-in user.",
                "Not listed in the app directory.",
            ),
            size="2",
            id="distribution-listing",
        ),
        class_name="pt-inline pt-wrap-inline",
    )


def _latest() -> rx.Component:
    says = rx.match(
        _S.dist_state, *[(state.value, text) for state, text in _STATE_SAYS.items()], ""
    )
    return rx.el.div(
        rx.el.div(
            rx.text("Latest request", size="2", weight="medium"),
            distribution_badge(_S.dist_state, id="distribution-state"),
            class_name="pt-inline pt-wrap-inline",
        ),
        rx.el.dl(
            rx.el.div(
                rx.el.dt("Asked"),
                rx.el.dd(local_time(_S.dist_requested_at), " by ", _S.dist_requested_by),
            ),
            rx.el.div(rx.el.dt("Reason"), rx.el.dd(_S.dist_reason, id="distribution-reason")),
            rx.cond(
                _S.dist_decided_at != "",
                rx.el.div(
                    rx.el.dt("Outcome"),
                    rx.el.dd(
                        says, " by ", _S.dist_decided_by, ", ", local_time(_S.dist_decided_at)
                    ),
                ),
            ),
            class_name="pt-facts pt-facts-column",
        ),
        rx.cond(
            _PENDING,
            rx.text(
                "Waiting for platform staff: their decision, and any note, shows here.",
                size="2",
                color_scheme="gray",
            ),
        ),
        rx.cond(
            _S.dist_note != "",
            rx.callout(
                rx.el.span(rx.el.strong("Note from platform staff: "), _S.dist_note),
                icon="message-square-text",
                color_scheme=rx.cond(
                    _S.dist_state == DistributionState.APPROVED.value, "green", "amber"
                ),
                id="distribution-note",
                width="100%",
            ),
        ),
        class_name="pt-stack-tight",
        id="distribution-status",
    )


def _request_dialog() -> rx.Component:
    return form_dialog(
        rx.vstack(
            rx.el.label(rx.text("Reason", size="2", weight="medium"), html_for="reason"),
            rx.text_area(
                id="reason",
                name="reason",
                placeholder="Who the app is for, and what it does for their workspaces.",
                rows="4",
                width="100%",
                required=True,
                max_length=distribution.REASON_MAX,
                auto_focus=True,
                custom_attrs={
                    "aria-invalid": rx.cond(_S.request_errors.contains("reason"), "true", "false"),
                    "aria-describedby": "reason-hint reason-error",
                },
            ),
            rx.text(
                f"At most {distribution.REASON_MAX} characters.",
                size="1",
                color_scheme="gray",
                id="reason-hint",
            ),
            field_error(_S.request_errors, "reason"),
            spacing="1",
            width="100%",
        ),
        title="Request public listing",
        description=(
            "Platform staff review the request with what version ",
            _S.dist_version.to_string(),
            " asks for. If they approve it, the app is listed in the app directory for every "
            "signed-in user; until then nothing changes. You can withdraw it while it waits.",
        ),
        confirm="Send request",
        on_submit=_S.request_listing,
        open=_S.request_open,
        on_open_change=_S.set_request_open,
        trigger=rx.button(
            rx.icon("globe", size=16), "Request public listing", id="request-listing"
        ),
    )


def _withdraw() -> rx.Component:
    return confirm_dialog(
        rx.button("Withdraw request", variant="soft", color_scheme="gray", id="withdraw-request"),
        title="Withdraw this request?",
        description=(
            "Platform staff will not review it, and the app stays out of the app directory. "
            "You can send a new request later."
        ),
        confirm="Withdraw request",
        on_confirm=_S.withdraw_request,
    )


def _actions() -> rx.Component:
    hint = {"size": "2", "color_scheme": "gray", "id": "distribution-hint"}
    return rx.cond(
        _PUBLIC,
        rx.text(
            "Platform staff approved the listing; they can withdraw it, which makes the app "
            "unlisted again.",
            **hint,
        ),
        rx.cond(
            ~_OWNER,
            rx.text("Requesting a public listing needs the owner role on this app's team.", **hint),
            rx.cond(
                _PENDING,
                rx.box(_withdraw()),
                rx.cond(
                    _S.dist_version > 0,
                    rx.box(_request_dialog()),
                    rx.text(
                        "Publish a version first (",
                        rx.link(
                            "Versions", href=routes.developer_app_url(_S.dev_app_slug, "versions")
                        ),
                        "): platform staff review what the published version asks for before "
                        "the app is listed.",
                        **hint,
                    ),
                ),
            ),
        ),
    )


def distribution_section() -> rx.Component:
    """The General tab's Distribution card."""
    return section(
        "Distribution",
        _listing(),
        rx.cond(
            _S.dist_state != "",
            _latest(),
            rx.text(
                "No request yet. To list the app in the app directory, the owner requests a "
                "public listing with a reason, and platform staff review it.",
                size="2",
                color_scheme="gray",
                id="distribution-empty",
            ),
        ),
        _actions(),
        label="Distribution",
    )
