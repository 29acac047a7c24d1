"""The webhook delivery worker: rounds of fan-out, claim, POST and record.

Each round fans new outbox events out into deliveries, leases up to a batch of due ones
(services/webhook_deliveries.py), POSTs them side by side through the one guarded async
client (connection pooling, at most PORTAL_WEBHOOK_CONCURRENCY in flight, 15 s timeout, the
SSRF guard at connect time, no redirects), each signed per Standard Webhooks at the moment it
is sent, and records every attempt. The database work runs in a thread, off the event loop.

`python -m portal worker` runs it beside the process loop; `make run` runs it inside the app
(a lifespan task). Several workers may run at once: the leases keep them apart.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from portal.config import get_settings
from portal.db import transaction
from portal.domain.webhooks import RESPONSE_MAX, classify
from portal.models._base import utcnow
from portal.services import webhook_deliveries, webhook_signing
from portal.services.webhook_deliveries import Job, Sent
from portal.workers.guarded_http import guarded_client

log = logging.getLogger("portal.webhooks")

T = TypeVar("T")

IDLE_SECONDS = 0.5  # between rounds that found nothing to do
USER_AGENT = "Portal-Webhooks/1.0"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def client() -> httpx.AsyncClient:
    settings = get_settings()
    return guarded_client(
        allowed_hosts=settings.webhook_allowed_hosts,
        max_connections=settings.webhook_concurrency,
    )


async def send(http: httpx.AsyncClient, job: Job) -> Sent:
    """Make one attempt; never raises (a failure is a result)."""
    headers = webhook_signing.headers(job.secrets, job.message_id, utcnow(), job.body) | {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    started = time.perf_counter()
    try:
        async with http.stream("POST", job.url, content=job.body, headers=headers) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= RESPONSE_MAX:
                    break  # the rest is not kept; the connection is closed, not reused
            latency = round((time.perf_counter() - started) * 1000)
            return Sent(
                job.delivery_id,
                job.attempt,
                classify(response),
                latency_ms=latency,
                headers=dict(response.headers),
                body=bytes(body[:RESPONSE_MAX]).decode(errors="replace"),
                retry_after=response.headers.get("retry-after"),
            )
    except Exception as error:  # noqa: BLE001 - every failure is logged on the attempt
        latency = round((time.perf_counter() - started) * 1000)
        return Sent(job.delivery_id, job.attempt, classify(error), latency_ms=latency)


def _claim(owner: str, limit: int) -> list[Job]:
    with transaction() as session:
        webhook_deliveries.fan_out(session)
    with transaction() as session:
        return webhook_deliveries.claim_due(session, owner=owner, limit=limit)


def _record(sent: list[Sent], owner: str) -> None:
    with transaction() as session:
        webhook_deliveries.record(session, sent, owner=owner)


async def run_round(
    http: httpx.AsyncClient, *, owner: str, limit: int = webhook_deliveries.CLAIM_BATCH
) -> int:
    """One round: returns how many attempts it made."""
    jobs = await asyncio.to_thread(_claim, owner, limit)
    if not jobs:
        return 0
    sent = await asyncio.gather(*(send(http, job) for job in jobs))
    await asyncio.to_thread(_record, list(sent), owner)
    return len(sent)


async def run(stop: asyncio.Event | threading.Event, *, owner: str | None = None) -> None:
    """Rounds until `stop` is set, each round's record written while the next one sends (its
    deliveries stay leased until then, so the next claim passes them by). A round that fails
    (the database away) is logged and the next one tries again; its leases run out and its
    deliveries come back."""
    owner = owner or worker_id()
    recording: asyncio.Future | None = None
    async with client() as http:
        log.info("delivery worker %s started", owner)
        while not stop.is_set():
            jobs: list[Job] = []
            try:
                jobs = await asyncio.to_thread(_claim, owner, webhook_deliveries.CLAIM_BATCH)
                sent = await asyncio.gather(*(send(http, job) for job in jobs))
                if recording is not None:
                    await recording  # one record at a time, in order
                    recording = None
                if sent:
                    recording = asyncio.ensure_future(asyncio.to_thread(_record, sent, owner))
            except Exception:
                log.exception("delivery round failed; retrying")
                recording = None
            if not jobs:
                await asyncio.sleep(IDLE_SECONDS)
        if recording is not None:
            await recording
    log.info("delivery worker %s stopped", owner)


def run_until(stop: threading.Event) -> None:
    """Blocking: the standalone worker's thread."""
    asyncio.run(run(stop))


def _blocking(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine `make()` to the end from synchronous code, on a thread of its own:
    the caller may be inside a running event loop (Playwright's sync API in a test process,
    the CLI called from one), where asyncio.run() refuses."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-deliveries") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def send_jobs(jobs: list[Job]) -> list[Sent]:
    """Make these attempts side by side and wait for them (tests, one-off sends)."""

    async def send_all() -> list[Sent]:
        async with client() as http:
            return list(await asyncio.gather(*(send(http, job) for job in jobs)))

    return _blocking(send_all) if jobs else []


def run_once(limit: int = webhook_deliveries.CLAIM_BATCH) -> int:
    """Rounds of up to `limit` until nothing is due (`python -m portal worker --once`, tests);
    returns how many attempts they made."""

    async def rounds() -> int:
        total, owner = 0, worker_id()
        async with client() as http:
            while made := await run_round(http, owner=owner, limit=limit):
                total += made
        return total

    return _blocking(rounds)


async def run_in_app() -> None:
    """Lifespan task of the Reflex app: the loop on its own thread and event loop, so a burst
    of deliveries never holds up the app's."""
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(stop,), name="portal-deliveries", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            await asyncio.sleep(1)
    finally:
        stop.set()
