"""Pages of a list, shared by pages and the /v1 API. The cursors themselves are made and
checked by portal.services.keyset, the one pager every list uses."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from portal.domain.errors import Invalid

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
_START_OVER = "The cursor is not valid; start from the first page."


class Page(BaseModel, Generic[T]):
    """Parametrize once, at import (`RowPage = Page[Row]`): `Page[Row]` inside a function
    builds the class again on many calls (pydantic caches it weakly), a cost per request."""

    items: list[T]
    next_cursor: str | None = None


class InvalidCursor(Invalid):
    """A cursor that is not one the list gave: forged, truncated, from another list or sort,
    oversized. The API answers 400 (a client bug, not a form to correct); pages restart from
    the first page."""

    def __init__(self, message: str = _START_OVER) -> None:
        super().__init__(message, field="cursor")


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit
