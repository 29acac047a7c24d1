"""HTTP load: requests per second and median latency at a fixed number of connections.

wrk when it is installed (`apt-get install -y wrk`): a C load generator, so the client costs
little of the 2 cores the servers share with it. Without wrk, an asyncio + httpx generator
with the same number of connections; it spends more CPU per request, so its figures are lower
for both sides (the ratio still compares like with like).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass

import httpx

CONNECTIONS = 16


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    errors: int  # non-2xx answers and socket errors: a run with errors measures nothing


def medians(loads: list[Load]) -> tuple[float, float, int]:
    """Rounds of one load as the benches print them: median req/s, median p50 ms, all errors."""
    return (
        statistics.median(load.requests_per_second for load in loads),
        statistics.median(load.p50_ms for load in loads),
        sum(load.errors for load in loads),
    )


def run(url: str, headers: dict[str, str], seconds: float) -> Load:
    if shutil.which("wrk"):
        return _wrk(url, headers, seconds)
    return asyncio.run(_python(url, headers, seconds))


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk(url: str, headers: dict[str, str], seconds: float) -> Load:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if not rate or not p50:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    errors = sum(
        int(n)
        for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        + re.findall(r"(?:connect|read|write|timeout) (\d+)", out)
    )
    return Load(float(rate.group(1)), float(p50.group(1)) * _UNITS_MS[p50.group(2)], errors)


async def _python(url: str, headers: dict[str, str], seconds: float) -> Load:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:

        async def connection() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await client.get(url)
                    ok = response.status_code < 300
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - start) * 1000)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - started
    return Load(len(latencies) / elapsed, statistics.median(latencies), errors)


async def post_rate(
    url: str, seconds: float, *, expect: int, headers=None, json=None, data=None
) -> tuple[float, int]:
    """POSTs per second at CONNECTIONS connections answering `expect`, and how many did not
    (for writes wrk cannot replay: sign-ins, token exchanges)."""
    done, errors = 0, 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(headers=headers or {}, timeout=30) as client:

        async def connection() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                response = await client.post(url, json=json, data=data)
                done += response.status_code == expect
                errors += response.status_code != expect

        started = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
        return done / (time.perf_counter() - started), errors
