"""Files: a workspace's documents by path, versioned, their bytes in the file store.

Listing and downloading need read on the workspace (VIEW_WORKSPACE), and work while it is
frozen; uploading, renaming and deleting need MANAGE_FILES (administer; refused while frozen
or offboarding) and are audited (file.uploaded, file.renamed, file.deleted). Someone who
cannot read the workspace gets NotFound, as everywhere.

An upload streams: `start_upload` checks who may write where, an `Upload` takes the content
chunk by chunk (hashing it, counting it against PORTAL_FILES_MAX_MB, reading its type from
its first bytes, writing it to the store, never holding it whole), and `record_upload` makes
it the path's next version in a second, short transaction, so no database transaction stays
open while bytes arrive. `upload_file` does all three in one call, for content at hand.

Stored bytes follow their rows: bytes of a version whose row is deleted are deleted once the
transaction commits (not before: a rollback keeps the rows, so it must keep the bytes), and
bytes written for a version whose transaction rolls back are deleted then.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, event, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.db import lock_row_for_write
from portal.domain.access import Action, Actor, ActorKind
from portal.domain.errors import Conflict, Invalid, NotFound
from portal.domain.files import (
    LINK_SECONDS_DEFAULT,
    LINK_SECONDS_MAX,
    NAME_FILTER_MAX,
    SNIFF_BYTES,
    FileDownload,
    FileLink,
    FilePublic,
    FileVersionPublic,
    check_path,
    check_prefix,
    folder_of,
    name_of,
    sniff,
)
from portal.domain.paging import Page
from portal.models import FileVersion, User, Workspace, WorkspaceFile
from portal.models._base import utcnow
from portal.services import audit, keyset, permissions
from portal.services.file_storage import BlobWriter, Storage, get_storage
from portal.services.keyset import Key

log = logging.getLogger("portal.files")

LINK_PATH = "/v1/file-links/{token}"

_F = WorkspaceFile.__table__.c
_V = FileVersion.__table__.c

FilePage = Page[FilePublic]
FileVersionPage = Page[FileVersionPublic]

# A workspace's files in path order; the prefix and name filters are bound parameters (a LIKE
# pattern, "%" when not filtering), so the statement is built once.
_BY_PATH = keyset.Keyset("files", sorts={"path": Key(_F.path, str)}, tiebreak=Key(_F.id, int))
_VERSION_COUNT = (
    core_select(func.count(_V.id)).where(_V.file_id == _F.id).scalar_subquery().label("versions")
)
_IN_WORKSPACE = core_select(WorkspaceFile, _VERSION_COUNT).where(
    _F.workspace_id == bindparam("workspace_id", type_=_F.workspace_id.type),
    _F.path.like(bindparam("prefix"), escape="/"),
    func.lower(_F.name).like(bindparam("name"), escape="/"),
)
# Only the files directly in the folder: none whose path goes on past another "/".
_IN_FOLDER = _IN_WORKSPACE.where(~_F.path.like(bindparam("nested"), escape="/"))
_VERSIONS = keyset.Keyset("file-versions", sorts={"newest": None}, tiebreak=Key(_V.id, int))
_VERSIONS_QUERY = select(FileVersion).where(_V.file_id == bindparam("file_id"))


class TooLarge(Invalid):
    """Content over PORTAL_FILES_MAX_MB (the API answers 413)."""


def max_bytes() -> int:
    return get_settings().files_max_mb * 1024 * 1024


def too_large_message(size: int | None = None) -> str:
    limit = get_settings().files_max_mb
    if size is None:
        return f"The file is larger than {limit} MB: a file may be at most {limit} MB."
    return f"The file is {size / 1024 / 1024:,.1f} MB: a file may be at most {limit} MB."


def _like_escaped(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


# Bytes follow their rows ----------------------------------------------------------------------
# Kept on the session (session.info): what to delete from the store when its transaction
# commits (rows deleted) or rolls back (bytes written for rows that are not kept).

_ON_COMMIT = "portal.files.delete_on_commit"
_ON_ROLLBACK = "portal.files.delete_on_rollback"


def _delete_later(session: Session, storage: Storage, keys: list[str], *, on: str) -> None:
    session.info.setdefault(on, []).append((storage, list(keys)))


def _run(session: Session, which: str) -> None:
    pending = session.info.pop(which, [])
    session.info.pop(_ON_ROLLBACK if which == _ON_COMMIT else _ON_COMMIT, None)
    for storage, keys in pending:
        try:
            storage.delete(keys)
        except Exception:  # noqa: BLE001 - the change stands; the bytes are only orphaned
            log.exception(
                "could not delete %d stored file(s) from the %s store", len(keys), storage.name
            )


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    _run(session, _ON_COMMIT)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    _run(session, _ON_ROLLBACK)


# Reading --------------------------------------------------------------------------------------


def _public(row: WorkspaceFile, versions: int) -> FilePublic:
    return FilePublic(
        path=row.path,
        name=row.name,
        folder=folder_of(row.path),
        version=row.version,
        versions=versions,
        size=row.size,
        content_type=row.content_type,
        sha256=row.sha256,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _count_versions(session: Session, row: WorkspaceFile) -> int:
    return session.exec(
        select(func.count(col(FileVersion.id))).where(FileVersion.file_id == row.id)
    ).one()


def _find(session: Session, workspace: Workspace, path: str) -> WorkspaceFile | None:
    return session.exec(
        select(WorkspaceFile).where(
            WorkspaceFile.workspace_id == workspace.id, WorkspaceFile.path == path
        )
    ).first()


def _existing(session: Session, workspace: Workspace, path: str) -> WorkspaceFile:
    found = _find(session, workspace, path)
    if found is None:
        raise NotFound(f"There is no file {path}.")
    return found


def _version(session: Session, row: WorkspaceFile, number: int | None) -> FileVersion:
    wanted = row.version if number is None else number
    found = None
    if type(wanted) is int and 0 < wanted < 2**31:
        found = session.exec(
            select(FileVersion).where(FileVersion.file_id == row.id, FileVersion.version == wanted)
        ).first()
    if found is None:
        raise NotFound(f"{row.path} has no version {number}.")
    return found


def list_files(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    prefix: str | None = None,
    name: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    subfolders: bool = True,
) -> Page[FilePublic]:
    """The workspace's files in path order: those under `prefix` (a folder such as
    "reports/", or the start of a path) whose name contains `name` (any case); with
    `subfolders=False`, only those directly in the folder (what a folder view lists)."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    start = check_prefix(prefix)
    term = (name or "").strip().lower()
    if len(term) > NAME_FILTER_MAX:
        raise Invalid(f"Search for at most {NAME_FILTER_MAX} characters.", field="name")
    params = {
        "workspace_id": workspace.id,
        "prefix": f"{_like_escaped(start)}%",
        "name": f"%{_like_escaped(term)}%",
    }
    if not subfolders:
        params["nested"] = f"{_like_escaped(start)}%//%"  # "//": a literal / (escape="/")
    page = _BY_PATH.page(
        session,
        _IN_WORKSPACE if subfolders else _IN_FOLDER,
        sort="path",
        direction="asc",
        limit=limit,
        cursor=cursor,
        params=params,
    )
    return FilePage(
        items=[_public(row[0], row[1]) for row in page.rows], next_cursor=page.next_cursor
    )


def list_folders(
    *, session: Session, actor: Actor, workspace_id: str, prefix: str | None = None
) -> list[str]:
    """The folders directly under `prefix` ("" is the top), e.g. ["reports/2026/"]: what a
    folder view shows above its files. At most 200, in name order."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    start = check_prefix(prefix)
    if start and not start.endswith("/"):
        raise Invalid("Give a folder, ending with /.", field="prefix")
    # The next path part of every file below the prefix that has a "/" after it.
    rest = func.substr(_F.path, len(start) + 1)
    slash = (
        func.instr(rest, "/")
        if session.get_bind().dialect.name == "sqlite"
        else func.strpos(rest, "/")
    )
    part = func.substr(rest, 1, slash)
    rows = session.execute(
        core_select(part.label("folder"))
        .where(
            _F.workspace_id == workspace.id,
            _F.path.like(f"{_like_escaped(start)}%", escape="/"),
            slash > 0,
        )
        .group_by(part)
        .order_by(part)
        .limit(200)
    ).all()
    return [start + folder for (folder,) in rows]


def get_file(*, session: Session, actor: Actor, workspace_id: str, path: str) -> FilePublic:
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    row = _existing(session, workspace, check_path(path))
    return _public(row, _count_versions(session, row))


def list_versions(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    path: str,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[FileVersionPublic]:
    """A file's versions, newest first; each stays downloadable until the file is deleted."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    row = _existing(session, workspace, check_path(path))
    page = _VERSIONS.page(
        session,
        _VERSIONS_QUERY,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"file_id": row.id},
    )
    items = [
        FileVersionPublic(
            path=row.path,
            version=version.version,
            size=version.size,
            content_type=version.content_type,
            sha256=version.sha256,
            created_at=version.created_at,
            created_by=version.created_by,
            current=version.version == row.version,
        )
        for (version, *_rest) in page.rows
    ]
    return FileVersionPage(items=items, next_cursor=page.next_cursor)


def _download(row: WorkspaceFile, version: FileVersion) -> FileDownload:
    return FileDownload(
        path=row.path,
        name=row.name,
        version=version.version,
        size=version.size,
        content_type=version.content_type,
        sha256=version.sha256,
        stored_as=version.stored_as,
    )


def download(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    path: str,
    version: int | None = None,
) -> FileDownload:
    """What to stream for the file's current version (or `version`); `read_content` streams
    it. Allowed while the workspace is frozen."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    row = _existing(session, workspace, check_path(path))
    return _download(row, _version(session, row, version))


def read_content(found: FileDownload, *, storage: Storage | None = None) -> Iterator[bytes]:
    """The bytes of a download, chunk by chunk, from the store (no transaction needed)."""
    return (storage or get_storage()).read(found.stored_as)


# Uploading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload may go, checked: the workspace and the path."""

    workspace_id: uuid.UUID
    path: str
    max_bytes: int


@dataclass(frozen=True)
class StoredContent:
    """Content now in the store, not yet any file's version."""

    stored_as: str
    size: int
    sha256: str
    content_type: str


@dataclass
class Upload:
    """Receives an upload's content chunk by chunk, into the store: `write` each chunk,
    then `finish` (or `abort` on any failure)."""

    target: UploadTarget
    storage: Storage | None = None  # default: the configured store
    size: int = 0

    def __post_init__(self) -> None:
        self.storage = self.storage or get_storage()
        self.stored_as = f"{self.target.workspace_id}/{uuid.uuid4().hex}"
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._writer: BlobWriter | None = self.storage.writer(self.stored_as)

    def write(self, chunk: bytes) -> None:
        if self._writer is None:
            raise RuntimeError("the upload is finished")
        self.size += len(chunk)
        if self.size > self.target.max_bytes:
            self.abort()
            raise TooLarge(too_large_message(), field="file")
        self._hash.update(chunk)
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
        self._writer.write(chunk)

    def finish(self) -> StoredContent:
        if self._writer is None:
            raise RuntimeError("the upload is finished")
        writer, self._writer = self._writer, None
        try:
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        return StoredContent(
            stored_as=self.stored_as,
            size=self.size,
            sha256=self._hash.hexdigest(),
            content_type=sniff(bytes(self._head)),
        )

    def abort(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.abort()


def start_upload(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    path: str | None,
    size: int | None = None,
) -> UploadTarget:
    """Check that the actor may upload to `path` (None: not known yet, as when a form sends
    the file before its path; record_upload checks it) and, if the client declared it, that
    `size` is within the limit, before any byte is read."""
    workspace = permissions.require(session, actor, Action.MANAGE_FILES, workspace_id)
    checked = check_path(path) if path is not None else ""
    limit = max_bytes()
    if size is not None and size > limit:
        raise TooLarge(too_large_message(size), field="file")
    return UploadTarget(workspace_id=workspace.id, path=checked, max_bytes=limit)


def discard(content: StoredContent, *, storage: Storage | None = None) -> None:
    """Delete content that did not become a version (a refused or replayed request)."""
    (storage or get_storage()).delete([content.stored_as])


def record_upload(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    path: str,
    content: StoredContent,
    storage: Storage | None = None,
) -> FilePublic:
    """Make stored content the next version of the file at `path` (a new file if there is
    none). If this transaction does not commit, the content is deleted."""
    _delete_later(session, storage or get_storage(), [content.stored_as], on=_ON_ROLLBACK)
    workspace = permissions.require(session, actor, Action.MANAGE_FILES, workspace_id)
    checked = check_path(path)
    if not content.stored_as.startswith(f"{workspace.id}/"):
        raise Invalid("The content was uploaded for another workspace.", field="file")
    _lock_files(session, workspace)
    row = _find(session, workspace, checked)
    now = utcnow()
    before = None
    if row is None:
        row = WorkspaceFile(
            workspace_id=workspace.id,
            path=checked,
            name=name_of(checked),
            version=1,
            size=content.size,
            content_type=content.content_type,
            sha256=content.sha256,
            created_at=now,
        )
    else:
        before = _facts(row)
        row.version += 1
    row.size, row.content_type, row.sha256 = content.size, content.content_type, content.sha256
    row.updated_at, row.updated_by = now, actor.email
    session.add(row)
    session.flush()
    session.add(
        FileVersion(
            file_id=row.id,
            version=row.version,
            size=content.size,
            content_type=content.content_type,
            sha256=content.sha256,
            stored_as=content.stored_as,
            created_at=now,
            created_by=actor.email,
        )
    )
    session.flush()
    _record(session, actor, workspace, "file.uploaded", row, before=before, after=_facts(row))
    return _public(row, _count_versions(session, row))


def upload_file(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    path: str,
    chunks: Iterable[bytes],
    storage: Storage | None = None,
) -> FilePublic:
    """Upload content at hand (a spooled upload, a test's bytes) in one call."""
    store = storage or get_storage()
    target = start_upload(session=session, actor=actor, workspace_id=workspace_id, path=path)
    upload = Upload(target, storage=store)
    try:
        for chunk in chunks:
            upload.write(chunk)
        content = upload.finish()
    except BaseException:
        upload.abort()
        raise
    return record_upload(
        session=session,
        actor=actor,
        workspace_id=workspace_id,
        path=target.path,
        content=content,
        storage=store,
    )


# Renaming and deleting ------------------------------------------------------------------------


def _lock_files(session: Session, workspace: Workspace) -> None:
    """One writer of a workspace's files at a time (two uploads to one path would both take
    the same next version), then the workspace as it is now: frozen meanwhile refuses."""
    lock_row_for_write(session, Workspace, workspace.id, key_share=True)
    session.refresh(workspace)
    permissions.require_writable(workspace)


def _facts(row: WorkspaceFile) -> dict[str, Any]:
    return {
        "path": row.path,
        "version": row.version,
        "size": row.size,
        "content_type": row.content_type,
        "sha256": row.sha256,
    }


def _record(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    action: str,
    row: WorkspaceFile,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="file",
        target_id=row.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        before=before,
        after=after,
    )


def rename_file(
    *, session: Session, actor: Actor, workspace_id: str, path: str, new_path: str
) -> FilePublic:
    """Move the file (with its versions) to `new_path`, which must be free."""
    workspace = permissions.require(session, actor, Action.MANAGE_FILES, workspace_id)
    source = check_path(path)
    target = check_path(new_path, field="new_path")
    _lock_files(session, workspace)
    row = _existing(session, workspace, source)
    if target == source:
        raise Invalid("Give the file a new path.", field="new_path")
    if _find(session, workspace, target) is not None:
        raise Conflict(f"There is already a file at {target}.", field="new_path")
    row.path, row.name = target, name_of(target)
    row.updated_at, row.updated_by = utcnow(), actor.email
    session.add(row)
    session.flush()
    _record(
        session,
        actor,
        workspace,
        "file.renamed",
        row,
        before={"path": source},
        after={"path": target},
    )
    return _public(row, _count_versions(session, row))


def delete_file(*, session: Session, actor: Actor, workspace_id: str, path: str) -> None:
    """Delete the file and every version of it; their bytes go once this commits."""
    workspace = permissions.require(session, actor, Action.MANAGE_FILES, workspace_id)
    checked = check_path(path)
    _lock_files(session, workspace)
    row = _existing(session, workspace, checked)
    keys = list(session.exec(select(FileVersion.stored_as).where(FileVersion.file_id == row.id)))
    _record(
        session, actor, workspace, "file.deleted", row, before=_facts(row) | {"versions": len(keys)}
    )
    session.execute(delete(FileVersion).where(_V.file_id == row.id))
    session.execute(delete(WorkspaceFile).where(_F.id == row.id))
    session.expunge(row)
    _delete_later(session, get_storage(), keys, on=_ON_COMMIT)


def delete_workspace_content(workspace_id: uuid.UUID) -> int:
    """Delete every stored byte of the workspace's files (the purge, once its rows are gone)."""
    return get_storage().delete_prefix(f"{workspace_id}/")


def delete_workspace_content_on_commit(session: Session, workspace_id: uuid.UUID) -> None:
    """delete_workspace_content once `session`'s transaction commits."""
    session.info.setdefault(_PURGES, []).append(workspace_id)


_PURGES = "portal.files.purge_on_commit"


@event.listens_for(Session, "after_commit")
def _purge_after_commit(session: Session) -> None:
    for workspace_id in session.info.pop(_PURGES, []):
        try:
            delete_workspace_content(workspace_id)
        except Exception:  # noqa: BLE001 - the purge stands; the bytes are only orphaned
            log.exception("could not delete the stored files of workspace %s", workspace_id)


@event.listens_for(Session, "after_rollback")
def _no_purge_after_rollback(session: Session) -> None:
    session.info.pop(_PURGES, None)


# Signed download links ------------------------------------------------------------------------
# "<version id>.<expiry, unix seconds>.<user id>.<signature>", the signature an HMAC-SHA256
# under a key derived from PORTAL_SECRET_KEY. A link downloads one version while it has not
# expired, the version still exists, and whoever made it can still read the workspace.


def _link_key() -> bytes:
    secret = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(secret, b"portal file links v1", hashlib.sha256).digest()


def _signature(message: str) -> str:
    digest = hmac.new(_link_key(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def create_link(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    path: str,
    version: int | None = None,
    expires_in: int = LINK_SECONDS_DEFAULT,
) -> FileLink:
    """A link that downloads the file's current version (or `version`) without a token,
    for `expires_in` seconds (at most LINK_SECONDS_MAX)."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    if type(expires_in) is not int or not 1 <= expires_in <= LINK_SECONDS_MAX:
        raise Invalid(f"A link may work for 1 to {LINK_SECONDS_MAX} seconds.", field="expires_in")
    if actor.kind is ActorKind.INSTALLATION:
        raise NotFound(f"There is no file {path}.")  # links carry a person; an app has none
    row = _existing(session, workspace, check_path(path))
    found = _version(session, row, version)
    expires_at = (utcnow() + timedelta(seconds=expires_in)).replace(microsecond=0)
    message = f"{found.id}.{int(expires_at.timestamp())}.{actor.user_id}"
    token = f"{message}.{_signature(message)}"
    return FileLink(url=LINK_PATH.format(token=token), expires_at=expires_at)


def download_by_link(*, session: Session, token: str) -> FileDownload:
    """What a signed link downloads; NotFound for a link that is forged, expired, or whose
    version is gone or whose maker can no longer read the workspace (alike, on purpose)."""
    gone = NotFound("This link is not valid or has expired.")
    parts = token.split(".") if isinstance(token, str) and len(token) <= 200 else []
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts[:3]):
        raise gone
    message = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3].encode(), _signature(message).encode()):
        raise gone
    version_id, expiry, user_id = (int(p) for p in parts[:3])
    if datetime.fromtimestamp(expiry, UTC) <= utcnow() or not 0 < version_id < 2**31:
        raise gone
    version = session.get(FileVersion, version_id)
    row = session.get(WorkspaceFile, version.file_id) if version is not None else None
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if row is None or user is None:
        raise gone
    maker = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
    try:
        permissions.require(session, maker, Action.VIEW_WORKSPACE, row.workspace_id)
    except NotFound:
        raise gone from None
    return _download(row, version)
