"""Helpers for tests of the process engine: a settable clock, a worker round, step injection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from portal.db import transaction
from portal.models._base import utcnow
from portal.services import processes


def use_data_dir(monkeypatch, path) -> None:
    """Point settings.data_dir (export archives) at a test's temporary folder."""
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_DATA_DIR", str(path))
    get_settings.cache_clear()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def run_round(clock: Clock, worker_id: str = "test-worker") -> int | None:
    """One worker turn: claim a due process (committed) and run it. Returns its id."""
    with transaction() as session:
        process_id = processes.claim_next(session, now=clock(), worker_id=worker_id)
    if process_id is not None:
        processes.run_claimed(process_id, clock=clock)
    return process_id


def run_all(clock: Clock, rounds: int = 50) -> int:
    """Worker turns until nothing is due; returns how many ran."""
    ran = 0
    while ran < rounds and run_round(clock) is not None:
        ran += 1
    return ran


class Crash(BaseException):  # noqa: N818
    """A worker dying mid-step: not an Exception, so the engine cannot catch it."""


def failing(
    original: processes.StepFunction, times: int, error: BaseException | None = None
) -> tuple[processes.StepFunction, list[int]]:
    """A step that raises for its first `times` calls, then runs `original`. The list counts
    the calls."""
    calls: list[int] = []

    def step(ctx: processes.StepContext) -> None:
        calls.append(1)
        if len(calls) <= times:
            raise error or RuntimeError(f"injected failure {len(calls)}")
        original(ctx)

    return step, calls


def counting(original: processes.StepFunction) -> tuple[Callable, list[int]]:
    return failing(original, 0)
