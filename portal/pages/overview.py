"""The workspace dashboard (/): a triage board across the picked workspace's apps (seed 000).

Start with Need action, open the app with the most important blocker, complete the linked
task; each count opens the portfolio filtered to what it counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal import routes
from portal.components.badges import app_state_badge
from portal.components.empty_state import empty_state
from portal.components.links import button_link
from portal.domain.apps import AppState
from portal.domain.dto import ActionItem, Dashboard, RecentApp
from portal.layout import page
from portal.services import apps, dashboard, workspaces
from portal.state.session import SessionState

_CARD = "rt-reset rt-BaseCard rt-Card rt-r-size-2 rt-variant-surface"


@dataclass(frozen=True)
class ActionRow:
    app_name: str
    app_href: str
    problem: str
    action: str
    action_href: str
    blocker: bool

    @classmethod
    def of(cls, item: ActionItem, workspace_id: str) -> ActionRow:
        if not item.app_slug:  # about the workspace itself
            href = routes.workspace_url(workspace_id)
            return cls("", "", item.problem, item.action, href, item.blocker)
        base = routes.app_base_url(workspace_id, item.app_slug)
        return cls(
            app_name=item.app_name,
            app_href=f"{base}/overview",
            problem=item.problem,
            action=item.action,
            action_href=f"{base}/{item.page}",
            blocker=item.blocker,
        )


@dataclass(frozen=True)
class RecentRow:
    name: str
    href: str
    state: str

    @classmethod
    def of(cls, recent: RecentApp, workspace_id: str) -> RecentRow:
        return cls(
            name=recent.name,
            href=routes.app_url(workspace_id, recent.slug),
            state=recent.state,
        )


def _board(*, session, actor) -> Dashboard | None:
    choice = workspaces.current_choice(session=session, actor=actor)
    if choice is None:
        return None
    return dashboard.workspace_dashboard(session=session, actor=actor, workspace_id=choice.id)


class DashboardState(SessionState):
    has_workspace: bool = True
    workspace_name: str = ""
    apps: int = 0
    live_organizations: int = 0
    need_action: int = 0
    needs_attention: int = 0
    operational: int = 0
    action_rows: list[ActionRow] = []
    recent_rows: list[RecentRow] = []
    # The counts as a person reads them ("1,000"); the ints above decide what shows.
    shown: dict[str, str] = {}

    @rx.event
    async def load(self):
        board = await self._call(_board)
        self.has_workspace = board is not None
        if board is None:
            self.apps = 0
            self.action_rows, self.recent_rows = [], []
            return
        self.workspace_name = board.workspace_name
        self.apps = board.apps
        self.live_organizations = board.live_organizations
        self.need_action = board.need_action
        self.needs_attention = board.needs_attention
        self.operational = board.operational
        self.shown = {
            name: f"{getattr(board, name):,}"
            for name in (
                "apps",
                "live_organizations",
                "need_action",
                "needs_attention",
                "operational",
            )
        }
        self.action_rows = [ActionRow.of(i, board.workspace_id) for i in board.action_items]
        self.recent_rows = [RecentRow.of(r, board.workspace_id) for r in board.recent]


_S = DashboardState


def _tile(label: str, value, meaning: str, href: str, tile_id: str) -> rx.Component:
    return rx.el.a(
        rx.el.span(label, class_name="pt-tile-label"),
        rx.el.span(value, class_name="pt-tile-value"),
        rx.el.span(meaning, class_name="pt-tile-meaning"),
        href=href,
        class_name=f"{_CARD} pt-tile",
        id=tile_id,
    )


def _tiles() -> rx.Component:
    return rx.el.div(
        _tile("Apps", _S.shown["apps"], "In this workspace.", routes.APPS, "tile-apps"),
        _tile(
            "Live organizations",
            _S.shown["live_organizations"],
            "Organizations with customer activity in the last 7 days.",
            routes.apps_url(state=AppState.OPERATING),
            "tile-live",
        ),
        _tile(
            "Need action",
            _S.shown["need_action"],
            "Apps with a blocker or a setup gap.",
            routes.apps_url(state=apps.NEED_ACTION),
            "tile-need-action",
        ),
        _tile(
            "Needs attention",
            _S.shown["needs_attention"],
            "Apps still missing a baseline requirement.",
            routes.apps_url(state=AppState.SETUP),
            "tile-needs-attention",
        ),
        _tile(
            "Operational apps",
            _S.shown["operational"],
            "Apps with real activity in the last 7 days.",
            routes.apps_url(state=AppState.OPERATING),
            "tile-operational",
        ),
        class_name="pt-tiles",
    )


def _action_row(row) -> rx.Component:
    return rx.el.li(
        rx.cond(
            row.blocker,
            rx.icon("triangle-alert", size=16, color=rx.color("red", 10)),
            rx.icon("circle-dashed", size=16, class_name="pt-missing"),
        ),
        rx.el.div(
            rx.cond(row.app_name != "", rx.link(row.app_name, href=row.app_href, weight="bold")),
            rx.el.span(row.problem, class_name="pt-dim-text"),
            class_name="pt-action-what",
        ),
        rx.link(row.action, href=row.action_href, class_name="pt-action-link"),
        class_name="pt-action-row",
    )


def _need_action() -> rx.Component:
    return rx.el.section(
        rx.heading("Need action", size="4", as_="h2"),
        rx.cond(
            _S.action_rows.length() > 0,
            rx.el.ul(
                rx.foreach(_S.action_rows, _action_row),
                class_name="pt-action-list",
                id="need-action",
            ),
            rx.el.p(
                rx.icon("circle-check", size=14, class_name="pt-done"),
                " Nothing needs action. Monitor operational apps from their overview.",
                class_name="pt-dim-text",
            ),
        ),
        # The list is bounded (the most important first); the portfolio has them all.
        rx.cond(
            _S.need_action > _S.action_rows.length(),
            rx.link(
                "See all ",
                _S.shown["need_action"],
                " in the portfolio",
                href=routes.apps_url(state=apps.NEED_ACTION),
                size="2",
                id="need-action-all",
            ),
        ),
        class_name=f"{_CARD} pt-stack",
        aria_label="Need action",
    )


def _recent() -> rx.Component:
    return rx.el.section(
        rx.heading("Recent apps", size="4", as_="h2"),
        rx.cond(
            _S.recent_rows.length() > 0,
            rx.el.ul(
                rx.foreach(
                    _S.recent_rows,
                    lambda r: rx.el.li(
                        rx.link(r.name, href=r.href),
                        app_state_badge(r.state),
                        class_name="pt-inline",
                    ),
                ),
                class_name="pt-checklist",
                id="recent-apps",
            ),
            rx.el.p("Apps you open or change show here.", class_name="pt-dim-text"),
        ),
        class_name=f"{_CARD} pt-stack",
        aria_label="Recent apps",
    )


def _first_app() -> rx.Component:
    return rx.el.section(
        empty_state(
            "rocket",
            "Create your first app",
            "An app is a product boundary: its own sign-in, organizations, end users, API keys "
            "and webhooks. Create one, then follow its checklist: enable a sign-in method, set "
            "an email sender, create a prod API key.",
            button_link("Go to Apps", href=routes.APPS),
        ),
        class_name=_CARD,
        id="first-app",
    )


def _no_workspace() -> rx.Component:
    return empty_state(
        "boxes",
        "No workspace yet",
        "The dashboard shows the apps of a workspace. Create one on Workspaces, or ask an "
        "account owner to add you to theirs.",
        button_link("Create a workspace", href=routes.WORKSPACES),
    )


@page(routes.DASHBOARD, on_load=[DashboardState.load])
def dashboard_page() -> rx.Component:
    return rx.cond(
        _S.has_workspace,
        rx.el.div(
            rx.text(
                "Triage across the apps of ",
                rx.el.strong(_S.workspace_name),
                ": start with Need action, then open the app to fix it.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                _S.apps > 0,
                rx.el.div(
                    _tiles(),
                    rx.el.div(_need_action(), _recent(), class_name="pt-two-columns"),
                    class_name="pt-stack",
                ),
                _first_app(),
            ),
            class_name="pt-stack",
        ),
        _no_workspace(),
    )
