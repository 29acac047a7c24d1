"""Webhook delivery beside its ceiling (issue 11's benchmark), in one run.

    .venv/bin/python bench/webhooks.py        # SQLite and PostgreSQL, 1 and 2 workers
    .venv/bin/python bench/webhooks.py --events 2000 --databases sqlite --workers 1

A receiver on loopback (its own process: a bare asyncio HTTP server answering 200 and noting
when each webhook-id arrived) takes:
  receiver a bare asyncio client (each request one write, 100 keep-alive connections, no HTTP
           library): the receiver's own request rate, the ceiling the issue names.
  client   the delivery worker's own client (httpx on the guarded, sharded transport), at the
           same concurrency, POSTing the same signed body --events times: no database, no
           outbox. Its rate is what Portal's HTTP path alone can do in one process.
  Portal   --events outbox events queued for one subscribed endpoint, then 1 (or 2) delivery
           worker processes (`deliveries.run`) fanning them out, claiming, signing, POSTing and
           recording every attempt: deliveries per second from the first arrival to the last;
           then, with the workers idle, --trickle events a second for 5 s and their
           event-to-delivery latency (the event's commit to its arrival), p50 and p95.
For each database (a fresh SQLite file, or a throwaway PostgreSQL database when the server
answers on 127.0.0.1:5432) it prints the rate, its ratios to both ceilings and the goals:
at least 500 deliveries/s on PostgreSQL and at least half the receiver's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from harness import base_env, free_port  # noqa: E402

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-webhooks-sealing-key-0123456789"
CONCURRENCY = 100

# --- the receiver (python bench/webhooks.py --receive PORT) ----------------------------------


async def _receive(port: int) -> None:
    arrived: dict[str, float] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                length = int(headers.get("content-length", "0"))
                if length:
                    await reader.readexactly(length)
                if lines[0].startswith("GET /stats"):
                    body = json.dumps(arrived).encode()
                elif lines[0].startswith("POST /reset"):
                    arrived.clear()
                    body = b"ok"
                else:
                    arrived.setdefault(headers.get("webhook-id", str(len(arrived))), time.time())
                    body = b"ok"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                    b"Content-Type: text/plain\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


# --- a delivery worker (python bench/webhooks.py --deliver) -----------------------------------


def _deliver() -> None:
    from portal.workers import deliveries

    deliveries.IDLE_SECONDS = 0.05  # the latency phase measures the pipeline, not the nap
    stop = asyncio.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await deliveries.run(stop)

    asyncio.run(main())


# --- setting up -------------------------------------------------------------------------------


def _database(kind: str, work: Path) -> tuple[str, callable]:
    """(URL, drop) of a migrated database of `kind`."""
    if kind == "sqlite":
        url = f"sqlite:///{work / 'webhooks.db'}"
        drop = lambda: None  # noqa: E731 - the work directory goes
    else:
        import psycopg

        name = f"portal_bench_webhooks_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

        def drop() -> None:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    subprocess.run(
        [sys.executable, "-m", "portal", "migrate"],
        cwd=ROOT,
        env={**base_env(), "DATABASE_URL": url},
        check=True,
        capture_output=True,
        timeout=120,
    )
    return url, drop


def _use(url: str, receiver: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        PORTAL_SECRET_KEY=SECRET_KEY,
        PORTAL_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
    )
    from portal.config import get_settings

    get_settings.cache_clear()


def _subscribe(receiver: str) -> tuple[str, object]:
    """An app with one endpoint at the receiver taking organization events; (its secret, the
    scope that emits events for it)."""
    from sqlmodel import select

    from portal.db import transaction
    from portal.domain.access import Actor
    from portal.models import User
    from portal.services import apps, demo, webhook_endpoints
    from portal.services.app_scope import for_console

    with transaction() as session:
        demo.seed_demo(session=session)
        user = session.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
        actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
        workspace = demo.scale_workspace(session)
        app = apps.create_app(
            session=session, actor=actor, workspace_id=str(workspace.id), name="Bench Hooks"
        )
        created = webhook_endpoints.create_endpoint(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug=app.slug,
            url=f"{receiver}/hooks",
            categories=["organization"],
        )
        scope = for_console(
            session, actor, workspace_id=str(workspace.id), app_slug=app.slug, write=True
        )
    return created.secret, scope


def _emit(scope, count: int, start: int = 0) -> None:
    """`count` organization.created events for the bench app, in one transaction."""
    from portal.db import transaction
    from portal.domain.events import EventType
    from portal.services import events

    with transaction() as session:
        for number in range(start, start + count):
            events.emit_for_app(
                session,
                scope,
                EventType.ORGANIZATION_CREATED,
                organization={"id": number, "name": f"Org {number}"},
            )


def _arrivals(receiver: str) -> dict[str, float]:
    return httpx.get(f"{receiver}/stats", timeout=30).json()


def _wait_for(receiver: str, count: int, timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = _arrivals(receiver)
        if len(arrived) >= count:
            return arrived
        time.sleep(0.2)
    raise RuntimeError(f"only {len(_arrivals(receiver))} of {count} deliveries arrived")


# --- the figures ------------------------------------------------------------------------------


async def _bare(receiver: str, events: int, secret: str) -> float:
    """Deliveries a second of Portal's own HTTP path without Portal: the delivery worker's
    client (the guarded, pooled transport), the same signed POST, no database."""
    from portal.services import webhook_signing
    from portal.workers import deliveries

    body = json.dumps({"type": "organization.created", "data": {"n": 0}}).encode()
    gate = asyncio.Semaphore(CONCURRENCY)
    async with deliveries.client() as http:

        async def one(number: int) -> None:
            async with gate:
                msg = webhook_signing.new_message_id()
                headers = webhook_signing.headers([secret], msg, int(time.time()), body)
                answer = await http.post(f"{receiver}/hooks", content=body, headers=headers)
                answer.raise_for_status()

        await asyncio.gather(*(one(n) for n in range(min(200, events))))  # warm the pool
        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(events)))
        return events / (time.perf_counter() - started)


async def _raw(port: int, events: int) -> float:
    """The receiver's own ceiling: requests a second from a bare asyncio client writing each
    request in one piece on CONCURRENCY keep-alive connections (no HTTP library at all)."""
    body = b'{"type":"organization.created"}'

    async def connection(count: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for number in range(count):
            writer.write(
                b"POST /hooks HTTP/1.1\r\nHost: bench\r\nwebhook-id: raw_%d_%d\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (id(writer), number, len(body), body)
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(events // CONCURRENCY) for _ in range(CONCURRENCY)))
    return (events // CONCURRENCY * CONCURRENCY) / (time.perf_counter() - started)


def _portal(receiver: str, url: str, scope, events: int, workers: int, trickle: int) -> dict:
    httpx.post(f"{receiver}/reset", timeout=10)
    _emit(scope, events)
    env = {
        **base_env(),
        "DATABASE_URL": url,
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_WEBHOOK_CONCURRENCY": str(CONCURRENCY),
    }
    processes = [
        subprocess.Popen([sys.executable, __file__, "--deliver"], cwd=ROOT, env=env)
        for _ in range(workers)
    ]
    try:
        arrived = sorted(_wait_for(receiver, events, timeout=600).values())
        rate = (len(arrived) - 1) / max(arrived[-1] - arrived[0], 1e-6)
        # Latency: events a few at a time, each batch committed at a known time.
        httpx.post(f"{receiver}/reset", timeout=10)
        committed: dict[int, float] = {}
        batch = max(1, trickle // 50)
        number = events
        finish = time.monotonic() + 5
        while time.monotonic() < finish:
            _emit(scope, batch, number)
            committed[number] = time.time()
            number += batch
            time.sleep(batch / trickle)
        arrived_at = _wait_for(receiver, number - events, timeout=120)
        from sqlmodel import select

        from portal.db import transaction
        from portal.models import OutboxEvent

        with transaction() as session:
            rows = session.exec(
                select(OutboxEvent.message_id, OutboxEvent.payload).where(
                    OutboxEvent.message_id.in_(list(arrived_at))
                )
            ).all()
        latencies = []
        for message_id, payload in rows:
            n = payload["data"]["organization"]["id"]
            first = n - (n - events) % batch
            latencies.append((arrived_at[message_id] - committed[first]) * 1000)
        latencies.sort()
        return {
            "rate": rate,
            "p50": statistics.median(latencies),
            "p95": latencies[int(len(latencies) * 0.95) - 1],
        }
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _postgres_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
        return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--trickle", type=int, default=200, help="events a second")
    parser.add_argument("--receive", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--deliver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receive:
        asyncio.run(_receive(args.receive))
        return 0
    if args.deliver:
        _deliver()
        return 0

    port = free_port()
    receiver_url = f"http://127.0.0.1:{port}"
    receiver = subprocess.Popen([sys.executable, __file__, "--receive", str(port)], cwd=ROOT)
    results = []
    try:
        for _ in range(50):
            try:
                httpx.get(f"{receiver_url}/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        for kind in args.databases.split(","):
            if kind == "postgresql" and not _postgres_up():
                print("no PostgreSQL on 127.0.0.1:5432: skipping it")
                continue
            with tempfile.TemporaryDirectory(prefix="portal-bench-webhooks-") as work:
                url, drop = _database(kind, Path(work))
                try:
                    _use(url, receiver_url)
                    secret, scope = _subscribe(receiver_url)
                    bare = asyncio.run(_bare(receiver_url, args.events, secret))
                    raw = asyncio.run(_raw(port, args.events))
                    httpx.post(f"{receiver_url}/reset", timeout=10)
                    print(
                        f"{kind}: the receiver takes {raw:.0f} requests/s from a bare asyncio "
                        f"client; Portal's HTTP client alone (no database) sends {bare:.0f}/s",
                        flush=True,
                    )
                    for workers in (int(w) for w in args.workers.split(",")):
                        figures = _portal(
                            receiver_url, url, scope, args.events, workers, args.trickle
                        )
                        results.append((kind, workers, figures, bare, raw))
                        _print_row(kind, workers, figures, bare)
                finally:
                    from portal.db import engine_for

                    engine_for(url).dispose()
                    drop()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    print()
    print(
        f"{'database':<11}{'workers':>8}{'Portal /s':>11}{'client /s':>10}{'receiver /s':>12}"
        f"{'x client':>9}{'x receiver':>11}{'p50 ms':>8}{'p95 ms':>8}  goals"
    )
    for kind, workers, figures, bare, raw in results:
        _print_row(kind, workers, figures, bare, raw, table=True)
    return 0


def _print_row(kind, workers, figures, bare, raw=None, *, table=False) -> None:
    ratio = figures["rate"] / bare
    goals = []
    if raw:
        to_raw = figures["rate"] / raw
        goals.append(f"x receiver {'PASS' if to_raw >= 0.5 else 'MISS'} (>= 0.5)")
    if kind == "postgresql":
        goals.append(f"rate {'PASS' if figures['rate'] >= 500 else 'MISS'} (>= 500/s)")
    if table:
        print(
            f"{kind:<11}{workers:>8}{figures['rate']:>11.0f}{bare:>10.0f}{raw:>12.0f}"
            f"{ratio:>9.2f}{figures['rate'] / raw:>11.2f}{figures['p50']:>8.0f}"
            f"{figures['p95']:>8.0f}  {', '.join(goals)}"
        )
    else:
        print(
            f"{kind}, {workers} worker(s): {figures['rate']:.0f} deliveries/s "
            f"({ratio:.2f}x the client alone); event to delivery p50 {figures['p50']:.0f} ms, "
            f"p95 {figures['p95']:.0f} ms",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
