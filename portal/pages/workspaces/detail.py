"""Workspace detail: identity, environments (live while provisioning), apps (the workspace's
own and the developer apps installed in it, which administrators can move to another version
(change_version.py) or uninstall), coderunners,
recent activity, and the Actions menu (freeze, export, offboard) for administrators.

Built from the shared pieces (see list_page.py): typed rows, service calls off the event loop
(`self._call`), the Pager for the activity feed, the data table, the dialog footer and local
dates. Live progress polls one cheap change check and reloads only when it moved.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.activity_row import ActivityRow, activity_table
from portal.components.badges import app_state_badge, status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, dialog_footer, form_dialog
from portal.components.empty_state import empty_state, workspace_not_found
from portal.components.forms import field_error
from portal.components.links import button_link
from portal.domain.dto import AppLink, CoderunnerPublic, EnvironmentPublic, WorkspaceDetail
from portal.domain.errors import NotFound, PortalError
from portal.domain.processes import ProcessKind, ProcessPublic
from portal.domain.wording import action_prefix
from portal.domain.workspaces import EnvironmentStatus, WorkspaceStatus
from portal.layout import page
from portal.pages.workspaces.change_version import change_version_button, change_version_dialog
from portal.services import coderunners, exports, installations, processes, workspaces
from portal.services.installations import InstallationRow
from portal.state.nav import NavState
from portal.state.pager import Pager
from portal.state.session import SessionState

POLL_SECONDS = 2
ACTIVITY = "activity"  # the paged lists on this page
INSTALLED = "installed"
ACTIVITY_PAGE_SIZE = 10
INSTALLED_PAGE_SIZE = 10
# Status changes that ask first: what each dialog says it will do, and its button.
CONFIRMED = ("freeze", "unfreeze", "restore")


@dataclass(frozen=True)
class WorkspaceView:
    """The workspace as the page shows it; the empty one stands for "not loaded"."""

    id: str = ""
    name: str = ""
    slug: str = ""
    account_name: str = ""
    account_href: str = ""
    tenancy_model: str = ""
    region: str = ""
    status: str = ""
    created_at: str = ""  # ISO 8601 UTC (dates.iso_utc): shown in the viewer's local time
    frozen_at: str = ""
    purge_after: str = ""
    days_left: int = 0  # whole days left in the hard-delete window while offboarding
    process_log_href: str = ""

    @classmethod
    def of(cls, detail: WorkspaceDetail) -> WorkspaceView:
        return cls(
            id=detail.id,
            name=detail.name,
            slug=detail.slug,
            account_name=detail.account_name,
            account_href=routes.account_url(detail.account_id),
            tenancy_model=detail.tenancy_model,
            region=detail.region,
            status=detail.status,
            created_at=iso_utc(detail.created_at),
            frozen_at=iso_utc(detail.frozen_at),
            purge_after=iso_utc(detail.purge_after),
            days_left=detail.purge_days_left or 0,
            process_log_href=routes.workspace_process_log_url(detail.id),
        )


@dataclass(frozen=True)
class EnvironmentRow:
    name: str
    status: str
    provisioning: bool
    error: str
    ready_at: str  # ISO 8601 UTC, "" until ready

    @classmethod
    def of(cls, env: EnvironmentPublic) -> EnvironmentRow:
        return cls(
            name=env.name,
            status=env.status,
            provisioning=env.status == EnvironmentStatus.PROVISIONING,
            error=env.error or "",
            ready_at=iso_utc(env.ready_at),
        )


@dataclass(frozen=True)
class RunnerRow:
    id: str
    name: str
    status: str
    last_seen_at: str  # ISO 8601 UTC, "" when never seen

    @classmethod
    def of(cls, runner: CoderunnerPublic) -> RunnerRow:
        return cls(
            id=runner.id,
            name=runner.name,
            status=runner.status,
            last_seen_at=iso_utc(runner.last_seen_at),
        )


@dataclass(frozen=True)
class DetailView:
    """What the page shows beside the activity feed, read in one transaction."""

    detail: WorkspaceDetail
    provisioning: ProcessPublic | None


def _detail_view(*, session, actor, workspace_id: str, remember: bool) -> DetailView:
    """The workspace, its latest provisioning saga and (on a page load) remembering it as the
    person's pick: one transaction, each service checking read on the workspace."""
    detail = workspaces.get_workspace_detail(
        session=session, actor=actor, workspace_id=workspace_id
    )
    latest = processes.latest_for_workspace(
        session=session, actor=actor, workspace_id=detail.id, kind=ProcessKind.PROVISION
    )
    if remember:
        # The picker follows the workspace you open.
        workspaces.remember_workspace(session=session, actor=actor, workspace_id=detail.id)
    return DetailView(detail=detail, provisioning=latest)


@dataclass(frozen=True)
class AppRow:
    name: str
    href: str
    state: str

    @classmethod
    def of(cls, app: AppLink, workspace_id: str) -> AppRow:
        return cls(name=app.name, href=routes.app_url(workspace_id, app.slug), state=app.state)


@dataclass(frozen=True)
class InstalledAppRow:
    """A developer app installed in the workspace."""

    id: int
    name: str
    version: str  # "v2"
    scopes: str
    installed_at: str  # ISO 8601 UTC

    @classmethod
    def of(cls, row: InstallationRow) -> InstalledAppRow:
        return cls(
            id=row.id,
            name=row.app_name,
            version=f"v{row.version}",
            scopes=", ".join(row.scopes) or "none",
            installed_at=iso_utc(row.installed_at),
        )


class WorkspaceDetailState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (ACTIVITY, INSTALLED)

    found: bool = True
    workspace: WorkspaceView = WorkspaceView()
    environments: list[EnvironmentRow] = []
    apps: list[AppRow] = []
    app_count: int = 0
    administrators: list[str] = []
    can_administer: bool = False
    provisioning_stuck: bool = False
    coderunners_enabled: bool = False
    provisioning_progress: int = 100
    failed_provision_id: int = 0  # a failed provisioning saga an administrator can retry
    activity: list[ActivityRow] = []
    activity_actor: str = ""
    activity_action: str = ""
    offboard_open: bool = False
    offboard_typed: str = ""  # the name typed in the offboard dialog: the button waits for it
    confirming: str = ""  # the status change (CONFIRMED) whose confirm dialog is open
    offboard_errors: dict[str, str] = {}
    rename_errors: dict[str, str] = {}
    action_error: str = ""
    polling: bool = False
    runners: list[RunnerRow] = []
    installed: list[InstalledAppRow] = []
    runners_error: str = ""
    runners_loading: bool = False
    _change_mark: str = ""  # what poll_once last saw (workspaces.change_mark)

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    async def _refresh(self, *, remember: bool = False) -> None:
        """Reload the workspace; NotFound shows the not-found state (foreign or unknown id)."""
        try:
            view = await self._call(
                _detail_view, workspace_id=self._workspace_id(), remember=remember
            )
        except NotFound:
            self.found = False
            self.workspace = WorkspaceView()
            self.environments = []
            self.activity = []
            self.installed = []
            return
        detail, latest = view.detail, view.provisioning
        self.found = True
        self.workspace = WorkspaceView.of(detail)
        self.environments = [EnvironmentRow.of(env) for env in detail.environments]
        self.apps = [AppRow.of(app, detail.id) for app in detail.apps]
        self.app_count = detail.app_count
        self.provisioning_progress = latest.progress if latest else 100
        self.failed_provision_id = latest.id if latest and latest.can_retry else 0
        self.can_administer = detail.can_administer
        self.administrators = list(detail.administrators)
        self.provisioning_stuck = detail.provisioning_stuck
        self.coderunners_enabled = detail.coderunners_enabled

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        if name == INSTALLED:
            installed = await self._call(
                installations.list_installations,
                workspace_id=self._workspace_id(),
                cursor=cursor,
                limit=INSTALLED_PAGE_SIZE,
            )
            self.installed = [InstalledAppRow.of(row) for row in installed.items]
            return installed.next_cursor
        listed = await self._call(
            workspaces.list_activity,
            workspace_id=self._workspace_id(),
            actor_filter=self.activity_actor.strip() or None,
            # The feed shows words ("Workspace frozen"); the filter takes them or a code.
            action_filter=action_prefix(self.activity_action) or None,
            cursor=cursor,
            limit=ACTIVITY_PAGE_SIZE,
        )
        self.activity = [ActivityRow.of(event) for event in listed.items]
        return listed.next_cursor

    async def _reload(self) -> None:
        """After an action: the workspace and the newest activity again."""
        await self._refresh()
        if self.found:
            await self._first_page(ACTIVITY)

    @property
    def _provisioning(self) -> bool:
        """Still settling: an environment provisions, or the saga's last step (activating the
        workspace) has not run yet; stopping at the last ready environment would leave the
        page on "provisioning" for good. A saga that gave up (retry offered) is settled."""
        if self.failed_provision_id:
            return False
        return self.workspace.status == WorkspaceStatus.PROVISIONING or any(
            env.provisioning for env in self.environments
        )

    @rx.event
    async def load(self):
        self.action_error = ""
        self.offboard_open = False
        self.activity_actor = ""
        self.activity_action = ""
        self.runners = []
        self.runners_error = ""
        await self._refresh(remember=True)
        if not self.found:
            return None
        await self._first_page(ACTIVITY)
        await self._first_page(INSTALLED)
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
        self.runners = [RunnerRow.of(runner) for runner in listed.runners]
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
        on_page = self.router.url.path.rstrip("/") == routes.workspace_url(self.workspace.id)
        if not on_page:
            self.polling = False
            return
        if mark and mark == self._change_mark:
            return
        self._change_mark = mark
        await self._reload()
        if not self._provisioning:
            self.polling = False

    @rx.event
    async def filter_activity_by_actor(self, value: str):
        # The filter is kept only if the first page with it loads (Pager._first_page).
        await self._first_page(ACTIVITY, activity_actor=str(value)[:120])

    @rx.event
    async def filter_activity_by_action(self, value: str):
        await self._first_page(ACTIVITY, activity_action=str(value)[:64])

    async def _act(self, service_fn, **kwargs) -> bool:
        """Run one administrator action on the URL's workspace; a refusal shows in the page's
        banner (PermissionDenied, Frozen, ReadOnly, Invalid, NotFound)."""
        self.action_error = ""
        try:
            await self._call(service_fn, **kwargs)
        except PortalError as exc:
            self._show_error(exc, banner="action_error")
            return False
        await self._reload()
        return True

    @rx.event
    def ask(self, action: str):
        """Open the confirm dialog of freeze, unfreeze or restore; nothing runs yet."""
        self.confirming = action if action in CONFIRMED else ""

    @rx.event
    def set_confirming_open(self, value: bool):
        if not value:
            self.confirming = ""

    @rx.event
    async def confirm(self, action: str):
        """The confirm dialog's button: run the action it named (each service checks who may)."""
        self.confirming = ""
        handler = {"freeze": self.freeze, "unfreeze": self.unfreeze, "restore": self.restore}
        if action not in handler:
            return None
        return await handler[action]()

    @rx.event
    async def freeze(self):
        if await self._act(workspaces.freeze, workspace_id=self._workspace_id()):
            return rx.toast.success("Workspace frozen: writes are refused.", position="top-center")
        return None

    @rx.event
    async def unfreeze(self):
        if await self._act(workspaces.unfreeze, workspace_id=self._workspace_id()):
            return rx.toast.success("Workspace unfrozen.", position="top-center")
        return None

    @rx.event
    async def export(self):
        wid = self._workspace_id()
        if await self._act(exports.start_export, workspace_id=wid):
            return [
                rx.toast.success(
                    "Export started: follow it in the Process Log.", position="top-center"
                ),
                rx.redirect(routes.workspace_process_log_url(wid)),
            ]
        return None

    @rx.event
    async def retry_provisioning(self, process_id: int):
        try:
            pid = int(process_id)
        except (TypeError, ValueError):
            pid = 0  # the service answers NotFound, in the banner, like any unknown id
        if await self._act(processes.retry, process_id=pid):
            return WorkspaceDetailState.watch_provisioning
        return None

    @rx.event
    async def rename(self, form: dict):
        """A workspace write: refused while frozen or offboarding, like every other write."""
        self.rename_errors = {}
        try:
            await self._call(
                workspaces.rename_workspace,
                workspace_id=self._workspace_id(),
                name=str(form.get("name", "")),
            )
        except PortalError as exc:  # Invalid, Frozen, ReadOnly (offboarding), PermissionDenied
            return self._show_error(exc, fields="rename_errors", field="name")
        await self._reload()
        return [
            NavState.load_pick,
            rx.toast.success("Workspace renamed.", position="top-center"),
        ]

    @rx.event
    def set_offboard_open(self, value: bool):
        self.offboard_open = bool(value)
        self.offboard_errors = {}
        self.offboard_typed = ""

    @rx.event
    def type_offboard_name(self, value: str):
        self.offboard_typed = str(value)[:200]

    @rx.event
    async def offboard(self, form: dict):
        self.offboard_errors = {}
        try:
            await self._call(
                workspaces.offboard,
                workspace_id=self._workspace_id(),
                confirm_name=str(form.get("confirm_name", "")),
            )
        except PortalError as exc:  # Invalid (the typed name), PermissionDenied, Frozen, ...
            return self._show_error(exc, fields="offboard_errors", field="confirm_name")
        self.offboard_open = False
        await self._reload()
        return rx.toast.warning("Offboarding started.", position="top-center")

    @rx.event
    async def uninstall(self, installation_id: int):
        """Uninstall a developer app (installations.uninstall: administer on the URL's
        workspace, refused while it is frozen or offboarding)."""
        chosen = installation_id if type(installation_id) is int else 0
        name = next((row.name for row in self.installed if row.id == chosen), "The app")
        if not await self._act(
            installations.uninstall, workspace_id=self._workspace_id(), installation_id=chosen
        ):
            return None
        await self._reload_page(INSTALLED)
        if not self.installed and self.pager_page.get(INSTALLED, 1) > 1:
            await self._first_page(INSTALLED)
        return rx.toast.success(f"{name} is uninstalled.", position="top-center")

    @rx.event
    async def restore(self):
        if await self._act(workspaces.restore, workspace_id=self._workspace_id()):
            return rx.toast.success("Workspace restored.", position="top-center")
        return None


S = WorkspaceDetailState


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


def _fact(label: str, value) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"),
        value if isinstance(value, rx.Component) else rx.text(value, size="2"),
        spacing="1",
    )


def _banners() -> rx.Component:
    ws = S.workspace
    return rx.vstack(
        rx.cond(
            ws.status == WorkspaceStatus.FROZEN,
            rx.callout(
                rx.text(
                    "This workspace is frozen since ",
                    local_time(ws.frozen_at),
                    ": reads work, every write is refused until an administrator unfreezes it.",
                ),
                icon="snowflake",
                color_scheme="cyan",
                role="status",
                id="frozen-banner",
                width="100%",
            ),
        ),
        rx.cond(
            ws.status == WorkspaceStatus.OFFBOARDING,
            rx.callout(
                rx.text(
                    "Offboarding: read-only. It will be deleted for good on ",
                    local_time(ws.purge_after),
                    " (",
                    ws.days_left,
                    " days left). An administrator can restore it until then.",
                ),
                icon="timer",
                color_scheme="orange",
                role="status",
                id="offboarding-banner",
                width="100%",
            ),
        ),
        rx.cond(
            S.provisioning_stuck,
            rx.callout(
                rx.text(
                    "Provisioning has taken more than 10 minutes. Check the ",
                    rx.link("recent activity", href="#activity"),
                    " and the ",
                    rx.link("Process Log", href=ws.process_log_href),
                    "; contact support if it does not move.",
                ),
                icon="triangle-alert",
                color_scheme="amber",
                role="status",
                width="100%",
            ),
        ),
        rx.cond(
            S.action_error != "",
            rx.callout(
                S.action_error, icon="circle-alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        width="100%",
        spacing="2",
    )


def _actions_menu() -> rx.Component:
    ws = S.workspace
    admin_menu = rx.menu.root(
        rx.menu.trigger(
            rx.button(
                "Actions", rx.icon("chevron-down", size=14), variant="soft", id="workspace-actions"
            )
        ),
        rx.menu.content(
            rx.cond(
                ws.status == WorkspaceStatus.FROZEN,
                rx.menu.item(rx.icon("sun", size=14), "Unfreeze…", on_click=S.ask("unfreeze")),
                rx.menu.item(
                    rx.icon("snowflake", size=14),
                    "Freeze…",
                    on_click=S.ask("freeze"),
                    disabled=ws.status == WorkspaceStatus.OFFBOARDING,
                ),
            ),
            rx.menu.item(rx.icon("download", size=14), "Export", on_click=S.export),
            rx.menu.separator(),
            rx.cond(
                ws.status == WorkspaceStatus.OFFBOARDING,
                rx.menu.item(rx.icon("undo-2", size=14), "Restore…", on_click=S.ask("restore")),
                rx.menu.item(
                    rx.icon("trash-2", size=14),
                    "Offboard…",
                    color_scheme="red",
                    on_click=S.set_offboard_open(True),
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
        "administrator: " + S.administrators.join(", "),
    )
    return rx.cond(S.can_administer, admin_menu, no_permission)


def _offboard_dialog() -> rx.Component:
    ws = S.workspace
    return form_dialog(
        rx.el.label(
            rx.text("Type the workspace name to confirm: ", rx.text.strong(ws.name), size="2"),
            html_for="confirm_name",
        ),
        rx.input(
            id="confirm_name",
            name="confirm_name",
            value=S.offboard_typed,
            on_change=S.type_offboard_name,
            width="100%",
            auto_complete="off",
        ),
        field_error(S.offboard_errors, "confirm_name"),
        title=("Offboard ", ws.name, "?"),
        description="The workspace becomes read-only now and is deleted for good, with "
        "everything in it, when the hard-delete window ends. You can restore it until then. "
        "Coordinate with your team first.",
        confirm="Offboard workspace",
        on_submit=S.offboard,
        open=S.offboard_open,
        on_open_change=S.set_offboard_open,
        destructive=True,
        disabled=S.offboard_typed != ws.name,
    )


def _confirm_dialog() -> rx.Component:
    """Freeze, unfreeze and restore ask first, saying what will happen."""
    ws = S.workspace
    said = {
        "freeze": (
            "Freeze ",
            "Reads keep working; every write to the workspace (renames, exports, changes "
            "through the API) is refused until an administrator unfreezes it.",
            "Freeze workspace",
        ),
        "unfreeze": (
            "Unfreeze ",
            "Writes are accepted again, and the workspace goes back to the status it had "
            "before it was frozen.",
            "Unfreeze workspace",
        ),
        "restore": (
            "Restore ",
            "Offboarding stops: the workspace is no longer deleted when the hard-delete "
            "window ends, and goes back to the status it had before.",
            "Restore workspace",
        ),
    }
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(
                rx.match(S.confirming, *[(k, v[0]) for k, v in said.items()], ""), ws.name, "?"
            ),
            rx.alert_dialog.description(
                rx.match(S.confirming, *[(k, v[1]) for k, v in said.items()], ""), size="2"
            ),
            rx.match(
                S.confirming,
                *[
                    (k, dialog_footer(v[2], alert=True, on_confirm=S.confirm(k)))
                    for k, v in said.items()
                ],
                rx.fragment(),
            ),
            max_width="460px",
        ),
        open=S.confirming != "",
        on_open_change=S.set_confirming_open,
    )


def _environment(env) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(env.name, weight="bold"),
                rx.spacer(),
                status_badge(env.status),
                width="100%",
            ),
            rx.cond(
                env.provisioning,
                rx.hstack(
                    rx.spinner(size="1"), rx.text("Provisioning…", size="1", color_scheme="gray")
                ),
            ),
            rx.cond(
                env.ready_at != "",
                rx.text("Ready since ", local_time(env.ready_at), size="1", color_scheme="gray"),
            ),
            rx.cond(env.error != "", rx.text(env.error, size="1", color_scheme="red")),
            spacing="2",
            width="100%",
        ),
        class_name="environment-card",
        id="environment-" + env.name.to(str),
        width="100%",
    )


def _activity_empty() -> rx.Component:
    return rx.cond(
        (S.activity_actor != "") | (S.activity_action != ""),
        empty_state("search-x", "No activity matches", "Clear the actor and action filters."),
        empty_state("history", "No activity yet", "Changes to this workspace are recorded here."),
    )


def _activity() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Recent activity", size="4", as_="h2", id="activity"),
            rx.spacer(),
            rx.input(
                placeholder="Who, e.g. ana@example.com",
                value=S.activity_actor,
                on_change=S.filter_activity_by_actor.debounce(300),
                aria_label="Filter activity by actor",
                size="1",
                width=rx.breakpoints(initial="100%", sm="240px"),
            ),
            rx.input(
                placeholder="Action, e.g. workspace frozen",
                value=S.activity_action,
                on_change=S.filter_activity_by_action.debounce(300),
                aria_label="Filter activity by action",
                size="1",
                width=rx.breakpoints(initial="100%", sm="260px"),
            ),
            width="100%",
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        activity_table(S.activity, empty=_activity_empty(), pager_props=S.pager_props(ACTIVITY)),
        width="100%",
        spacing="2",
    )


RUNNER_COLUMNS = (
    Column("Runner", lambda r: r.name, row_header=True),
    Column("Status", lambda r: status_badge(r.status)),
    Column("Last seen", lambda r: local_time(r.last_seen_at, relative=True, empty="never")),
)


def _runners() -> rx.Component:
    return rx.cond(
        S.runners_loading,
        rx.card(
            rx.hstack(
                rx.spinner(size="1"), rx.text("Asking the coderunner integration…", size="2")
            ),
            width="100%",
        ),
        rx.cond(
            S.runners_error != "",
            rx.callout(S.runners_error, icon="plug-zap", color_scheme="amber", size="1"),
            data_table(
                S.runners,
                RUNNER_COLUMNS,
                label="Coderunners",
                empty=empty_state(
                    "cpu",
                    "No runners yet",
                    "No runners are registered for this workspace.",
                ),
                row_class="runner-row",
                size="1",
            ),
        ),
    )


def _header() -> rx.Component:
    ws = S.workspace
    return rx.flex(
        rx.hstack(
            rx.heading(ws.name, size="7", as_="h1"),
            status_badge(ws.status),
            align="center",
            spacing="3",
        ),
        rx.spacer(),
        rx.hstack(
            button_link(
                rx.icon("list-checks", size=14),
                "Process Log",
                href=ws.process_log_href,
                variant="soft",
                color_scheme="gray",
            ),
            _actions_menu(),
            spacing="2",
        ),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
    )


def _identity() -> rx.Component:
    ws = S.workspace
    return rx.card(
        rx.flex(
            _fact("Account", rx.link(ws.account_name, href=ws.account_href, size="2")),
            _copyable("Slug", ws.slug, "workspace-slug"),
            _copyable("Workspace ID", ws.id, "workspace-uuid"),
            _fact("Tenancy model", ws.tenancy_model),
            _fact("Region", ws.region),
            _fact("Created", rx.text(local_time(ws.created_at), size="2")),
            spacing="6",
            wrap="wrap",
            # A UUID is wider than a phone: let it wrap instead of widening the page.
            min_width="0",
            style={"overflow_wrap": "anywhere"},
        ),
        width="100%",
    )


def _environments() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Environments", size="4", as_="h2"),
            rx.cond(
                S.provisioning_progress < 100,
                rx.hstack(
                    rx.progress(
                        value=S.provisioning_progress,
                        max=100,
                        width="160px",
                        aria_label="Provisioning progress",
                    ),
                    rx.text(S.provisioning_progress, "%", size="1", color_scheme="gray"),
                    align="center",
                ),
            ),
            rx.spacer(),
            rx.cond(
                (S.failed_provision_id > 0) & S.can_administer,
                rx.button(
                    rx.icon("rotate-ccw", size=14),
                    "Retry provisioning",
                    size="1",
                    on_click=S.retry_provisioning(S.failed_provision_id),
                ),
            ),
            width="100%",
            align="center",
        ),
        rx.grid(
            rx.foreach(S.environments, _environment),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        spacing="3",
    )


def _read_only():
    """Frozen or offboarding: the service refuses every write, so the form says so first."""
    status = S.workspace.status
    return (status == WorkspaceStatus.FROZEN) | (status == WorkspaceStatus.OFFBOARDING)


def _locked(reason: str) -> rx.Component:
    return rx.text(
        rx.icon("lock", size=12, display="inline", margin_right="4px"),
        reason,
        size="2",
        color_scheme="gray",
        id="rename-locked",
        margin_top="var(--space-2)",
    )


def _settings() -> rx.Component:
    ws = S.workspace
    return rx.vstack(
        rx.heading("Settings", size="4", as_="h2"),
        rx.card(
            rx.form(
                rx.flex(
                    rx.vstack(
                        rx.el.label(
                            rx.text("Workspace name", size="2", weight="medium"),
                            html_for="workspace-name",
                        ),
                        rx.input(
                            id="workspace-name",
                            name="name",
                            default_value=ws.name,
                            width=rx.breakpoints(initial="100%", sm="320px"),
                            key=ws.name,
                            disabled=_read_only(),
                            aria_describedby=rx.cond(_read_only(), "rename-locked", ""),
                        ),
                        field_error(S.rename_errors, "name"),
                        spacing="1",
                        width=rx.breakpoints(initial="100%", sm="auto"),
                    ),
                    rx.button("Rename", type="submit", variant="soft", disabled=_read_only()),
                    align="end",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(
                    ws.status == WorkspaceStatus.FROZEN,
                    _locked("Frozen: renaming waits until an administrator unfreezes it."),
                ),
                rx.cond(
                    ws.status == WorkspaceStatus.OFFBOARDING,
                    _locked("Offboarding: read-only. Restore the workspace to rename it."),
                ),
                on_submit=S.rename,
            ),
            width="100%",
        ),
        width="100%",
    )


def _apps() -> rx.Component:
    return rx.card(
        rx.cond(
            S.apps.length() > 0,
            rx.vstack(
                rx.el.ul(
                    rx.foreach(
                        S.apps,
                        lambda app: rx.el.li(
                            rx.link(app.name, href=app.href),
                            app_state_badge(app.state),
                            class_name="pt-inline",
                        ),
                    ),
                    class_name="pt-checklist",
                    id="workspace-apps",
                ),
                rx.link(
                    "All ",
                    S.app_count,
                    " apps in the portfolio",
                    href=routes.APPS,
                    size="2",
                ),
                spacing="3",
            ),
            empty_state(
                "app-window",
                "No apps in this workspace yet",
                "Create one from Apps: each app has its own sign-in, organizations, end "
                "users and keys.",
            ),
        ),
        width="100%",
    )


def _installed_actions(row) -> rx.Component:
    """Change version and Uninstall, for administrators."""
    return rx.cond(
        S.can_administer,
        rx.el.div(change_version_button(row.id), _uninstall(row), class_name="pt-inline"),
    )


def _uninstall(row) -> rx.Component:
    return rx.cond(
        S.can_administer,
        confirm_dialog(
            rx.button("Uninstall", size="1", variant="soft", color_scheme="red"),
            title=("Uninstall ", row.name, " from ", S.workspace.name, "?"),
            description=(
                row.name,
                " loses access to ",
                S.workspace.name,
                " at once: its tokens stop working and it gets no more events. Installing it "
                "again needs an install link from its developer.",
            ),
            confirm="Uninstall app",
            on_confirm=S.uninstall(row.id),
            destructive=True,
        ),
    )


INSTALLED_COLUMNS = (
    Column("App", lambda r: r.name, row_header=True),
    Column("Version", lambda r: r.version),
    Column("Scopes", lambda r: r.scopes, nowrap=False),
    Column("Installed", lambda r: local_time(r.installed_at)),
    Column("", _installed_actions),
)


def _installed() -> rx.Component:
    return rx.vstack(
        rx.heading("Installed developer apps", size="3", as_="h3"),
        data_table(
            S.installed,
            INSTALLED_COLUMNS,
            label="Installed developer apps",
            empty=empty_state(
                "package",
                "No developer apps installed",
                "Install one from the app directory, or from an install link its developer "
                "sends you: a consent page shows what it asks for first.",
            ),
            footer=pager(**S.pager_props(INSTALLED), previous="Newer", next="Older"),
            row_class="installed-app-row",
            stack_on_phone=True,
        ),
        change_version_dialog(),
        width="100%",
        spacing="2",
        id="installed-apps",
    )


def _found() -> rx.Component:
    return rx.vstack(
        _header(),
        _banners(),
        _identity(),
        _environments(),
        rx.heading("Apps", size="4", as_="h2"),
        _apps(),
        _installed(),
        rx.cond(
            S.coderunners_enabled,
            rx.vstack(
                rx.heading("Coderunners", size="4", as_="h2"),
                _runners(),
                width="100%",
            ),
        ),
        rx.cond(S.can_administer, _settings()),
        _activity(),
        _offboard_dialog(),
        _confirm_dialog(),
        width="100%",
        spacing="4",
    )


def _not_found() -> rx.Component:
    return workspace_not_found("Check the link, or pick a workspace.")


@page(routes.WORKSPACE_DETAIL, on_load=[WorkspaceDetailState.load])
def workspace_detail() -> rx.Component:
    return rx.cond(WorkspaceDetailState.found, _found(), _not_found())
