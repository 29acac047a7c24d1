"""The open app: the context every app page shares (/workspaces/{uuid}/apps/{slug}/...).

`OpenAppState` loads the app named by the URL (the server checks read access on its
workspace), its baseline, blockers and settings, and fills the top bar's app switcher and the
sidebar's app section (NavState: the app's name above its pages, seed 000: "confirm the app
name in the sidebar before copying credentials"). Each app page's own state derives from it,
so its handlers read the open app's ids from here, never from the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal import routes
from portal.domain.apps import APP_PAGE_LABELS, AppPage
from portal.domain.dto import AppBlocker, AppChoice, AppDetail, BaselineItem
from portal.domain.errors import NotFound
from portal.domain.moments import iso_utc
from portal.services import apps, workspaces
from portal.state.nav import AppPageLink, AppSwitchRow, NavState


@dataclass(frozen=True)
class BaselineRow:
    label: str
    done: bool
    action: str
    href: str

    @classmethod
    def of(cls, item: BaselineItem, base: str) -> BaselineRow:
        return cls(label=item.label, done=item.done, action=item.action, href=f"{base}/{item.page}")


@dataclass(frozen=True)
class BlockerRow:
    message: str
    href: str

    @classmethod
    def of(cls, blocker: AppBlocker, base: str) -> BlockerRow:
        return cls(message=blocker.message, href=f"{base}/{blocker.page}")


def _opened(*, session, actor, workspace_id: str, app_slug: str) -> tuple[AppDetail, list]:
    """The app (recorded as opened), the switcher's apps, and the workspace as the person's
    pick, in one transaction."""
    detail = apps.get_app(
        session=session, actor=actor, workspace_id=workspace_id, app_slug=app_slug, visit=True
    )
    choices = apps.app_choices(session=session, actor=actor, workspace_id=workspace_id)
    workspaces.remember_workspace(session=session, actor=actor, workspace_id=workspace_id)
    return detail, choices


class OpenAppState(NavState):
    app_found: bool = True
    app_id: int = 0
    app_name: str = ""
    app_slug: str = ""
    app_base: str = ""  # /workspaces/{uuid}/apps/{slug}
    workspace_name: str = ""
    app_state: str = ""
    app_created_at: str = ""
    app_can_administer: bool = False
    app_read_only: str = ""  # why writes are refused now ("" when they are not)
    baseline: list[BaselineRow] = []
    blockers: list[BlockerRow] = []
    next_action_label: str = ""
    next_action_href: str = ""
    organizations: int = 0
    end_users: int = 0

    def _route_params(self) -> tuple[str, str]:
        params = self.router._page.params
        return str(params.get("workspace_uuid", "")), str(params.get("app_slug", ""))

    def _show_app(self, detail: AppDetail, choices: list[AppChoice], page: AppPage) -> None:
        base = routes.app_base_url(detail.workspace_id, detail.slug)
        self.app_found = True
        self.app_id = detail.id
        self.app_name = detail.name
        self.app_slug = detail.slug
        self.app_base = base
        self.workspace_name = detail.workspace_name
        self.app_state = detail.state
        self.app_created_at = iso_utc(detail.created_at)
        self.app_can_administer = detail.can_administer
        self.app_read_only = detail.read_only_reason
        self.baseline = [BaselineRow.of(item, base) for item in detail.baseline]
        self.blockers = [BlockerRow.of(blocker, base) for blocker in detail.blockers]
        self.next_action_label = detail.next_action.label if detail.next_action else ""
        self.next_action_href = f"{base}/{detail.next_action.page}" if detail.next_action else ""
        self.organizations = detail.organizations
        self.end_users = detail.end_users
        self.app_page_links = [
            AppPageLink(label=APP_PAGE_LABELS[p], href=f"{base}/{p.value}", current=p is page)
            for p in AppPage
        ]
        # The top bar and the sidebar name the open app; switching keeps the page.
        self.current_app_name = detail.name
        self.current_app_page = page.value
        self.app_switch_rows = [
            AppSwitchRow(
                name=choice.name,
                slug=choice.slug,
                href=routes.app_url(detail.workspace_id, choice.slug, page.value),
                current=choice.slug == detail.slug,
            )
            for choice in choices
        ]

    def _hide_app(self) -> None:
        self.app_found = False
        self.app_name = ""
        self.current_app_name = ""
        self.app_switch_rows = []
        self.app_page_links = []

    async def _open(self, page: AppPage) -> AppDetail | None:
        """Load the app the URL names; None (and the not-found view) when the person cannot
        read it or it does not exist."""
        workspace_id, app_slug = self._route_params()
        try:
            detail, choices = await self._call(
                _opened, workspace_id=workspace_id, app_slug=app_slug
            )
        except NotFound:
            self._hide_app()
            return None
        self._show_app(detail, choices, page)
        return detail

    async def _reopen(self) -> None:
        """After a change: the app again (state, checklist), on the page shown."""
        await self._open(AppPage(self.current_app_page or AppPage.OVERVIEW.value))
