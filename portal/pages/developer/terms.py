"""The developer terms: read and accept the current version before building apps."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.dates import iso_utc, local_time
from portal.components.links import button_link
from portal.domain.errors import PortalError
from portal.layout import page
from portal.services import developer_terms
from portal.state.session import SessionState

TERMS = (
    (
        "Your apps",
        "You are responsible for the apps you publish, their manifests, and what they "
        "do with the data of the workspaces that install them.",
    ),
    (
        "Scopes and data",
        "Request only the scopes, event categories and data types your app "
        "needs, and use workspace data only to provide your app's features.",
    ),
    (
        "Credentials",
        "Keep client secrets and tokens confidential, rotate them when exposed, and "
        "never embed them in code that runs on end users' devices.",
    ),
    (
        "Distribution",
        "Private and unlisted apps are installed only by the workspaces you invite. "
        "Public listing needs a review by platform staff, who may reject or withdraw it.",
    ),
    (
        "Changes",
        "These terms are versioned. When a new version is published you accept it "
        "before you create, publish or share install links again.",
    ),
)


class DeveloperTermsState(SessionState):
    current_version: str = ""
    accepted_version: str = ""
    accepted_at: str = ""
    # What the current version changed, shown to someone who accepted an earlier one.
    changes: str = ""
    error: str = ""
    agreed: bool = False

    @rx.event
    def set_agreed(self, value: bool):
        self.agreed = bool(value)
        if self.agreed:
            self.error = ""

    @rx.event
    async def load(self):
        status = await self._call(developer_terms.status)
        self.current_version = status.current_version
        self.accepted_version = status.accepted_version or ""
        self.accepted_at = iso_utc(status.accepted_at)
        self.changes = status.changes if status.needs_reacceptance else ""
        self.error = ""
        self.agreed = False

    @rx.event
    async def accept(self, form: dict):
        if not self.agreed:
            self.error = "Tick the box to confirm you have read the terms."
            return None
        try:
            status = await self._call(developer_terms.accept, version=str(form.get("version", "")))
        except PortalError as exc:
            self._show_error(exc, banner="error")
            return DeveloperTermsState.load
        self.terms_accepted = True
        self.accepted_version = status.accepted_version or ""
        return rx.redirect(
            routes.safe_next(self.router.url.query_parameters.get("next"), routes.DEVELOPER)
        )


@page(routes.DEVELOPER_TERMS, on_load=[DeveloperTermsState.load])
def developer_terms_page() -> rx.Component:
    accepted = DeveloperTermsState.accepted_version == DeveloperTermsState.current_version
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge("Version ", DeveloperTermsState.current_version, variant="soft"),
                rx.cond(
                    accepted,
                    rx.badge(
                        rx.icon("check", size=12),
                        "Accepted ",
                        local_time(DeveloperTermsState.accepted_at),
                        color_scheme="green",
                        variant="soft",
                    ),
                    rx.badge("Not accepted yet", color_scheme="amber", variant="soft"),
                ),
                spacing="2",
            ),
            rx.cond(
                DeveloperTermsState.changes != "",
                rx.callout(
                    rx.vstack(
                        rx.text(
                            "The developer terms changed since you accepted version ",
                            DeveloperTermsState.accepted_version,
                            ". Accept version ",
                            DeveloperTermsState.current_version,
                            " before you create apps, publish or generate install links; "
                            "you can still open your apps meanwhile.",
                        ),
                        rx.text("What changed: ", DeveloperTermsState.changes, weight="medium"),
                        spacing="1",
                    ),
                    icon="info",
                    color_scheme="amber",
                    id="terms-changed",
                ),
            ),
            rx.text(
                "Creating developer apps, publishing versions and generating install links "
                "need the current developer terms. Read them once; it keeps developer-only "
                "flows deliberate.",
                size="2",
                color_scheme="gray",
            ),
            *[
                rx.vstack(
                    rx.text(heading, weight="bold", size="3"),
                    rx.text(body, size="2"),
                    spacing="1",
                )
                for heading, body in TERMS
            ],
            rx.cond(
                accepted,
                button_link("Open the developer portal", href=routes.DEVELOPER),
                rx.form(
                    rx.vstack(
                        rx.cond(
                            DeveloperTermsState.error != "",
                            rx.callout(
                                DeveloperTermsState.error,
                                icon="circle-alert",
                                color_scheme="red",
                                role="alert",
                            ),
                        ),
                        rx.el.input(
                            type="hidden", name="version", value=DeveloperTermsState.current_version
                        ),
                        rx.checkbox(
                            f"I have read and accept the developer terms "
                            f"(version {DeveloperTermsState.current_version}).",
                            checked=DeveloperTermsState.agreed,
                            on_change=DeveloperTermsState.set_agreed,
                        ),
                        rx.button("Accept developer terms", type="submit"),
                        spacing="3",
                    ),
                    on_submit=DeveloperTermsState.accept,
                ),
            ),
            spacing="4",
            align="start",
        ),
        size="3",
        max_width="760px",
    )
