"""Slugs: a typed one checked (`valid`), and the next free one (`next_free`)."""

from __future__ import annotations

import re
from collections.abc import Collection

from portal.domain.errors import Invalid

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def valid(slug: str | None, *, max_length: int, example: str) -> str:
    """A slug as typed, lowercased: letters, digits and single hyphens, at most `max_length`
    characters; Invalid at the field "slug" naming `example` otherwise."""
    slug = (slug if isinstance(slug, str) else "").strip().lower()
    if not _SLUG.match(slug) or len(slug) > max_length:
        raise Invalid(
            f"Use lowercase letters, digits and single hyphens (at most {max_length} "
            f"characters), like {example}.",
            field="slug",
        )
    return slug


def next_free(base: str, taken: Collection[str], max_length: int) -> str:
    """`base`, else `base-2`, `base-3`, ... (cut so the suffix fits)."""
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        n += 1
    return candidate
