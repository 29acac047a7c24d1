"""Database work of an API route: on a worker thread, in one transaction.

Routes are `async def` and hand their one service call to `in_transaction`: one hop to a
worker thread per step and back, and the response is validated and serialized on the event
loop. (A plain `def` route costs FastAPI three hops per request: its dependency, its body, and
the validation of what it returned.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from sqlmodel import Session

from portal.db import transaction

T = TypeVar("T")


def _run(work: Callable[[Session], T]) -> T:
    with transaction() as session:
        return work(session)


async def in_transaction(work: Callable[[Session], T]) -> T:
    """`work(session)` in one transaction on a worker thread; its result, or its error."""
    return await anyio.to_thread.run_sync(_run, work)
