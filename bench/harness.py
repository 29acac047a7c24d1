"""What compare.py measures against: a seeded database, Portal, the blank app, the bare API.

Everything runs on loopback from this checkout's virtualenv, one worker each, on the same
server (granian, which `reflex run --env prod` picks when gunicorn is absent):

- Portal: `reflex run --env prod --single-port`, as tests/e2e/conftest.py starts it, on a
  fresh SQLite file migrated with `python -m portal migrate` and seeded through Portal's own
  services and models (so the rows are stored exactly as Portal stores them).
- The blank Reflex app (blank_app.py), built and run the same way from a cache directory.
- The bare Starlette route (bare_api.py) on the same SQLite file, under granian.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import blank_app
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench password 2026"
# Seeded workspace names start with this; the browser waits for a row that shows one.
WORKSPACE_PREFIX = "Bench workspace"
SMALL_WORKSPACES = 200  # the second user's count: websocket bytes must not depend on it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLOSED_TAB_GRACE_SECONDS = 10


def base_env() -> dict[str, str]:
    """The environment of every child: this virtualenv's node first, npm, one worker, and
    none of the caller's Portal/SMTP/Redis settings (Redis would switch Reflex to several
    workers and a different state manager)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "SMTP_", "REDIS_", "REFLEX_", "GRANIAN_"))
        and key != "DATABASE_URL"
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        REFLEX_USE_NPM="1",
        GRANIAN_WORKERS="1",
    )
    return env


# Seeding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    database_url: str
    sqlite_path: Path
    api_token: str  # personal access token of the user who reads every workspace
    session_big: str  # browser session of that user (cookie portal_session)
    session_small: str  # browser session of a user who reads SMALL_WORKSPACES of them
    workspaces: int
    small_workspaces: int


def migrated_sqlite(path: Path) -> str:
    """A SQLite file at `path` migrated by `python -m portal migrate`, and this process's
    Portal settings pointed at it; its URL."""
    url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, "-m", "portal", "migrate"],
        cwd=ROOT,
        env={**base_env(), "DATABASE_URL": url},
        check=True,
        capture_output=True,
        timeout=120,
    )
    # Portal reads its settings from the environment once; point them at the new file first.
    os.environ["DATABASE_URL"] = url
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from portal.config import get_settings

    get_settings.cache_clear()
    return url


def seed(directory: Path, workspaces: int) -> Seeded:
    """A migrated SQLite file with two users: "big" reads `workspaces` workspaces (its own
    account's and, through a read grant, the small account's), "small" reads only its own
    account's SMALL_WORKSPACES. Users, sessions and the token go through Portal's services;
    the workspaces are inserted in one transaction through the model (seconds, not minutes:
    create_workspace would also start a provisioning saga for each)."""
    sqlite_path = directory / "portal-bench.db"
    database_url = migrated_sqlite(sqlite_path)
    from sqlmodel import col, select

    from portal.db import engine_for, transaction
    from portal.domain.access import ClientInfo, Permission
    from portal.models import PermissionGrant, Workspace
    from portal.models._base import utcnow
    from portal.services import api_tokens, auth, sessions

    client = ClientInfo(ip_address="127.0.0.1", user_agent="bench")
    small_count = min(SMALL_WORKSPACES, workspaces)
    with transaction() as session:
        big = auth.create_user(
            session=session,
            email="big@bench.example.com",
            name="Bench Big",
            password=PASSWORD,
            account_name="Bench big account",
        )
        small = auth.create_user(
            session=session,
            email="small@bench.example.com",
            name="Bench Small",
            password=PASSWORD,
            account_name="Bench small account",
        )
    with transaction() as session:
        # create_user gave each user an account of their own, where they administer.
        accounts = dict(
            session.exec(
                select(PermissionGrant.user_id, PermissionGrant.account_id).where(
                    col(PermissionGrant.user_id).in_([big.id, small.id])
                )
            ).all()
        )
        session.add(
            PermissionGrant(
                user_id=big.id, account_id=accounts[small.id], permission=Permission.READ
            )
        )
        # Names in a shuffled order, so sorting by name reorders the rows on screen.
        numbers = list(range(1, workspaces + 1))
        random.Random(7).shuffle(numbers)
        every = max(1, workspaces // max(1, small_count))
        start = utcnow() - timedelta(days=30)
        session.add_all(
            Workspace(
                account_id=accounts[small.id]
                if i % every == 0 and i // every < small_count
                else accounts[big.id],
                name=f"{WORKSPACE_PREFIX} {numbers[i]:05d}",
                slug=f"bench-workspace-{numbers[i]:05d}",
                status="active",
                created_at=start + timedelta(seconds=i),
            )
            for i in range(workspaces)
        )
    tokens = {}
    for user in (big, small):
        with transaction() as session:
            tokens[user.id] = auth.sign_in(
                session=session, email=user.email, password=PASSWORD, client=client
            ).token
    with transaction() as session:
        actor = sessions.resolve_actor(session=session, token=tokens[big.id], client=client)
        api_token = api_tokens.create_token(session=session, actor=actor, name="bench").secret
    engine_for(database_url).dispose()  # no connection of ours stays open on the file
    return Seeded(
        database_url=database_url,
        sqlite_path=sqlite_path,
        api_token=api_token,
        session_big=tokens[big.id],
        session_small=tokens[small.id],
        workspaces=workspaces,
        small_workspaces=small_count,
    )


# Servers -------------------------------------------------------------------------------------


@dataclass
class Server:
    """A process group we started, answering on `url`."""

    name: str
    url: str
    process: subprocess.Popen
    log: Path
    web_dir: Path | None = None  # the Reflex app's .web (build output lives there)

    def tab_states(self) -> int | None:
        """How many tab states the server holds (its /_probe/tab-states; None without it)."""
        try:
            answer = httpx.get(f"{self.url}/_probe/tab-states", timeout=10)
            return answer.json().get("held") if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def rss_bytes(self) -> int:
        """Resident memory of the server: its process and every child (granian's worker)."""
        try:
            root = psutil.Process(self.process.pid)
            total = 0
            for process in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):  # a child that just ended
                    total += process.memory_info().rss
            return total
        except psutil.NoSuchProcess:
            return 0

    def stop(self) -> None:
        """SIGTERM to the group we started (start_new_session), SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def _wait_until_up(server: Server, paths: list[str], timeout: float) -> Server:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{server.name} exited early; see {server.log}:\n{tail}")
        try:
            if all(
                httpx.get(f"{server.url}{path}", timeout=2, follow_redirects=True).status_code
                == 200
                for path in paths
            ):
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{server.name} did not start in {timeout:.0f} s; see {server.log}")
        time.sleep(1)


def _spawn(name: str, args: list[str], cwd: Path, env: dict, logs: Path) -> tuple:
    log = logs / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() ends it and its workers only
        )
    return process, log


def _reflex_prod(
    name: str, app_dir: Path, port: int, env: dict, logs: Path, ready: list[str]
) -> Server:
    """`reflex run --env prod --single-port` in app_dir: builds the frontend, then serves
    page, websocket and API on one port. Warning log level: no access log on the hot path."""
    process, log = _spawn(
        name,
        [
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--single-port",
            "--frontend-port",
            str(port),
            "--loglevel",
            "warning",
        ],
        app_dir,
        env,
        logs,
    )
    # Reflex's frontend connects to http://localhost:<port> (its api_url): use that name.
    server = Server(name, f"http://localhost:{port}", process, log, web_dir=app_dir / ".web")
    return _wait_until_up(server, ready, timeout=600)


def start_portal(seeded: Seeded, logs: Path) -> Server:
    """Portal from this checkout, as tests/e2e/conftest.py starts it (without its test-only
    settings), on the seeded database."""
    port = free_port()
    env = {
        **base_env(),
        "DATABASE_URL": seeded.database_url,
        "PORTAL_PUBLIC_URL": f"http://localhost:{port}",
        # A closed tab's state goes this long after its socket (portal/state/closed_tabs.py):
        # shorter than Portal's default 120 s so the memory figure can wait for it.
        "PORTAL_CLOSED_TAB_GRACE_SECONDS": str(CLOSED_TAB_GRACE_SECONDS),
        "PORTAL_TAB_STATE_PROBE": "1",  # the memory figure counts the tab states held
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(32),  # production refuses the default
    }
    return _reflex_prod("portal", ROOT, port, env, logs, ["/ping", "/v1/health", "/sign-in"])


def blank_app_dir() -> Path:
    """A directory per Reflex version and blank-app source, kept under the system temp dir so
    its node_modules survive between runs (the build itself is redone at each start)."""
    name = f"portal-bench-blank-{version('reflex')}-{blank_app.source_digest()}"
    return blank_app.write(Path(tempfile.gettempdir()) / name)


def start_blank(logs: Path) -> Server:
    return _reflex_prod("blank", blank_app_dir(), free_port(), base_env(), logs, ["/ping", "/"])


def start_bare_api(seeded: Seeded, replay: Path, logs: Path) -> Server:
    """granian, ASGI, one worker, the same defaults as Reflex's own granian server; it
    replays the SQL recorded in `replay` (sql_capture.py)."""
    port = free_port()
    env = {
        **base_env(),
        "BENCH_SQLITE_PATH": str(seeded.sqlite_path),
        "BENCH_REPLAY": str(replay),
    }
    process, log = _spawn(
        "bare-api",
        [
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
            "--working-dir",
            str(BENCH),
            "bare_api:app",
        ],
        BENCH,
        env,
        logs,
    )
    return _wait_until_up(
        Server("bare-api", f"http://127.0.0.1:{port}", process, log), ["/v1/health"], 60
    )
