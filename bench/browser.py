"""Browser-side figures, taken in Debian's Chromium through Playwright.

Times are taken inside the page (performance.now()), not from Python: Playwright's waits poll
(every 100 ms and more after the first miss in `expect`), which would swamp a 3 ms click.
The page-side snippets below are the bench's only JavaScript; Portal ships none of it.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page

# As tests/e2e/conftest.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 30_000


def system_chromium() -> str | None:
    """Debian's Chromium (or PORTAL_CHROMIUM), as the browser tests use; None lets
    Playwright take its own downloaded one."""
    for candidate in (
        os.environ.get("PORTAL_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass(frozen=True)
class Target:
    """One page of one app, and how the bench knows it has shown its data.

    `ready_selector` / `ready_text`: the page is ready when an element matching the selector
    contains the text (Portal: a table row with a seeded workspace; blank: the message its
    on_load sets). `click` finds the control the click figure presses, and `changed_selector`
    the element whose text the click must change, to a text containing `changed_text`
    (Portal: the first row, re-sorted, showing a workspace again, not a placeholder; blank:
    the counter).
    """

    name: str
    url: str
    ready_selector: str
    ready_text: str
    click: Callable[[Page], Locator]
    changed_selector: str
    changed_text: str = ""


def portal_sort_header(page: Page) -> Locator:
    """The Name column's sort control: the button in its header cell, or the cell itself."""
    header = page.get_by_role("columnheader", name=re.compile(r"^\s*Name")).first
    button = header.get_by_role("button")
    return button.first if button.count() else header


# Runs in every new document of a context, before the app's scripts: records the time since
# navigation start (performance.now()) at which the target's data first appears in the DOM.
_READY_OBSERVER = """
(() => {
  const selector = %s, text = %s;
  const check = () => {
    for (const element of document.querySelectorAll(selector)) {
      if (element.textContent.includes(text)) {
        window.__benchReadyAt = performance.now();
        observer.disconnect();
        return;
      }
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

# Arms a click measurement: the clock starts at the click event (capture phase, before the
# app's own handler) and stops at the first DOM mutation after which `selector`'s text differs
# from before the click and contains `text`.
_ARM_CLICK = """
([selector, text]) => {
  const before = document.querySelector(selector)?.textContent;
  let clickedAt;
  document.addEventListener("click", () => { clickedAt = performance.now(); },
                            {capture: true, once: true});
  window.__benchClick = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      const now = document.querySelector(selector)?.textContent;
      if (clickedAt !== undefined && now !== before && now?.includes(text)) {
        observer.disconnect();
        resolve(performance.now() - clickedAt);
      }
    });
    observer.observe(document.body, {childList: true, subtree: true, characterData: true});
    setTimeout(() => reject(new Error("no DOM change within 20 s")), 20000);
  });
}
"""


def prepare_context(context: BrowserContext, target: Target) -> None:
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(
        _READY_OBSERVER % (json.dumps(target.ready_selector), json.dumps(target.ready_text))
    )


def _wait_ready(page: Page, target: Target, timeout_ms: float = TIMEOUT_MS) -> float:
    try:
        page.wait_for_function("() => window.__benchReadyAt !== undefined", timeout=timeout_ms)
    except Exception as exc:
        raise RuntimeError(
            f"{target.name}: no {target.ready_selector!r} showing {target.ready_text!r} "
            f"at {page.url} (signed out? markup changed?)"
        ) from exc
    return page.evaluate("window.__benchReadyAt")


def open_ready(context: BrowserContext, target: Target) -> tuple[Page, float]:
    """A new tab on the target, once its data shows; and how long that took (ms)."""
    page = context.new_page()
    page.goto(target.url, wait_until="commit")
    return page, _wait_ready(page, target)


def navigation_ms(context: BrowserContext, target: Target) -> float:
    """A fresh tab (new websocket, new server-side state, warm HTTP cache) from navigation
    start to the page's data in the DOM."""
    page, elapsed = open_ready(context, target)
    page.close()
    return elapsed


def click_ms(page: Page, target: Target) -> float:
    """A real click (Playwright's mouse) to the DOM change it causes, on an open page."""
    page.evaluate(_ARM_CLICK, [target.changed_selector, target.changed_text])
    target.click(page).click()
    return page.evaluate("window.__benchClick")


def open_tabs(context: BrowserContext, target: Target, count: int, batch: int = 3) -> list[Page]:
    """`count` tabs on the target, each loaded until its data shows and left open. Loads go
    `batch` at a time, so the single server worker always has the next one queued; each of
    a batch may wait for the others' server work, hence the longer timeout."""
    pages: list[Page] = []
    while len(pages) < count:
        started = [context.new_page() for _ in range(min(batch, count - len(pages)))]
        for page in started:
            page.goto(target.url, wait_until="commit")
        for page in started:
            _wait_ready(page, target, timeout_ms=4 * TIMEOUT_MS)
        pages += started
    return pages


@dataclass(frozen=True)
class Frames:
    sent: int
    received: int

    @property
    def total(self) -> int:
        return self.sent + self.received


def websocket_bytes(context: BrowserContext, target: Target, quiet_s: float = 1.5) -> Frames:
    """Payload bytes of every websocket frame of one page load, both ways, counted by
    Chromium (CDP Network.webSocketFrameSent/Received), until the data shows and then no
    frame has passed for `quiet_s` (so frames that arrive after the rows, such as a
    picker's list, are counted too)."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    counted = {"sent": 0, "received": 0, "last": time.monotonic()}

    def count(direction: str):
        def on_frame(params: dict) -> None:
            response = params["response"]
            data = response["payloadData"]
            # Text frames arrive as text, binary ones (opcode 2) base64-encoded.
            size = len(base64.b64decode(data)) if response["opcode"] == 2 else len(data.encode())
            counted[direction] += size
            counted["last"] = time.monotonic()

        return on_frame

    cdp.on("Network.webSocketFrameSent", count("sent"))
    cdp.on("Network.webSocketFrameReceived", count("received"))
    page.goto(target.url, wait_until="commit")
    _wait_ready(page, target)
    deadline = time.monotonic() + 15
    while time.monotonic() - counted["last"] < quiet_s and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the CDP events meanwhile
    cdp.detach()
    page.close()
    return Frames(counted["sent"], counted["received"])


@dataclass(frozen=True)
class BuildSize:
    files: int
    gzip_bytes: int


def javascript_in_build(web_dir: Path) -> BuildSize:
    """Every .js file of the production client build, and their gzip -9 sizes summed: what a
    browser may download, whatever a given page pulls."""
    files = sorted((web_dir / "build" / "client").rglob("*.js"))
    if not files:
        raise RuntimeError(f"no JavaScript under {web_dir / 'build' / 'client'}")
    size = sum(len(gzip.compress(f.read_bytes(), compresslevel=9, mtime=0)) for f in files)
    return BuildSize(len(files), size)


def javascript_of_a_load(web_dir: Path, route_id: str) -> BuildSize:
    """The .js one load of `route_id` fetches (React Router's manifest: the entry, the root
    route and the page route with what each imports), gzip -9 summed. The build grows with
    every page; this is what a person's browser downloads for one."""
    assets = web_dir / "build" / "client" / "assets"
    manifest = next(assets.glob("manifest-*.js"))
    routes = json.loads(manifest.read_text().split("=", 1)[1].rstrip(";\n"))
    wanted = {routes["entry"]["module"], *routes["entry"]["imports"]}
    for rid in ("root", route_id):
        route = routes["routes"][rid]
        wanted |= {route["module"], *route.get("imports", [])}
    files = [assets / path.split("/assets/", 1)[1] for path in sorted(wanted)]
    size = sum(len(gzip.compress(f.read_bytes(), compresslevel=9, mtime=0)) for f in files)
    return BuildSize(len(files), size)
