"""The app directory (/directory, any signed-in person): the developer apps platform staff
listed publicly, each with its icon, what it does, its newest version and how many workspaces
installed it; a search over names and descriptions and the pager, both on the server; and
Install, which opens the same consent page an install link does (/directory/{slug})."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.app_icon import app_icon
from portal.components.data_table import pager
from portal.components.empty_state import empty_state
from portal.components.links import button_link
from portal.domain.text import initials
from portal.layout import page
from portal.services import directory
from portal.services.directory import DirectoryRow
from portal.state.backend_urls import backend_url
from portal.state.pager import Pager
from portal.state.session import SessionState

LIST = "directory"
PAGE_SIZE = 24
_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface"


@dataclass(frozen=True)
class DirectoryCard:
    name: str
    slug: str
    description: str
    icon: str  # the icon's URL, "" for none
    initials: str
    version: str  # "Version 3"
    installs: str  # "Installed in 12 workspaces"
    href: str  # the consent page

    @classmethod
    def of(cls, row: DirectoryRow) -> DirectoryCard:
        count = row.install_count
        return cls(
            name=row.name,
            slug=row.slug,
            description=row.description,
            icon=backend_url(row.icon_url),
            initials=initials(row.name),
            version=f"Version {row.latest_version}",
            installs=(
                "Not installed anywhere yet"
                if count == 0
                else f"Installed in {count} workspace{'' if count == 1 else 's'}"
            ),
            href=routes.directory_app_url(row.slug),
        )


class DirectoryState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    cards: list[DirectoryCard] = []
    search: str = ""

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            directory.list_directory,
            search=self.search.strip() or None,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        self.cards = [DirectoryCard.of(row) for row in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        await self._first_page(LIST, search="")

    @rx.event
    async def search_apps(self, text: str):
        """Narrow the directory to names and descriptions holding `text` (the service binds
        it as a LIKE pattern, wildcards escaped); the term is kept only if the page loads."""
        await self._first_page(LIST, search=str(text)[: directory.SEARCH_MAX])


_S = DirectoryState


def _card(card) -> rx.Component:
    return rx.el.article(
        rx.el.div(
            app_icon(card.icon, card.initials, size=48),
            rx.el.div(
                rx.heading(card.name, size="4", as_="h2", class_name="pt-break"),
                rx.text(card.version, " · ", card.installs, size="1", color_scheme="gray"),
                class_name="pt-stack-tight pt-app-card-title",
            ),
            class_name="pt-app-card-head",
        ),
        rx.text(
            rx.cond(card.description != "", card.description, "No description yet."),
            size="2",
            class_name="pt-break",
        ),
        rx.el.div(
            button_link(
                rx.icon("download", size=14),
                "Install",
                href=card.href,
                size="2",
                aria_label="Install " + card.name,
            ),
        ),
        class_name=f"{_CARD} pt-app-card directory-card",
        aria_label=card.name,
    )


def _search() -> rx.Component:
    return rx.el.div(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            id="directory-search",
            placeholder="Search apps by name or what they do",
            aria_label="Search the directory",
            value=_S.search,
            on_change=_S.search_apps.debounce(300),
            type="search",
            width="100%",
            max_width="480px",
        ),
        class_name="pt-toolbar",
    )


def _empty() -> rx.Component:
    return rx.el.div(
        rx.cond(
            _S.search != "",
            empty_state(
                "search-x",
                "No app matches your search",
                "Try another word: the search reads each app's name and description.",
            ),
            empty_state(
                "store",
                "No apps in the directory yet",
                "Apps appear here once platform staff approve them for public listing. An "
                "install link from an app's developer installs any other app.",
            ),
        ),
        class_name=f"{_CARD}",
    )


@page(routes.DIRECTORY, on_load=[DirectoryState.load])
def directory_page() -> rx.Component:
    return rx.el.div(
        rx.el.p(
            "Apps from other developers that any workspace can install. Install opens a page "
            "that shows what the app asks for before you choose a workspace you administer.",
            class_name="pt-lede",
        ),
        _search(),
        rx.cond(
            _S.cards.length() > 0,
            rx.el.div(
                rx.el.div(
                    rx.foreach(_S.cards, _card),
                    class_name="pt-card-grid directory-grid",
                ),
                pager(**_S.pager_props(LIST)),
                class_name="pt-stack",
            ),
            _empty(),
        ),
        class_name="pt-stack",
    )
