"""Cursor pagination shared by lists in pages and the /v1 API."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from portal.domain.errors import Invalid

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque cursor: the sort key of the last item returned."""
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise Invalid(
            "The cursor is not valid; start from the first page.", field="cursor"
        ) from None
    if not isinstance(value, dict):
        raise Invalid("The cursor is not valid; start from the first page.", field="cursor")
    return value
