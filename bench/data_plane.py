"""The data-plane API under load, beside a bare route doing the same lookup, in one run.

    .venv/bin/python bench/data_plane.py [--end-users 1000] [--seconds 5] [--rounds 3]

Seeds a SQLite file (an app, its prod key, N end users, one with a password), then starts two
servers on loopback with granian, one worker each: Portal's /v1 API app
(portal.api.app:create_api, the app Reflex mounts) and bench/bare_data_plane.py. Prints, for
`GET /v1/end-users?limit=50` with 16 connections (wrk when installed), requests per second and
p50 of each, alternating rounds, and the ratio (goal: at least 0.5x the bare rate); then the
end-user sign-in rate (argon2id-bound, printed, no goal).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from api_load import CONNECTIONS, medians, post_rate, run  # noqa: E402
from harness import (  # noqa: E402
    VENV_BIN,
    Server,
    _spawn,
    _wait_until_up,
    base_env,
    free_port,
    migrated_sqlite,
)

PASSWORD = "bench sign-in password"  # noqa: S105 - a benchmark's throwaway end user


def _seed(work: Path, end_users: int) -> tuple[str, str, int]:
    """(database url, the app's secret key, the id of the end user with a password)."""
    url = migrated_sqlite(work / "data-plane.db")
    from sqlalchemy import insert
    from sqlmodel import select

    from portal.db import transaction
    from portal.domain.access import Actor
    from portal.models import EndUser, User
    from portal.models._base import utcnow
    from portal.services import app_api_keys, apps, demo
    from portal.services import end_users as end_user_service
    from portal.services.app_scope import for_console

    with transaction() as session:
        demo.seed_demo(session=session)
        user = session.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
        actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
        workspace = demo.scale_workspace(session)
        app = apps.create_app(
            session=session, actor=actor, workspace_id=str(workspace.id), name="Bench App"
        )
        secret = app_api_keys.create_key(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug=app.slug,
            name="bench",
        ).secret
        now = utcnow()
        session.execute(
            insert(EndUser),
            [
                {
                    "app_id": app.id,
                    "environment": "prod",
                    "email": f"user{n:06d}@bench.example",
                    "name": f"User {n}",
                    "created_at": now,
                }
                for n in range(end_users)
            ],
        )
        scope = for_console(
            session, actor, workspace_id=str(workspace.id), app_slug=app.slug, write=True
        )
        signer = end_user_service.create_end_user(
            session=session, scope=scope, email="signer@bench.example", password=PASSWORD
        )
    return url, secret, signer.id


def _granian(name: str, target: str, env: dict, logs: Path, *, factory: bool) -> Server:
    port = free_port()
    args = [
        str(VENV_BIN / "granian"),
        "--interface",
        "asgi",
        "--workers",
        "1",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    if factory:
        args.append("--factory")
    args.append(target)
    cwd = ROOT if factory else BENCH
    process, log = _spawn(name, args, cwd, env, logs)
    server = Server(name, f"http://127.0.0.1:{port}", process, log)
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--end-users", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-data-plane-"))
    print(f"seeding {args.end_users:,} end users in {work}", flush=True)
    url, key, signer = _seed(work, args.end_users)
    env = {**base_env(), "DATABASE_URL": url, "BENCH_SQLITE_PATH": url.split("///", 1)[1]}
    portal = _granian("portal-api", "portal.api.app:create_api", env, work, factory=True)
    bare = _granian("bare-data-plane", "bare_data_plane:app", env, work, factory=False)
    try:
        _wait_until_up(portal, ["/v1/health"], 60)
        headers = {"Authorization": f"Bearer {key}"}
        for server in (portal, bare):  # both answer, and warm up
            answer = httpx.get(f"{server.url}/v1/end-users?limit=50", headers=headers, timeout=30)
            answer.raise_for_status()
            assert len(answer.json()["items"]) == 50, server.name
        results: dict[str, list] = {"portal": [], "bare": []}
        for _ in range(args.rounds):
            for name, server in (("portal", portal), ("bare", bare)):
                results[name].append(
                    run(f"{server.url}/v1/end-users?limit=50", headers, args.seconds)
                )
        rate, errors = asyncio.run(
            post_rate(
                f"{portal.url}/v1/end-users/{signer}/sign-ins",
                args.seconds,
                expect=201,
                headers=headers,
                json={"method": "password", "password": PASSWORD},
            )
        )
    finally:
        portal.stop()
        bare.stop()

    p_rate, p_p50, p_err = medians(results["portal"])
    b_rate, b_p50, b_err = medians(results["bare"])
    ratio = p_rate / b_rate if b_rate else 0
    print()
    print(
        f"GET /v1/end-users?limit=50, {CONNECTIONS} connections, medians of {args.rounds} "
        f"rounds of {args.seconds:.0f} s, alternating"
    )
    print(f"  Portal /v1 app : {p_rate:8.0f} req/s, p50 {p_p50:6.1f} ms, errors {p_err}")
    print(f"  bare Starlette : {b_rate:8.0f} req/s, p50 {b_p50:6.1f} ms, errors {b_err}")
    verdict = "PASS" if ratio >= 0.5 and not p_err else "MISS"
    p50_ratio = p_p50 / b_p50 if b_p50 else 0
    print(f"  ratio          : {ratio:.2f}x req/s, p50 {p50_ratio:.1f}x  (goal >= 0.5x) {verdict}")
    print(f"end-user sign-ins (password, argon2id): {rate:.1f} per second, {errors} refused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
