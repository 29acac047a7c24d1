"""Process Log: every provisioning saga, export and purge run of the picked workspace.

Built from the shared pieces (see list_page.py): typed rows, service calls off the event loop
(`self._call`), the Pager, the data table for each process's steps, and local dates. While
something runs the page polls one cheap change check and reloads only when it moved.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

import reflex as rx
from reflex.config import get_config

from portal import routes
from portal.components.badges import status_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.empty_state import empty_state, no_workspace_to_open, workspace_not_found
from portal.components.forms import select
from portal.components.links import button_link, name_link
from portal.domain.errors import NotFound, PortalError
from portal.domain.processes import ProcessKind, ProcessPublic, ProcessStatus, ProcessStepPublic
from portal.layout import page
from portal.services import processes, workspaces
from portal.state.nav import NavState
from portal.state.pager import Pager
from portal.state.session import SessionState

KINDS = ("all", *ProcessKind)
RUNNING = (ProcessStatus.PENDING, ProcessStatus.RUNNING)
POLL_SECONDS = 2
LIST = "processes"  # the one paged list on this page


def _backend_url(path: str) -> str:
    """Downloads are served by the backend (its own port in development)."""
    return get_config().api_url.rstrip("/") + path


def _duration(process: ProcessPublic) -> str:
    if not process.started_at:
        return ""
    if process.finished_at is None:
        return "running"
    seconds = int((process.finished_at - process.started_at).total_seconds())
    return f"{seconds // 60}m {seconds % 60}s" if seconds >= 60 else f"{seconds}s"


@dataclass(frozen=True)
class StepRow:
    name: str
    status: str
    attempts: int
    started_at: str  # ISO 8601 UTC, "" until started
    finished_at: str
    error: str

    @classmethod
    def of(cls, step: ProcessStepPublic) -> StepRow:
        return cls(
            name=step.name,
            status=step.status,
            attempts=step.attempts,
            started_at=iso_utc(step.started_at),
            finished_at=iso_utc(step.finished_at),
            error=step.error or "",
        )


@dataclass(frozen=True)
class ProcessRow:
    id: int
    kind: str
    subject: str
    status: str
    running: bool
    can_retry: bool  # failed; shown to administrators only
    progress: int
    created_at: str  # ISO 8601 UTC
    duration: str
    error: str
    steps: list[StepRow]
    download: str  # the archive's URL, "" when there is none

    @classmethod
    def of(cls, process: ProcessPublic) -> ProcessRow:
        return cls(
            id=process.id,
            kind=process.kind,
            subject=process.subject,
            status=process.status,
            running=process.status in RUNNING,
            can_retry=process.can_retry,
            progress=process.progress,
            created_at=iso_utc(process.created_at),
            duration=_duration(process),
            error=process.error or "",
            steps=[StepRow.of(step) for step in process.steps],
            download=_backend_url(routes.export_download_url(process.id))
            if process.downloadable
            else "",
        )


@dataclass(frozen=True)
class LogHeader:
    id: str
    name: str
    can_administer: bool


def _header(*, session, actor, workspace_id: str) -> LogHeader:
    """The workspace the log belongs to (read on it), remembered as the person's pick."""
    detail = workspaces.get_workspace_detail(
        session=session, actor=actor, workspace_id=workspace_id
    )
    workspaces.remember_workspace(session=session, actor=actor, workspace_id=detail.id)
    return LogHeader(id=detail.id, name=detail.name, can_administer=detail.can_administer)


class ProcessLogState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST,)

    found: bool = True
    workspace_name: str = ""
    workspace_href: str = ""
    can_administer: bool = False
    kind_filter: str = "all"
    rows: list[ProcessRow] = []
    error: str = ""
    polling: bool = False
    _change_mark: str = ""  # what poll_once last saw (workspaces.change_mark)

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            processes.list_processes,
            workspace_id=self._workspace_id(),
            kind=None if self.kind_filter == "all" else self.kind_filter,
            cursor=cursor,
        )
        self.rows = [ProcessRow.of(p) for p in listed.items]
        return listed.next_cursor

    @property
    def _running(self) -> bool:
        return any(row.running for row in self.rows)

    def _watch_if_running(self) -> list:
        return [ProcessLogState.watch] if self._running and not self.polling else []

    @rx.event
    async def load(self):
        self.error = ""
        self.kind_filter = "all"
        self._change_mark = ""
        try:
            header = await self._call(_header, workspace_id=self._workspace_id())
        except NotFound:
            self.found = False
            self.rows = []
            return None
        self.found = True
        self.workspace_name = header.name
        self.workspace_href = routes.workspace_url(header.id)
        self.can_administer = header.can_administer
        await self._first_page(LIST)
        return self._watch_if_running()

    @rx.event
    async def refresh(self):
        """The Refresh button: the page shown, again."""
        await self._reload_page(LIST)
        if not self._running:
            self.polling = False

    @rx.event
    async def poll_once(self):
        """One tick of live progress: a cheap change check (one small query); the page
        reloads only when it moved. Stops the timer off the page or when nothing runs."""
        try:
            mark = await self._call(workspaces.change_mark, workspace_id=self._workspace_id())
        except NotFound:
            self.polling = False
            return
        if self.router.url.path.rstrip("/") != routes.workspace_process_log_url(
            self._workspace_id()
        ):
            self.polling = False
            return
        if mark == self._change_mark:
            return
        self._change_mark = mark
        await self._reload_page(LIST)
        if not self._running:
            self.polling = False

    @rx.event(background=True)
    async def watch(self):
        """While something runs, ask poll_once every few seconds (a timer; poll_once checks
        the session)."""
        async with self:
            if self.polling:
                return
            self.polling = True
        for _ in range(900):  # 30 minutes at most
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                if not self.polling:
                    return
            yield ProcessLogState.poll_once
        async with self:
            self.polling = False

    @rx.event
    async def filter_by_kind(self, value: str):
        await self._first_page(LIST, kind_filter=value if value in KINDS else "all")
        return self._watch_if_running()

    @rx.event
    async def retry(self, process_id: int):
        self.error = ""
        try:
            pid = int(process_id)
        except (TypeError, ValueError):
            pid = 0  # NotFound from the service, like any unknown id
        try:
            await self._call(processes.retry, process_id=pid)
        except PortalError as exc:  # NotFound, PermissionDenied, Invalid (not failed)
            return self._show_error(exc, banner="error")
        await self._reload_page(LIST)
        return [
            rx.toast.success("Retrying from the failed step.", position="top-center"),
            ProcessLogState.watch,
        ]


class PickedProcessLogState(NavState):
    """/process-log: send the person to the picked workspace's Process Log."""

    @rx.event
    async def open_picked(self):
        picked = await self._call(workspaces.workspace_to_open)
        if picked:
            return rx.redirect(routes.workspace_process_log_url(picked), replace=True)
        return None


STEP_COLUMNS = (
    Column("Step", lambda s: s.name, row_header=True),
    Column("Status", lambda s: status_badge(s.status)),
    Column("Attempts", lambda s: s.attempts, align="right"),
    Column("Started", lambda s: local_time(s.started_at, seconds=True)),
    Column("Finished", lambda s: local_time(s.finished_at, seconds=True)),
    Column("Error", lambda s: rx.text(s.error, color_scheme="red", size="1"), nowrap=False),
)


def _process(row) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.badge(row.kind, variant="outline"),
                rx.text(row.subject, weight="bold"),
                status_badge(row.status),
                rx.spacer(),
                rx.text(
                    local_time(row.created_at, seconds=True),
                    " · ",
                    row.duration,
                    size="1",
                    color_scheme="gray",
                ),
                width="100%",
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.progress(value=row.progress, max=100, width="100%", aria_label="Progress"),
            rx.cond(
                row.error != "",
                rx.callout(row.error, icon="circle-alert", color_scheme="red", size="1"),
            ),
            data_table(
                row.steps,
                STEP_COLUMNS,
                label="Steps",
                empty=rx.text("No steps recorded.", size="2", color_scheme="gray"),
                size="1",
            ),
            rx.hstack(
                rx.cond(
                    row.can_retry & ProcessLogState.can_administer,
                    rx.button(
                        rx.icon("rotate-ccw", size=14),
                        "Retry",
                        size="1",
                        on_click=ProcessLogState.retry(row.id),
                    ),
                ),
                rx.cond(
                    row.download != "",
                    button_link(
                        rx.icon("download", size=14),
                        "Download archive",
                        href=row.download,
                        is_external=True,
                        size="1",
                        variant="soft",
                    ),
                ),
                spacing="2",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        class_name="process-card",
        custom_attrs={"data-kind": row.kind},
    )


def _empty() -> rx.Component:
    return rx.cond(
        ProcessLogState.kind_filter != "all",
        empty_state("search-x", "No process of this kind", "Choose the kind all to see every one."),
        empty_state(
            "list-checks",
            "No processes yet",
            "Provisioning, exports and purges of this workspace appear here.",
        ),
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.text(
            "Sagas, exports and purges of ",
            name_link(ProcessLogState.workspace_name, ProcessLogState.workspace_href),
            size="2",
            color_scheme="gray",
        ),
        rx.spacer(),
        rx.hstack(
            select(
                list(KINDS),
                label="Filter by kind",
                value=ProcessLogState.kind_filter,
                on_change=ProcessLogState.filter_by_kind,
            ),
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Refresh",
                variant="soft",
                on_click=ProcessLogState.refresh,
            ),
            spacing="2",
        ),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
    )


@page(routes.WORKSPACE_PROCESS_LOG, on_load=[ProcessLogState.load])
def workspace_process_log() -> rx.Component:
    return rx.cond(
        ProcessLogState.found,
        rx.vstack(
            _toolbar(),
            rx.cond(
                ProcessLogState.error != "",
                rx.callout(
                    ProcessLogState.error, icon="circle-alert", color_scheme="red", role="alert"
                ),
            ),
            rx.cond(
                ProcessLogState.rows.length() > 0,
                rx.vstack(
                    rx.foreach(ProcessLogState.rows, _process),
                    rx.card(
                        pager(**ProcessLogState.pager_props(LIST), previous="Newer", next="Older"),
                        width="100%",
                    ),
                    width="100%",
                    spacing="3",
                ),
                rx.card(_empty(), width="100%"),
            ),
            width="100%",
            spacing="3",
        ),
        workspace_not_found(),
    )


@page(routes.PROCESS_LOG, on_load=[PickedProcessLogState.open_picked])
def picked_process_log() -> rx.Component:
    return no_workspace_to_open("The Process Log shows the processes of one workspace.")
