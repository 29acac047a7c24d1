"""The next free slug: `base`, else `base-2`, `base-3`, ... (cut so the suffix fits)."""

from __future__ import annotations

from collections.abc import Collection


def next_free(base: str, taken: Collection[str], max_length: int) -> str:
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        n += 1
    return candidate
