"""Workspace list and detail costs with many workspaces: keyset pages stay flat.

    .venv/bin/python bench/workspaces.py [--workspaces 5000] [--rounds 20]

Prints median and p95 in milliseconds on a temporary SQLite database (DATABASE_URL, when set
to PostgreSQL, is used instead): the first page, a page deep in the list through its cursor,
the filtered count, and the detail page's query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{label:<34} median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms")


def _timed(fn, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    from portal import cli
    from portal.db import transaction
    from portal.domain.access import ClientInfo
    from portal.models import Workspace
    from portal.services import auth, sessions, workspaces

    cli.upgrade(url=os.environ["DATABASE_URL"])
    with transaction() as session:
        auth.create_user(
            session=session, email="bench@example.com", name="B", password="bench password 1"
        )
    with transaction() as session:
        token = auth.sign_in(
            session=session,
            email="bench@example.com",
            password="bench password 1",
            client=ClientInfo(),
        ).token
        actor = sessions.resolve_actor(session=session, token=token)
    account_id = 1
    start = time.perf_counter()
    with transaction() as session:
        for i in range(args.workspaces):
            session.add(
                Workspace(
                    id=uuid.uuid4(),
                    account_id=account_id,
                    name=f"Workspace {i:05d}",
                    slug=f"workspace-{i:05d}",
                    status="active" if i % 7 else "frozen",
                )
            )
    print(f"seeded {args.workspaces} workspaces in {time.perf_counter() - start:.1f} s")

    def first_page():
        with transaction() as session:
            return workspaces.list_workspaces(session=session, actor=actor, sort="name")

    deep_cursor = None
    with transaction() as session:
        cursor = None
        for _ in range(min(40, args.workspaces // 25 - 1)):
            cursor = workspaces.list_workspaces(
                session=session, actor=actor, sort="name", cursor=cursor
            ).next_cursor
        deep_cursor = cursor

    def deep_page():
        with transaction() as session:
            workspaces.list_workspaces(
                session=session, actor=actor, sort="name", cursor=deep_cursor
            )

    def count():
        with transaction() as session:
            workspaces.count_workspaces(session=session, actor=actor, status="frozen")

    some_id = first_page().items[0].id

    def detail():
        with transaction() as session:
            workspaces.get_workspace_detail(session=session, actor=actor, workspace_id=some_id)

    _report("list, first page (25, by name)", _timed(first_page, args.rounds))
    _report("list, page ~40 through cursor", _timed(deep_page, args.rounds))
    _report("count, status=frozen", _timed(count, args.rounds))
    _report("detail", _timed(detail, args.rounds))


if __name__ == "__main__":
    main()
