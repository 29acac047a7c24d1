"""Where a /workspaces load spends its time, phase by phase, beside the blank app's.

    .venv/bin/python bench/phases.py [--loads 9] [--workspaces 2000]

Starts Portal and the blank app as bench/compare.py does and loads each --loads times in
turn (the first load of each, which fills the HTTP cache, is left out). Prints the median
time since navigation start of each phase: the HTML's response, DOMContentLoaded, first
contentful paint, the websocket created (the page has mounted), opened, the hydrate event
sent (the page's first render done), the first message received, and the rows (or the blank
app's text) visible; then the main thread's long tasks (start, duration) of the last load.
compare.py gives the ratio; this says which phase to work on.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import browser
import compare
import harness

PHASES = ("response", "dcl", "fcp", "ws_new", "ws_open", "hydrate_sent", "first_msg", "ready")

# Installed before any page script: stamps the websocket's life and the long tasks.
_STAMPS = """
window.__t = {};
(() => {
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    window.__t.ws_new = performance.now();
    const socket = new Native(...args);
    socket.addEventListener("open", () => { window.__t.ws_open = performance.now(); });
    socket.addEventListener("message", () => {
      window.__t.first_msg ??= performance.now();
    });
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      if (String(data).includes("hydrate")) window.__t.hydrate_sent ??= performance.now();
      return send(data);
    };
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      (window.__t.long ||= []).push([Math.round(e.startTime), Math.round(e.duration)]);
    }
  }).observe({ type: "longtask", buffered: true });
})();
"""

_READ = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByType("paint")
    .find((e) => e.name === "first-contentful-paint");
  return { ...window.__t, response: nav.responseEnd, dcl: nav.domContentLoadedEventEnd,
           fcp: fcp ? fcp.startTime : 0 };
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=9)
    parser.add_argument("--workspaces", type=int, default=2000)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="portal-phases-"))
    seeded = harness.seed(work, args.workspaces)
    portal = harness.start_portal(seeded, work)
    blank = harness.start_blank(work)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=browser.system_chromium(), args=browser.CHROMIUM_ARGS
            )
            sides = []
            for target, token in (
                (compare.portal_target(portal), seeded.session_big),
                (compare.blank_target(blank), None),
            ):
                context = compare._context(chromium, target, token)
                context.add_init_script(_STAMPS)
                sides.append((target, context, []))
            for load in range(args.loads):
                for target, context, samples in sides:
                    page, ready_ms = browser.open_ready(context, target)
                    sample = {**page.evaluate(_READ), "ready": ready_ms}
                    page.close()
                    if load:  # the first load filled the HTTP cache
                        samples.append(sample)
            print(f"ms since navigation start, median of {args.loads - 1} loads")
            print(f"  {'phase':14}" + "".join(f"{t.name:>10}" for t, _, _ in sides))
            for phase in PHASES:
                cells = "".join(
                    f"{statistics.median(s.get(phase, 0) for s in samples):10.0f}"
                    for _, _, samples in sides
                )
                print(f"  {phase:14}{cells}")
            for target, _, samples in sides:
                print(f"long tasks of {target.name}'s last load: {samples[-1].get('long')}")
    finally:
        portal.stop()
        blank.stop()


if __name__ == "__main__":
    main()
