"""Portal beside bare baselines, figure by figure (issue 7's table), in one run.

    make bench                      # or: .venv/bin/python bench/compare.py
    .venv/bin/python bench/compare.py --only api,js --rounds 5 --workspaces 5000

Starts on loopback, one worker each, on a fresh SQLite file with --workspaces workspaces the
signed-in user can read (and a second user who reads 200 of them):
  Portal           `reflex run --env prod --single-port` from this checkout, as it is now
  the blank app    a one-page Reflex app of the same version (blank_app.py), built the same way
  the bare API     one Starlette route sending the SQL Portal sends for /v1/workspaces
                   (recorded by sql_capture.py) and answering the same JSON (bare_api.py)
then takes each figure with Portal and its baseline alternating, sample by sample, so that
whatever else the machine does at the time weighs on both sides alike, and prints Portal, the
baseline, the ratio, the goal and PASS or MISS.

Figures (--only takes their names, `ui` for the four browser ones, or `all`):
  api     GET /v1/workspaces?limit=50 under wrk, 16 connections: req/s and p50, medians of
          --rounds rounds of --seconds each; Portal's /v1/health beside it as the ceiling of
          the stack (Reflex + FastAPI + granian, no database)
  nav     a new tab on /workspaces until a row shows, p50 of --samples; blank: until the var
          its on_load sets shows
  click   the Name sort header until the first row changes, p50 of --samples; blank: a
          counter increment
  js      every .js file of the production client build, gzip -9 summed, and their number
  ws      websocket payload bytes (both ways) of one page load; Portal at --workspaces and at
          200 workspaces: the goal is the same bytes whatever the number of workspaces
  memory  the server's RSS (process and children) before and after --tabs open tabs, per tab;
          then the tabs close and, after the state expiry (when Reflex is configured to expire
          states within --expiry-wait seconds), freed when the tab states the server holds
          (its /_probe/tab-states) are back to what they were
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import api_load
import blank_app
import browser
import harness
import httpx
import sql_capture

API_PATH = "/v1/workspaces?limit=50"
FIGURES = ("api", "nav", "click", "js", "ws", "memory")
BROWSER_FIGURES = ("nav", "click", "ws", "memory")
ALIASES = {"ui": BROWSER_FIGURES, "all": FIGURES}
MIB = 1024 * 1024
_STARTED = time.monotonic()


def _say(step: str) -> None:
    """Progress on stderr, with the time since the start: the run takes minutes."""
    print(f"[{time.monotonic() - _STARTED:5.0f} s] {step}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Row:
    figure: str
    portal: str
    baseline: str
    ratio: str
    goal: str
    verdict: str  # PASS, MISS, or "info" for a figure without a goal of its own
    note: str = ""


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _alternate(rounds: int, *takes: Callable[[], object]) -> list[list]:
    """Each take once per round, in turn: [[take0 results...], [take1 results...], ...]."""
    results: list[list] = [[] for _ in takes]
    for _ in range(rounds):
        for i, take in enumerate(takes):
            results[i].append(take())
    return results


# API -----------------------------------------------------------------------------------------


def _same_answer(portal_url: str, bare_url: str, headers: dict) -> None:
    """Both sides answer the same items, or the comparison means nothing."""
    answers = [httpx.get(f"{url}{API_PATH}", headers=headers) for url in (portal_url, bare_url)]
    for answer in answers:
        answer.raise_for_status()
    if answers[0].json()["items"] != answers[1].json()["items"]:
        raise RuntimeError("the bare route's items differ from Portal's: see bench/sql_capture.py")


def _sql_alone_ms(seeded, replay: dict, times: int = 20) -> float:
    """Portal's statements for one request run back to back on one connection, no server:
    the floor under both sides' latency (a slow query makes the bare route slow too)."""
    connection = sqlite3.connect(seeded.sqlite_path)
    samples = []
    try:
        for _ in range(times):
            start = time.perf_counter()
            for statement in replay["statements"]:
                connection.execute(statement["sql"], statement["params"]).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        connection.close()
    return statistics.median(samples)


def measure_api(portal, bare, seeded, replay: dict, rounds: int, seconds: float) -> list[Row]:
    """wrk against Portal's route, the bare route and Portal's /v1/health, in turn, and the
    SQL alone between them. One second of each first, uncounted: connections, caches and
    SQLite pages warm up."""
    headers = {"Authorization": f"Bearer {seeded.api_token}"}
    # Loopback by address: "localhost" may try ::1 first, and granian listens on IPv4.
    portal_url = portal.url.replace("localhost", "127.0.0.1")
    _same_answer(portal_url, bare.url, headers)
    takes = (
        lambda s: api_load.run(f"{portal_url}{API_PATH}", headers, s),
        lambda s: api_load.run(f"{bare.url}{API_PATH}", headers, s),
        lambda s: api_load.run(f"{portal_url}/v1/health", {}, s),
    )
    for take in takes:
        take(1)
    portal_runs, bare_runs, health_runs, sql_ms = _alternate(
        rounds,
        *(lambda t=take: t(seconds) for take in takes),
        lambda: _sql_alone_ms(seeded, replay),
    )

    p_rate, p_p50, p_errors = api_load.medians(portal_runs)
    b_rate, b_p50, b_errors = api_load.medians(bare_runs)
    h_rate, h_p50, h_errors = api_load.medians(health_runs)
    rate_ratio, p50_ratio = p_rate / b_rate, p_p50 / b_p50
    errors = p_errors + b_errors
    statements = replay["statements"]
    replayed = (
        f"the bare route replays Portal's {len(statements)} SELECTs"
        + ("" if any(s["token_param"] is not None for s in statements) else ", no token look-up")
        + f"; they take {_ms(statistics.median(sql_ms))} alone, one at a time"
    )
    return [
        Row(
            "GET /v1/workspaces?limit=50, wrk 16 conn",
            f"{p_rate:,.0f} req/s, p50 {_ms(p_p50)}",
            f"bare Starlette: {b_rate:,.0f} req/s, p50 {_ms(b_p50)}",
            f"{rate_ratio:.2f}x req/s, {p50_ratio:.1f}x p50",
            ">= 0.5x req/s, p50 <= 2x",
            "ERROR" if errors else _verdict(rate_ratio >= 0.5 and p50_ratio <= 2),
            f"{errors} failed requests: see the server logs" if errors else replayed,
        ),
        Row(
            "  Portal's GET /v1/health (stack ceiling)",
            f"{h_rate:,.0f} req/s, p50 {_ms(h_p50)}",
            "the bare route above",
            f"{h_rate / b_rate:.2f}x req/s",
            "-",
            "ERROR" if h_errors else "info",
        ),
    ]


# Browser ---------------------------------------------------------------------------------------


def portal_target(portal, path: str = "/workspaces") -> browser.Target:
    return browser.Target(
        name="Portal",
        url=f"{portal.url}{path}",
        ready_selector="tbody tr",
        ready_text=harness.WORKSPACE_PREFIX,
        click=browser.portal_sort_header,
        changed_selector="tbody tr",
        changed_text=harness.WORKSPACE_PREFIX,
    )


def blank_target(blank) -> browser.Target:
    return browser.Target(
        name="blank",
        url=f"{blank.url}/",
        ready_selector=f"#{blank_app.MESSAGE_ID}",
        ready_text=blank_app.LOADED_TEXT,
        click=lambda page: page.get_by_role("button", name=blank_app.BUTTON_LABEL),
        changed_selector=f"#{blank_app.COUNT_ID}",
    )


def _context(chromium, target: browser.Target, session_token: str | None = None):
    """A browser context for one app; signed in by the session cookie Portal's sign-in sets
    (the token comes from auth.sign_in in the seed, so no sign-in page is timed)."""
    context = chromium.new_context()
    if session_token:
        context.add_cookies([{"name": "portal_session", "value": session_token, "url": target.url}])
    browser.prepare_context(context, target)
    return context


def measure_navigation(contexts, targets, samples: int) -> Row:
    """A new tab per sample on each side in turn. One uncounted load first on each side: it
    fills the HTTP cache, as a returning person's browser has it."""
    (p_ctx, b_ctx), (p_target, b_target) = contexts, targets
    browser.navigation_ms(p_ctx, p_target)
    browser.navigation_ms(b_ctx, b_target)
    portal_ms, blank_ms = _alternate(
        samples,
        lambda: browser.navigation_ms(p_ctx, p_target),
        lambda: browser.navigation_ms(b_ctx, b_target),
    )
    p, b = statistics.median(portal_ms), statistics.median(blank_ms)
    return Row(
        f"/workspaces navigation -> rows visible, p50 of {samples}",
        _ms(p),
        f"blank page until its state shows: {_ms(b)}",
        f"{p / b:.1f}x",
        "<= 1.3x",
        _verdict(p / b <= 1.3),
    )


def measure_click(contexts, targets, samples: int) -> Row:
    """One open page per side, clicked in turn (Portal's clicks alternate the Name sort
    between ascending and descending, so each one re-sorts). One uncounted click first."""
    (p_ctx, b_ctx), (p_target, b_target) = contexts, targets
    p_page, _ = browser.open_ready(p_ctx, p_target)
    b_page, _ = browser.open_ready(b_ctx, b_target)
    browser.click_ms(p_page, p_target)
    browser.click_ms(b_page, b_target)
    portal_ms, blank_ms = _alternate(
        samples,
        lambda: browser.click_ms(p_page, p_target),
        lambda: browser.click_ms(b_page, b_target),
    )
    p_page.close()
    b_page.close()
    p, b = statistics.median(portal_ms), statistics.median(blank_ms)
    return Row(
        f"click sort header -> DOM updated, p50 of {samples}",
        _ms(p),
        f"blank counter increment: {_ms(b)}",
        f"{p / b:.1f}x",
        "<= 3x",
        _verdict(p / b <= 3),
    )


def measure_websocket(contexts, targets, small_context, seeded, rounds: int) -> list[Row]:
    """Big and small Portal users and the blank app, in turn; the medians (the bytes barely
    vary between loads: timestamps and tokens)."""
    (p_ctx, b_ctx), (p_target, b_target) = contexts, targets
    big, small, blank = _alternate(
        rounds,
        lambda: browser.websocket_bytes(p_ctx, p_target).total,
        lambda: browser.websocket_bytes(small_context, p_target).total,
        lambda: browser.websocket_bytes(b_ctx, b_target).total,
    )
    big, small, blank = (statistics.median(x) for x in (big, small, blank))
    growth = big / small - 1
    independent = abs(growth) <= 0.10
    return [
        Row(
            f"websocket bytes, one load ({seeded.workspaces:,} workspaces)",
            f"{big:,.0f} B",
            f"blank: {blank:,.0f} B",
            f"{big / blank:.1f}x",
            "independent of the number of workspaces",
            _verdict(independent),
            f"{seeded.workspaces:,} vs {seeded.small_workspaces:,} workspaces: {growth:+.0%}",
        ),
        Row(
            f"websocket bytes, one load ({seeded.small_workspaces:,} workspaces)",
            f"{small:,.0f} B",
            f"blank: {blank:,.0f} B",
            f"{small / blank:.1f}x",
            "within 10% of the row above",
            _verdict(independent),
        ),
    ]


def state_expiry_seconds(app_dir: Path) -> int:
    """The state expiry Reflex reads from the app's rxconfig (redis_token_expiration: it
    applies to the memory and disk state managers too)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from reflex.config import get_config; print(get_config().redis_token_expiration)",
        ],
        cwd=app_dir,
        env=harness.base_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return int(out.strip().splitlines()[-1])


def measure_memory(servers, contexts, targets, tabs: int, expiry_wait: float) -> Row:
    """RSS before, with `tabs` tabs open, and after they close, per tab; and the number of tab
    states each server holds at those moments (its /_probe/tab-states). Portal's tabs first,
    then the blank app's (not interleaved: 2 x 90 Chromium tabs at once would strain the
    machine more than the servers). A settle of 3 s lets the last events finish before each
    read.

    "Freed" is read from the count, not from RSS: CPython keeps the arenas a freed state lived
    in, so RSS hardly falls either way. The last reading is taken once every state expiry of
    at most `expiry_wait` seconds has passed (Reflex keeps a closed tab's state until then);
    longer expiries are not waited for, and the note says so.
    """
    readings: dict[str, list[int]] = {}
    held: dict[str, list[int | None]] = {}
    for server, context, target in zip(servers, contexts, targets, strict=True):
        _say(f"memory: {tabs} tabs on {server.name}")
        time.sleep(3)
        before, held_before = server.rss_bytes(), server.tab_states()
        pages = browser.open_tabs(context, target, tabs)
        time.sleep(3)
        readings[server.name] = [before, server.rss_bytes()]
        held[server.name] = [held_before, server.tab_states()]
        for page in pages:
            page.close()
    expiries = {s.name: state_expiry_seconds(Path(s.web_dir).parent) for s in servers}
    # Portal drops a closed tab's state after its grace period (portal/state/closed_tabs.py).
    expiries["portal"] = min(expiries["portal"], harness.CLOSED_TAB_GRACE_SECONDS)
    waited = max((e for e in expiries.values() if e <= expiry_wait), default=0) + 5
    _say(f"memory: tabs closed, reading again in {waited} s")
    time.sleep(waited)
    for server in servers:
        readings[server.name].append(server.rss_bytes())
        held[server.name].append(server.tab_states())

    def per_tab(name: str) -> float:
        before, opened, _ = readings[name]
        return (opened - before) / tabs / MIB

    def freed(name: str) -> bool:
        """Every state the tabs added is gone again."""
        before, opened, closed = held[name]
        return None not in (before, opened, closed) and opened > before and closed <= before

    def shown(name: str) -> str:
        before, opened, closed = (r / MIB for r in readings[name])
        return f"{per_tab(name):.2f} MiB ({before:.0f} -> {opened:.0f} MiB; closed: {closed:.0f})"

    def after_closing(name: str) -> str:
        expiry = expiries[name]
        waited_for = "waited" if expiry <= expiry_wait else "not waited"
        counts = " -> ".join("?" if n is None else str(n) for n in held[name])
        answer = "yes" if freed(name) else "no"
        return (
            f"{name} freed: {answer}, tab states held {counts} "
            f"(kept {expiry} s after closing, {waited_for})"
        )

    portal, blank = (s.name for s in servers)
    ratio = per_tab(portal) / per_tab(blank) if per_tab(blank) > 0 else float("inf")
    return Row(
        f"backend memory per open tab ({tabs} tabs)",
        shown(portal),
        f"blank: {shown(blank)}",
        f"{ratio:.1f}x",
        "<= 2x, freed when tabs close",
        _verdict(ratio <= 2 and freed(portal)),
        f"{after_closing(portal)}; {after_closing(blank)}; read {waited} s after closing",
    )


def measure_browser(figures, portal, blank, seeded, args) -> list[Row]:
    from playwright.sync_api import sync_playwright

    targets = (portal_target(portal), blank_target(blank))
    rows = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=browser.system_chromium(), args=browser.CHROMIUM_ARGS
        )
        try:
            contexts = (
                _context(chromium, targets[0], seeded.session_big),
                _context(chromium, targets[1]),
            )
            if "nav" in figures:
                _say(f"navigation: {args.samples} + 1 tabs per side")
                rows.append(measure_navigation(contexts, targets, args.samples))
            if "click" in figures:
                _say(f"click: {args.samples} + 1 per side")
                rows.append(measure_click(contexts, targets, args.samples))
            if "ws" in figures:
                _say(f"websocket bytes: {args.ws_rounds} loads per side")
                small = _context(chromium, targets[0], seeded.session_small)
                rows += measure_websocket(contexts, targets, small, seeded, args.ws_rounds)
                small.close()
            if "memory" in figures:
                rows.append(
                    measure_memory((portal, blank), contexts, targets, args.tabs, args.expiry_wait)
                )
        finally:
            chromium.close()
    return rows


def measure_js(portal, blank) -> list[Row]:
    p = browser.javascript_in_build(portal.web_dir)
    b = browser.javascript_in_build(blank.web_dir)
    ratio = p.gzip_bytes / b.gzip_bytes
    # What one /workspaces load downloads, beside the blank app's one page: the build as a
    # whole grows by a few KiB with every page, a load does not.
    pl = browser.javascript_of_a_load(portal.web_dir, "routes/[workspaces]._index")
    bl = browser.javascript_of_a_load(blank.web_dir, "routes/_index")
    load_ratio = pl.gzip_bytes / bl.gzip_bytes
    return [
        Row(
            "JavaScript in the build, gzip",
            f"{p.gzip_bytes / 1024:,.0f} KiB in {p.files:,} files",
            f"blank: {b.gzip_bytes / 1024:,.0f} KiB in {b.files:,}",
            f"{ratio:.1f}x",
            "<= 1.5x",
            _verdict(ratio <= 1.5),
        ),
        Row(
            "  JavaScript one /workspaces load fetches",
            f"{pl.gzip_bytes / 1024:,.0f} KiB in {pl.files:,} files",
            f"blank's page: {bl.gzip_bytes / 1024:,.0f} KiB in {bl.files:,}",
            f"{load_ratio:.2f}x",
            "-",
            "info",
        ),
    ]


# Output ----------------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    header = Row("figure", "Portal", "baseline", "ratio", "goal", "")
    columns = list(
        zip(
            *[
                (r.figure, r.portal, r.baseline, r.ratio, r.goal, r.verdict)
                for r in [header, *rows]
            ],
            strict=True,
        )
    )
    widths = [max(len(cell) for cell in column) for column in columns]
    for i, row in enumerate([header, *rows]):
        cells = (row.figure, row.portal, row.baseline, row.ratio, row.goal, row.verdict)
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        )
        if i == 0:
            print("  ".join("-" * width for width in widths))
        if row.note:
            print(f"{'':{widths[0]}}  ({row.note})")


def start_apps(seeded, work: Path, needs_blank: bool) -> list:
    """Portal, and the blank app when a figure needs it. Their production builds are the
    slowest part of the run, so they build side by side."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(harness.start_portal, seeded, work)]
        if needs_blank:
            futures.append(pool.submit(harness.start_blank, work))
    started = [f.result() for f in futures if f.exception() is None]
    failures = [f.exception() for f in futures if f.exception() is not None]
    if failures:
        for server in started:
            server.stop()
        raise failures[0]
    return started


def parse_figures(raw: str) -> tuple[str, ...]:
    chosen: list[str] = []
    for name in (part.strip() for part in raw.split(",") if part.strip()):
        for figure in ALIASES.get(name, (name,)):
            if figure not in FIGURES:
                raise argparse.ArgumentTypeError(
                    f"unknown figure {figure!r}; choose from {', '.join(FIGURES)} or ui, all"
                )
            if figure not in chosen:
                chosen.append(figure)
    return tuple(chosen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", type=parse_figures, default=FIGURES, help="e.g. api,js or ui")
    parser.add_argument("--workspaces", type=int, default=2000, help="workspaces the user reads")
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds per API side")
    parser.add_argument("--seconds", type=float, default=5, help="length of one wrk round")
    parser.add_argument("--samples", type=int, default=20, help="navigation and click samples")
    parser.add_argument("--ws-rounds", type=int, default=2, help="page loads per side for ws")
    parser.add_argument("--tabs", type=int, default=90, help="tabs opened for the memory figure")
    parser.add_argument(
        "--expiry-wait",
        type=float,
        default=120,
        help="after closing the tabs, wait for a state expiry up to this long (s)",
    )
    args = parser.parse_args(argv)
    figures = args.only
    if args.workspaces <= harness.SMALL_WORKSPACES and "ws" in figures:
        parser.error(f"--workspaces must exceed {harness.SMALL_WORKSPACES} for the ws figure")

    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    load_before = os.getloadavg()[0]
    servers: list[harness.Server] = []
    rows: list[Row] = []
    try:
        _say(f"seeding {args.workspaces:,} workspaces in {work}")
        seeded = harness.seed(work, args.workspaces)
        if "api" in figures:
            # Portal's SQL for the request, recorded in this process for the bare route.
            replay = sql_capture.capture(seeded.sqlite_path, API_PATH, seeded.api_token)
            replay_path = sql_capture.save(replay, work / "replay.json")
        needs_blank = any(f in figures for f in (*BROWSER_FIGURES, "js"))
        _say("building and starting Portal" + (" and the blank app" if needs_blank else ""))
        servers += start_apps(seeded, work, needs_blank)
        portal, blank = servers[0], (servers[1] if needs_blank else None)
        if "api" in figures:
            servers.append(harness.start_bare_api(seeded, replay_path, work))
            _say(f"API: {args.rounds} rounds of {args.seconds:.0f} s per side")
            rows += measure_api(portal, servers[-1], seeded, replay, args.rounds, args.seconds)
        if "js" in figures:
            rows.extend(measure_js(portal, blank))
        browser_figures = [f for f in figures if f in BROWSER_FIGURES]
        if browser_figures:
            rows += measure_browser(browser_figures, portal, blank, seeded, args)
    except BaseException:
        if rows:
            print("\nthe figures taken before the failure:")
            print_table(rows)
        print(f"\nfailed; server logs and the database are kept in {work}", file=sys.stderr)
        raise
    finally:
        for server in servers:
            server.stop()
    shutil.rmtree(work, ignore_errors=True)
    print()
    print_table(rows)
    print(
        f"\nRatios are Portal / baseline, taken alternately in one run of "
        f"{time.monotonic() - _STARTED:.0f} s. Load average (1 min) on {os.cpu_count()} cores: "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
