"""Browser tests: Portal runs for real (`reflex run --env prod`) and Chromium drives it.

One server per test session on a free port, with its own database (a copy of the session's
migrated template: a SQLite file, or a throwaway PostgreSQL database when
PORTAL_TEST_DATABASE=postgresql). Tests reach the same
database through `server.sql(...)` and `server.db()` to set up what a person could not (an
expired session), and to skip what other tests already cover: `server.person(...)` makes a
user through the services and `server.sign_in(page, email)` gives the browser a session cookie
without the sign-in form (test_auth_flows.py signs up and signs in for real).

Under pytest-xdist (`--dist loadgroup`, see tests/conftest.py) the browser tests are spread
over up to four workers that share one server, so the app is built and started once per run.
Each worker hands one browser tab from test to test, made new in between (`context` below).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import create_engine, pool, text
from sqlmodel import Session, select

from portal.config import get_settings
from portal.db import engine_for, transaction
from portal.domain.access import ClientInfo
from portal.models import User
from portal.services import auth, sessions
from scripts import web_cache
from scripts.ensure_chromium import system_chromium
from tests.conftest import sqlite_url
from tests.e2e.helpers import PASSWORD, open_page, unique_email, use_scheme

ROOT = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# Screenshots to look at (tests/artifacts/*.png): `make screenshots` turns them on. They cost
# about a third of the browser tests' time and nothing asserts on them, so `make test` skips.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS") == "1"
E2E_SECRET_KEY = "e2e-sealing-key-of-the-browser-tests"  # noqa: S105 - a test key
os.environ["PORTAL_SECRET_KEY"] = E2E_SECRET_KEY
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # The compositor's GPU thread in the browser process instead of a process of its own
    # (software only here): about a tenth less Chromium CPU for the same tests, measured.
    "--in-process-gpu",
    # V8's optimizing tiers (Maglev, TurboFan) compile on background threads for code that a
    # test's page, loaded again a few seconds later, rarely runs long enough to repay: without
    # them (the interpreter and Sparkplug only) Chromium spent 13% less CPU on the same sign-in
    # and three pages, alternated with a default browser in one run. Tests only: a person's
    # browser, and bench/, keep the JIT.
    "--js-flags=--no-maglev --no-opt",
]

pytestmark = pytest.mark.e2e


def pytest_itemcollected(item: pytest.Item) -> None:
    """A timeout on each browser test itself; the server fixture has its own deadline for
    the build."""
    if E2E in item.path.parents:
        item.add_marker(pytest.mark.timeout(120, func_only=True))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    executable = system_chromium()
    if executable:
        args["executable_path"] = executable
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Every test's browser asks for reduced motion: Radix's open and close animations (and
    the frames Chromium draws for them) are skipped, which the tests would only wait out."""
    return {**browser_context_args, "reduced_motion": "reduce"}


@dataclass
class Server:
    url: str
    database_url: str
    env: dict[str, str]
    # Where this server's Reflex writes tab states without Redis (REFLEX_STATES_WORKDIR).
    states_dir: Path
    # The Redis state manager's server, when the tests run with PORTAL_TEST_REDIS_URL.
    redis_url: str | None = None

    def sql(self, statement: str, **params) -> list:
        engine = create_engine(self.database_url, poolclass=pool.NullPool)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    @contextmanager
    def db(self) -> Iterator[Session]:
        """A transaction on the server's database, through Portal's own models and services,
        with the server's data directory (its master key file: secrets set here open there)."""
        own = {"DATABASE_URL": self.database_url, "PORTAL_DATA_DIR": self.env["PORTAL_DATA_DIR"]}
        previous = {key: os.environ.get(key) for key in own}
        os.environ.update(own)
        get_settings.cache_clear()
        try:
            with transaction() as session:
                yield session
        finally:
            engine_for(self.database_url).dispose()
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            get_settings.cache_clear()

    def person(
        self,
        email: str | None = None,
        name: str = "Sam Tester",
        *,
        password: str = PASSWORD,
        account_name: str = "",
        platform_admin: bool = False,
    ) -> str:
        """A user with their own account, made through the services; returns the email."""
        email = email or unique_email("person")
        with self.db() as session:
            auth.create_user(
                session=session,
                email=email,
                name=name,
                password=password,
                account_name=account_name,
                is_platform_admin=platform_admin,
            )
        return email

    def sign_in(self, page: Page, email: str, *, to: str = "/") -> None:
        """Sign `email` in on this browser as the sign-in form would (a new server-side session
        in the HttpOnly cookie /auth/session sets), without the form; lands on `to` (the
        dashboard by default: a page loaded straight away costs less than one more visit)."""
        with self.db() as session:
            user = session.exec(select(User).where(User.email == email)).one()
            client = ClientInfo(ip_address="127.0.0.1", user_agent="e2e")
            token = sessions.issue(session=session, user=user, client=client)
        page.context.add_cookies(
            [
                {
                    "name": "portal_session",
                    "value": token,
                    "url": self.url,
                    "sameSite": "Strict",
                    "httpOnly": True,
                }
            ]
        )
        open_page(page, to, reload=True)  # the new cookie: a new connection
        if to == "/":
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "portal", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


@pytest.fixture(scope="session")
def server_database(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """The server's database, migrated: a copy of the session's migrated template (a SQLite
    file, or with PORTAL_TEST_DATABASE=postgresql a PostgreSQL database); yields its URL."""
    if os.environ.get("PORTAL_TEST_DATABASE") == "postgresql":
        postgres = request.getfixturevalue("postgres_server")
        name = postgres.create("portal_e2e", template=request.getfixturevalue("postgres_template"))
        try:
            yield postgres.url(name)
        finally:
            postgres.drop(name)
    else:
        path = tmp_path_factory.mktemp("e2e-database") / "portal-e2e.db"
        shutil.copyfile(request.getfixturevalue("migrated_template"), path)
        yield sqlite_url(path)


class _CoderunnerStub(BaseHTTPRequestHandler):
    """A coderunner integration on loopback: two runners for any workspace."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if not self.path.startswith("/v1/workspaces/") or not self.path.endswith("/runners"):
            self.send_error(404)
            return
        body = json.dumps(
            {
                "items": [
                    {"id": "r-1", "name": "builder-1", "status": "online"},
                    {"id": "r-2", "name": "builder-2", "status": "offline"},
                ]
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def coderunner_url() -> Iterator[str]:
    stub = ThreadingHTTPServer(("127.0.0.1", 0), _CoderunnerStub)
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{stub.server_address[1]}"
    stub.shutdown()


def _checkout_digest() -> str:
    return hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]


def _build_lock_path() -> Path:
    return Path(tempfile.gettempdir()) / f"portal-e2e-{_checkout_digest()}.lock"


def _took(lock) -> bool:
    """Whether this process took `lock` (an open file) for itself, without waiting."""
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _build_locked() -> bool:
    """Whether a test server built from this checkout is running (its owner holds the lock)."""
    with _build_lock_path().open("w") as lock:
        return not _took(lock)  # (closing the file lets go of a lock taken here)


@contextmanager
def _web_build_lock() -> Iterator[None]:
    """One test server at a time per checkout: each builds the frontend into ROOT/.web (with
    its port in it), and a second build there would switch the first server's pages to the
    second server. Another test run's server fails this one fast; within one run the
    workers share a server (`server` below)."""
    with _build_lock_path().open("w") as lock:
        if not _took(lock):
            pytest.fail(
                f"another test run has a Portal server built from {ROOT}/.web; wait for it "
                "or run the browser tests in that run"
            )
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _start_server(tmp: Path, database_url: str, coderunner_url: str) -> Iterator[Server]:
    """Build and run Portal (`reflex run --env prod`) on a free port until the block ends."""
    port = _free_port()
    url = f"http://localhost:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "SMTP_", "REDIS_"))
    }
    env.update(
        DATABASE_URL=database_url,
        PORTAL_PUBLIC_URL=url,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        REFLEX_USE_NPM="1",
        REFLEX_PERF_MODE="raise",
        PORTAL_DEV_OUTBOX="1",  # the reset test reads its link there; prod mode hides it
        PORTAL_CODERUNNER_URL=coderunner_url,
        PORTAL_DATA_DIR=str(tmp / "data"),  # export archives
        REFLEX_STATES_WORKDIR=str(tmp / "states"),  # this server's own .states/
        # X-Forwarded-For names the client, as behind one proxy: the throttle test signs in
        # from an address of its own (tests without the header are 127.0.0.1).
        PORTAL_TRUSTED_PROXY_HOPS="1",
        # Production refuses the development key; this process seals with the same one
        # (E2E_SECRET_KEY, set at import) when a test prepares data through the services.
        PORTAL_SECRET_KEY=E2E_SECRET_KEY,
        # Data-plane activity written every second: a test waits for it to show.
        PORTAL_ACTIVITY_FLUSH_SECONDS="1",
    )
    workers = 0
    if os.environ.get("PORTAL_TEST_REDIS_URL"):
        # As a deployment that outgrew one process runs (README): two backend workers on the
        # Redis state manager, and the background loops (sagas, mail, webhook deliveries) in
        # two `python -m portal worker` processes beside them.
        env["REDIS_URL"] = os.environ["PORTAL_TEST_REDIS_URL"]
        env["GRANIAN_WORKERS"] = "2"
        env["PORTAL_EMBEDDED_WORKERS"] = "0"
        workers = 2
    log = (tmp / "reflex.log").open("w")
    web_cache.restore(ROOT)  # a new checkout's .web from this machine's last one, if any
    background = [
        subprocess.Popen(
            [sys.executable, "-m", "portal", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(workers)
    ]
    process = subprocess.Popen(
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
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"Portal exited early; see {log.name}:\n{Path(log.name).read_text()[-4000:]}"
                )
            try:
                if (
                    httpx.get(f"{url}/ping", timeout=2).status_code == 200
                    and httpx.get(f"{url}/sign-in", timeout=2, follow_redirects=True).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Portal did not start in time; see {log.name}")
            time.sleep(1)
        web_cache.save(ROOT)  # the installed packages, for the next new checkout
        yield Server(
            url=url,
            database_url=database_url,
            env=env,
            states_dir=tmp / "states",
            redis_url=env.get("REDIS_URL"),
        )
    finally:
        for running in (process, *background):
            try:
                os.killpg(running.pid, signal.SIGTERM)
                running.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(running.pid, signal.SIGKILL)
        log.close()


def _server_record(server: Server) -> str:
    return json.dumps({**asdict(server), "states_dir": str(server.states_dir)})


def _server_from(record: str) -> Server:
    data = json.loads(record)
    return Server(**{**data, "states_dir": Path(data["states_dir"])})


def _alive(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ping", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def _own_server(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Server]:
    with contextlib.ExitStack() as stack:
        stack.enter_context(_web_build_lock())
        tmp = tmp_path_factory.mktemp("e2e")
        yield stack.enter_context(
            _start_server(
                tmp,
                request.getfixturevalue("server_database"),
                request.getfixturevalue("coderunner_url"),
            )
        )


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Server]:
    """Portal for the browser tests: one build and one server for the whole run.

    Without xdist this process starts it. Under xdist (make test) the browser tests are
    spread over the workers (tests/conftest.py) and share one server, so the frontend is
    built once: the first worker to need it starts it and records it in a directory of the
    run; the others use it. Each user holds a shared lock on it; its owner stops it only once
    it gets the lock alone (every other worker done), and a worker that comes later still
    starts a server of its own."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        with _own_server(request, tmp_path_factory) as own:
            yield own
        return
    shared = Path(tempfile.gettempdir()) / f"portal-e2e-{_checkout_digest()}-{run[:16]}"
    shared.mkdir(exist_ok=True)
    record = shared / "server.json"
    with contextlib.ExitStack() as stack:
        users = stack.enter_context((shared / "users.lock").open("a"))
        with (shared / "start.lock").open("a") as start:
            fcntl.flock(start, fcntl.LOCK_EX)  # one worker at a time decides
            fcntl.flock(users, fcntl.LOCK_SH)  # waits while an owner is stopping its server
            found = _server_from(record.read_text()) if record.exists() else None
            # A recorded server that does not answer in time is still this run's while its
            # owner holds the build lock: slow under load (a .ci/run beside other work), not
            # gone. Starting a second one would fail on that lock.
            if found is not None and (_alive(found.url) or _build_locked()):
                server, owner = found, False
            else:
                server = stack.enter_context(_own_server(request, tmp_path_factory))
                record.write_text(_server_record(server))
                owner = True
        try:
            yield server
        finally:
            if owner:
                fcntl.flock(users, fcntl.LOCK_EX)  # every other worker is done with it
                record.unlink(missing_ok=True)
    # (the ExitStack stopped the owner's server and released its locks)


@pytest.fixture(scope="session")
def base_url(server: Server) -> str:
    return server.url


# One tab per worker -----------------------------------------------------------------------
# A new browser context and page for every test cost Chromium a new renderer process and a
# first load in it: ~0.54 CPU-s against ~0.22 to load the page again in a live tab. Over the
# browser tests (-n 3, the whole process tree in one cgroup, three pairs of runs): 202-255
# CPU-s with a context each against 176-203 with one tab per worker. So a worker keeps one
# context and tab per set of context options (a module may set its own, e.g. a time zone) and
# hands it to the next test as new: no cookies, storage or permissions (the next load gets a
# new Reflex tab token, so new server-side state), no routes, no other pages, the options'
# viewport and media. A handed-over tab counts as not live (helpers.open_page): the test's
# first visit is a full load. A test that needs a second person opens a context of its own
# (`new_context`; pytest-playwright's --tracing/--video/--screenshot record only those).
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture(scope="session")
def _worker_tabs() -> Iterator[dict[str, BrowserContext]]:
    """This worker's contexts, one per set of context options, each with its one tab."""
    contexts: dict[str, BrowserContext] = {}
    yield contexts
    for context in contexts.values():
        with contextlib.suppress(Exception):  # the browser may be gone already
            context.close()


def _hand_over(context: BrowserContext, options: dict) -> Page:
    """Make the last test's tab new for the next one (see above) and return it; `options` are
    the context's own."""
    tab, *others = context.pages or [context.new_page()]
    for other in others:
        other.close()
    context.clear_cookies()
    context.clear_permissions()
    tab.unroute_all(behavior="ignoreErrors")
    if tab.url.startswith("http"):
        tab.evaluate(
            "() => { sessionStorage.clear(); localStorage.clear();"
            " window.__portalHandedOver = true; }"
        )
    viewport = options.get("viewport") or DEFAULT_VIEWPORT
    if tab.viewport_size != viewport:
        tab.set_viewport_size(viewport)
    tab.emulate_media(
        color_scheme=options.get("color_scheme", "light"),
        reduced_motion=options.get("reduced_motion", "no-preference"),
    )
    return tab


@pytest.fixture
def context(browser: Browser, browser_context_args: dict, _worker_tabs) -> BrowserContext:
    """This worker's context for these options with its tab handed over as new
    (pytest-playwright's own fixture makes a context per test)."""
    key = json.dumps(browser_context_args, sort_keys=True, default=str)
    context = _worker_tabs.get(key)
    if context is not None:
        try:
            _hand_over(context, browser_context_args)
        except Exception:  # noqa: BLE001 - a context the last test closed or broke: a new one
            with contextlib.suppress(Exception):
                context.close()
            context = None
    if context is None:
        context = _worker_tabs[key] = browser.new_context(**browser_context_args)
        context.new_page()
    return context


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """This worker's tab (see `context`): its context's only page."""
    return context.pages[0]


@pytest.fixture
def signed_in(server: Server, page: Page):
    """signed_in(name=..., to=...) -> email: a new person with their own account, signed in
    on `page` (server.person, then server.sign_in), on `to` (the dashboard by default)."""

    def sign_in_new_person(name: str = "Sam Tester", *, to: str = "/") -> str:
        email = server.person(name=name)
        server.sign_in(page, email, to=to)
        return email

    return sign_in_new_person


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """tests/artifacts/NAME.png when screenshots are on (SCREENSHOTS); else nothing."""
    if not SCREENSHOTS:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if full_page:  # sticky bars land mid-page in a full-page capture taken while scrolled
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def save_two_looks(page: Page, name: str) -> None:
    """NAME-1440-light and NAME-390-dark (the two looks a page is checked in), then back to
    wide and light; nothing when screenshots are off."""
    if not SCREENSHOTS:
        return
    wide = {"width": 1440, "height": 900}
    page.set_viewport_size(wide)
    use_scheme(page, "light")
    save_screenshot(page, f"{name}-1440-light", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    use_scheme(page, "dark")
    save_screenshot(page, f"{name}-390-dark", full_page=False)
    page.set_viewport_size(wide)
    use_scheme(page, "light")


@pytest.fixture
def shot(page):
    """shot(NAME): save_screenshot of the test's page."""
    return lambda name: save_screenshot(page, name)
