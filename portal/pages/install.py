"""The consent page (signed in; the guard sends others to sign in and back), opened by an
install link (/install/{token}) or by Install in the app directory (/directory/{app_slug}: a
public app's newest published version): the app, the version, what it asks for in plain words,
a workspace the person administers (the allowlist decides for a private app), and Approve.

The token or slug in the URL stays in a backend-only var; every step goes through
services/installations.py, which checks the link (or that the app is public), the workspace
permission and the allowlist again."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.app_icon import app_icon
from portal.components.empty_state import empty_state
from portal.components.forms import form_message
from portal.components.links import button_link
from portal.domain.errors import Conflict, NotFound, PortalError
from portal.domain.text import initials
from portal.layout import page
from portal.services import installations
from portal.state.backend_urls import backend_url
from portal.state.session import SessionState


@dataclass(frozen=True)
class AskedFor:
    name: str = ""
    says: str = ""


@dataclass(frozen=True)
class WorkspaceOption:
    id: str = ""
    label: str = ""  # "Production · Acme Inc."
    installed: str = ""  # "version 2 installed" or ""


class InstallState(SessionState):
    problem: str = ""  # the link (or the directory's app) cannot be used: why, in words
    from_directory: bool = False  # opened from the directory, not by an install link
    app_name: str = ""
    app_description: str = ""
    app_icon: str = ""  # the icon's URL, "" for none
    app_initials: str = ""
    version: int = 0
    scopes: list[AskedFor] = []
    event_categories: list[AskedFor] = []
    data_types: list[AskedFor] = []
    options: list[WorkspaceOption] = []
    more_workspaces: bool = False
    search: str = ""
    chosen: str = ""
    error: str = ""
    installed_in: str = ""  # the workspace's id once installed
    _token: str = ""
    _app_slug: str = ""

    def _offer(self) -> dict[str, str]:
        """What the URL names, as installations.consent/install take it."""
        return {"app_slug": self._app_slug} if self._app_slug else {"token": self._token}

    async def _read(self) -> None:
        try:
            found = await self._call(
                installations.consent, **self._offer(), search=self.search or None
            )
        except (NotFound, Conflict) as exc:
            self.problem = exc.message
            return
        self.problem = ""
        self.app_name = found.app_name
        self.app_description = found.app_description
        self.app_icon = backend_url(found.icon_url)
        self.app_initials = initials(found.app_name)
        self.version = found.version
        self.scopes = [AskedFor(d.name, d.says) for d in found.scopes]
        self.event_categories = [AskedFor(d.name, d.says) for d in found.event_categories]
        self.data_types = [AskedFor(d.name, d.says) for d in found.data_types]
        self.options = [
            WorkspaceOption(
                id=w.id,
                label=f"{w.name} · {w.account_name}",
                installed=(
                    f"version {w.installed_version} installed" if w.installed_version else ""
                ),
            )
            for w in found.workspaces
        ]
        self.more_workspaces = found.more_workspaces
        if self.chosen not in {option.id for option in self.options}:
            self.chosen = self.options[0].id if len(self.options) == 1 else ""

    @rx.event
    async def load(self):
        params = self.router._page.params
        self._token = str(params.get("install_token", ""))[:200]
        self._app_slug = "" if self._token else str(params.get("app_slug", ""))[:200]
        self.from_directory = bool(self._app_slug)
        self.search, self.chosen, self.error, self.installed_in = "", "", "", ""
        await self._read()

    @rx.event
    async def search_workspaces(self, text: str):
        await self._check_session()  # before the search box changes
        self.search = str(text)[:80]
        await self._read()

    @rx.event
    def choose(self, workspace_id: str):
        # Only a choice the server offered; approve() checks it again anyway.
        offered = {option.id for option in self.options}
        self.chosen = (
            workspace_id if isinstance(workspace_id, str) and workspace_id in offered else ""
        )
        self.error = ""

    @rx.event
    async def approve(self):
        await self._check_session()
        if not self.chosen:
            self.error = "Choose the workspace to install it in."
            return None
        # From the directory: the version this page showed (a newer one is refused, to review).
        shown = {"version": self.version} if self._app_slug else {}
        try:
            await self._call(
                installations.install, **self._offer(), **shown, workspace_id=self.chosen
            )
        except PortalError as exc:
            return self._show_error(exc, banner="error")
        self.installed_in = self.chosen
        return rx.toast.success(f"{self.app_name} is installed.")


_S = InstallState


def _asked(title: str, items, empty: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, weight="bold", size="3"),
        rx.cond(
            items.length() > 0,
            rx.el.ul(
                rx.foreach(
                    items,
                    lambda item: rx.el.li(
                        rx.text(item.says, size="2"),
                        rx.el.code(item.name, class_name="pt-slug"),
                        class_name="pt-stack-tight",
                    ),
                ),
                class_name="pt-plain-list",
            ),
            rx.text(empty, size="2", color_scheme="gray"),
        ),
        spacing="1",
        align="start",
        width="100%",
    )


def _choices() -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.text("Install in", weight="bold", size="3"), html_for="install-workspace-search"
        ),
        rx.input(
            id="install-workspace-search",
            placeholder="Search your workspaces",
            value=_S.search,
            on_change=_S.search_workspaces.debounce(300),
            width="100%",
        ),
        rx.cond(
            _S.options.length() > 0,
            rx.radio_group.root(
                rx.vstack(
                    rx.foreach(
                        _S.options,
                        lambda option: rx.el.label(
                            rx.radio_group.item(value=option.id),
                            rx.text(option.label, size="2"),
                            rx.cond(
                                option.installed != "",
                                rx.badge(option.installed, variant="soft"),
                            ),
                            class_name="pt-inline",
                        ),
                    ),
                    spacing="2",
                ),
                value=_S.chosen,
                on_change=_S.choose,
                aria_label="Workspace",
            ),
            rx.text(
                "You administer no workspace this app may be installed in. Ask an "
                "administrator of the workspace, or, for a private app, ask its developers "
                "to add your workspace to the allowlist.",
                size="2",
                color_scheme="gray",
            ),
        ),
        rx.cond(
            _S.more_workspaces,
            rx.text("More workspaces match: search to narrow them.", size="1", color_scheme="gray"),
        ),
        spacing="2",
        width="100%",
        align="start",
    )


def _done() -> rx.Component:
    return empty_state(
        "circle-check",
        _S.app_name + " is installed",
        "It appears in the workspace's Apps section with its version; administrators can "
        "uninstall it there.",
        button_link("Open the workspace", href=routes.WORKSPACES + "/" + _S.installed_in),
    )


def _consent() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                app_icon(_S.app_icon, _S.app_initials, size=48),
                rx.heading(_S.app_name, size="6", as_="h2"),
                rx.badge("Version ", _S.version, variant="soft"),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            rx.text(_S.app_description, size="2", color_scheme="gray"),
            rx.text(
                "Installing it lets the app do what is listed below in the workspace you "
                "choose, until an administrator uninstalls it.",
                size="2",
            ),
            _asked("It will be able to", _S.scopes, "Nothing: it asks for no scopes."),
            _asked("Events sent to it", _S.event_categories, "None."),
            _asked("Data it receives", _S.data_types, "None."),
            _choices(),
            rx.cond(_S.error != "", form_message(_S.error)),
            rx.hstack(
                button_link(
                    "Cancel",
                    href=rx.cond(_S.from_directory, routes.DIRECTORY, routes.DASHBOARD),
                    variant="soft",
                    color_scheme="gray",
                ),
                rx.button("Approve and install", on_click=_S.approve, disabled=_S.chosen == ""),
                spacing="3",
                justify="end",
                width="100%",
                wrap="wrap",
            ),
            spacing="4",
            align="start",
        ),
        size="3",
        max_width="720px",
        width="100%",
    )


def _consent_page() -> rx.Component:
    return rx.cond(
        _S.problem != "",
        rx.cond(
            _S.from_directory,
            empty_state(
                "store",
                "This app can't be installed from the directory",
                _S.problem,
                button_link("Browse the directory", href=routes.DIRECTORY, variant="soft"),
            ),
            empty_state(
                "link-2-off",
                "This install link can't be used",
                _S.problem,
                button_link("Go to the dashboard", href=routes.DASHBOARD, variant="soft"),
            ),
        ),
        rx.cond(_S.installed_in != "", _done(), _consent()),
    )


@page(routes.INSTALL, on_load=[InstallState.load])
def install_page() -> rx.Component:
    return _consent_page()


# The directory's Install: the same page, state and services, named by the app's slug.
@page(routes.DIRECTORY_APP, on_load=[InstallState.load])
def directory_install_page() -> rx.Component:
    return _consent_page()
