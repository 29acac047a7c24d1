"""Process Log: every provisioning saga, export and purge run of the picked workspace."""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex.config import get_config

from portal import routes
from portal.components.badges import status_badge
from portal.components.empty_state import empty_state
from portal.components.format import when
from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.layout import page
from portal.services import processes, workspaces
from portal.state.nav import NavState
from portal.state.session import SessionState

KINDS = ("all", "provision", "export", "purge")
POLL_SECONDS = 2


def _backend_url(path: str) -> str:
    """Downloads are served by the backend (its own port in development)."""
    return get_config().api_url.rstrip("/") + path


def _when(value) -> str:
    return when(value, seconds=True)


def _duration(process) -> str:
    if not process.started_at:
        return ""
    end = process.finished_at
    if end is None:
        return "running"
    seconds = int((end - process.started_at).total_seconds())
    return f"{seconds // 60}m {seconds % 60}s" if seconds >= 60 else f"{seconds}s"


class ProcessLogState(SessionState):
    found: bool = True
    workspace_name: str = ""
    workspace_href: str = ""
    can_administer: bool = False
    kind_filter: str = "all"
    rows: list[dict] = []
    has_next: bool = False
    page_number: int = 1
    error: str = ""
    polling: bool = False
    _cursors: list[str] = []
    _next: str = ""

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    def _fetch(self, cursor: str) -> None:
        try:
            with self._acting() as (session, actor):
                detail = workspaces.get_workspace_detail(
                    session=session, actor=actor, workspace_id=self._workspace_id()
                )
                listed = processes.list_processes(
                    session=session,
                    actor=actor,
                    workspace_id=self._workspace_id(),
                    kind=None if self.kind_filter == "all" else self.kind_filter,
                    cursor=cursor or None,
                )
        except NotFound:
            self.found = False
            return
        self.found = True
        self.workspace_name = detail.name
        self.workspace_href = routes.workspace_url(detail.id)
        self.can_administer = detail.can_administer
        self.rows = [
            {
                "id": str(p.id),
                "kind": p.kind,
                "subject": p.subject,
                "status": p.status,
                "progress": p.progress,
                "created_at": _when(p.created_at),
                "duration": _duration(p),
                "error": p.error or "",
                "steps": [
                    {
                        "name": step.name,
                        "status": step.status,
                        "attempts": str(step.attempts),
                        "started_at": _when(step.started_at),
                        "finished_at": _when(step.finished_at),
                        "error": step.error or "",
                    }
                    for step in p.steps
                ],
                "download": _backend_url(routes.export_download_url(p.id))
                if p.downloadable
                else "",
            }
            for p in listed.items
        ]
        self._next = listed.next_cursor or ""
        self.has_next = bool(listed.next_cursor)

    @rx.event
    def load(self):
        self.error = ""
        self._cursors = [""]
        self.page_number = 1
        self._fetch("")
        if self.found:
            with self._acting() as (session, actor):
                workspaces.remember_workspace(
                    session=session, actor=actor, workspace_id=self._workspace_id()
                )
            events = []
            if self._running and not self.polling:
                events.append(ProcessLogState.watch)
            return events
        return None

    @rx.event
    def refresh(self):
        self._require_session()
        self._fetch(self._cursors[-1] if self._cursors else "")
        if not self._running:
            self.polling = False

    @property
    def _running(self) -> bool:
        return any(row["status"] in ("pending", "running") for row in self.rows)

    @rx.event(background=True)
    async def watch(self):
        """While something runs, refresh every few seconds (a timer; refresh checks the
        session)."""
        async with self:
            if self.polling:
                return
            self.polling = True
        for _ in range(900):
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                if not self.polling:
                    return
            yield ProcessLogState.refresh
        async with self:
            self.polling = False

    @rx.event
    def filter_by_kind(self, value: str):
        self._require_session()
        self.kind_filter = value if value in KINDS else "all"
        self._cursors = [""]
        self.page_number = 1
        self._fetch("")

    @rx.event
    def next_page(self):
        self._require_session()
        if self._next:
            self._cursors = [*self._cursors, self._next]
            self.page_number = len(self._cursors)
            self._fetch(self._next)

    @rx.event
    def previous_page(self):
        self._require_session()
        if len(self._cursors) > 1:
            self._cursors = self._cursors[:-1]
            self.page_number = len(self._cursors)
            self._fetch(self._cursors[-1])

    @rx.event
    def retry(self, process_id: int):
        try:
            with self._acting() as (session, actor):
                processes.retry(session=session, actor=actor, process_id=int(process_id))
        except (NotFound, PermissionDenied, Invalid) as exc:
            self.error = exc.message
            return None
        self.error = ""
        self._fetch(self._cursors[-1] if self._cursors else "")
        return [
            rx.toast.success("Retrying from the failed step.", position="top-center"),
            ProcessLogState.watch,
        ]


class PickedProcessLogState(NavState):
    """/process-log: send the person to the picked workspace's Process Log."""

    @rx.event
    def open_picked(self):
        with self._acting() as (session, actor):
            picked = workspaces.last_workspace(session=session, actor=actor)
        if picked:
            return rx.redirect(routes.workspace_process_log_url(picked), replace=True)
        return None


def _step(step) -> rx.Component:
    return rx.table.row(
        rx.table.cell(step["name"]),
        rx.table.cell(status_badge(step["status"])),
        rx.table.cell(step["attempts"]),
        rx.table.cell(step["started_at"], white_space="nowrap"),
        rx.table.cell(step["finished_at"], white_space="nowrap"),
        rx.table.cell(rx.text(step["error"], color_scheme="red", size="1")),
    )


def _process(row) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(row["kind"], variant="outline"),
                rx.text(row["subject"], weight="bold"),
                status_badge(row["status"]),
                rx.spacer(),
                rx.text(row["created_at"], size="1", color_scheme="gray"),
                rx.text(row["duration"], size="1", color_scheme="gray"),
                width="100%",
                align="center",
            ),
            rx.progress(
                value=row["progress"].to(int), max=100, width="100%", aria_label="Progress"
            ),
            rx.cond(
                row["error"] != "",
                rx.callout(row["error"], icon="circle-alert", color_scheme="red", size="1"),
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Step"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell("Attempts"),
                        rx.table.column_header_cell("Started"),
                        rx.table.column_header_cell("Finished"),
                        rx.table.column_header_cell("Error"),
                    )
                ),
                rx.table.body(rx.foreach(row["steps"].to(list[dict[str, str]]), _step)),
                size="1",
                width="100%",
            ),
            rx.hstack(
                rx.cond(
                    (row["status"] == "failed") & ProcessLogState.can_administer,
                    rx.button(
                        rx.icon("rotate-ccw", size=14),
                        "Retry",
                        size="1",
                        on_click=ProcessLogState.retry(row["id"].to(int)),
                    ),
                ),
                rx.cond(
                    row["download"] != "",
                    rx.link(
                        rx.button(
                            rx.icon("download", size=14),
                            "Download archive",
                            size="1",
                            variant="soft",
                        ),
                        href=row["download"],
                        is_external=True,
                    ),
                ),
                spacing="2",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="process-card",
        custom_attrs={"data-kind": row["kind"]},
    )


@page(routes.WORKSPACE_PROCESS_LOG, on_load=[ProcessLogState.load])
def workspace_process_log() -> rx.Component:
    return rx.cond(
        ProcessLogState.found,
        rx.vstack(
            rx.hstack(
                rx.text("Sagas, exports and purges of ", size="2", color_scheme="gray"),
                rx.link(
                    ProcessLogState.workspace_name, href=ProcessLogState.workspace_href, size="2"
                ),
                rx.spacer(),
                rx.select(
                    list(KINDS),
                    value=ProcessLogState.kind_filter,
                    on_change=ProcessLogState.filter_by_kind,
                    aria_label="Filter by kind",
                ),
                rx.button(
                    rx.icon("refresh-cw", size=14),
                    "Refresh",
                    variant="soft",
                    on_click=ProcessLogState.refresh,
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                ProcessLogState.error != "",
                rx.callout(ProcessLogState.error, icon="circle-alert", color_scheme="red"),
            ),
            rx.cond(
                ProcessLogState.rows.length() > 0,
                rx.foreach(ProcessLogState.rows, _process),
                empty_state(
                    "list-checks",
                    "No processes yet",
                    "Provisioning, exports and purges of this workspace appear here.",
                ),
            ),
            rx.hstack(
                rx.spacer(),
                rx.button(
                    "Newer",
                    size="1",
                    variant="soft",
                    on_click=ProcessLogState.previous_page,
                    disabled=ProcessLogState.page_number <= 1,
                ),
                rx.button(
                    "Older",
                    size="1",
                    variant="soft",
                    on_click=ProcessLogState.next_page,
                    disabled=~ProcessLogState.has_next,
                ),
                width="100%",
            ),
            width="100%",
            spacing="3",
        ),
        empty_state(
            "search-x",
            "Workspace not found",
            "It does not exist, or you cannot read it.",
            rx.link(rx.button("All workspaces", variant="soft"), href=routes.WORKSPACES),
        ),
    )


@page(routes.PROCESS_LOG, on_load=[PickedProcessLogState.open_picked])
def picked_process_log() -> rx.Component:
    return empty_state(
        "boxes",
        "Pick a workspace",
        "The Process Log shows the processes of one workspace. You have no workspace yet: "
        "create one, or ask an account administrator to add you.",
        rx.link(rx.button("Go to Workspaces", variant="soft"), href=routes.WORKSPACES),
    )
