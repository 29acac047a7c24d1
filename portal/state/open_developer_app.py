"""The open developer app: what its four tabs share (/developer/apps/{slug}/{tab}).

`OpenDeveloperAppState` loads the app the URL names through developer_apps.get_app (the
person must be on its team: anyone else, like a slug that does not exist, gets NotFound and the
not-found view), keeps its id in a backend-only var for the tab's handlers, and its name,
slug, visibility and the person's role on its team for the header. Each tab's own state
derives from it; the services check the team role again on every call.
"""

from __future__ import annotations

from sqlmodel import Session

from portal import routes
from portal.domain.access import Actor
from portal.domain.developer import TeamRole
from portal.domain.errors import NotFound
from portal.domain.text import initials
from portal.services import developer_apps, developer_icons
from portal.services.developer_apps import DeveloperAppDetail
from portal.services.developer_icons import IconInfo
from portal.state.backend_urls import backend_url
from portal.state.nav import AppPageLink
from portal.state.session import SessionState


def _app_and_icon(
    *, session: Session, actor: Actor, slug: str
) -> tuple[DeveloperAppDetail, IconInfo | None]:
    """The app the URL names (team only) and its icon, in one transaction."""
    detail = developer_apps.get_app(session=session, actor=actor, slug=slug)
    return detail, developer_icons.get_icon(session=session, actor=actor, app_id=detail.id)


class OpenDeveloperAppState(SessionState):
    dev_app_found: bool = True
    dev_app_name: str = ""
    dev_app_slug: str = ""
    dev_app_description: str = ""
    dev_app_visibility: str = ""
    dev_app_visibility_meaning: str = ""
    dev_app_role: str = ""
    dev_app_can_edit: bool = False  # developer or owner: details and the draft
    dev_app_tabs: list[AppPageLink] = []
    dev_app_icon: str = ""  # the icon's URL ("" for none: the initials show)
    dev_app_initials: str = ""
    # The app's id, for the tab's handlers: set only by a load, from the URL's slug.
    _dev_app_id: int = 0

    def _route_slug(self) -> str:
        return str(self.router._page.params.get("app_slug", ""))[:200]

    def _show_dev_app(self, detail: DeveloperAppDetail, tab: str) -> None:
        self.dev_app_found = True
        self._dev_app_id = detail.id
        self.dev_app_name = detail.name
        self.dev_app_initials = initials(detail.name)
        self.dev_app_slug = detail.slug
        self.dev_app_description = detail.description
        self.dev_app_visibility = detail.visibility.value
        self.dev_app_visibility_meaning = detail.visibility.meaning
        self.dev_app_role = detail.role.value
        self.dev_app_can_edit = detail.role.includes(TeamRole.DEVELOPER)
        self.dev_app_tabs = [
            AppPageLink(
                label=label,
                href=routes.developer_app_url(detail.slug, name),
                current=name == tab,
            )
            for name, label in routes.DEVELOPER_APP_TABS
        ]

    def _hide_dev_app(self) -> None:
        self.dev_app_found = False
        self._dev_app_id = 0
        self.dev_app_name = ""
        self.dev_app_slug = ""
        self.dev_app_role = ""
        self.dev_app_can_edit = False
        self.dev_app_tabs = []
        self.dev_app_icon = ""

    async def _open_dev_app(self, tab: str) -> DeveloperAppDetail | None:
        """Load the app the URL names; None (and the not-found view) when it does not exist
        or the person is not on its team."""
        try:
            detail, icon = await self._call(_app_and_icon, slug=self._route_slug())
        except NotFound:
            self._hide_dev_app()
            return None
        self._show_dev_app(detail, tab)
        self._show_dev_app_icon(icon)
        return detail

    def _show_dev_app_icon(self, icon: IconInfo | None) -> None:
        self.dev_app_icon = backend_url(icon.url) if icon is not None else ""
