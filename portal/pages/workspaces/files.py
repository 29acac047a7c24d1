"""Files: the picked workspace's documents by folder (a path's prefix), searched by name, with
upload (drag and drop or the file chooser, several at once, a progress bar each), download
through the session, earlier versions, rename (move) and delete.

Built like the Process Log (process_log.py): typed rows, service calls through `self._call`,
the Pager (the folder's files, a file's versions), the data table, local dates. Writes are
shown to administrators only, disabled with a sentence on a frozen or offboarding workspace;
the services refuse them anyway (MANAGE_FILES).

An upload reaches `upload` through Reflex's /_upload endpoint, which spools each file to disk
as it arrives (api/upload_limit.py lets this handler's bodies be PORTAL_FILES_MAX_MB a file).
The handler copies each one, a chunk at a time, into the file store (files.Upload) off the
event loop, and only then makes it the path's next version: no file is held whole in memory
and no transaction stays open while bytes are copied. The browser refuses a file over the
limit before sending anything (the dropzone's max_size); the service refuses it again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

import reflex as rx
from reflex.utils.format import format_event_handler
from reflex.vars import Var

from portal import routes
from portal.api import upload_limit
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import confirm_dialog, form_dialog
from portal.components.empty_state import empty_state, no_workspace_to_open, workspace_not_found
from portal.components.forms import field_error, form_message
from portal.components.links import name_link
from portal.domain.errors import Invalid, NotFound, PortalError
from portal.domain.files import NAME_FILTER_MAX, FilePublic, FileVersionPublic, check_prefix
from portal.domain.workspaces import WorkspaceStatus
from portal.layout import page
from portal.services import files, workspaces
from portal.state.backend_urls import backend_url
from portal.state.nav import NavState
from portal.state.pager import Pager
from portal.state.session import SessionState

LIST = "files"  # the paged lists on this page
VERSIONS = "versions"
UPLOAD_ID = "workspace-files"
MAX_FILES_PER_UPLOAD = 20
# What the handler copies into the store at a time.
COPY_CHUNK = 1024 * 1024
# Room for the multipart framing around each file (boundary, headers, its name).
FRAMING_PER_FILE = 64 * 1024
TOAST = {"position": "top-center"}


def human_size(size: int) -> str:
    """1 536 -> "1.5 KB": bytes in the units a person reads (powers of 1024)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            if unit == "bytes":
                return "1 byte" if size == 1 else f"{size} bytes"
            return f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TB"  # pragma: no cover - the loop returns at GB


def _kind(content_type: str) -> str:
    """The type without its parameters: "text/plain; charset=utf-8" -> "text/plain"."""
    return content_type.split(";", 1)[0]


@dataclass(frozen=True)
class EntryRow:
    """One row of the folder view: a folder (click to enter) or a file."""

    path: str
    name: str
    is_folder: bool = False
    folder: str = ""  # the file's folder, shown under its name when searching below here
    size: str = ""
    content_type: str = ""
    updated_by: str = ""
    updated_at: str = ""  # ISO 8601 UTC
    versions: int = 0
    download: str = ""  # the current version's URL on the backend

    @classmethod
    def of_folder(cls, prefix: str) -> EntryRow:
        return cls(path=prefix, name=prefix.rstrip("/").rpartition("/")[2], is_folder=True)

    @classmethod
    def of(cls, workspace_id: str, item: FilePublic, shown_folder: str) -> EntryRow:
        return cls(
            path=item.path,
            name=item.name,
            folder=item.folder if item.folder != shown_folder else "",
            size=human_size(item.size),
            content_type=_kind(item.content_type),
            updated_by=item.updated_by,
            updated_at=iso_utc(item.updated_at),
            versions=item.versions,
            download=backend_url(routes.file_download_url(workspace_id, item.path)),
        )


@dataclass(frozen=True)
class VersionRow:
    version: int
    size: str
    content_type: str
    created_by: str
    created_at: str  # ISO 8601 UTC
    current: bool
    download: str

    @classmethod
    def of(cls, workspace_id: str, item: FileVersionPublic) -> VersionRow:
        return cls(
            version=item.version,
            size=human_size(item.size),
            content_type=_kind(item.content_type),
            created_by=item.created_by,
            created_at=iso_utc(item.created_at),
            current=item.current,
            download=backend_url(
                routes.file_download_url(workspace_id, item.path, version=item.version)
            ),
        )


@dataclass(frozen=True)
class Crumb:
    label: str
    prefix: str


@dataclass(frozen=True)
class UploadRow:
    """One file of the upload under way: its bar, then what became of it."""

    name: str
    size: str
    progress: int  # 0 to 100
    status: str  # "sending", "saving", "done", "refused"
    message: str = ""


@dataclass(frozen=True)
class FilesHeader:
    id: str
    name: str
    can_administer: bool
    status: str


def _header(*, session, actor, workspace_id: str) -> FilesHeader:
    """The workspace the files belong to (read on it), remembered as the person's pick."""
    detail = workspaces.get_workspace_detail(
        session=session, actor=actor, workspace_id=workspace_id
    )
    workspaces.remember_workspace(session=session, actor=actor, workspace_id=detail.id)
    return FilesHeader(
        id=detail.id,
        name=detail.name,
        can_administer=detail.can_administer,
        status=detail.status,
    )


def _copy(target: files.UploadTarget, source: BinaryIO) -> files.StoredContent:
    """The spooled upload into the store, a chunk at a time (in a worker thread)."""
    upload = files.Upload(target)
    try:
        while chunk := source.read(COPY_CHUNK):
            upload.write(chunk)
        return upload.finish()
    except BaseException:
        upload.abort()
        raise


def _crumbs(prefix: str) -> list[Crumb]:
    parts = [part for part in prefix.split("/") if part]
    return [Crumb("All files", "")] + [
        Crumb(part, "/".join(parts[: i + 1]) + "/") for i, part in enumerate(parts)
    ]


def _read_only_reason(header: FilesHeader) -> str:
    if header.status == WorkspaceStatus.FROZEN:
        return (
            f"{header.name} is frozen: files can be listed and downloaded, but uploading, "
            "renaming and deleting are refused until an administrator unfreezes it."
        )
    if header.status == WorkspaceStatus.OFFBOARDING:
        return (
            f"{header.name} is being offboarded and is read-only: files can be listed and "
            "downloaded, not changed."
        )
    if not header.can_administer:
        return (
            "You can list and download these files. Uploading, renaming and deleting need "
            "administer on this workspace."
        )
    return ""


class FilesState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (LIST, VERSIONS)

    found: bool = True
    workspace_name: str = ""
    workspace_href: str = ""
    can_administer: bool = False  # write controls shown (disabled while frozen)
    can_write: bool = False  # administer, and the workspace takes writes
    read_only_reason: str = ""  # why there are no write controls ("" when there are)
    max_bytes: int = 0  # PORTAL_FILES_MAX_MB, for the browser's own check
    max_label: str = ""
    prefix: str = ""  # the folder shown ("" = the top)
    search: str = ""
    crumbs: list[Crumb] = []
    folders: list[EntryRow] = []
    rows: list[EntryRow] = []
    error: str = ""
    # The upload under way (or just finished), one row a file.
    uploads: list[UploadRow] = []
    uploading: bool = False
    upload_error: str = ""
    _upload_sizes: list[int] = []  # what the browser said each file weighs (for the bars)
    # A file's versions, in a dialog.
    versions_open: bool = False
    versions_path: str = ""
    versions: list[VersionRow] = []
    # Rename (move) and delete: the file they act on, and what they say.
    rename_open: bool = False
    rename_path: str = ""
    rename_errors: dict[str, str] = {}
    delete_open: bool = False
    delete_path: str = ""
    delete_versions: int = 0
    _workspace: str = ""  # the workspace's id, as the load found it

    def _workspace_id(self) -> str:
        return self.router._page.params.get("workspace_uuid", "")

    @rx.var
    def entries(self) -> list[EntryRow]:
        """What the table shows: the folder's subfolders (first page only), then its files."""
        if self.search or self.pager_page.get(LIST, 1) > 1:
            return self.rows
        return self.folders + self.rows

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        wid = self._workspace_id()
        if name == VERSIONS:
            listed = await self._call(
                files.list_versions, workspace_id=wid, path=self.versions_path, cursor=cursor
            )
            self.versions = [VersionRow.of(wid, v) for v in listed.items]
            return listed.next_cursor
        listed = await self._call(
            files.list_files,
            workspace_id=wid,
            prefix=self.prefix,
            name=self.search or None,
            cursor=cursor,
            # Searching looks in the subfolders too; a folder view shows its own files.
            subfolders=bool(self.search),
        )
        self.rows = [EntryRow.of(wid, item, self.prefix) for item in listed.items]
        return listed.next_cursor

    async def _show_folder(self) -> None:
        """The folder's subfolders and first page of files, and its breadcrumbs."""
        wid = self._workspace_id()
        folders = await self._call(files.list_folders, workspace_id=wid, prefix=self.prefix)
        await self._first_page(LIST)
        self.folders = [EntryRow.of_folder(prefix) for prefix in folders]
        self.crumbs = _crumbs(self.prefix)

    @rx.event
    async def load(self):
        self.error = ""
        self.upload_error = ""
        self.uploads = []
        self.prefix = ""
        self.search = ""
        self.versions_open = self.rename_open = self.delete_open = False
        try:
            header = await self._call(_header, workspace_id=self._workspace_id())
        except NotFound:
            self.found = False
            self.rows = []
            self.folders = []
            return
        self.found = True
        self.workspace_name = header.name
        self.workspace_href = routes.workspace_url(header.id)
        self.read_only_reason = _read_only_reason(header)
        self.can_administer = header.can_administer
        self.can_write = self.read_only_reason == ""
        self.max_bytes = files.max_bytes()
        self.max_label = human_size(self.max_bytes)
        await self._show_folder()

    @rx.event
    async def open_folder(self, prefix: str):
        """Enter a folder (a breadcrumb or a folder row); a path the service refuses shows
        why in the banner and the page stays where it was."""
        before = self.prefix, self.search
        self.error = ""
        try:
            self.prefix = check_prefix(str(prefix)[:400])
            if self.prefix and not self.prefix.endswith("/"):
                raise Invalid("Give a folder, ending with /.", field="prefix")
            self.search = ""
            await self._show_folder()
        except PortalError as exc:
            self.prefix, self.search = before
            return self._show_error(exc, banner="error")
        return None

    @rx.event
    async def search_files(self, term: str):
        """Search by name in this folder and below it (as the person types)."""
        self.error = ""
        try:
            await self._first_page(LIST, search=str(term)[:NAME_FILTER_MAX].strip())
        except PortalError as exc:
            return self._show_error(exc, banner="error")
        return None

    # Upload -------------------------------------------------------------------------------

    @rx.event
    async def queue_uploads(self, chosen: list[dict[str, Any]]):
        """The dropped or chosen files (name and size, as the browser reports them), shown
        with an empty bar each while they are sent. Display only: `upload` reads the real
        files; touches no data."""
        await self._check_session()
        self.upload_error = ""
        shown, sizes = [], []
        for item in list(chosen)[:MAX_FILES_PER_UPLOAD]:
            info = item if isinstance(item, dict) else {}
            size = info.get("size")
            size = size if type(size) is int and size >= 0 else 0
            shown.append(UploadRow(str(info.get("name", ""))[:200], human_size(size), 0, "sending"))
            sizes.append(size)
        self.uploads, self._upload_sizes = shown, sizes
        self.uploading = bool(shown)

    @rx.event
    def upload_progress(self, progress: dict[str, Any]):
        """The browser's upload progress (bytes sent of the whole request): each file's bar,
        the files being sent one after another. Display only; touches no data."""
        sizes = self._upload_sizes
        loaded, total = progress.get("loaded"), progress.get("total")
        if not sizes or not isinstance(loaded, int | float) or not isinstance(total, int | float):
            return
        # The request is the files plus a little framing: scale what was sent to the files.
        sent = loaded * sum(sizes) / total if total > 0 else 0
        rows, start = [], 0
        for row, size in zip(self.uploads, sizes, strict=False):
            if row.status != "sending":
                rows.append(row)
            else:
                part = 1.0 if size == 0 else (sent - start) / size
                rows.append(
                    UploadRow(row.name, row.size, int(max(0.0, min(1.0, part)) * 100), "sending")
                )
            start += size
        self.uploads = rows

    def _mark(self, index: int, status: str, message: str = "") -> None:
        rows = list(self.uploads)
        if index < len(rows):
            row = rows[index]
            rows[index] = UploadRow(row.name, row.size, 100, status, message)
            self.uploads = rows

    @rx.event
    async def upload(self, files_: list[rx.UploadFile]):
        """Store each uploaded file in the folder shown: start_upload checks MANAGE_FILES
        and the size the client declared, the content is copied into the store, and
        record_upload makes it the path's next version (a new file, or a new version of the
        one at that path)."""
        await self._check_session()  # before anything is read from the upload
        if not files_:
            self.uploading = False
            return
        wid = self._workspace_id()
        if len(self.uploads) != len(files_):  # the browser did not queue them: show them now
            self.uploads = [
                UploadRow(str(f.name or "file")[:200], human_size(f.size or 0), 100, "sending")
                for f in files_
            ]
        saved = 0
        for index, upload in enumerate(files_[:MAX_FILES_PER_UPLOAD]):
            self._mark(index, "saving")
            yield
            path = self.prefix + (upload.name or "")
            try:
                target = await self._call(
                    files.start_upload, workspace_id=wid, path=path, size=upload.size
                )
                content = await asyncio.to_thread(_copy, target, upload.file)
                try:
                    await self._call(
                        files.record_upload, workspace_id=wid, path=path, content=content
                    )
                except BaseException:
                    files.discard(content)  # kept by no version (a rollback deletes it too)
                    raise
            except PortalError as exc:
                self._show_error(exc, banner="upload_error")  # Unauthenticated: raised
                self._mark(index, "refused", exc.message)
                continue
            saved += 1
            self._mark(index, "done")
        for index in range(MAX_FILES_PER_UPLOAD, len(files_)):
            self._mark(index, "refused", f"At most {MAX_FILES_PER_UPLOAD} files at a time.")
        self.uploading = False
        if saved == len(files_):
            self.upload_error = ""
        elif len(files_) > 1:
            self.upload_error = "Some files were not uploaded: see why beside each."
        try:
            await self._show_folder()
        except PortalError as exc:  # the workspace went (or was never readable)
            self._show_error(exc, banner="error")
        if saved:
            yield rx.toast.success(f"Uploaded {saved} file{'' if saved == 1 else 's'}.", **TOAST)

    @rx.event
    def refuse_files(self, rejected: list[dict[str, Any]]):
        """The browser's own check refused files (too large, too many): say which and why
        before anything is sent. The server checks again whatever reaches it."""
        names = []
        for item in list(rejected)[:5]:
            info = item.get("file") if isinstance(item, dict) else None
            names.append(
                str(info.get("path") or info.get("name") or "") if isinstance(info, dict) else ""
            )
        named = ", ".join(name.lstrip("./") for name in names if name)
        too_many = any(
            isinstance(item, dict)
            and any(
                isinstance(e, dict) and e.get("code") == "too-many-files"
                for e in item.get("errors") or []
            )
            for item in rejected
        )
        self.upload_error = (
            f"Choose at most {MAX_FILES_PER_UPLOAD} files at a time."
            if too_many
            else f"Not uploaded{f' ({named})' if named else ''}: a file may be at most "
            f"{self.max_label}."
        )

    @rx.event
    def clear_uploads(self):
        """Hide the finished upload's rows; touches no data."""
        if not self.uploading:
            self.uploads = []
            self.upload_error = ""

    # Versions, rename, delete ---------------------------------------------------------------

    @rx.event
    async def open_versions(self, path: str):
        try:
            # The path is kept only if its versions load (else restored).
            await self._first_page(VERSIONS, versions_path=str(path)[:400])
        except PortalError as exc:
            return self._show_error(exc)
        self.versions_open = True
        return None

    @rx.event
    def set_versions_open(self, value: bool):
        self.versions_open = bool(value)

    @rx.event
    def ask_rename(self, path: str):
        """Open the rename dialog for a file shown here; touches no data (rename checks)."""
        self.rename_path = str(path)[:400]
        self.rename_errors = {}
        self.rename_open = True

    @rx.event
    def set_rename_open(self, value: bool):
        self.rename_open = bool(value)
        if not value:
            self.rename_errors = {}

    @rx.event
    async def rename(self, form: dict[str, Any]):
        """Move the file to the typed path (folders and all); a clash or a bad path shows
        at the field and the dialog stays open."""
        self.rename_errors = {}
        new_path = str(form.get("new_path", ""))
        try:
            moved = await self._call(
                files.rename_file,
                workspace_id=self._workspace_id(),
                path=self.rename_path,
                new_path=new_path.strip(),
            )
        except PortalError as exc:
            return self._show_error(exc, fields="rename_errors", field="new_path")
        self.rename_open = False
        await self._show_folder()
        return rx.toast.success(f"Renamed to {moved.path}.", **TOAST)

    @rx.event
    def ask_delete(self, path: str):
        """Open the delete question for a file shown here (what it deletes: the file and
        its versions, as the list counted them); touches no data."""
        self.delete_path = str(path)[:400]
        shown = next((row for row in self.rows if row.path == self.delete_path), None)
        self.delete_versions = shown.versions if shown else 0
        self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    async def delete(self):
        self.delete_open = False
        try:
            await self._call(
                files.delete_file, workspace_id=self._workspace_id(), path=self.delete_path
            )
        except PortalError as exc:
            return self._show_error(exc, banner="error")
        await self._show_folder()
        return rx.toast.success(f"Deleted {self.delete_path}.", **TOAST)


class PickedFilesState(NavState):
    """/files: send the person to the picked workspace's Files."""

    @rx.event
    async def open_picked(self):
        picked = await self._call(workspaces.workspace_to_open)
        if picked:
            return rx.redirect(routes.workspace_files_url(picked), replace=True)
        return None


def _upload_body_max() -> int:
    return MAX_FILES_PER_UPLOAD * (files.max_bytes() + FRAMING_PER_FILE)


# Reflex's /_upload takes an icon's size unless told otherwise: this handler takes files.
upload_limit.allow(format_event_handler(FilesState.upload), _upload_body_max)


# The page -----------------------------------------------------------------------------------

_S = FilesState
# The dropped files as {name, size}: what queue_uploads shows while they are sent. `_ev_0` is
# the dropzone's first argument (the accepted files) in the on_drop chain.
_DROPPED = Var(_js_expr="_ev_0.map((f) => ({name: f.name, size: f.size}))", _var_type=list[dict])


def _name_file_input(component: rx.Component, label: str) -> rx.Component:
    """Give the dropzone's hidden file input a name for screen readers (rx.upload makes it
    with only its type)."""
    for child in component.children:
        if getattr(child, "tag", None) == "input":
            child.custom_attrs = {**child.custom_attrs, "aria-label": label}
        else:
            _name_file_input(child, label)
    return component


def _dropzone() -> rx.Component:
    zone = rx.upload.root(
        rx.el.div(
            rx.icon("upload", size=20),
            rx.text("Drop files here, or ", rx.el.u("choose files"), size="2"),
            rx.text(
                "Up to ",
                MAX_FILES_PER_UPLOAD,
                " at a time, at most ",
                _S.max_label,
                " each, into ",
                rx.cond(_S.prefix != "", _S.prefix, "the top folder"),
                ". A file with the same name becomes a new version.",
                size="1",
                color_scheme="gray",
            ),
            class_name="pt-stack-tight",
            style={"align_items": "center", "text_align": "center"},
        ),
        id=UPLOAD_ID,
        multiple=True,
        max_files=MAX_FILES_PER_UPLOAD,
        max_size=_S.max_bytes,
        disabled=_S.uploading | ~_S.can_write,
        on_drop=[
            _S.queue_uploads(_DROPPED),
            _S.upload(rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=_S.upload_progress)),
        ],
        on_drop_rejected=_S.refuse_files,
        style={
            "border": "1px dashed var(--gray-a8)",
            "border_radius": "var(--radius-3)",
            "padding": "var(--space-4)",
            "cursor": "pointer",
            "width": "100%",
        },
    )
    return _name_file_input(zone, "Files to upload")


def _upload_row(row: Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.text(row.name, size="2", weight="medium", class_name="pt-break"),
            rx.text(row.size, size="1", color_scheme="gray"),
            rx.spacer(),
            rx.match(
                row.status,
                ("done", rx.badge("Uploaded", color_scheme="green")),
                ("refused", rx.badge("Not uploaded", color_scheme="red")),
                ("saving", rx.badge("Saving", color_scheme="blue")),
                rx.badge(row.progress.to_string() + "%", color_scheme="gray"),
            ),
            align="center",
            spacing="2",
            wrap="wrap",
            width="100%",
        ),
        rx.progress(
            value=row.progress,
            max=100,
            width="100%",
            color_scheme=rx.cond(row.status == "refused", "red", "accent"),
            aria_label="Upload progress of " + row.name,
        ),
        rx.cond(row.message != "", rx.text(row.message, size="1", color_scheme="red")),
        class_name="pt-stack-tight upload-row",
        custom_attrs={"data-status": row.status},
    )


def _upload_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            _dropzone(),
            form_message(_S.upload_error),
            rx.cond(
                _S.uploads.length() > 0,
                rx.vstack(
                    rx.el.ul(
                        rx.foreach(_S.uploads, _upload_row),
                        class_name="pt-stack",
                        style={"list_style": "none", "padding": 0, "margin": 0},
                        aria_label="Uploads",
                    ),
                    rx.button(
                        "Clear",
                        variant="soft",
                        color_scheme="gray",
                        size="1",
                        on_click=_S.clear_uploads,
                        disabled=_S.uploading,
                    ),
                    spacing="2",
                    width="100%",
                    align="end",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _crumb(crumb: Var) -> rx.Component:
    return rx.el.li(
        rx.cond(
            crumb.prefix == _S.prefix,
            rx.text(crumb.label, size="2", weight="bold", custom_attrs={"aria-current": "page"}),
            rx.el.button(
                crumb.label,
                type="button",
                on_click=_S.open_folder(crumb.prefix),
                class_name="rt-reset rt-BaseButton rt-r-size-1 rt-variant-ghost rt-Button",
                custom_attrs={"data-accent-color": ""},
            ),
        ),
        rx.cond(crumb.prefix != _S.prefix, rx.text("/", size="2", color_scheme="gray")),
        class_name="pt-inline",
    )


def _breadcrumbs() -> rx.Component:
    return rx.el.nav(
        rx.el.ol(
            rx.foreach(_S.crumbs, _crumb),
            class_name="pt-inline pt-wrap-inline",
            style={"list_style": "none", "padding": 0, "margin": 0},
        ),
        aria_label="Folder",
    )


def _name_cell(row: Var) -> rx.Component:
    return rx.cond(
        row.is_folder,
        rx.el.button(
            rx.icon("folder", size=16),
            row.name,
            type="button",
            on_click=_S.open_folder(row.path),
            class_name="rt-reset rt-BaseButton rt-r-size-2 rt-variant-ghost rt-Button",
            custom_attrs={"data-accent-color": ""},
            aria_label="Open folder " + row.name,
        ),
        rx.el.div(
            rx.el.span(
                rx.icon("file", size=16, color=rx.color("gray", 10)),
                rx.el.span(row.name),
                class_name="pt-inline",
            ),
            rx.cond(row.folder != "", rx.text("in ", row.folder, size="1", color_scheme="gray")),
            class_name="pt-stack-tight",
        ),
    )


def _action(icon: str, label: Var, hint: str, **props) -> rx.Component:
    """An icon button with its name for readers and a hint on hover: four of them fit beside
    the columns on a laptop's width, where four worded buttons made the table scroll."""
    return rx.tooltip(
        rx.icon_button(rx.icon(icon, size=14), size="1", variant="soft", aria_label=label, **props),
        content=hint,
    )


def _actions(row: Var) -> rx.Component:
    return rx.cond(
        row.is_folder,
        rx.fragment(),
        rx.flex(
            rx.tooltip(
                rx.el.a(
                    rx.icon("download", size=14),
                    href=row.download,
                    # A new tab, as the export archive's link: the app's router would
                    # otherwise take a same-origin link for a page of its own.
                    target="_blank",
                    rel="noopener",
                    class_name="rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-IconButton",
                    custom_attrs={"data-accent-color": ""},
                    aria_label="Download " + row.name,
                ),
                content="Download",
            ),
            _action(
                "history",
                "Versions of " + row.name,
                "Versions",
                color_scheme="gray",
                on_click=_S.open_versions(row.path),
            ),
            rx.cond(
                _S.can_administer,
                rx.fragment(
                    _action(
                        "pencil",
                        "Rename " + row.name,
                        "Rename or move",
                        color_scheme="gray",
                        on_click=_S.ask_rename(row.path),
                        disabled=~_S.can_write,
                    ),
                    _action(
                        "trash-2",
                        "Delete " + row.name,
                        "Delete",
                        color_scheme="red",
                        on_click=_S.ask_delete(row.path),
                        disabled=~_S.can_write,
                    ),
                ),
            ),
            spacing="2",
            wrap="nowrap",
        ),
    )


def _dash(row: Var, value: Var) -> rx.Component:
    return rx.cond(row.is_folder, rx.text("—", as_="span", color_scheme="gray"), rx.el.span(value))


COLUMNS = (
    Column("Name", _name_cell, row_header=True, nowrap=False),
    Column("Size", lambda r: _dash(r, r.size), align="right"),
    Column("Type", lambda r: _dash(r, r.content_type)),
    Column("Uploaded by", lambda r: _dash(r, r.updated_by)),
    Column("When", lambda r: rx.cond(r.is_folder, rx.fragment(), local_time(r.updated_at))),
    Column("Versions", lambda r: _dash(r, r.versions), align="right"),
    Column("", _actions),
)

VERSION_COLUMNS = (
    Column(
        "Version",
        lambda v: rx.el.span(
            "v",
            v.version,
            rx.cond(v.current, rx.badge("current", color_scheme="green", margin_left="6px")),
        ),
        row_header=True,
    ),
    Column("Size", lambda v: v.size, align="right"),
    Column("Type", lambda v: v.content_type),
    Column("Uploaded by", lambda v: v.created_by),
    Column("When", lambda v: local_time(v.created_at)),
    Column(
        "",
        lambda v: rx.el.a(
            rx.icon("download", size=14),
            "Download",
            href=v.download,
            target="_blank",
            rel="noopener",
            class_name="rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button",
            custom_attrs={"data-accent-color": ""},
            aria_label=rx.Var.create("Download version ") + v.version.to_string(),
        ),
    ),
)


def _empty() -> rx.Component:
    return rx.cond(
        _S.search != "",
        empty_state("search-x", "No file matches", "Search for another part of a name."),
        rx.cond(
            _S.prefix != "",
            empty_state("folder-open", "This folder is empty", "Its files were moved or deleted."),
            rx.cond(
                _S.can_write,
                empty_state(
                    "folder-up",
                    "No files yet",
                    "Drop files on the box above, or choose them, to upload them here. "
                    "Name a folder in a file's path (Rename) to sort files into folders.",
                ),
                empty_state(
                    "folder",
                    "No files yet",
                    "An administrator of this workspace can upload files here.",
                ),
            ),
        ),
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.text(
            "Documents of ",
            name_link(_S.workspace_name, _S.workspace_href),
            size="2",
            color_scheme="gray",
        ),
        rx.spacer(),
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search by name",
            value=_S.search,
            on_change=_S.search_files.debounce(300),
            aria_label="Search files by name",
            max_length=NAME_FILTER_MAX,
            type="search",
        ),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
    )


def _versions_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Versions of ", _S.versions_path),
            rx.dialog.description(
                "Every version stays downloadable until the file is deleted.",
                size="2",
                margin_bottom="var(--space-3)",
            ),
            data_table(
                _S.versions,
                VERSION_COLUMNS,
                label="Versions",
                empty=rx.text("No versions.", size="2", color_scheme="gray"),
                footer=pager(**_S.pager_props(VERSIONS), previous="Newer", next="Older"),
                size="1",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                justify="end",
                padding_top="var(--space-3)",
            ),
            max_width="720px",
        ),
        open=_S.versions_open,
        on_open_change=_S.set_versions_open,
    )


def _rename_dialog() -> rx.Component:
    return form_dialog(
        rx.el.label(rx.text("New path", size="2", weight="medium"), html_for="new_path"),
        rx.input(
            id="new_path",
            name="new_path",
            default_value=_S.rename_path,
            required=True,
            size="3",
            width="100%",
            auto_complete="off",
        ),
        rx.text(
            "Folders and the name, separated by /, e.g. reports/2026/q1.pdf.",
            size="1",
            color_scheme="gray",
        ),
        field_error(_S.rename_errors, "new_path"),
        title=("Rename ", _S.rename_path),
        description="The file moves with all its versions; its old path stops working.",
        confirm="Rename file",
        on_submit=_S.rename,
        open=_S.rename_open,
        on_open_change=_S.set_rename_open,
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        None,
        title=("Delete ", _S.delete_path, "?"),
        description=(
            "This deletes the file and all ",
            _S.delete_versions,
            " of its versions, with their content. It cannot be undone.",
        ),
        confirm="Delete file",
        on_confirm=_S.delete,
        destructive=True,
        open=_S.delete_open,
        on_open_change=_S.set_delete_open,
    )


@page(routes.WORKSPACE_FILES, on_load=[FilesState.load])
def workspace_files() -> rx.Component:
    return rx.cond(
        _S.found,
        rx.vstack(
            _toolbar(),
            rx.cond(
                _S.read_only_reason != "",
                rx.callout(_S.read_only_reason, icon="info", width="100%", role="status"),
            ),
            rx.cond(_S.can_administer, _upload_section()),
            rx.cond(
                _S.error != "",
                rx.callout(_S.error, icon="circle-alert", color_scheme="red", role="alert"),
            ),
            _breadcrumbs(),
            data_table(
                _S.entries,
                COLUMNS,
                label="Files",
                empty=_empty(),
                footer=pager(**_S.pager_props(LIST)),
                row_class="file-row",
                stack_on_phone=True,
            ),
            _versions_dialog(),
            _rename_dialog(),
            _delete_dialog(),
            width="100%",
            spacing="3",
        ),
        workspace_not_found(),
    )


@page(routes.FILES, on_load=[PickedFilesState.open_picked])
def picked_files() -> rx.Component:
    return no_workspace_to_open("Files belong to one workspace.")
