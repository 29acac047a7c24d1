"""Flushes the data-plane activity this process counted (portal/services/app_activity.py):
every few seconds, and once more when the app stops. It runs in every web process, whatever
runs the other workers: the tally lives in the memory of the process that served the calls."""

from __future__ import annotations

import asyncio
import logging

from portal.config import get_settings
from portal.db import transaction
from portal.services import app_activity

log = logging.getLogger("portal.worker")


def flush_once() -> int:
    if not app_activity.pending():
        return 0
    with transaction() as session:
        return app_activity.flush(session)


async def run_in_app(interval: float | None = None) -> None:
    """Lifespan task: flush off the event loop's thread; on shutdown, a last flush."""
    interval = interval or get_settings().activity_flush_seconds
    try:
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(flush_once)
            except Exception:
                # The counts went back to the tally; the next round tries again.
                log.exception("activity flush failed; retrying in %s s", interval)
    finally:
        try:
            flush_once()
        except Exception:
            log.exception("the last activity flush failed: counts since the last one are lost")
