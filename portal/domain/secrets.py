"""Secrets of a workspace's environments: the name rule, the `.env` reader and the DTOs.

A secret is a name (an environment variable's: `^[A-Z_][A-Z0-9_]*$`) with a value per
environment, encrypted at rest (portal/services/envelope.py). Nothing here ever carries a
value except `DotenvEntry` (what was pasted, on its way to being stored) and the one string
a reveal returns: the DTOs a list, a version history or a preview returns hold names and
metadata only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from portal.domain.dto import DTO
from portal.domain.errors import Invalid

NAME_PATTERN = r"^[A-Z_][A-Z0-9_]*$"
# An audit entry names its secret "<environment>/<name>" in a 64-character target: "staging/"
# and 56 characters fit (PostgreSQL refused longer ones, SQLite did not). The column is wider.
NAME_MAX = 56
NAME_COLUMN = 128
VALUE_MAX = 64 * 1024  # characters
DOTENV_MAX_CHARS = 512 * 1024
DOTENV_MAX_ENTRIES = 500
_NAME = re.compile(NAME_PATTERN)


def check_name(value: object, *, field_name: str = "name") -> str:
    """The name, or Invalid naming the field. Never repeats more than a bounded prefix."""
    if not isinstance(value, str) or not value:
        raise Invalid("Enter a name, e.g. DATABASE_URL.", field=field_name)
    if len(value) > NAME_MAX:
        raise Invalid(f"A name has at most {NAME_MAX} characters.", field=field_name)
    if not _NAME.fullmatch(value):
        raise Invalid(
            "Use capital letters, digits and underscores, not starting with a digit "
            "(e.g. DATABASE_URL).",
            field=field_name,
        )
    return value


def check_value(value: object, *, field_name: str = "value") -> str:
    """The value, or Invalid naming the field. The message never quotes the value."""
    if not isinstance(value, str):
        raise Invalid("Enter the value as text.", field=field_name)
    if "\x00" in value:
        raise Invalid("A value cannot hold a NUL character.", field=field_name)
    if len(value) > VALUE_MAX:
        raise Invalid(f"A value has at most {VALUE_MAX:,} characters.", field=field_name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        raise Invalid("The value is not valid text.", field=field_name) from None
    return value


class SecretOrigin(StrEnum):
    """How a version came to be."""

    SET = "set"
    ROLLBACK = "rollback"
    COPY = "copy"
    IMPORT = "import"


class SecretChange(StrEnum):
    """What applying a `.env` block does to one name."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


# The .env reader -------------------------------------------------------------------------


@dataclass(frozen=True)
class DotenvEntry:
    line: int  # where the entry starts (1-based)
    name: str
    value: str = field(repr=False)  # never in a repr, a log line or a traceback's locals


@dataclass(frozen=True)
class DotenvError:
    line: int
    message: str  # never quotes the value


@dataclass(frozen=True)
class Dotenv:
    entries: list[DotenvEntry]
    errors: list[DotenvError]


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$"}


def _closing(text: str, quote: str, start: int) -> int:
    """Index of the quote closing the value that opens at `start` - 1, or -1."""
    index = start
    while index < len(text):
        char = text[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            return index
        index += 1
    return -1


def _unescape(raw: str) -> str:
    out, index = [], 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw) and raw[index + 1] in _ESCAPES:
            out.append(_ESCAPES[raw[index + 1]])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def parse_dotenv(text: str) -> Dotenv:
    """Read a `.env` block: `NAME=value` lines, `export ` prefixes, `#` comments (whole
    lines, or after a space in an unquoted value), single quotes (literal) and double quotes
    (with \\n, \\t, \\" escapes; both may span lines). Every problem is reported with its line
    number; a name given twice is a problem rather than a silent last-one-wins."""
    if len(text) > DOTENV_MAX_CHARS:
        return Dotenv([], [DotenvError(1, f"Paste at most {DOTENV_MAX_CHARS // 1024} KB.")])
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    entries: list[DotenvEntry] = []
    errors: list[DotenvError] = []
    first_seen: dict[str, int] = {}
    number = 0
    while number < len(lines):
        line_no = number + 1
        stripped = lines[number].strip()
        number += 1
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export ") or stripped.startswith("export\t"):
            stripped = stripped[len("export") :].lstrip()
        name, equals, rest = stripped.partition("=")
        name = name.strip()
        if not equals:
            errors.append(DotenvError(line_no, "Expected NAME=value."))
            continue
        try:
            check_name(name)
        except Invalid as exc:
            shown = name if len(name) <= 40 else name[:40] + "…"
            errors.append(DotenvError(line_no, f"{shown or 'The name'}: {exc.message}"))
            continue
        rest = rest.strip()
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            body = rest[1:]
            end = _closing(body, quote, 0)
            while end < 0 and number < len(lines):  # a quoted value may span lines
                body += "\n" + lines[number]
                number += 1
                end = _closing(body, quote, 0)
            if end < 0:
                errors.append(DotenvError(line_no, f"{name}: the quote opened here never closes."))
                continue
            after = body[end + 1 :].strip()
            if after and not after.startswith("#"):
                errors.append(
                    DotenvError(line_no, f"{name}: only a # comment may follow the closing quote.")
                )
                continue
            raw = body[:end]
            value = _unescape(raw) if quote == '"' else raw
        else:
            comment = re.search(r"\s#", rest)
            value = (rest[: comment.start()] if comment else rest).strip()
        try:
            check_value(value)
        except Invalid as exc:
            errors.append(DotenvError(line_no, f"{name}: {exc.message}"))
            continue
        if name in first_seen:
            errors.append(
                DotenvError(line_no, f"{name} is set again (first on line {first_seen[name]}).")
            )
            continue
        first_seen[name] = line_no
        entries.append(DotenvEntry(line=line_no, name=name, value=value))
    if len(entries) > DOTENV_MAX_ENTRIES:
        errors.append(DotenvError(1, f"Paste at most {DOTENV_MAX_ENTRIES} secrets at once."))
    return Dotenv(entries, errors)


# DTOs ----------------------------------------------------------------------------------------


class SecretPublic(DTO):
    """One secret in one environment: its name and metadata, never its value."""

    name: str
    environment: str
    version: int  # the current version's number
    created_at: datetime
    updated_at: datetime
    updated_by: str  # who changed it last


class SecretCell(DTO):
    """One environment's column of a row of the matrix."""

    environment: str
    version: int
    updated_at: datetime
    updated_by: str


class SecretRow(DTO):
    """One row of the matrix: a name and the environments that have it."""

    name: str
    environments: list[SecretCell]  # in EnvironmentName order; absent: not set there
    updated_at: datetime  # the latest change in any environment
    updated_by: str


class SecretVersionPublic(DTO):
    version: int
    origin: SecretOrigin
    created_at: datetime
    created_by: str
    current: bool = False


class DotenvLineError(DTO):
    line: int
    message: str


class DotenvPreviewItem(DTO):
    line: int
    name: str
    change: SecretChange


class DotenvPreview(DTO):
    """What applying a `.env` block would do (or did), name by name; no values."""

    environment: str
    items: list[DotenvPreviewItem]
    errors: list[DotenvLineError]

    def count(self, change: SecretChange) -> int:
        return sum(1 for item in self.items if item.change is change)
