"""Platform staff: publish a new version of the developer terms (platform admins only).

Every developer accepts a new version before creating apps, publishing or generating install
links again; they keep reading their apps meanwhile, and the terms page shows them what
changed."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import form_dialog
from portal.components.forms import field_error, form_field
from portal.domain.errors import PortalError
from portal.layout import page
from portal.services import developer_terms
from portal.state.session import SessionState


class PlatformTermsState(SessionState):
    current_version: str = ""
    current_changes: str = ""
    published_at: str = ""  # "" for the version Portal ships with
    publish_open: bool = False
    errors: dict[str, str] = {}

    @rx.event
    async def load(self):
        terms = await self._call(developer_terms.current_for_staff)
        self.current_version = terms.version
        self.current_changes = terms.changes
        self.published_at = iso_utc(terms.published_at)

    @rx.event
    def set_publish_open(self, value: bool):
        self.publish_open = bool(value)
        self.errors = {}

    @rx.event
    async def publish(self, form: dict):
        try:
            terms = await self._call(
                developer_terms.publish_version,
                version=str(form.get("version", "")),
                changes=str(form.get("changes", "")),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="errors")
        self.publish_open = False
        self.errors = {}
        self.current_version = terms.version
        self.current_changes = terms.changes
        self.published_at = iso_utc(terms.published_at)
        return rx.toast.success(
            f"Version {terms.version} published: developers accept it before their next "
            "create, publish or install link."
        )


_S = PlatformTermsState


def _publish_dialog() -> rx.Component:
    return form_dialog(
        form_field(
            "New version",
            "version",
            _S.errors,
            placeholder="2027-01",
            hint="Letters, digits, dots and hyphens; not used before.",
            auto_focus=True,
        ),
        rx.vstack(
            rx.el.label(rx.text("What changed", size="2", weight="medium"), html_for="changes"),
            rx.text_area(
                id="changes",
                name="changes",
                placeholder="Client secrets now rotate at least once a year.",
                rows="4",
                width="100%",
                required=True,
            ),
            field_error(_S.errors, "changes"),
            spacing="1",
            width="100%",
        ),
        title="Publish a new version of the developer terms",
        description=(
            "Every developer must accept it before they create apps, publish versions or "
            "generate install links again. They can still open their apps meanwhile, and see "
            "what changed."
        ),
        confirm="Publish version",
        on_submit=_S.publish,
        open=_S.publish_open,
        on_open_change=_S.set_publish_open,
        trigger=rx.button(rx.icon("file-pen-line", size=16), "Publish a new version"),
    )


@page(routes.PLATFORM_TERMS, on_load=[PlatformTermsState.load])
def platform_terms() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge("Current version ", _S.current_version, variant="soft"),
                rx.cond(
                    _S.published_at != "",
                    rx.text(
                        "Published ", local_time(_S.published_at), size="2", color_scheme="gray"
                    ),
                    rx.text("The version Portal ships with", size="2", color_scheme="gray"),
                ),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                _S.current_changes != "",
                rx.text("What changed: ", _S.current_changes, size="2"),
            ),
            rx.text(
                "Publishing a new version asks every developer to accept the terms again "
                "before their next create, publish or install link.",
                size="2",
                color_scheme="gray",
            ),
            _publish_dialog(),
            spacing="3",
            align="start",
        ),
        size="3",
        max_width="760px",
    )
