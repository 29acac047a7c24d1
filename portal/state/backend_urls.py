"""Where the browser reaches a backend route (an icon, a download) from a page: the backend's
own URL before the path (a different port in development, the same origin in production)."""

from __future__ import annotations

from reflex.config import get_config


def backend_url(path: str) -> str:
    """`path` on the backend; "" stays "" (nothing to load)."""
    return get_config().api_url.rstrip("/") + path if path else ""
