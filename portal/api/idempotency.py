"""`Idempotency-Key` on /v1 writes.

A write sent with a key is run once per token and key: its first successful response is stored
(in the same transaction as the change) and replayed, with `Idempotent-Replayed: true`, for
every repeat of the same request (method, path and body) within 24 hours. The same key with a
different request is a 409 conflict problem. Errors are not stored: nothing changed, so a retry runs
the request again. Two concurrent requests with one key: the second one's transaction fails
on the record's unique key, is rolled back whole, and replays the first one's response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Header, Request, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.api.auth import Bearer
from portal.api.threads import run_as
from portal.domain.access import Actor
from portal.services import api_tokens

M = TypeVar("M", bound=BaseModel)

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=api_tokens.IDEMPOTENCY_KEY_MAX,
        # Visible ASCII, spaces inside only (HTTP trims a header value's ends): what every
        # client can send and the key check (printable text) takes.
        pattern=r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$",
        description=(
            "Makes the request safe to retry: repeats with the same key and body within 24 "
            "hours return the first response (with Idempotent-Replayed: true) and change "
            "nothing; the same key with a different request is a 409 conflict problem."
        ),
    ),
]

REPLAYED_RESPONSE_HEADER = {
    REPLAYED_HEADER: {
        "description": "`true` when this is the stored response to an earlier request.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


class _KeyTaken(Exception):  # noqa: N818 - internal signal
    """A concurrent request stored a response under the same key first."""


def request_hash(method: str, path: str, payload: BaseModel | None) -> str:
    """The fingerprint a key is bound to: method, path and the parsed body."""
    body = payload.model_dump(mode="json") if payload is not None else None
    canonical = json.dumps(
        {"method": method, "path": path, "body": body}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _response(
    body: str, status_code: int, headers: dict[str, str], *, replayed: bool = False
) -> Response:
    if replayed:
        headers = {**headers, REPLAYED_HEADER: "true"}
    return Response(
        content=body, status_code=status_code, media_type="application/json", headers=headers
    )


def run_write(
    *,
    request: Request,
    token: Bearer,
    key: str | None,
    payload: BaseModel | None,
    status_code: int,
    response_model: type[M],
    change: Callable[[Session, Actor], Any],
    headers: Callable[[M], dict[str, str]] | None = None,
) -> Response:
    """Run `change` (one service call, as the token's Actor) in a transaction and answer with
    `response_model`, honouring the Idempotency-Key `key` if there is one."""

    def render(result: Any) -> tuple[M, str]:
        model = response_model.model_validate(result)
        return model, model.model_dump_json()

    def headers_for(model: M) -> dict[str, str]:
        return headers(model) if headers else {}

    if key is None:
        model, body = run_as(token, lambda session, actor: render(change(session, actor)))
        return _response(body, status_code, headers_for(model))

    method, path = request.method, request.url.path
    fingerprint = request_hash(method, path, payload)
    lookup = {"key": key, "method": method, "path": path}

    def once(session: Session, actor: Actor) -> Response:
        stored = api_tokens.stored_response(
            session=session, actor=actor, request_hash=fingerprint, **lookup
        )
        if stored is not None:
            model = response_model.model_validate_json(stored.body)
            return _response(stored.body, stored.status_code, headers_for(model), replayed=True)
        model, body = render(change(session, actor))
        try:
            api_tokens.store_response(
                session=session,
                actor=actor,
                request_hash=fingerprint,
                status_code=status_code,
                body=body,
                **lookup,
            )
        except IntegrityError:
            raise _KeyTaken from None
        return _response(body, status_code, headers_for(model))

    for attempt in range(2):
        try:
            return run_as(token, once)
        except _KeyTaken:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
