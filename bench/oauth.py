"""Installed apps' tokens under load, beside a person's token on the same route, in one run.

    .venv/bin/python bench/oauth.py [--seconds 5] [--rounds 3]

Seeds a SQLite file (a developer app published with workspace:read, installed in a
workspace, a client secret; the same person's personal access token), starts Portal's /v1 API
app with granian (one worker) on loopback, and prints:

- POST /v1/oauth/token (client_credentials): token exchanges per second, 16 connections;
- GET /v1/workspaces/{id}, 16 connections, with the installation's scoped token and with the
  personal access token, alternating rounds: requests per second, p50, and the overhead the
  scoped token adds (the ratio of the two).
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
from data_plane import _granian  # noqa: E402
from harness import _wait_until_up, base_env, migrated_sqlite  # noqa: E402

MANIFEST = "display:\n  name: Bench Sync\nscopes:\n  - workspace:read\n"


def _seed(work: Path) -> dict:
    url = migrated_sqlite(work / "oauth.db")
    from sqlmodel import select

    from portal.config import get_settings
    from portal.db import transaction
    from portal.domain.access import Actor
    from portal.models import DeveloperApp, User
    from portal.services import (
        api_tokens,
        client_credentials,
        demo,
        developer_apps,
        developer_terms,
        installations,
    )

    with transaction() as session:
        demo.seed_demo(session=session)
        user = session.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
        actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
        workspace = demo.scale_workspace(session)
        developer_terms.accept(
            session=session, actor=actor, version=get_settings().developer_terms_version
        )
        app = developer_apps.create_app(session=session, actor=actor, name="Bench Sync")
        developer_apps.save_draft(session=session, actor=actor, app_id=app.id, text=MANIFEST)
        developer_apps.publish(session=session, actor=actor, app_id=app.id)
        developer_apps.set_visibility(
            session=session, actor=actor, app_id=app.id, visibility="unlisted"
        )
        link = installations.create_link(session=session, actor=actor, app_id=app.id)
        installed = installations.install(
            session=session,
            actor=actor,
            token=link.url.rsplit("/", 1)[1],
            workspace_id=str(workspace.id),
        )
        secret = client_credentials.rotate(session=session, actor=actor, app_id=app.id).secret
        pat = api_tokens.create_token(
            session=session, actor=actor, name="bench", expires_in_days=None
        ).secret
        client_id = session.get(DeveloperApp, app.id).client_id
    return {
        "url": url,
        "workspace_id": str(workspace.id),
        "client_id": client_id,
        "client_secret": secret,
        "installation_id": str(installed.id),
        "pat": pat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-oauth-"))
    print(f"seeding in {work}", flush=True)
    seeded = _seed(work)
    env = {**base_env(), "DATABASE_URL": seeded["url"]}
    portal = _granian("portal-api", "portal.api.app:create_api", env, work, factory=True)
    try:
        _wait_until_up(portal, ["/v1/health"], 60)
        form = {
            "grant_type": "client_credentials",
            "client_id": seeded["client_id"],
            "client_secret": seeded["client_secret"],
            "installation_id": seeded["installation_id"],
        }
        token = httpx.post(f"{portal.url}/v1/oauth/token", data=form, timeout=30).json()[
            "access_token"
        ]
        target = f"{portal.url}/v1/workspaces/{seeded['workspace_id']}"
        headers = {
            "scoped": {"Authorization": f"Bearer {token}"},
            "pat": {"Authorization": f"Bearer {seeded['pat']}"},
        }
        for sent in headers.values():  # both answer, and warm up
            httpx.get(target, headers=sent, timeout=30).raise_for_status()
        results: dict[str, list] = {"scoped": [], "pat": []}
        for _ in range(args.rounds):
            for name in ("scoped", "pat"):
                results[name].append(run(target, headers[name], args.seconds))
        rate, errors = asyncio.run(
            post_rate(f"{portal.url}/v1/oauth/token", args.seconds, expect=200, data=form)
        )
    finally:
        portal.stop()

    s_rate, s_p50, s_err = medians(results["scoped"])
    p_rate, p_p50, p_err = medians(results["pat"])
    print()
    print(f"POST /v1/oauth/token, {CONNECTIONS} connections, {args.seconds:.0f} s:")
    print(f"  {rate:.0f} token exchanges per second, {errors} refused")
    print(
        f"GET /v1/workspaces/{{id}}, {CONNECTIONS} connections, medians of {args.rounds} rounds "
        f"of {args.seconds:.0f} s, alternating"
    )
    print(f"  installation token : {s_rate:8.0f} req/s, p50 {s_p50:6.1f} ms, errors {s_err}")
    print(f"  personal token     : {p_rate:8.0f} req/s, p50 {p_p50:6.1f} ms, errors {p_err}")
    ratio = s_rate / p_rate if p_rate else 0
    p50_ratio = s_p50 / p_p50 if p_p50 else 0
    print(f"  scoped / personal  : {ratio:.2f}x req/s, p50 {p50_ratio:.2f}x (the scope's overhead)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
