"""Files of a workspace: paths, the kinds of content Portal recognises, and the DTOs.

A file is named by its path: folders are the path's prefixes ("reports/2026/q1.pdf" is in the
folders "reports/" and "reports/2026/"); there is no folder object to create or delete. A
path is checked here, with a sentence naming what is wrong, before it reaches a store.

The content type is read from the first bytes of the content (`sniff`), never taken from the
name or from what the client says, in the way of the WHATWG MIME Sniffing standard's table of
signatures. HTML, SVG and other markup are text/plain: Portal serves files as attachments and
never as something a browser would run.
"""

from __future__ import annotations

import codecs
import unicodedata
from datetime import datetime

from portal.domain.dto import DTO
from portal.domain.errors import Invalid

# A path's length: what a list's cursor can carry (keyset.CURSOR_MAX_CHARS, 4 bytes a
# character at most).
PATH_MAX_CHARS = 360
NAME_FILTER_MAX = 255
# How much of the content `sniff` looks at (the standard's resource header).
SNIFF_BYTES = 1445
OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"
# Signed download links: how long one works by default and at most.
LINK_SECONDS_DEFAULT = 300
LINK_SECONDS_MAX = 3600


# The rule above as JSON Schema (the API's documents): none of these anywhere in the path.
PATH_SCHEMA = {
    "minLength": 1,
    "maxLength": PATH_MAX_CHARS,
    "not": {
        "anyOf": [
            {"pattern": r"[\x00-\x1f\x7f\\]"},  # control characters, backslash
            {"pattern": r"^/"},
            {"pattern": r"/$"},
            {"pattern": r"//"},
            {"pattern": r"(^|/)\.\.?(/|$)"},  # . or .. as a name
        ]
    },
}


# A folder to list under: the same, except that it may end with /.
PREFIX_SCHEMA = {
    "maxLength": PATH_MAX_CHARS,
    "not": {"anyOf": [rule for rule in PATH_SCHEMA["not"]["anyOf"] if rule["pattern"] != r"/$"]},
}


def _refuse(message: str, field: str) -> Invalid:
    return Invalid(message, field=field)


def check_path(value: object, *, field: str = "path") -> str:
    """`value` as a file's path (NFC-normalised), or Invalid naming what is wrong."""
    if not isinstance(value, str) or not value:
        raise _refuse("Give the file a path, e.g. reports/2026/q1.pdf.", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse("A path must be valid text (UTF-8).", field) from None
    path = unicodedata.normalize("NFC", value)
    if path.startswith("/"):
        raise _refuse("A path starts with a folder or file name, not with /.", field)
    if path.endswith("/"):
        raise _refuse("A path ends with the file's name, not with /.", field)
    if "\\" in path:
        raise _refuse("Separate folders with /, not \\.", field)
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise _refuse("A path cannot hold control characters (line breaks, tabs, NUL).", field)
    if len(path) > PATH_MAX_CHARS:
        raise _refuse(f"A path may be at most {PATH_MAX_CHARS} characters.", field)
    for segment in path.split("/"):
        if not segment:
            raise _refuse("A path cannot have an empty folder name (//).", field)
        if segment in (".", ".."):
            raise _refuse("A path cannot use . or .. as a folder or file name.", field)
    return path


def check_prefix(value: object, *, field: str = "prefix") -> str:
    """A folder (or the start of a path) to list under: "" is every file."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise _refuse("Give a folder, e.g. reports/2026/.", field)
    return check_path(value.removesuffix("/"), field=field) + ("/" if value.endswith("/") else "")


def name_of(path: str) -> str:
    return path.rpartition("/")[2]


def folder_of(path: str) -> str:
    """The folder a path is in: "reports/2026/" ("" at the top)."""
    folder, slash, _name = path.rpartition("/")
    return folder + slash


# Content types ------------------------------------------------------------------------------

# (signature, offset, type): the first match wins.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"BM", 0, "image/bmp"),
    (b"\x00\x00\x01\x00", 0, "image/x-icon"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\x1f\x8b\x08", 0, "application/gzip"),
    (b"Rar!\x1a\x07", 0, "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"%!PS-Adobe-", 0, "application/postscript"),
    (b"\x00asm", 0, "application/wasm"),
    (b"OggS\x00", 0, "application/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"fLaC", 0, "audio/flac"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"ftyp", 4, "video/mp4"),
)
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
# Bytes that never occur in text (the standard's "binary data bytes").
_BINARY = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_BOMS = (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")


def sniff(head: bytes) -> str:
    """The content type of content that starts with `head` (its first SNIFF_BYTES bytes)."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    for signature, offset, content_type in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return content_type
    if head.startswith(_BOMS[0]) or (head.startswith(_BOMS[1:]) and len(head) % 2 == 0):
        return TEXT if head.startswith(_BOMS[0]) else "text/plain; charset=utf-16"
    if head and not any(byte in _BINARY for byte in head) and _utf8_text(head):
        return TEXT
    return OCTET_STREAM


def _utf8_text(head: bytes) -> bool:
    """Whether `head` is UTF-8 text, allowing a character cut at its end."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


# DTOs ---------------------------------------------------------------------------------------


class FilePublic(DTO):
    """A file: its path and its current version."""

    path: str
    name: str
    folder: str  # "" at the top, else "reports/2026/"
    version: int  # the current version's number
    versions: int  # how many versions are kept
    size: int  # bytes
    content_type: str
    sha256: str
    created_at: datetime
    updated_at: datetime
    updated_by: str


class FileVersionPublic(DTO):
    path: str
    version: int
    size: int
    content_type: str
    sha256: str
    created_at: datetime
    created_by: str
    current: bool


class FileDownload(DTO):
    """What a download streams: one version's metadata and where its bytes are stored."""

    path: str
    name: str
    version: int
    size: int
    content_type: str
    sha256: str
    stored_as: str


class FileLink(DTO):
    """A signed download link: works for anyone who has it until `expires_at`."""

    url: str  # a path on the API's host (/v1/file-links/...)
    expires_at: datetime
