"""A developer app's General tab: its name, slug and description (developers and owners edit
them; viewers read them), and who can install it: the visibility (owners choose private or
unlisted) and a private app's allowlist (owners add a workspace by UUID or an account by id,
and remove entries; everyone on the team reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import visibility_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, form_field, form_message
from portal.domain.developer import DESCRIPTION_MAX, NAME_MAX, SLUG_MAX, TeamRole, Visibility
from portal.domain.errors import PortalError
from portal.layout import page
from portal.pages.developer.distribution import DeveloperDistributionState, distribution_section
from portal.pages.developer.frame import developer_app_frame, section
from portal.pages.developer.icon import DeveloperIconState, icon_section
from portal.services import developer_apps, installations
from portal.services.installations import AllowedRow
from portal.state.open_developer_app import OpenDeveloperAppState
from portal.state.pager import Pager

TAB = "general"
ALLOWLIST = "allowlist"
PAGE_SIZE = 20
# What an owner may choose here; public needs a review by platform staff.
CHOICES = (
    (Visibility.PRIVATE.value, "Private", "Only workspaces and accounts on the allowlist."),
    (Visibility.UNLISTED.value, "Unlisted", "Anyone with an install link."),
)


@dataclass(frozen=True)
class AllowedView:
    id: int
    kind: str  # "Workspace" or "Account"
    target_id: str
    added_at: str  # ISO 8601 UTC

    @classmethod
    def of(cls, row: AllowedRow) -> AllowedView:
        return cls(
            id=row.id,
            kind=row.kind.capitalize(),
            target_id=row.target_id,
            added_at=iso_utc(row.added_at),
        )


def _entry_id(value) -> int:
    """A client's entry id as the service takes it (0 for anything else: NotFound)."""
    return value if type(value) is int and 0 < value < 2**31 else 0


def _account_id(text: str) -> int | str:
    """The account field's text: an id, or the text itself (the service refuses it at the
    field)."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else text


class DeveloperGeneralState(Pager, OpenDeveloperAppState):
    PAGED: ClassVar[tuple[str, ...]] = (ALLOWLIST,)

    general_errors: dict[str, str] = {}
    general_key: int = 0  # bumped on load and save: the inputs take the saved values
    visibility_error: str = ""
    allowlist: list[AllowedView] = []
    allow_errors: dict[str, str] = {}
    allow_key: int = 0  # bumped after an entry is added: the fields start empty again

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            installations.list_allowed, app_id=self._dev_app_id, limit=PAGE_SIZE, cursor=cursor
        )
        self.allowlist = [AllowedView.of(row) for row in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        detail = await self._open_dev_app(TAB)
        self.general_errors = {}
        self.visibility_error = ""
        self.allow_errors = {}
        if detail is not None:
            self.general_key += 1
            await self._first_page(ALLOWLIST)

    @rx.event
    async def set_visibility(self, value: str):
        """Private or unlisted (developer_apps.set_visibility: owners only)."""
        try:
            saved = await self._call(
                developer_apps.set_visibility,
                app_id=self._dev_app_id,
                visibility=str(value)[:20],
            )
        except PortalError as exc:
            return self._show_error(exc, banner="visibility_error")
        self.visibility_error = ""
        self._show_dev_app(saved, TAB)
        return rx.toast.success(
            f"The app is {saved.visibility.value} now: {saved.visibility.meaning}",
            position="top-center",
        )

    @rx.event
    async def allow(self, form: dict):
        """Add the workspace (UUID) or the account (id) the form names to the allowlist."""
        if "account_id" in form:
            field, kwargs = "account_id", {"account_id": _account_id(str(form["account_id"])[:40])}
        else:
            field = "workspace_id"
            kwargs = {"workspace_id": str(form.get("workspace_id", "")).strip()[:80]}
        try:
            await self._call(installations.allow, app_id=self._dev_app_id, **kwargs)
        except PortalError as exc:
            return self._show_error(exc, fields="allow_errors", field=field)
        self.allow_errors = {}
        self.allow_key += 1
        await self._first_page(ALLOWLIST)
        what = "Workspace" if field == "workspace_id" else "Account"
        return rx.toast.success(f"{what} added to the allowlist.", position="top-center")

    @rx.event
    async def remove_allowed(self, entry_id: int):
        try:
            await self._call(
                installations.disallow, app_id=self._dev_app_id, entry_id=_entry_id(entry_id)
            )
        except PortalError as exc:
            return self._show_error(exc)
        await self._reload_page(ALLOWLIST)
        if not self.allowlist and self.pager_page.get(ALLOWLIST, 1) > 1:
            await self._first_page(ALLOWLIST)
        return rx.toast.success("Removed from the allowlist.", position="top-center")

    @rx.event
    async def save(self, form: dict):
        before = self.dev_app_slug
        try:
            saved = await self._call(
                developer_apps.update_general,
                app_id=self._dev_app_id,
                name=str(form.get("name", ""))[: NAME_MAX * 4],
                slug=str(form.get("slug", ""))[: SLUG_MAX * 4],
                description=str(form.get("description", ""))[: DESCRIPTION_MAX * 4],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="general_errors", field="name")
        self.general_errors = {}
        self._show_dev_app(saved, TAB)
        self.general_key += 1
        toast = rx.toast.success("Details saved.", position="top-center")
        if saved.slug != before:
            # The app's URLs follow its new slug.
            return [rx.redirect(routes.developer_app_url(saved.slug), replace=True), toast]
        return toast


_S = DeveloperGeneralState


def _form() -> rx.Component:
    return rx.form(
        rx.el.fieldset(
            form_field("Name", "name", _S.general_errors, default_value=_S.dev_app_name),
            form_field(
                "Slug",
                "slug",
                _S.general_errors,
                default_value=_S.dev_app_slug,
                hint="Names the app in its URLs and install links; unique across Portal. "
                "Links with the old slug stop working.",
            ),
            rx.vstack(
                rx.el.label(
                    rx.text("Description", size="2", weight="medium"), html_for="description"
                ),
                rx.text_area(
                    id="description",
                    name="description",
                    default_value=_S.dev_app_description,
                    rows="3",
                    width="100%",
                ),
                field_error(_S.general_errors, "description"),
                spacing="1",
                width="100%",
                align="stretch",
            ),
            class_name="pt-stack pt-fieldset",
        ),
        rx.box(rx.button("Save details", type="submit")),
        on_submit=_S.save,
        key=_S.general_key.to_string(),
        class_name="pt-stack",
    )


def _fact(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _read_only() -> rx.Component:
    return rx.el.div(
        rx.el.dl(
            _fact("Name", _S.dev_app_name),
            _fact("Slug", rx.el.span(_S.dev_app_slug, class_name="pt-slug")),
            _fact(
                "Description",
                rx.cond(_S.dev_app_description != "", _S.dev_app_description, "—"),
            ),
            class_name="pt-facts pt-facts-column",
        ),
        rx.text(
            "You are a viewer on this app's team: you can read its details; changing them "
            "needs the developer or owner role.",
            size="2",
            color_scheme="gray",
            id="read-only-hint",
        ),
        class_name="pt-stack",
    )


_OWNER = _S.dev_app_role == TeamRole.OWNER.value
_PRIVATE = _S.dev_app_visibility == Visibility.PRIVATE.value


def _visibility_choice() -> rx.Component:
    return rx.radio_group.root(
        rx.el.div(
            *[
                rx.el.label(
                    rx.radio_group.item(value=value, id=f"visibility-{value}"),
                    rx.el.span(
                        rx.text(label, size="2", weight="medium"),
                        rx.text(says, size="1", color_scheme="gray"),
                        class_name="pt-stack-tight",
                    ),
                    class_name="pt-inline pt-choice",
                )
                for value, label, says in CHOICES
            ],
            class_name="pt-stack-tight",
        ),
        value=_S.dev_app_visibility,
        on_change=_S.set_visibility,
        aria_label="Who can install it",
        id="visibility-choice",
    )


def _visibility() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            visibility_badge(_S.dev_app_visibility),
            rx.text(_S.dev_app_visibility_meaning, size="2", id="visibility-meaning"),
            class_name="pt-inline pt-wrap-inline",
        ),
        form_message(_S.visibility_error),
        rx.cond(
            _OWNER & (_S.dev_app_visibility != Visibility.PUBLIC.value),
            _visibility_choice(),
            rx.text(
                rx.cond(
                    _S.dev_app_visibility == Visibility.PUBLIC.value,
                    "Listed publicly after a review by platform staff; ask them to withdraw "
                    "it to make it private or unlisted again.",
                    "Changing who can install it needs the owner role on this app's team.",
                ),
                size="2",
                color_scheme="gray",
                id="visibility-read-only",
            ),
        ),
        class_name="pt-stack",
    )


def _remove(row) -> rx.Component:
    return rx.cond(
        _OWNER,
        confirm_dialog(
            rx.button("Remove", size="1", variant="soft", color_scheme="red"),
            title=("Remove this ", row.kind.lower(), " from the allowlist?"),
            description=(
                "Install links stop offering ",
                rx.el.code(row.target_id, class_name="pt-slug"),
                " from now on. Workspaces already installed keep the app: uninstalling is "
                "up to their administrators.",
            ),
            confirm="Remove from allowlist",
            on_confirm=_S.remove_allowed(row.id),
            destructive=True,
        ),
    )


ALLOWLIST_COLUMNS = (
    Column("Kind", lambda r: r.kind, row_header=True),
    Column("Id", lambda r: rx.el.code(r.target_id, class_name="pt-slug pt-break")),
    Column("Added", lambda r: local_time(r.added_at)),
    Column("", _remove),
)


def _add_form(name: str, label: str, placeholder: str, button: str, hint: str) -> rx.Component:
    """One field and its Add button on a line; the hint and a refusal below the field."""
    return rx.form(
        rx.el.div(
            rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
            rx.el.div(
                rx.input(
                    id=name,
                    name=name,
                    placeholder=placeholder,
                    auto_complete="off",
                    required=True,
                    size="2",
                    class_name="pt-grow",
                    custom_attrs={
                        "aria-invalid": rx.cond(_S.allow_errors.contains(name), "true", "false"),
                        "aria-describedby": f"{name}-hint {name}-error",
                    },
                ),
                rx.button(rx.icon("plus", size=14), button, type="submit", variant="soft"),
                class_name="pt-toolbar pt-nowrap",
            ),
            rx.text(hint, size="1", color_scheme="gray", id=f"{name}-hint"),
            field_error(_S.allow_errors, name),
            class_name="pt-stack-tight",
        ),
        on_submit=_S.allow,
        key=_S.allow_key.to_string(),
        width="100%",
    )


def _allowlist() -> rx.Component:
    return rx.el.div(
        rx.heading("Allowlist", size="3", as_="h3"),
        rx.text(
            "Administrators of these workspaces, and of every workspace of these accounts, can "
            "install the app from an install link.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            _OWNER,
            rx.el.div(
                _add_form(
                    "workspace_id",
                    "Workspace UUID",
                    "0b6f1c2e-…",
                    "Add workspace",
                    "The Workspace ID on the workspace's page; its administrator can copy it.",
                ),
                _add_form(
                    "account_id",
                    "Account id",
                    "42",
                    "Add account",
                    "Every workspace of the account, now and later.",
                ),
                class_name="pt-stack",
            ),
        ),
        data_table(
            _S.allowlist,
            ALLOWLIST_COLUMNS,
            label="Allowlist",
            empty=empty_state(
                "shield-check",
                "No one is on the allowlist yet",
                rx.cond(
                    _OWNER,
                    "Add a workspace by its UUID or an account by its id: their administrators "
                    "can then install the app from an install link.",
                    "Until an owner adds a workspace or an account, no one can install this "
                    "private app.",
                ),
            ),
            footer=pager(**_S.pager_props(ALLOWLIST), previous="Newer", next="Older"),
            row_class="allowlist-row",
            stack_on_phone=True,
        ),
        class_name="pt-stack",
        id="allowlist",
    )


@page(
    routes.DEVELOPER_APP_GENERAL,
    on_load=[DeveloperGeneralState.load, DeveloperIconState.load, DeveloperDistributionState.load],
)
def developer_app_general() -> rx.Component:
    return developer_app_frame(
        rx.el.div(
            section(
                "Details",
                rx.cond(_S.dev_app_can_edit, _form(), _read_only()),
                label="App details",
            ),
            icon_section(),
            section(
                "Who can install it",
                _visibility(),
                rx.cond(_PRIVATE, _allowlist()),
                label="Who can install it",
            ),
            distribution_section(),
            class_name="pt-stack",
        )
    )
