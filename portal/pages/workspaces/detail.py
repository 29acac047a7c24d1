"""Workspace detail: identity, environments (live while provisioning), apps, coderunners,
recent activity, and the Actions menu (freeze, export, offboard) for administrators."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal import routes
from portal.components.activity import activity_table, pager
from portal.components.badges import status_badge
from portal.components.empty_state import empty_state
from portal.components.format import when
from portal.components.forms import field_error
from portal.domain.errors import (
    Frozen,
    Invalid,
    NotFound,
    PermissionDenied,
    PortalError,
    ReadOnly,
    Unauthenticated,
)
from portal.domain.workspaces import EnvironmentStatus, WorkspaceStatus
from portal.layout import page
from portal.services import coderunners, exports, processes, workspaces
from portal.state.nav import NavState
from portal.state.session import SessionState

POLL_SECONDS = 2


class WorkspaceDetailState(SessionState):
    found: bool = True
    workspace: dict[str, str] = {}
    environments: list[dict[str, str]] = []
    administrators: str = ""
    can_administer: bool = False
    provisioning_stuck: bool = False
    coderunners_enabled: bool = False
    activity: list[dict[str, str]] = []
    activity_actor: str = ""
    activity_action: str = ""
    activity_has_next: bool = False
    activity_page: int = 1
    offboard_open: bool = False
    offboard_errors: dict[str, str] = {}
    rename_errors: dict[str, str] = {}
    action_error: str = ""
    polling: bool = False
    runners: list[dict[str, str]] = []
    runners_error: str = ""
    runners_loading: bool = False
    provisioning_progress: int = 100
    failed_provision_id: int = 0  # a failed provisioning saga an administrator can retry
    _activity_cursors: list[str] = []
    _activity_next: str = ""
    _change_mark: str = ""  # what poll_once last saw (workspaces.change_mark)

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    def _refresh(self) -> None:
        """Reload the workspace; NotFound shows the not-found state (foreign or unknown id)."""
        try:
            with self._acting() as (session, actor):
                detail = workspaces.get_workspace_detail(
                    session=session, actor=actor, workspace_id=self._workspace_id()
                )
        except NotFound:
            self.found = False
            self.workspace = {}
            self.environments = []
            return
        self.found = True
        self.workspace = {
            "id": detail.id,
            "name": detail.name,
            "slug": detail.slug,
            "account_name": detail.account_name,
            "account_id": str(detail.account_id),
            "tenancy_model": detail.tenancy_model,
            "region": detail.region,
            "status": detail.status,
            "created_at": when(detail.created_at),
            "frozen_at": when(detail.frozen_at),
            "purge_after": when(detail.purge_after),
            "days_left": str(detail.purge_days_left if detail.purge_days_left is not None else ""),
            "process_log": routes.workspace_process_log_url(detail.id),
        }
        self.environments = [
            {
                "name": env.name,
                "status": env.status,
                "error": env.error or "",
                "ready_at": when(env.ready_at),
            }
            for env in detail.environments
        ]
        with self._acting() as (session, actor):
            latest = processes.latest_for_workspace(
                session=session, actor=actor, workspace_id=detail.id, kind="provision"
            )
        self.provisioning_progress = latest.progress if latest else 100
        self.failed_provision_id = latest.id if latest and latest.can_retry else 0
        self.can_administer = detail.can_administer
        self.administrators = ", ".join(detail.administrators)
        self.provisioning_stuck = detail.provisioning_stuck
        self.coderunners_enabled = detail.coderunners_enabled

    def _fetch_activity(self, cursor: str) -> None:
        try:
            with self._acting() as (session, actor):
                listed = workspaces.list_activity(
                    session=session,
                    actor=actor,
                    workspace_id=self._workspace_id(),
                    actor_filter=self.activity_actor.strip() or None,
                    action_filter=self.activity_action.strip() or None,
                    cursor=cursor or None,
                    limit=10,
                )
        except NotFound:
            self.activity = []
            return
        self.activity = [
            {
                "when": when(event.created_at),
                "actor": event.actor_label,
                "action": event.action,
                "target": f"{event.target_type} {event.target_id}",
                "ip": event.ip_address,
            }
            for event in listed.items
        ]
        self._activity_next = listed.next_cursor or ""
        self.activity_has_next = bool(listed.next_cursor)

    def _first_activity_page(self) -> None:
        self._activity_cursors = [""]
        self.activity_page = 1
        self._fetch_activity("")

    @property
    def _provisioning(self) -> bool:
        return any(env["status"] == EnvironmentStatus.PROVISIONING for env in self.environments)

    @rx.event
    def load(self):
        self.action_error = ""
        self.offboard_open = False
        self.activity_actor = ""
        self.activity_action = ""
        self._refresh()
        if not self.found:
            return None
        self._first_activity_page()
        # Remember the choice: the picker follows the workspace you open.
        with self._acting() as (session, actor):
            workspaces.remember_workspace(
                session=session, actor=actor, workspace_id=self._workspace_id()
            )
        events = []
        if self._provisioning and not self.polling:
            events.append(WorkspaceDetailState.watch_provisioning)
        if self.coderunners_enabled:
            events.append(WorkspaceDetailState.load_runners)
        return events

    @rx.event
    async def load_runners(self):
        """The integration's runners; its HTTP call (up to 3 s) runs off the event loop.

        The spinner is sent before the call (the `yield`), so the person sees it while they
        wait; it is reset whatever happens, a refused session included.
        """
        self.runners_loading = True
        yield
        try:
            listed = await self._call(coderunners.list_runners, workspace_id=self._workspace_id())
        finally:
            self.runners_loading = False
        self.runners = [
            {
                "id": runner.id,
                "name": runner.name,
                "status": runner.status,
                "last_seen_at": when(runner.last_seen_at),
            }
            for runner in listed.runners
        ]
        self.runners_error = listed.error or ""

    @rx.event(background=True)
    async def watch_provisioning(self):
        """Live progress: a timer that asks poll_once to refresh while provisioning runs.

        It touches no data itself; poll_once resolves the session like any handler.
        """
        async with self:
            if self.polling:
                return
            self.polling = True
        for _ in range(900):  # 30 minutes at most
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                if not self.polling:
                    return
            yield WorkspaceDetailState.poll_once
        async with self:
            self.polling = False

    @rx.event
    async def poll_once(self):
        """One tick of live progress: a cheap change check (one small query); the page reloads
        only when what it shows moved. Stops the timer off the page or when nothing runs."""
        try:
            mark = await self._call(workspaces.change_mark, workspace_id=self._workspace_id())
        except NotFound:
            mark = ""  # lost access or gone: _refresh shows the not-found state
        on_page = self.router.url.path.rstrip("/") == routes.workspace_url(
            self.workspace.get("id", "")
        )
        if not on_page:
            self.polling = False
            return
        if mark and mark == self._change_mark:
            return
        self._change_mark = mark
        self._refresh()
        self._first_activity_page()
        if not self._provisioning:
            self.polling = False

    @rx.event
    def filter_activity_by_actor(self, value: str):
        self._require_session()
        self.activity_actor = value[:120]
        self._first_activity_page()

    @rx.event
    def filter_activity_by_action(self, value: str):
        self._require_session()
        self.activity_action = value[:64]
        self._first_activity_page()

    @rx.event
    def next_activity_page(self):
        self._require_session()
        if self._activity_next:
            self._activity_cursors = [*self._activity_cursors, self._activity_next]
            self.activity_page = len(self._activity_cursors)
            self._fetch_activity(self._activity_next)

    @rx.event
    def previous_activity_page(self):
        self._require_session()
        if len(self._activity_cursors) > 1:
            self._activity_cursors = self._activity_cursors[:-1]
            self.activity_page = len(self._activity_cursors)
            self._fetch_activity(self._activity_cursors[-1])

    def _act(self, action) -> bool:
        """Run one administrator action; errors show in the page's banner."""
        self.action_error = ""
        try:
            with self._acting() as (session, actor):
                action(session, actor)
        except Unauthenticated:
            raise
        except PortalError as exc:  # PermissionDenied, Frozen, ReadOnly, Invalid, NotFound
            self.action_error = exc.message
            return False
        self._refresh()
        self._first_activity_page()
        return True

    @rx.event
    def freeze(self):
        wid = self._workspace_id()
        if self._act(lambda s, a: workspaces.freeze(session=s, actor=a, workspace_id=wid)):
            return rx.toast.success("Workspace frozen: writes are refused.", position="top-center")
        return None

    @rx.event
    def unfreeze(self):
        wid = self._workspace_id()
        if self._act(lambda s, a: workspaces.unfreeze(session=s, actor=a, workspace_id=wid)):
            return rx.toast.success("Workspace unfrozen.", position="top-center")
        return None

    @rx.event
    def export(self):
        wid = self._workspace_id()
        if self._act(lambda s, a: exports.start_export(session=s, actor=a, workspace_id=wid)):
            return [
                rx.toast.success(
                    "Export started: follow it in the Process Log.", position="top-center"
                ),
                rx.redirect(routes.workspace_process_log_url(wid)),
            ]
        return None

    @rx.event
    def retry_provisioning(self, process_id: int):
        pid = int(process_id)
        if self._act(lambda s, a: processes.retry(session=s, actor=a, process_id=pid)):
            return WorkspaceDetailState.watch_provisioning
        return None

    @rx.event
    def rename(self, form: dict):
        """A workspace write: refused while frozen or offboarding, like every other write."""
        self.rename_errors = {}
        wid = self._workspace_id()
        try:
            with self._acting() as (session, actor):
                workspaces.rename_workspace(
                    session=session, actor=actor, workspace_id=wid, name=str(form.get("name", ""))
                )
        except Unauthenticated:
            raise
        except PortalError as exc:  # Invalid, Frozen, ReadOnly (offboarding), PermissionDenied
            self.rename_errors = {"name": exc.message}
            return None
        self._refresh()
        self._first_activity_page()
        return [
            NavState.load_pick,
            rx.toast.success("Workspace renamed.", position="top-center"),
        ]

    @rx.event
    def set_offboard_open(self, value: bool):
        self.offboard_open = bool(value)
        self.offboard_errors = {}

    @rx.event
    def offboard(self, form: dict):
        self.offboard_errors = {}
        wid = self._workspace_id()
        confirm = str(form.get("confirm_name", ""))
        try:
            with self._acting() as (session, actor):
                workspaces.offboard(
                    session=session, actor=actor, workspace_id=wid, confirm_name=confirm
                )
        except Invalid as exc:
            self.offboard_errors = {exc.field or "confirm_name": exc.message}
            return None
        except (PermissionDenied, Frozen, ReadOnly) as exc:
            self.offboard_errors = {"confirm_name": exc.message}
            return None
        self.offboard_open = False
        self._refresh()
        self._first_activity_page()
        return rx.toast.warning("Offboarding started.", position="top-center")

    @rx.event
    def restore(self):
        wid = self._workspace_id()
        if self._act(lambda s, a: workspaces.restore(session=s, actor=a, workspace_id=wid)):
            return rx.toast.success("Workspace restored.", position="top-center")
        return None


def _copyable(label: str, value, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"),
        rx.hstack(
            rx.code(value, id=element_id, size="2"),
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="ghost",
                aria_label=f"Copy {label}",
                on_click=[rx.set_clipboard(value), rx.toast.info(f"{label} copied", duration=1500)],
            ),
            align="center",
            spacing="1",
        ),
        spacing="1",
    )


def _banners() -> rx.Component:
    ws = WorkspaceDetailState.workspace
    return rx.vstack(
        rx.cond(
            ws["status"] == WorkspaceStatus.FROZEN,
            rx.callout(
                rx.text(
                    "This workspace is frozen since ",
                    ws["frozen_at"],
                    ": reads work, every write is refused until an administrator unfreezes it.",
                ),
                icon="snowflake",
                color_scheme="cyan",
                role="status",
                id="frozen-banner",
            ),
        ),
        rx.cond(
            ws["status"] == WorkspaceStatus.OFFBOARDING,
            rx.callout(
                rx.text(
                    "Offboarding: read-only. It will be deleted for good on ",
                    ws["purge_after"],
                    " (",
                    ws["days_left"],
                    " days left). An administrator can restore it until then.",
                ),
                icon="timer",
                color_scheme="orange",
                role="status",
                id="offboarding-banner",
            ),
        ),
        rx.cond(
            WorkspaceDetailState.provisioning_stuck,
            rx.callout(
                rx.text(
                    "Provisioning has taken more than 10 minutes. Check the ",
                    rx.link("recent activity", href="#activity"),
                    " and the ",
                    rx.link("Process Log", href=ws["process_log"]),
                    "; contact support if it does not move.",
                ),
                icon="triangle-alert",
                color_scheme="amber",
                role="status",
            ),
        ),
        rx.cond(
            WorkspaceDetailState.action_error != "",
            rx.callout(
                WorkspaceDetailState.action_error,
                icon="circle-alert",
                color_scheme="red",
                role="alert",
            ),
        ),
        width="100%",
        spacing="2",
    )


def _actions_menu() -> rx.Component:
    ws = WorkspaceDetailState.workspace
    admin_menu = rx.menu.root(
        rx.menu.trigger(
            rx.button(
                "Actions", rx.icon("chevron-down", size=14), variant="soft", id="workspace-actions"
            )
        ),
        rx.menu.content(
            rx.cond(
                ws["status"] == WorkspaceStatus.FROZEN,
                rx.menu.item(
                    rx.icon("sun", size=14), "Unfreeze", on_click=WorkspaceDetailState.unfreeze
                ),
                rx.menu.item(
                    rx.icon("snowflake", size=14),
                    "Freeze",
                    on_click=WorkspaceDetailState.freeze,
                    disabled=ws["status"] == WorkspaceStatus.OFFBOARDING,
                ),
            ),
            rx.menu.item(
                rx.icon("download", size=14), "Export", on_click=WorkspaceDetailState.export
            ),
            rx.menu.separator(),
            rx.cond(
                ws["status"] == WorkspaceStatus.OFFBOARDING,
                rx.menu.item(
                    rx.icon("undo-2", size=14), "Restore", on_click=WorkspaceDetailState.restore
                ),
                rx.menu.item(
                    rx.icon("trash-2", size=14),
                    "Offboard",
                    color_scheme="red",
                    on_click=WorkspaceDetailState.set_offboard_open(True),
                ),
            ),
        ),
    )
    no_permission = rx.tooltip(
        rx.button(
            "Actions",
            rx.icon("lock", size=14),
            variant="soft",
            color_scheme="gray",
            disabled=True,
            id="workspace-actions-locked",
        ),
        content="Freeze, export and offboard need administer on this workspace. Ask an "
        "administrator: " + WorkspaceDetailState.administrators,
    )
    return rx.cond(WorkspaceDetailState.can_administer, admin_menu, no_permission)


def _offboard_dialog() -> rx.Component:
    ws = WorkspaceDetailState.workspace
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Offboard ", ws["name"], "?"),
            rx.alert_dialog.description(
                "The workspace becomes read-only now and is deleted for good, with everything "
                "in it, when the hard-delete window ends. You can restore it until then. "
                "Coordinate with your team first.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        rx.text(
                            "Type the workspace name to confirm: ",
                            rx.text.strong(ws["name"]),
                            size="2",
                        ),
                        html_for="confirm_name",
                    ),
                    rx.input(
                        id="confirm_name", name="confirm_name", width="100%", auto_complete="off"
                    ),
                    field_error(WorkspaceDetailState.offboard_errors, "confirm_name"),
                    rx.hstack(
                        rx.alert_dialog.cancel(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Offboard workspace", color_scheme="red", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=WorkspaceDetailState.offboard,
            ),
        ),
        open=WorkspaceDetailState.offboard_open,
        on_open_change=WorkspaceDetailState.set_offboard_open,
    )


def _environment(env) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(env["name"], weight="bold"),
                rx.spacer(),
                status_badge(env["status"]),
                width="100%",
            ),
            rx.cond(
                env["status"] == EnvironmentStatus.PROVISIONING,
                rx.hstack(
                    rx.spinner(size="1"), rx.text("Provisioning…", size="1", color_scheme="gray")
                ),
            ),
            rx.cond(
                env["ready_at"] != "",
                rx.text("Ready since ", env["ready_at"], size="1", color_scheme="gray"),
            ),
            rx.cond(env["error"] != "", rx.text(env["error"], size="1", color_scheme="red")),
            spacing="2",
            width="100%",
        ),
        class_name="environment-card",
        id=f"environment-{env['name']}",
        width="100%",
    )


def _activity() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Recent activity", size="4", as_="h2", id="activity"),
            rx.spacer(),
            rx.input(
                placeholder="Actor",
                value=WorkspaceDetailState.activity_actor,
                on_change=WorkspaceDetailState.filter_activity_by_actor.debounce(300),
                aria_label="Filter activity by actor",
                size="1",
            ),
            rx.input(
                placeholder="Action, e.g. workspace.frozen",
                value=WorkspaceDetailState.activity_action,
                on_change=WorkspaceDetailState.filter_activity_by_action.debounce(300),
                aria_label="Filter activity by action",
                size="1",
            ),
            width="100%",
            align="center",
        ),
        activity_table(WorkspaceDetailState.activity, empty="No activity matches."),
        pager(
            WorkspaceDetailState.activity_page,
            WorkspaceDetailState.activity_has_next,
            on_newer=WorkspaceDetailState.previous_activity_page,
            on_older=WorkspaceDetailState.next_activity_page,
        ),
        width="100%",
        spacing="2",
    )


def _runners() -> rx.Component:
    return rx.cond(
        WorkspaceDetailState.runners_loading,
        rx.hstack(rx.spinner(size="1"), rx.text("Asking the coderunner integration…", size="2")),
        rx.cond(
            WorkspaceDetailState.runners_error != "",
            rx.callout(
                WorkspaceDetailState.runners_error, icon="plug-zap", color_scheme="amber", size="1"
            ),
            rx.cond(
                WorkspaceDetailState.runners.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Runner"),
                            rx.table.column_header_cell("Status"),
                            rx.table.column_header_cell("Last seen"),
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            WorkspaceDetailState.runners,
                            lambda r: rx.table.row(
                                rx.table.cell(r["name"]),
                                rx.table.cell(status_badge(r["status"])),
                                rx.table.cell(r["last_seen_at"]),
                                class_name="runner-row",
                            ),
                        )
                    ),
                    size="1",
                    width="100%",
                ),
                rx.text(
                    "No runners are registered for this workspace.", size="2", color_scheme="gray"
                ),
            ),
        ),
    )


def _found() -> rx.Component:
    ws = WorkspaceDetailState.workspace
    return rx.vstack(
        rx.hstack(
            rx.heading(ws["name"], size="7", as_="h1"),
            status_badge(ws["status"]),
            rx.spacer(),
            rx.link(
                rx.button(
                    rx.icon("list-checks", size=14),
                    "Process Log",
                    variant="soft",
                    color_scheme="gray",
                ),
                href=ws["process_log"],
            ),
            _actions_menu(),
            width="100%",
            align="center",
        ),
        _banners(),
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.text("Account", size="1", color_scheme="gray", weight="medium"),
                    rx.link(
                        ws["account_name"], href=routes.account_url(ws["account_id"]), size="2"
                    ),
                    spacing="1",
                ),
                _copyable("Slug", ws["slug"], "workspace-slug"),
                _copyable("Workspace ID", ws["id"], "workspace-uuid"),
                rx.vstack(
                    rx.text("Tenancy model", size="1", color_scheme="gray", weight="medium"),
                    rx.text(ws["tenancy_model"], size="2"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.text("Region", size="1", color_scheme="gray", weight="medium"),
                    rx.text(ws["region"], size="2"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.text("Created", size="1", color_scheme="gray", weight="medium"),
                    rx.text(ws["created_at"], size="2"),
                    spacing="1",
                ),
                spacing="6",
                wrap="wrap",
            ),
            width="100%",
        ),
        rx.hstack(
            rx.heading("Environments", size="4", as_="h2"),
            rx.cond(
                WorkspaceDetailState.provisioning_progress < 100,
                rx.hstack(
                    rx.progress(
                        value=WorkspaceDetailState.provisioning_progress, max=100, width="160px"
                    ),
                    rx.text(
                        WorkspaceDetailState.provisioning_progress,
                        "%",
                        size="1",
                        color_scheme="gray",
                    ),
                    align="center",
                ),
            ),
            rx.spacer(),
            rx.cond(
                (WorkspaceDetailState.failed_provision_id > 0)
                & WorkspaceDetailState.can_administer,
                rx.button(
                    rx.icon("rotate-ccw", size=14),
                    "Retry provisioning",
                    size="1",
                    on_click=WorkspaceDetailState.retry_provisioning(
                        WorkspaceDetailState.failed_provision_id
                    ),
                ),
            ),
            width="100%",
            align="center",
        ),
        rx.grid(
            rx.foreach(WorkspaceDetailState.environments, _environment),
            columns="3",
            spacing="3",
            width="100%",
        ),
        rx.heading("Apps", size="4", as_="h2"),
        rx.card(
            empty_state(
                "app-window",
                "No apps in this workspace yet",
                "Apps registered in this workspace will be listed here.",
            ),
            width="100%",
        ),
        rx.cond(
            WorkspaceDetailState.coderunners_enabled,
            rx.vstack(
                rx.heading("Coderunners", size="4", as_="h2"),
                rx.card(
                    _runners(),
                    width="100%",
                ),
                width="100%",
            ),
        ),
        rx.cond(WorkspaceDetailState.can_administer, _settings()),
        _activity(),
        _offboard_dialog(),
        width="100%",
        spacing="4",
    )


def _settings() -> rx.Component:
    ws = WorkspaceDetailState.workspace
    return rx.vstack(
        rx.heading("Settings", size="4", as_="h2"),
        rx.card(
            rx.form(
                rx.hstack(
                    rx.vstack(
                        rx.el.label(
                            rx.text("Workspace name", size="2", weight="medium"),
                            html_for="workspace-name",
                        ),
                        rx.input(
                            id="workspace-name",
                            name="name",
                            default_value=ws["name"],
                            width="320px",
                            key=ws["name"],
                        ),
                        field_error(WorkspaceDetailState.rename_errors, "name"),
                        spacing="1",
                    ),
                    rx.button("Rename", type="submit", variant="soft"),
                    align="end",
                    spacing="3",
                ),
                on_submit=WorkspaceDetailState.rename,
            ),
            width="100%",
        ),
        width="100%",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "Workspace not found",
        "It does not exist, or you cannot read it. Check the link, or pick a workspace.",
        rx.link(rx.button("All workspaces", variant="soft"), href=routes.WORKSPACES),
    )


@page(routes.WORKSPACE_DETAIL, on_load=[WorkspaceDetailState.load])
def workspace_detail() -> rx.Component:
    return rx.cond(WorkspaceDetailState.found, _found(), _not_found())
