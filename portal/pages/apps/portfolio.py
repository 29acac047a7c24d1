"""The apps portfolio (/apps): every app of the picked workspace as a card, searched and
filtered on the server, paged; Create App (which checks the portfolio for a duplicate first),
and Edit and Delete for administrators.

Seed 000: "Use the portfolio before creating an app to avoid duplicates."
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import parse_qs

import reflex as rx

from portal import routes
from portal.components.badges import app_state_badge
from portal.components.data_table import pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_field, form_message, select
from portal.domain.apps import AppState
from portal.domain.dto import AppCard
from portal.domain.errors import Invalid, PortalError
from portal.domain.workspaces import WorkspaceStatus
from portal.layout import page
from portal.services import apps, workspaces
from portal.state.pager import Pager
from portal.state.session import SessionState

LIST = "apps"
STATES = ("all", *apps.FILTERS)
STATE_CHOICES = [("all", "All states"), *[(s.value, s.value.capitalize()) for s in AppState]]
STATE_CHOICES.append((apps.NEED_ACTION, "Need action"))
PAGE_SIZE = 24  # fills rows of 1, 2, 3 or 4 cards


@dataclass(frozen=True)
class AppCardRow:
    name: str
    slug: str
    href: str
    state: str
    organizations: int
    end_users: int
    created_at: str  # ISO 8601 UTC
    next_action: str  # "" when there is nothing to do
    next_action_href: str
    blocker: str  # the most important blocker's message, "" for none
    more_blockers: int

    @classmethod
    def of(cls, card: AppCard, workspace_id: str) -> AppCardRow:
        base = routes.app_base_url(workspace_id, card.slug)
        return cls(
            name=card.name,
            slug=card.slug,
            href=f"{base}/overview",
            state=card.state,
            organizations=card.organizations,
            end_users=card.end_users,
            created_at=iso_utc(card.created_at),
            next_action=card.next_action.label if card.next_action else "",
            next_action_href=f"{base}/{card.next_action.page}" if card.next_action else "",
            blocker=card.blockers[0].message if card.blockers else "",
            more_blockers=max(0, len(card.blockers) - 1),
        )


@dataclass(frozen=True)
class DuplicateRow:
    name: str
    slug: str
    href: str
    reason: str


@dataclass(frozen=True)
class Portfolio:
    workspace_id: str
    workspace_name: str
    can_administer: bool
    read_only: str


def _portfolio(*, session, actor) -> Portfolio | None:
    """The picked workspace and what the reader may do in it (None: no workspace to read)."""
    choice = workspaces.current_choice(session=session, actor=actor)
    if choice is None:
        return None
    detail = workspaces.get_workspace_detail(session=session, actor=actor, workspace_id=choice.id)
    read_only = ""
    if detail.status in (WorkspaceStatus.FROZEN, WorkspaceStatus.OFFBOARDING):
        read_only = (
            f"{detail.name} is {detail.status}: apps cannot be created, edited or deleted "
            "until an administrator "
            + ("unfreezes it." if detail.status == WorkspaceStatus.FROZEN else "restores it.")
        )
    return Portfolio(
        workspace_id=detail.id,
        workspace_name=detail.name,
        can_administer=detail.can_administer,
        read_only=read_only,
    )


class PortfolioState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    has_workspace: bool = True
    workspace_name: str = ""
    can_administer: bool = False
    read_only: str = ""
    cards: list[AppCardRow] = []
    total: int = 0
    total_text: str = "0"  # "1,000"
    search: str = ""
    state_filter: str = "all"
    error: str = ""
    # Create App, and the duplicates it found (asked about before creating anyway).
    create_open: bool = False
    create_errors: dict[str, str] = {}
    duplicates: list[DuplicateRow] = []
    create_name: str = ""
    create_slug: str = ""
    # Edit (rename) and Delete: the app they act on (its slug; the server checks it).
    rename_open: bool = False
    rename_slug: str = ""
    rename_name: str = ""
    rename_errors: dict[str, str] = {}
    delete_open: bool = False
    delete_slug: str = ""
    delete_name: str = ""
    delete_typed: str = ""
    delete_errors: dict[str, str] = {}
    _workspace_id: str = ""

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed, total = await self._call(
            _page_of_apps,
            workspace_id=self._workspace_id,
            search=self.search.strip() or None,
            state=None if self.state_filter == "all" else self.state_filter,
            cursor=cursor,
        )
        self.cards = [AppCardRow.of(card, self._workspace_id) for card in listed.items]
        self.total = total
        self.total_text = f"{total:,}"
        return listed.next_cursor

    @rx.event
    async def load(self):
        self.error = ""
        self.create_open = self.rename_open = self.delete_open = False
        portfolio = await self._call(_portfolio)
        if portfolio is None:
            self.has_workspace = False
            self.cards = []
            return
        self.has_workspace = True
        self._workspace_id = portfolio.workspace_id
        self.workspace_name = portfolio.workspace_name
        self.can_administer = portfolio.can_administer
        self.read_only = portfolio.read_only
        # The dashboard's counts open the portfolio filtered: /apps?state=setup.
        query = parse_qs(self.router.url.query or "")
        state = (query.get("state") or ["all"])[0]
        search = (query.get("search") or [""])[0][: apps.SEARCH_MAX]
        try:
            await self._first_page(
                LIST, state_filter=state if state in STATES else "all", search=search
            )
        except Invalid as exc:
            await self._first_page(LIST, state_filter="all", search="")
            return self._show_error(exc)
        return None

    @rx.event
    async def search_apps(self, value: str):
        try:
            await self._first_page(LIST, search=str(value)[: apps.SEARCH_MAX])
        except Invalid as exc:  # a control character: say so, keep the list
            return self._show_error(exc)
        return None

    @rx.event
    async def filter_by_state(self, value: str):
        await self._first_page(LIST, state_filter=value if value in STATES else "all")

    # Create -------------------------------------------------------------------------------

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = bool(value)
        self.create_errors = {}
        self.duplicates = []

    @rx.event
    async def create(self, form: dict):
        """Create App. A duplicate found shows it and asks; the second submit of the same
        name and slug (Create anyway) creates it."""
        name = str(form.get("name", ""))[:200]
        slug = str(form.get("slug", ""))[:100]
        confirmed = bool(self.duplicates) and (name, slug) == (self.create_name, self.create_slug)
        self.create_errors = {}
        try:
            created = await self._call(
                apps.create_app,
                workspace_id=self._workspace_id,
                name=name,
                slug=slug or None,
                confirmed=confirmed,
            )
        except apps.DuplicateSuspected as exc:
            self.create_name, self.create_slug = name, slug
            self.duplicates = [
                DuplicateRow(
                    name=c.name,
                    slug=c.slug,
                    href=routes.app_url(self._workspace_id, c.slug),
                    reason="uses the same slug" if c.same_slug else "has a similar name",
                )
                for c in exc.candidates
            ]
            return None
        except PortalError as exc:
            self.duplicates = []
            return self._show_error(exc, fields="create_errors", field="name")
        self.create_open = False
        self.duplicates = []
        return rx.redirect(routes.app_url(created.workspace_id, created.slug))

    # Edit ---------------------------------------------------------------------------------

    @rx.event
    def open_rename(self, slug: str, name: str):
        self.rename_slug, self.rename_name = str(slug)[:100], str(name)[:200]
        self.rename_errors = {}
        self.rename_open = True

    @rx.event
    def set_rename_open(self, value: bool):
        self.rename_open = bool(value)
        self.rename_errors = {}

    @rx.event
    async def rename(self, form: dict):
        self.rename_errors = {}
        try:
            renamed = await self._call(
                apps.rename_app,
                workspace_id=self._workspace_id,
                app_slug=self.rename_slug,
                name=str(form.get("name", "")),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="rename_errors", field="name")
        self.rename_open = False
        await self._reload_page(LIST)
        return rx.toast.success(f"Renamed to {renamed.name}.", position="top-center")

    # Delete -------------------------------------------------------------------------------

    @rx.event
    def open_delete(self, slug: str, name: str):
        self.delete_slug, self.delete_name = str(slug)[:100], str(name)[:200]
        self.delete_typed = ""
        self.delete_errors = {}
        self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)
        self.delete_errors = {}

    @rx.event
    def set_delete_typed(self, value: str):
        self.delete_typed = str(value)[:200]

    @rx.event
    async def delete(self, form: dict):
        self.delete_errors = {}
        try:
            await self._call(
                apps.delete_app,
                workspace_id=self._workspace_id,
                app_slug=self.delete_slug,
                confirm_name=str(form.get("confirm_name", "")),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="delete_errors", field="confirm_name")
        self.delete_open = False
        await self._first_page(LIST)
        return rx.toast.success(f"Deleted {self.delete_name}.", position="top-center")


def _page_of_apps(*, session, actor, workspace_id, search, state, cursor):
    listed = apps.list_apps(
        session=session,
        actor=actor,
        workspace_id=workspace_id,
        search=search,
        state=state,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    total = apps.count_apps(
        session=session, actor=actor, workspace_id=workspace_id, search=search, state=state
    )
    return listed, total


# The page ---------------------------------------------------------------------------------

_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface pt-app-card"
_S = PortfolioState


def _fact(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _card_controls(card) -> rx.Component:
    disabled = _S.read_only != ""
    return rx.cond(
        _S.can_administer,
        rx.hstack(
            rx.icon_button(
                rx.icon("pencil", size=14),
                variant="ghost",
                color_scheme="gray",
                aria_label=f"Edit {card.name}",
                title=rx.cond(disabled, _S.read_only, "Edit"),
                disabled=disabled,
                on_click=_S.open_rename(card.slug, card.name),
            ),
            rx.icon_button(
                rx.icon("trash-2", size=14),
                variant="ghost",
                color_scheme="red",
                aria_label=f"Delete {card.name}",
                title=rx.cond(disabled, _S.read_only, "Delete"),
                disabled=disabled,
                on_click=_S.open_delete(card.slug, card.name),
            ),
            spacing="1",
        ),
    )


def _next_action(card) -> rx.Component:
    return rx.cond(
        card.next_action != "",
        rx.el.div(
            rx.icon("arrow-right", size=14),
            rx.link(card.next_action, href=card.next_action_href),
            class_name="pt-next-action",
        ),
        rx.el.div(
            rx.icon("circle-check", size=14),
            rx.el.span("No action needed"),
            class_name="pt-next-action pt-ok",
        ),
    )


def _card(card) -> rx.Component:
    return rx.el.article(
        rx.el.div(
            rx.el.div(
                rx.link(card.name, href=card.href, weight="bold", size="3"),
                rx.el.span(card.slug, class_name="pt-slug"),
                class_name="pt-app-card-title",
            ),
            app_state_badge(card.state),
            _card_controls(card),
            class_name="pt-app-card-head",
        ),
        rx.el.dl(
            _fact("Organizations", card.organizations),
            _fact("End users", card.end_users),
            _fact("Created", local_time(card.created_at)),
            class_name="pt-facts",
        ),
        rx.cond(
            card.blocker != "",
            rx.text(
                rx.icon("triangle-alert", size=12, display="inline", margin_right="4px"),
                card.blocker,
                rx.cond(card.more_blockers > 0, f" (+{card.more_blockers} more)", ""),
                size="1",
                color_scheme="red",
            ),
        ),
        _next_action(card),
        class_name=_CARD,
        aria_label=card.name,
        custom_attrs={"data-app-slug": card.slug},
    )


def _duplicates() -> rx.Component:
    return rx.cond(
        _S.duplicates.length() > 0,
        rx.callout(
            rx.vstack(
                rx.text("An app like this exists already:", weight="medium"),
                rx.foreach(
                    _S.duplicates,
                    lambda d: rx.text(
                        rx.link(d.name, href=d.href, weight="medium"),
                        f" ({d.slug}) ",
                        d.reason,
                        ".",
                        size="2",
                    ),
                ),
                rx.text(
                    "Open it instead, or press Create anyway for a separate app.",
                    size="2",
                ),
                spacing="1",
            ),
            icon="copy",
            color_scheme="amber",
            role="alert",
            id="duplicate-warning",
        ),
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("plus", size=16),
                "Create App",
                disabled=_S.read_only != "",
                title=rx.cond(_S.read_only != "", _S.read_only, ""),
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Create App"),
            rx.dialog.description(
                "A separate product boundary: its own auth settings, organizations, end "
                "users, API keys, webhooks and audit history.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            rx.form(
                rx.vstack(
                    form_field("Name", "name", _S.create_errors, placeholder="Acme Billing"),
                    form_field(
                        "Slug",
                        "slug",
                        _S.create_errors,
                        required=False,
                        placeholder="acme-billing",
                        hint="Optional: made from the name. It names the app in URLs.",
                    ),
                    _duplicates(),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(
                            rx.cond(_S.duplicates.length() > 0, "Create anyway", "Create App"),
                            type="submit",
                        ),
                        justify="end",
                        width="100%",
                        spacing="3",
                        padding_top="var(--space-3)",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=_S.create,
            ),
            max_width="480px",
        ),
        open=_S.create_open,
        on_open_change=_S.set_create_open,
    )


def _rename_dialog() -> rx.Component:
    return form_dialog(
        rx.el.label(rx.text("Name", size="2", weight="medium"), html_for="rename-name"),
        rx.input(
            id="rename-name",
            name="name",
            default_value=_S.rename_name,
            key=_S.rename_slug,
            required=True,
            size="3",
            width="100%",
        ),
        field_error(_S.rename_errors, "name"),
        title=("Edit ", _S.rename_name),
        description=("The slug ", _S.rename_slug, " stays, so links to the app keep working."),
        confirm="Save name",
        on_submit=_S.rename,
        open=_S.rename_open,
        on_open_change=_S.set_rename_open,
    )


def _delete_dialog() -> rx.Component:
    return form_dialog(
        rx.el.label(
            rx.text("Type ", rx.el.strong(_S.delete_name), " to confirm", size="2"),
            html_for="confirm-name",
        ),
        rx.input(
            id="confirm-name",
            name="confirm_name",
            value=_S.delete_typed,
            on_change=_S.set_delete_typed,
            auto_complete="off",
            size="3",
            width="100%",
        ),
        field_error(_S.delete_errors, "confirm_name"),
        title=("Delete ", _S.delete_name, "?"),
        description=(
            "This deletes the app and everything it owns: its API keys (requests using them "
            "fail at once), organizations, end users, webhook endpoints and activity. It "
            "cannot be undone.",
        ),
        confirm="Delete app",
        destructive=True,
        disabled=_S.delete_typed != _S.delete_name,
        on_submit=_S.delete,
        open=_S.delete_open,
        on_open_change=_S.set_delete_open,
    )


def _toolbar() -> rx.Component:
    return rx.el.div(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search by name or slug",
            default_value=_S.search,
            on_change=_S.search_apps.debounce(300),
            aria_label="Search by name or slug",
            class_name="pt-filter",
        ),
        select(
            STATE_CHOICES,
            label="Filter by state",
            value=_S.state_filter,
            on_change=_S.filter_by_state,
        ),
        rx.el.div(class_name="pt-grow"),
        rx.cond(_S.can_administer, _create_dialog()),
        class_name="pt-toolbar",
    )


def _filtered() -> rx.Var:
    return (_S.search != "") | (_S.state_filter != "all")


def _empty() -> rx.Component:
    return rx.cond(
        _filtered(),
        empty_state(
            "search-x",
            "No app matches",
            "Clear the search or choose the state All.",
        ),
        empty_state(
            "app-window",
            "No apps in this workspace yet",
            rx.cond(
                _S.can_administer,
                "Create your first app with Create App: a product boundary with its own "
                "sign-in, organizations, end users and keys.",
                "An administrator of the workspace can create its first app.",
            ),
        ),
    )


def _list() -> rx.Component:
    return rx.cond(
        _S.cards.length() > 0,
        rx.el.div(
            rx.el.div(rx.foreach(_S.cards, _card), class_name="pt-card-grid", id="app-cards"),
            pager(
                **_S.pager_props(LIST),
                summary=rx.el.span("· ", _S.total_text, rx.cond(_S.total == 1, " app", " apps")),
            ),
            class_name="pt-stack",
        ),
        rx.el.div(
            _empty(), class_name="rt-reset rt-BaseCard rt-Card rt-r-size-1 rt-variant-surface"
        ),
    )


def _no_workspace() -> rx.Component:
    return empty_state(
        "boxes",
        "Pick a workspace first",
        "Apps live in a workspace. Create one on Workspaces, or ask to be added to one.",
        rx.link("Go to Workspaces", href=routes.WORKSPACES),
    )


@page(routes.APPS, on_load=[PortfolioState.load])
def portfolio() -> rx.Component:
    return rx.cond(
        _S.has_workspace,
        rx.el.div(
            rx.text(
                "Every app of ",
                rx.el.strong(_S.workspace_name),
                ". Open one to change its auth, email, keys or webhooks.",
                color_scheme="gray",
                size="2",
            ),
            form_message(_S.read_only, color="amber", icon="snowflake"),
            _toolbar(),
            _list(),
            _rename_dialog(),
            _delete_dialog(),
            class_name="pt-stack",
        ),
        _no_workspace(),
    )
