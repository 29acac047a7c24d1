"""Housekeeping loop: drops ended sessions and sign-in attempts older than the throttle window."""

from __future__ import annotations

import asyncio
import logging
import threading

from portal.db import transaction
from portal.services import housekeeping

log = logging.getLogger("portal.worker")

DEFAULT_INTERVAL_SECONDS = 300.0


def run_once() -> dict[str, int]:
    with transaction() as session:
        counts = housekeeping.run_once(session=session)
    log.info("housekeeping: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def run_until(stop: threading.Event, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Blocking loop for the standalone worker; returns once `stop` is set."""
    log.info("worker started: housekeeping every %s s", interval)
    while not stop.is_set():
        try:
            run_once()
        except Exception:
            # A database hiccup must not end the worker: log it and try next round.
            log.exception("housekeeping failed; retrying in %s s", interval)
        stop.wait(interval)
    log.info("worker stopped")


async def run_in_app(interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Lifespan task of the Reflex app: the same loop, off the event loop's thread."""
    while True:
        try:
            await asyncio.to_thread(run_once)
        except Exception:
            log.exception("housekeeping failed; retrying in %s s", interval)
        await asyncio.sleep(interval)
