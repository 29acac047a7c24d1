"""Database work of an API route: on a worker thread, in one transaction, as the token's Actor.

Read routes are `async def` and hand everything that touches the database to `as_actor`: the
token check and the service call share one worker-thread hop and one transaction, and the
response is validated and serialized back on the event loop. (A plain `def` route with a
`def` dependency costs FastAPI three hops per request: the dependency, the body, and the
validation of what the body returned.) Writes run `run_as` inside their own thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
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


async def as_actor(token: Bearer, work: Callable[[Session, Actor], T]) -> T:
    """run_as on a worker thread: the event loop keeps serving meanwhile."""
    return await anyio.to_thread.run_sync(run_as, token, work)
