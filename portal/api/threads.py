"""Database work of an API route: on a worker thread, in one transaction, as the token's Actor.

Read routes are `async def` and hand everything that touches the database to `as_actor`: the
token check and the service call share one worker-thread hop and one transaction, and the
response is validated and serialized back on the event loop. (A plain `def` route with a
`def` dependency costs FastAPI three hops per request: the dependency, the body, and the
validation of what the body returned.) Writes run `run_as` inside their own thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlmodel import Session

from portal.api.auth import Bearer
from portal.db import transaction
from portal.domain.access import Actor

T = TypeVar("T")


def run_as(token: Bearer, work: Callable[[Session, Actor], T]) -> T:
    """`work(session, actor)` in one transaction, once the token is checked; blocking."""
    with transaction() as session:
        # The token's last use (written at most once a minute) commits with the work: a
        # request that fails leaves it to the next one.
        return work(session, token.actor(session))


# The API's own worker threads. A plain executor hop costs about a third of anyio's
# to_thread under load (no capacity limiter, cancel scope or context copy; services need
# none). 2, 8 and 16 threads served SQLite's sub-millisecond reads alike at 16 concurrent
# requests; 8 leaves room for PostgreSQL's network round trips.
API_THREADS = 8
_EXECUTOR = ThreadPoolExecutor(max_workers=API_THREADS, thread_name_prefix="portal-api")


async def as_actor(token: Bearer, work: Callable[[Session, Actor], T]) -> T:
    """run_as on one of the API's worker threads: the event loop keeps serving meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, run_as, token, work)


async def off_loop(work: Callable[[], T]) -> T:
    """`work()` on one of the API's worker threads (for doors other than a token's)."""
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, work)
