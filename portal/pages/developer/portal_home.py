"""The developer portal's dashboard (/developer, behind the developer-terms gate): how many
apps the person is on the team of, how many have a published version and how many drafts they
hold; the apps themselves, paged and sorted on the server; and Create app (seed 001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.app_icon import app_icon
from portal.components.badges import visibility_badge
from portal.components.data_table import Column, data_table, pager, row_link
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_field
from portal.domain.developer import DESCRIPTION_MAX, NAME_MAX
from portal.domain.errors import PortalError
from portal.domain.text import initials
from portal.layout import page
from portal.services import developer_apps, developer_icons, developer_terms
from portal.services.developer_apps import DeveloperAppPage, DeveloperAppRow
from portal.state.backend_urls import backend_url
from portal.state.pager import Pager
from portal.state.session import SessionState

LIST = "developer_apps"
SORTS = ("name", "updated_at")
PAGE_SIZE = 25
_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface"


@dataclass(frozen=True)
class DevAppRow:
    name: str
    slug: str
    href: str
    visibility: str
    latest: str  # "v3", or "—" before the first publish
    has_draft: bool
    installs: int
    role: str
    updated_at: str  # ISO 8601 UTC
    icon: str  # the icon's URL, "" for none
    initials: str

    @classmethod
    def of(cls, row: DeveloperAppRow, icon: str = "") -> DevAppRow:
        return cls(
            icon=backend_url(icon),
            initials=initials(row.name),
            name=row.name,
            slug=row.slug,
            href=routes.developer_app_url(row.slug),
            visibility=row.visibility.value,
            latest=f"v{row.latest_version}" if row.latest_version else "—",
            has_draft=row.has_draft,
            installs=row.installs,
            role=row.role.value,
            updated_at=iso_utc(row.updated_at),
        )


def _apps_with_icons(*, session, actor, **paging) -> tuple[DeveloperAppPage, dict[int, str]]:
    """A page of the actor's apps and their icons, in one transaction."""
    listed = developer_apps.list_apps(session=session, actor=actor, **paging)
    icons = developer_icons.icon_urls(
        session=session, actor=actor, app_ids=[row.id for row in listed.items]
    )
    return listed, icons


class DeveloperHomeState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    apps_count: int = 0
    published_count: int = 0
    drafts_count: int = 0
    dev_apps: list[DevAppRow] = []
    dev_sort: str = "name"
    dev_direction: str = "asc"
    create_open: bool = False
    create_errors: dict[str, str] = {}
    # A new terms version this person has not accepted yet ("" when none): reading goes on,
    # creating, publishing and install links wait for it.
    new_terms_version: str = ""

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed, icons = await self._call(
            _apps_with_icons,
            sort=self.dev_sort,
            direction=self.dev_direction,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        self.dev_apps = [DevAppRow.of(row, icons.get(row.id, "")) for row in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        counts = await self._call(developer_apps.counts)
        terms = await self._call(developer_terms.status)
        self.new_terms_version = terms.current_version if terms.needs_reacceptance else ""
        self.create_open = False
        self.create_errors = {}
        self.apps_count = counts.apps
        self.published_count = counts.published_apps
        self.drafts_count = counts.draft_versions
        await self._first_page(LIST)

    @rx.event
    async def sort_by(self, column: str):
        if column not in SORTS:
            await self._check_session()
            return
        direction = "asc"
        if column == self.dev_sort and self.dev_direction == "asc":
            direction = "desc"
        await self._first_page(LIST, dev_sort=column, dev_direction=direction)

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)
        self.create_errors = {}

    @rx.event
    async def create(self, form: dict):
        try:
            created = await self._call(
                developer_apps.create_app,
                name=str(form.get("name", ""))[: NAME_MAX * 4],
                description=str(form.get("description", ""))[: DESCRIPTION_MAX * 4],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="create_errors", field="name")
        self.create_open = False
        self.create_errors = {}
        return rx.redirect(routes.developer_app_url(created.slug))


_S = DeveloperHomeState


def _tile(label: str, value, meaning: str, tile_id: str) -> rx.Component:
    return rx.el.div(
        rx.el.span(label, class_name="pt-tile-label"),
        rx.el.span(value, class_name="pt-tile-value"),
        rx.el.span(meaning, class_name="pt-tile-meaning"),
        class_name=f"{_CARD} pt-stat",
        id=tile_id,
    )


def _tiles() -> rx.Component:
    return rx.el.div(
        _tile("Apps", _S.apps_count, "You are on the team of.", "tile-dev-apps"),
        _tile("Published apps", _S.published_count, "With a published version.", "tile-published"),
        _tile("Draft versions", _S.drafts_count, "Saved, not published yet.", "tile-drafts"),
        class_name="pt-tiles",
    )


def _draft_marker(row) -> rx.Component:
    return rx.cond(
        row.has_draft,
        rx.el.span(
            "Draft",
            class_name="rt-reset rt-Badge rt-r-size-1 rt-variant-outline",
            custom_attrs={"data-accent-color": "amber", "data-radius": "full"},
        ),
    )


COLUMNS = (
    Column(
        "Name",
        lambda r: rx.el.span(
            app_icon(r.icon, r.initials, size=24), row_link(r.name, r.href), class_name="pt-inline"
        ),
        sort="name",
        row_header=True,
    ),
    Column("Visibility", lambda r: visibility_badge(r.visibility)),
    Column("Latest version", lambda r: rx.el.span(r.latest, " ", _draft_marker(r))),
    Column("Installs", lambda r: r.installs, align="right"),
    Column("Your role", lambda r: r.role),
    Column("Updated", lambda r: local_time(r.updated_at), sort="updated_at"),
)


def _create_dialog() -> rx.Component:
    return form_dialog(
        form_field("Name", "name", _S.create_errors, placeholder="Acme Sync", auto_focus=True),
        rx.el.label(
            rx.text("Description", size="2", weight="medium"), html_for="create-description"
        ),
        rx.text_area(
            id="create-description",
            name="description",
            placeholder="What your app does for a workspace, in a sentence.",
            rows="3",
            width="100%",
        ),
        field_error(_S.create_errors, "description"),
        title="Create app",
        description="A private app with you as its owner. Its slug is made from the name; "
        "change it later under General.",
        confirm="Create app",
        on_submit=_S.create,
        open=_S.create_open,
        on_open_change=_S.set_create_open,
        trigger=rx.button(rx.icon("plus", size=16), "Create app"),
        spacing="2",
    )


@page(routes.DEVELOPER, on_load=[DeveloperHomeState.load])
def developer_portal() -> rx.Component:
    return rx.el.div(
        rx.el.p(
            "Define, publish, secure and monitor the apps other workspaces install. Open an "
            "app to edit its details, build and publish its versions.",
            class_name="pt-lede",
        ),
        rx.cond(
            _S.new_terms_version != "",
            rx.callout(
                rx.el.span(
                    "The developer terms changed (version ",
                    _S.new_terms_version,
                    "). Review and accept them before you create apps, publish versions or "
                    "generate install links; you can still open your apps. ",
                    rx.link("Review the developer terms", href=routes.DEVELOPER_TERMS),
                ),
                icon="info",
                color_scheme="amber",
                id="terms-changed-notice",
            ),
        ),
        _tiles(),
        rx.el.div(
            rx.heading("Your apps", size="4", as_="h2"),
            rx.el.div(class_name="pt-grow"),
            _create_dialog(),
            class_name="pt-toolbar",
        ),
        data_table(
            _S.dev_apps,
            COLUMNS,
            label="Your developer apps",
            sort=_S.dev_sort,
            direction=_S.dev_direction,
            on_sort=_S.sort_by,
            empty=empty_state(
                "code-xml",
                "No developer apps yet",
                "Create your first app with Create app: give it a name, then write and "
                "publish its manifest under Versions.",
            ),
            footer=pager(**_S.pager_props(LIST)),
            row_class="dev-app-row",
        ),
        class_name="pt-stack",
    )
