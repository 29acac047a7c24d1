"""Process loop: runs due provisioning sagas and exports, then purges offboarded workspaces
whose hard-delete window has ended.

Each round claims one runnable process at a time (a lease in the database, so several workers
never run the same one) and runs its due steps; a worker that dies leaves a stale lease that
the next round anywhere picks up. Everything here blocks: the Reflex app runs it in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading

from portal.db import transaction
from portal.models._base import utcnow
from portal.services import processes, purge

log = logging.getLogger("portal.worker")

DEFAULT_INTERVAL_SECONDS = 2.0
MAX_PROCESSES_PER_ROUND = 20

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def run_due_processes(limit: int = MAX_PROCESSES_PER_ROUND) -> int:
    """Claim and run due processes, one after the other, up to `limit`; returns how many."""
    ran = 0
    while ran < limit:
        with transaction() as session:
            process_id = processes.claim_next(session, now=utcnow(), worker_id=WORKER_ID)
        if process_id is None:
            break
        status = processes.run_claimed(process_id)
        log.debug("process %s: %s", process_id, status)
        ran += 1
    return ran


def run_once() -> dict[str, int]:
    ran = run_due_processes()
    with transaction() as session:
        purged = purge.purge_due(session=session, now=utcnow())
    counts = {"processes_run": ran, "workspaces_purged": len(purged)}
    if ran or purged:
        log.info("processes: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def run_until(stop: threading.Event, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Blocking loop for the standalone worker; returns once `stop` is set."""
    log.info("process worker started: every %s s", interval)
    while not stop.is_set():
        try:
            run_once()
        except Exception:
            log.exception("process round failed; retrying in %s s", interval)
        stop.wait(interval)
    log.info("process worker stopped")


async def run_in_app(interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Lifespan task of the Reflex app: the same loop, off the event loop's thread."""
    while True:
        try:
            await asyncio.to_thread(run_once)
        except Exception:
            log.exception("process round failed; retrying in %s s", interval)
        await asyncio.sleep(interval)
