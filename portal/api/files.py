"""/v1/workspaces/{id}/files: thin doors onto portal.services.files.

- list (`GET .../files`, cursor-paged, `prefix` and `name` filters) and a file's versions
  (`GET .../file-versions?path=`);
- upload, streamed: `PUT .../files/{path}` with the raw content as the body (chunks go to the
  file store as they arrive), or `POST .../files?path=` as multipart/form-data (`file`; the
  path defaults to its file name; Starlette spools the part, at most 1 MB of it in memory). Over
  PORTAL_FILES_MAX_MB is a 413 problem: at once when Content-Length says so, else as soon as
  the body passes the limit. Both honour Idempotency-Key: the key is bound to the path and the
  content's SHA-256, known once the content is in; a replay deletes the copy it received;
- download (`GET .../files/{path}`, `?version=` for an earlier one): streamed, with the type
  read from the content when it was uploaded, `Content-Disposition: attachment`, the SHA-256
  as the ETag (If-None-Match answers 304), `nosniff` and a sandboxing policy;
- move (`POST .../file-moves`), delete (`DELETE .../files/{path}`, with its versions);
- a signed download link (`GET .../file-links?path=`), which anyone holding it may use without
  a token (`GET /v1/file-links/{token}`) until it expires (5 minutes by default, 1 hour at
  most), while the version exists and its maker can read the workspace.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.types import Message

from portal.api import problems
from portal.api.auth import Token
from portal.api.idempotency import REPLAYED_HEADER, IdempotencyKey, run_write
from portal.api.schemas import FILTER_SCHEMA, INT32_MAX, Filter
from portal.api.threads import as_actor, off_loop, run_as
from portal.api.workspaces import Cursor, Limit, WorkspaceId, _write_responses
from portal.db import transaction
from portal.domain.errors import Invalid
from portal.domain.files import (
    LINK_SECONDS_DEFAULT,
    LINK_SECONDS_MAX,
    NAME_FILTER_MAX,
    PATH_MAX_CHARS,
    PATH_SCHEMA,
    PREFIX_SCHEMA,
    FileDownload,
    FileLink,
    FilePublic,
    FileVersionPublic,
)
from portal.domain.paging import DEFAULT_LIMIT
from portal.services import files

router = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["files"])
links_router = APIRouter(tags=["files"])

# What the API hands the store at a time (a body arrives in smaller pieces).
WRITE_CHUNK = 1024 * 1024
# A multipart body's framing around the file (boundaries, headers, the path field).
FORM_FRAMING = 64 * 1024

FilePath = Annotated[
    str,
    Path(
        description="The file's path: folders and the file's name separated by /, e.g. "
        f"reports/2026/q1.pdf (at most {PATH_MAX_CHARS} characters; no leading or trailing "
        "/, no empty, . or .. part, no backslash or control character).",
        json_schema_extra=PATH_SCHEMA,
    ),
]
PathQuery = Annotated[str, Query(description="The file's path.", json_schema_extra=PATH_SCHEMA)]
Version = Annotated[
    int | None,
    Query(ge=1, le=INT32_MAX, description="A version's number; default: the current one."),
]

_TOO_LARGE = {
    413: {
        "model": problems.Problem,
        "description": "The file is larger than PORTAL_FILES_MAX_MB allows (too-large)",
    }
}
_DOWNLOAD_HEADERS = {
    "ETag": {"description": "The content's SHA-256, quoted.", "schema": {"type": "string"}},
    "Content-Disposition": {
        "description": "`attachment` with the file's name.",
        "schema": {"type": "string"},
    },
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The content, streamed.",
        "content": {"application/octet-stream": _BINARY},
        "headers": _DOWNLOAD_HEADERS,
    },
    304: {"description": "Not modified: If-None-Match named this content."},
}


class FileListPublic(BaseModel):
    items: list[FilePublic]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class FileVersionListPublic(BaseModel):
    items: list[FileVersionPublic]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class FileMove(BaseModel):
    model_config = {"extra": "forbid"}

    path: str = Field(description="The file's path now.", json_schema_extra=PATH_SCHEMA)
    new_path: str = Field(description="Where it moves to (free).", json_schema_extra=PATH_SCHEMA)


class _Content(BaseModel):
    """What an upload's Idempotency-Key is bound to: the path and the content."""

    path: str | None
    sha256: str
    size: int


def _too_large(message: str) -> Response:
    return problems.problem(413, "too-large", "Payload too large", message, field="file")


def _declared_size(request: Request) -> int | None:
    declared = request.headers.get("content-length", "")
    return int(declared) if declared.isdigit() and len(declared) < 19 else None


# Reads ----------------------------------------------------------------------------------------


@router.get(
    "/files",
    response_model=FileListPublic,
    responses=problems.responses(400, 401, 404, 422),
    operation_id="list_files",
    summary="The workspace's files in path order, under a folder and by name",
)
async def list_files(
    token: Token,
    workspace_id: WorkspaceId,
    prefix: Annotated[
        str | None,
        Query(
            description='A folder ("reports/2026/") or the start of a path; default: all.',
            json_schema_extra=PREFIX_SCHEMA,
        ),
    ] = None,
    name: Annotated[
        Filter | None,
        Query(
            max_length=NAME_FILTER_MAX,
            json_schema_extra=FILTER_SCHEMA,
            description="Part of the file's name (any case).",
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> FileListPublic:
    page = await as_actor(
        token,
        lambda session, actor: files.list_files(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            prefix=prefix,
            name=name,
            limit=limit,
            cursor=cursor,
        ),
    )
    return FileListPublic(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/file-versions",
    response_model=FileVersionListPublic,
    responses=problems.responses(400, 401, 404, 422),
    operation_id="list_file_versions",
    summary="A file's versions, newest first",
)
async def list_file_versions(
    token: Token,
    workspace_id: WorkspaceId,
    path: PathQuery,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> FileVersionListPublic:
    page = await as_actor(
        token,
        lambda session, actor: files.list_versions(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            path=path,
            limit=limit,
            cursor=cursor,
        ),
    )
    return FileVersionListPublic(items=page.items, next_cursor=page.next_cursor)


def _attachment(name: str) -> str:
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(name, safe='')}"


def stream_download(found: FileDownload, if_none_match: str | None) -> Response:
    etag = f'"{found.sha256}"'
    headers = {
        "ETag": etag,
        "Content-Disposition": _attachment(found.name),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-cache",
    }
    if if_none_match is not None and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(found.size)
    # A plain iterator: Starlette reads it on a worker thread, one chunk at a time.
    return StreamingResponse(
        files.read_content(found), media_type=found.content_type, headers=headers
    )


@router.get(
    "/files/{path:path}",
    response_class=StreamingResponse,
    responses={**_DOWNLOAD_RESPONSES, **problems.responses(401, 404, 422)},
    operation_id="download_file",
    summary="Download a file's content (the current version, or ?version=)",
)
async def download_file(
    token: Token,
    workspace_id: WorkspaceId,
    path: FilePath,
    version: Version = None,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    found = await as_actor(
        token,
        lambda session, actor: files.download(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            path=path,
            version=version,
        ),
    )
    return stream_download(found, if_none_match)


@router.get(
    "/file-links",
    response_model=FileLink,
    responses=problems.responses(401, 404, 422),
    operation_id="create_file_link",
    summary="A signed link that downloads the file without a token until it expires",
)
async def create_file_link(
    token: Token,
    workspace_id: WorkspaceId,
    path: PathQuery,
    version: Version = None,
    expires_in: Annotated[
        int,
        Query(ge=1, le=LINK_SECONDS_MAX, description="Seconds the link works (default 300)."),
    ] = LINK_SECONDS_DEFAULT,
) -> FileLink:
    return await as_actor(
        token,
        lambda session, actor: files.create_link(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            path=path,
            version=version,
            expires_in=expires_in,
        ),
    )


@links_router.get(
    files.LINK_PATH,
    response_class=StreamingResponse,
    responses={**_DOWNLOAD_RESPONSES, **problems.responses(404, 422)},
    operation_id="download_file_by_link",
    summary="Download through a signed link (no token: the link is the credential)",
)
async def download_file_by_link(
    token: Annotated[str, Path(max_length=200, description="The link's signed token.")],
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    def find() -> FileDownload:
        with transaction() as session:
            return files.download_by_link(session=session, token=token)

    return stream_download(await off_loop(find), if_none_match)


# Writes ---------------------------------------------------------------------------------------


def _record(
    request: Request,
    token: Token,
    key: str | None,
    workspace_id: uuid.UUID,
    path: str | None,
    content: files.StoredContent,
) -> Response:
    """Make received content the path's next version, honouring the Idempotency-Key; the
    content is deleted if it does not become a version (refused, or a replay)."""
    try:
        response = run_write(
            request=request,
            token=token,
            key=key,
            payload=_Content(path=path, sha256=content.sha256, size=content.size),
            status_code=status.HTTP_200_OK,
            response_model=FilePublic,
            change=lambda session, actor: files.record_upload(
                session=session,
                actor=actor,
                workspace_id=str(workspace_id),
                path=path or "",
                content=content,
            ),
        )
    except BaseException:
        files.discard(content)
        raise
    if response.headers.get(REPLAYED_HEADER):
        files.discard(content)
    return response


async def _receive_into(upload: files.Upload, chunks) -> files.StoredContent:
    """Feed `chunks` (an async iterator of bytes) to the upload, a megabyte at a time off the
    event loop; abort it on any failure."""
    buffer = bytearray()
    try:
        async for chunk in chunks:
            buffer += chunk
            while len(buffer) >= WRITE_CHUNK:
                await off_loop(partial(upload.write, bytes(buffer[:WRITE_CHUNK])))
                del buffer[:WRITE_CHUNK]
        if buffer:
            await off_loop(partial(upload.write, bytes(buffer)))
        return await off_loop(upload.finish)
    except BaseException:
        await off_loop(upload.abort)
        raise


def _start(token: Token, workspace_id: uuid.UUID, path: str | None, size: int | None):
    return as_actor(
        token,
        lambda session, actor: files.start_upload(
            session=session, actor=actor, workspace_id=str(workspace_id), path=path, size=size
        ),
    )


@router.put(
    "/files/{path:path}",
    response_model=FilePublic,
    responses={**_write_responses(200), **_TOO_LARGE},
    operation_id="upload_file",
    summary="Upload a file to the path, streamed (administer); an existing path gets a new version",
    openapi_extra={
        "requestBody": {
            # No body is an empty file, which is a file like any other.
            "required": False,
            "description": "The file's content, as is (any type: it is read from the bytes).",
            "content": {"application/octet-stream": _BINARY},
        }
    },
)
async def upload_file(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    path: FilePath,
    key: IdempotencyKey = None,
) -> Response:
    try:
        target = await _start(token, workspace_id, path, _declared_size(request))
        upload = files.Upload(target)
        content = await _receive_into(upload, request.stream())
    except files.TooLarge as exc:
        return _too_large(exc.message)
    return await off_loop(lambda: _record(request, token, key, workspace_id, path, content))


class _Counted:
    """A request's receive that refuses a body past `limit` bytes (TooLarge) as it arrives."""

    def __init__(self, receive: Callable, limit: int) -> None:
        self._receive, self._limit, self.seen = receive, limit, 0

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self._limit:
                raise files.TooLarge(files.too_large_message(), field="file")
        return message


@router.post(
    "/files",
    response_model=FilePublic,
    responses={**_write_responses(200, body=True), **_TOO_LARGE},
    operation_id="upload_file_form",
    summary="Upload a file as multipart/form-data (administer); an existing path gets a new "
    "version",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "additionalProperties": False,
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
async def upload_file_form(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    path: Annotated[
        str | None,
        Query(
            description="Where to put the file; default: its file name in the form.",
            json_schema_extra=PATH_SCHEMA,
        ),
    ] = None,
    key: IdempotencyKey = None,
) -> Response:
    declared = _declared_size(request)
    try:
        target = await _start(token, workspace_id, None, None)
        if declared is not None and declared > target.max_bytes + FORM_FRAMING:
            raise files.TooLarge(files.too_large_message(declared), field="file")
        counted = Request(request.scope, _Counted(request.receive, target.max_bytes + FORM_FRAMING))
        form = await counted.form(max_files=1, max_fields=16)
    except files.TooLarge as exc:
        return _too_large(exc.message)
    try:
        if set(form) - {"file"}:
            raise Invalid("Send one field, file (the path goes in ?path=).", field="file")
        upload_part = form.get("file")
        if isinstance(upload_part, str) or upload_part is None:
            raise Invalid("Send the file in a multipart/form-data field named file.", field="file")
        path = (upload_part.filename or "") if path is None else path

        async def parts():
            while chunk := await upload_part.read(WRITE_CHUNK):
                yield chunk

        try:
            content = await _receive_into(files.Upload(target), parts())
        except files.TooLarge as exc:
            return _too_large(exc.message)
    finally:
        await form.close()
    return await off_loop(lambda: _record(request, token, key, workspace_id, path, content))


@router.post(
    "/file-moves",
    response_model=FilePublic,
    responses=_write_responses(200, body=True),
    operation_id="move_file",
    summary="Rename or move a file, with its versions, to a free path (administer)",
)
def move_file(
    request: Request,
    token: Token,
    workspace_id: WorkspaceId,
    payload: FileMove,
    key: IdempotencyKey = None,
) -> Response:
    return run_write(
        request=request,
        token=token,
        key=key,
        payload=payload,
        status_code=status.HTTP_200_OK,
        response_model=FilePublic,
        change=lambda session, actor: files.rename_file(
            session=session,
            actor=actor,
            workspace_id=str(workspace_id),
            path=payload.path,
            new_path=payload.new_path,
        ),
    )


@router.delete(
    "/files/{path:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems.responses(401, 403, 404, 409, 422),
    operation_id="delete_file",
    summary="Delete a file with all its versions (administer)",
)
def delete_file(token: Token, workspace_id: WorkspaceId, path: FilePath) -> Response:
    run_as(
        token,
        lambda session, actor: files.delete_file(
            session=session, actor=actor, workspace_id=str(workspace_id), path=path
        ),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
