"""The blank Reflex app Portal's pages are compared with: what Reflex costs before Portal.

One page, one state: `on_load` sets a message (the page is "loaded" when it renders), and a
button increments a counter (the cheapest round trip an event can make). PROBE_PATH counts the
tab states it holds, as Portal's probe does. It is written into a
directory of its own and run with the same Reflex version, Node and server as Portal, so the
difference between the two is what Portal adds on top of the framework.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# Markers the browser measures wait for (see browser.py).
LOADED_TEXT = "Blank state loaded"
MESSAGE_ID = "blank-message"
COUNT_ID = "blank-count"
BUTTON_LABEL = "Increment"
# Both apps answer here with the number of tab states they hold (Portal with
# PORTAL_TAB_STATE_PROBE=1).
PROBE_PATH = "/_probe/tab-states"

RXCONFIG = """\
import reflex as rx

config = rx.Config(
    app_name="blank",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],  # Portal disables it too
)
"""

APP = f"""\
import reflex as rx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


class BlankState(rx.State):
    message: str = ""
    count: int = 0

    @rx.event
    def load(self):
        self.message = {LOADED_TEXT!r}

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.container(
        rx.heading(BlankState.message, id={MESSAGE_ID!r}),
        rx.button({BUTTON_LABEL!r}, on_click=BlankState.increment),
        rx.text(BlankState.count, id={COUNT_ID!r}),
    )


def tab_states(request):
    # How many tab states the server holds: the memory figure's probe, as Portal's.
    states = getattr(app.state_manager, "states", None)
    return JSONResponse({{"held": len(states) if isinstance(states, dict) else None}})


app = rx.App(api_transformer=Starlette(routes=[Route({PROBE_PATH!r}, tab_states)]))
app.add_page(index, route="/", on_load=BlankState.load)
"""


def source_digest() -> str:
    """Changes when the blank app's source changes: part of its cache directory's name."""
    return hashlib.sha256((RXCONFIG + APP).encode()).hexdigest()[:10]


def write(directory: Path) -> Path:
    """Write the app into `directory` (kept between runs: `.web` and node_modules are reused,
    which saves the npm install; the production build itself runs on every start)."""
    package = directory / "blank"
    package.mkdir(parents=True, exist_ok=True)
    (directory / "rxconfig.py").write_text(RXCONFIG)
    (package / "__init__.py").write_text("")
    (package / "blank.py").write_text(APP)
    return directory
