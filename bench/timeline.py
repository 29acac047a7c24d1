"""Where the time of one page load and one click goes: a timeline of a Portal tab.

    .venv/bin/python bench/timeline.py [--path /workspaces] [--loads 5] [--workspaces 2000]

Seeds and starts Portal as bench/compare.py does, opens --loads fresh tabs on --path, and
prints for the last one every websocket frame (time since navigation start, direction, bytes,
the event it carries) and the moment the rows showed; then the same for a sort click. For
finding which round trip or which handler to work on; compare.py gives the ratios.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import browser
import compare
import harness


def _describe(payload: str) -> str:
    """The event name (client -> server) or the delta's state names (server -> client)."""
    start = payload.find("[")
    try:
        message = json.loads(payload[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        return payload[:60]
    if not isinstance(message, list) or len(message) < 2:
        return payload[:60]
    body = message[1]
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except json.JSONDecodeError:
            return body[:60]
    if isinstance(body, dict) and "name" in body:
        return f"event {body['name']}"
    if isinstance(body, dict) and "delta" in body:
        names = ", ".join(sorted(k.rsplit(".", 1)[-1] for k in (body.get("delta") or {})))
        events = [e.get("name") for e in body.get("events") or []]
        return f"delta [{names}]" + (f" events {events}" if events else "")
    return str(body)[:60]


def _record(page, cdp, frames: list, origin: list[float]) -> None:
    def on_frame(direction: str):
        def handler(params: dict) -> None:
            data = params["response"]["payloadData"]
            frames.append((params["timestamp"], direction, len(data), _describe(data)))

        return handler

    def on_request(params: dict) -> None:
        if params.get("type") == "Document" and not origin:
            origin.append(params["timestamp"])

    cdp.on("Network.webSocketFrameSent", on_frame("->"))
    cdp.on("Network.webSocketFrameReceived", on_frame("<-"))
    cdp.on("Network.requestWillBeSent", on_request)
    cdp.send("Network.enable")


def _print(frames: list, origin: float, ready_ms: float | None, label: str) -> None:
    print(f"\n{label}")
    for stamp, direction, size, what in frames:
        print(f"  {(stamp - origin) * 1000:8.1f} ms  {direction} {size:7,} B  {what}")
    if ready_ms is not None:
        print(f"  {ready_ms:8.1f} ms  rows visible")


# Records, in page time (performance.now()), each websocket send and message, and the last click.
_WS_LOG = """
(() => {
  window.__wsLog = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    window.__wsLog.push(["send", performance.now(), String(data).length]);
    if (!this.__logged) {
      this.__logged = true;
      this.addEventListener("message", (m) =>
        window.__wsLog.push(["message", performance.now(), String(m.data).length]));
    }
    return send.call(this, data);
  };
  document.addEventListener("click", () => { window.__clickAt = performance.now(); }, true);
})();
"""


def _click_phases(page, target, rounds: int) -> None:
    """Click -> event sent (client), sent -> answer (server and network), answer -> DOM."""
    rows = []
    for _ in range(rounds):
        page.evaluate("window.__wsLog = []")
        total = browser.click_ms(page, target)
        log = page.evaluate("window.__wsLog")
        clicked = page.evaluate("window.__clickAt")
        sent = next((t for kind, t, size in log if kind == "send" and size > 20), None)
        answer = next((t for kind, t, size in log if kind == "message" and size > 500), None)
        if sent is None or answer is None:
            continue
        rows.append((sent - clicked, answer - sent, clicked + total - answer, total))
    if rows:
        cols = list(zip(*rows, strict=True))
        med = [sorted(c)[len(c) // 2] for c in cols]
        print(
            f"\nclick phases, median of {len(rows)}: click->send {med[0]:.1f} ms, "
            f"send->answer {med[1]:.1f} ms, answer->DOM {med[2]:.1f} ms, total {med[3]:.1f} ms"
        )


def _profile(cdp, action, label: str = "JS profile") -> None:
    """The page's JavaScript CPU profile during `action`: self time per function (top 25) and
    per script file."""
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 100})
    cdp.send("Profiler.start")
    action()
    profile = cdp.send("Profiler.stop")["profile"]
    nodes = {node["id"]: node for node in profile["nodes"]}
    deltas = profile["timeDeltas"]
    self_us: dict[str, float] = {}
    per_file: dict[str, float] = {}
    for sample, delta in zip(profile["samples"], deltas, strict=False):
        frame = nodes[sample]["callFrame"]
        url = frame["url"].rsplit("/", 1)[-1] or "(native)"
        name = frame["functionName"] or "(anon)"
        key = f"{name} {url}:{frame['lineNumber']}:{frame['columnNumber']}"
        self_us[key] = self_us.get(key, 0) + delta
        if name not in ("(idle)", "(program)"):
            per_file[url] = per_file.get(url, 0) + delta
    total = sum(self_us.values())
    print(f"\n{label}: {total / 1000:.0f} ms sampled")
    for key, micros in sorted(self_us.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {micros / 1000:8.1f} ms  {key}")
    print("  by file (idle left out):")
    for url, micros in sorted(per_file.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {micros / 1000:8.1f} ms  {url}")


def _profile_loads(context, target, loads: int) -> None:
    """The JavaScript CPU profile of `loads` loads of the target, each until its rows show.
    Each starts from the same origin (its /ping), so the tab keeps its renderer process and
    the profiler started before the navigation sees the whole load."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    origin = target.url.split("/", 3)[:3]

    def one_load() -> None:
        page.goto(target.url, wait_until="commit")
        browser._wait_ready(page, target)

    for _ in range(loads):
        page.goto("/".join(origin) + "/ping")
        _profile(cdp, one_load, f"JS profile of one load of {target.url}")
    page.close()


# Chrome's main-thread work, by the trace event that names it (nested events excluded).
_TOP_EVENTS = {
    "ParseHTML": "parse HTML",
    "EvaluateScript": "run scripts",
    "v8.compile": "compile scripts",
    "v8.compileModule": "compile scripts",
    "v8.evaluateModule": "run scripts",
    "FunctionCall": "run scripts",
    "TimerFire": "run scripts",
    "EventDispatch": "run scripts",
    "FireAnimationFrame": "run scripts",
    "RunMicrotasks": "run scripts",
    "UpdateLayoutTree": "style",
    "ParseAuthorStyleSheet": "parse CSS",
    "Layout": "layout",
    "PrePaint": "paint",
    "Paint": "paint",
    "Layerize": "paint",
    "UpdateLayer": "paint",
    "Commit": "paint",
    "MajorGC": "GC",
    "MinorGC": "GC",
}


def _trace_loads(chromium, context, target, loads: int) -> None:
    """Chrome traces of `loads` fresh tabs until their rows show: the main thread's time by
    kind (style, layout, scripts...), summed over complete top-level events."""
    import collections

    for n in range(loads):
        page = context.new_page()
        path = Path(tempfile.mkdtemp()) / "trace.json"
        chromium.start_tracing(
            page=page,
            path=str(path),
            categories=[
                "devtools.timeline",
                "v8",
                "blink",
                "disabled-by-default-devtools.timeline",
            ],
        )
        page.goto(target.url, wait_until="commit")
        ready = browser._wait_ready(page, target)
        chromium.stop_tracing()
        events = json.loads(path.read_text())
        events = events["traceEvents"] if isinstance(events, dict) else events
        main = collections.Counter(
            (e["pid"], e["tid"]) for e in events if e.get("name") == "ParseHTML"
        ).most_common(1)
        if not main:
            print("no main thread found")
            continue
        pid, tid = main[0][0]
        spans = sorted(
            (e["ts"], e["ts"] + e.get("dur", 0), e["name"])
            for e in events
            if e.get("pid") == pid
            and e.get("tid") == tid
            and e.get("ph") == "X"
            and e["name"] in _TOP_EVENTS
        )
        kinds: collections.Counter = collections.Counter()
        names: collections.Counter = collections.Counter()
        end = 0
        for start, stop, name in spans:
            if start < end:  # nested in one already counted
                continue
            kinds[_TOP_EVENTS[name]] += (stop - start) / 1000
            names[name] += (stop - start) / 1000
            end = stop
        busy = sum(kinds.values())
        print(f"\nload {n + 1}: rows after {ready:.0f} ms; main thread busy {busy:.0f} ms")
        for kind, ms in kinds.most_common():
            print(f"  {ms:7.1f} ms  {kind}")
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/workspaces")
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--workspaces", type=int, default=2000)
    parser.add_argument("--blank", action="store_true", help="the blank app instead of Portal")
    parser.add_argument("--profile", action="store_true", help="JS CPU profile of the clicks")
    parser.add_argument(
        "--profile-load", action="store_true", help="JS CPU profile of loads, then stop"
    )
    parser.add_argument(
        "--trace-load", action="store_true", help="main-thread time of loads by kind, then stop"
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="portal-timeline-"))
    seeded = harness.seed(work, args.workspaces)
    if args.blank:
        portal = harness.start_blank(work)
        target = compare.blank_target(portal)
    else:
        portal = harness.start_portal(seeded, work)
        target = compare.portal_target(portal, args.path)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=browser.system_chromium(), args=browser.CHROMIUM_ARGS
            )
            token = None if args.blank else seeded.session_big
            context = compare._context(chromium, target, token)
            context.add_init_script(_WS_LOG)
            if args.trace_load:
                browser.navigation_ms(context, target)  # a warm server and HTTP cache
                _trace_loads(chromium, context, target, args.loads)
                return
            if args.profile_load:
                browser.navigation_ms(context, target)  # a warm server and HTTP cache
                _profile_loads(context, target, args.loads)
                return
            samples = [browser.navigation_ms(context, target) for _ in range(args.loads)]
            print("navigation ms:", ", ".join(f"{s:.0f}" for s in samples))
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            frames: list = []
            origin: list[float] = []
            _record(page, cdp, frames, origin)
            page.goto(target.url, wait_until="commit")
            ready = browser._wait_ready(page, target)
            time.sleep(1)
            _print(frames, origin[0] if origin else frames[0][0], ready, "one load")
            clicks = [browser.click_ms(page, target) for _ in range(args.loads)]
            print("\nclick ms:", ", ".join(f"{s:.0f}" for s in clicks))
            frames.clear()
            started = time.time()
            elapsed = browser.click_ms(page, target)
            time.sleep(0.5)
            base = frames[0][0] if frames else started
            _print(frames, base, None, f"one click ({elapsed:.1f} ms click -> DOM)")
            _click_phases(page, target, 15)
            if args.profile:
                _profile(cdp, lambda: [browser.click_ms(page, target) for _ in range(20)])
            chromium.close()
    finally:
        portal.stop()


if __name__ == "__main__":
    main()
