"""The workspace dashboard at scale: its server-side time and query count beside the bare SQL
it needs, on SQLite and (when a server answers on 127.0.0.1:5432) PostgreSQL.

    .venv/bin/python bench/dashboard.py [--apps 1000] [--organizations 100] [--end-users 1000]
                                        [--rounds 15] [--sqlite-only]

For each database: migrate a fresh one, seed the demo person and N apps (each with its
organizations and end users) in one workspace and 10 apps in another, then

- Portal: `dashboard.workspace_dashboard(...)` in its own transaction (permission check, the
  aggregates, the bounded lists, DTOs), median of the rounds;
- bare: the same SELECT statements Portal sent (recorded at the driver), replayed on a plain
  driver connection, median of the rounds: the aggregate queries with nothing around them;
- the query count at 10 apps and at N apps (goal: the same).

Goal: Portal at most 2x the bare SQL, the same number of queries at 10 and at N apps.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _say(text: str) -> None:
    print(text, flush=True)


def _progress(what: str, done: int, total: int) -> None:
    if done >= total:
        _say(f"    {what}: {total:,}")


def _postgres_url() -> str | None:
    try:
        import psycopg

        name = f"portal_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=2
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception as exc:  # noqa: BLE001 - no server here: say so and measure SQLite only
        _say(f"  PostgreSQL: not measured ({type(exc).__name__}: {exc})")
        return None


def _drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _measure(url: str, args) -> dict:
    os.environ["DATABASE_URL"] = url
    from portal.config import get_settings

    get_settings.cache_clear()
    from sqlalchemy import event
    from sqlmodel import select

    from portal.cli import upgrade
    from portal.db import engine_for, transaction
    from portal.domain.access import Actor
    from portal.models import User, Workspace
    from portal.services import dashboard, demo, demo_apps

    upgrade("head")
    started = time.perf_counter()
    with transaction() as session:
        demo.seed_demo(session=session)
        big = demo.scale_workspace(session)
        demo_apps.seed_scale(
            session,
            big,
            apps=args.apps,
            organizations_per_app=args.organizations,
            end_users_per_app=args.end_users,
            progress=_progress,
        )
        small = Workspace(
            account_id=big.account_id, name="Acme Small", slug="acme-small", status="active"
        )
        session.add(small)
        session.flush()
        demo_apps.seed_scale(
            session, small, apps=10, organizations_per_app=10, end_users_per_app=10
        )
        big_id, small_id = str(big.id), str(small.id)
        user = session.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
        actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
    _say(f"  seeded in {time.perf_counter() - started:.0f} s")

    engine = engine_for(url)
    recorded: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        recorded.append((statement, parameters))

    def board(workspace_id: str) -> None:
        with transaction() as session:
            dashboard.workspace_dashboard(session=session, actor=actor, workspace_id=workspace_id)

    board(big_id)  # warm: statement caches
    counts = {}
    for label, workspace_id in (("10", small_id), ("N", big_id)):
        recorded.clear()
        event.listen(engine, "before_cursor_execute", record)
        board(workspace_id)
        event.remove(engine, "before_cursor_execute", record)
        counts[label] = len(recorded)
        if label == "N":
            replay = [
                (s, p) for s, p in recorded if s.lstrip().upper().startswith(("SELECT", "WITH"))
            ]

    portal_ms = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        board(big_id)
        portal_ms.append((time.perf_counter() - started) * 1000)

    bare_ms = []
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        conn = sqlite3.connect(path)

        def run_bare() -> None:
            for statement, parameters in replay:
                conn.execute(statement, parameters).fetchall()
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)

        def run_bare() -> None:
            for statement, parameters in replay:
                conn.execute(statement, parameters).fetchall()

    run_bare()
    for _ in range(args.rounds):
        started = time.perf_counter()
        run_bare()
        bare_ms.append((time.perf_counter() - started) * 1000)
    conn.close()
    engine.dispose()
    return {
        "portal": statistics.median(portal_ms),
        "bare": statistics.median(bare_ms),
        "queries_10": counts["10"],
        "queries_n": counts["N"],
        "selects": len(replay),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--organizations", type=int, default=100, help="per app")
    parser.add_argument("--end-users", type=int, default=1000, help="per app")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    scale = (
        f"{args.apps:,} apps, {args.apps * args.organizations:,} organizations, "
        f"{args.apps * args.end_users:,} end users"
    )
    results = {}
    work = Path(tempfile.mkdtemp(prefix="portal-bench-dashboard-"))
    _say(f"SQLite ({scale}) in {work}")
    results["SQLite"] = _measure(f"sqlite:///{work / 'dashboard.db'}", args)
    if not args.sqlite_only:
        url = _postgres_url()
        if url:
            _say(f"PostgreSQL ({scale})")
            try:
                results["PostgreSQL"] = _measure(url, args)
            finally:
                _drop_postgres(url)
    _say("")
    _say(
        f"{'database':<11} {'Portal p50':>11} {'bare SQL p50':>13} {'ratio':>6}  "
        f"{'queries at 10 / N apps':>23}  goal: <= 2x, same count"
    )
    for name, r in results.items():
        ratio = r["portal"] / r["bare"] if r["bare"] else float("inf")
        verdict = "PASS" if ratio <= 2 and r["queries_10"] == r["queries_n"] else "MISS"
        _say(
            f"{name:<11} {r['portal']:>8.1f} ms {r['bare']:>10.1f} ms {ratio:>5.2f}x  "
            f"{r['queries_10']:>11} / {r['queries_n']:<10}  {verdict}"
        )
    _say(
        f"(bare: the {results['SQLite']['selects']} SELECTs Portal sent, replayed on a plain "
        f"driver connection; medians of {args.rounds} rounds)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
