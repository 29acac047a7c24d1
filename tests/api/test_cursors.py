"""Cursors on /v1: whatever a client sends as `cursor` on the list routes, the answer is a page
or an `invalid-cursor` problem naming the cursor, never a 500 (issue 7 found 15 forged
cursors that were): 400 for a cursor not of the documented form (base64url, bounded), 404 for
one of that form that the list did not give (a page that does not exist)."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest

from portal.api.workspaces import CURSOR_PATTERN
from portal.services.keyset import CURSOR_MAX_CHARS
from tests.factories import make_workspace


def forge(payload: object) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


AN_ID = str(uuid.uuid4())
WHEN = "2026-11-30T10:00:00+00:00"


def workspace_cursor(values, *, sort: str = "created_at", direction: str = "desc") -> str:
    return forge({"l": "workspaces", "s": sort, "d": direction, "k": values})


def audit_cursor(values) -> str:
    return forge({"l": "audit-events", "s": "newest", "d": "desc", "k": values})


# case: (the sort the request asks for, the cursor)
FORGED_LIST_CURSORS = {
    "not base64": ("created_at", "nonsense!"),
    "truncated": ("created_at", workspace_cursor([WHEN, AN_ID])[:-6]),
    "oversized": ("created_at", "A" * 5000),
    "the old format": (
        "created_at",
        forge({"s": "created_at", "d": "desc", "v": WHEN, "id": AN_ID}),
    ),
    "timestamp without zone": ("created_at", workspace_cursor(["2026-11-30T10:00:00", AN_ID])),
    "timestamp a number": ("created_at", workspace_cursor([1764496800, AN_ID])),
    "timestamp out of range": (
        "created_at",
        workspace_cursor(["0001-01-01T00:00:00+05:00", AN_ID]),
    ),
    "id true": ("created_at", workspace_cursor([WHEN, True])),
    "id a list": ("created_at", workspace_cursor([WHEN, [AN_ID]])),
    "id not a uuid": ("created_at", workspace_cursor([WHEN, "1; DROP TABLE workspaces"])),
    "a list where a string belongs": ("name", workspace_cursor([["acme"], AN_ID], sort="name")),
    "a number where a string belongs": ("name", workspace_cursor([31, AN_ID], sort="name")),
    "a NUL in the name": ("name", workspace_cursor(["a\x00", AN_ID], sort="name")),
    "a lone surrogate": (
        "name",
        raw('{"l":"workspaces","s":"name","d":"desc","k":["\\udc80","' + AN_ID + '"]}'),
    ),
    "another sort": ("created_at", workspace_cursor(["acme", AN_ID], sort="name")),
    "another list": ("created_at", audit_cursor([12])),
    "NaN": (
        "created_at",
        raw('{"l":"workspaces","s":"created_at","d":"desc","k":[NaN,"' + AN_ID + '"]}'),
    ),
}

FORGED_AUDIT_CURSORS = {
    "not base64": "%%%",
    "id true": audit_cursor([True]),
    "id of 31 digits": audit_cursor([int("1" * 31)]),
    "id past the column's 32 bits": audit_cursor([2**31]),
    "id a float": audit_cursor([3.5]),
    "id a string": audit_cursor(["12"]),
    "id a list": audit_cursor([[12]]),
    "two values": audit_cursor([12, 13]),
    "the old format": forge({"id": 12}),
    "another list": workspace_cursor([WHEN, AN_ID]),
    "not an object": forge([12]),
}


def _assert_invalid_cursor(response, cursor: str) -> None:
    well_formed = len(cursor) <= CURSOR_MAX_CHARS and re.fullmatch(CURSOR_PATTERN, cursor)
    status = 404 if well_formed else 400
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/invalid-cursor")
    assert body["status"] == status
    assert body["field"] == "cursor"


@pytest.mark.parametrize("case", FORGED_LIST_CURSORS)
def test_a_forged_cursor_on_the_list_is_an_invalid_cursor_problem(client, world, case):
    sort, cursor = FORGED_LIST_CURSORS[case]
    params = {"cursor": cursor, "sort": sort}
    response = client.get("/v1/workspaces", params=params, headers=world.alice)
    _assert_invalid_cursor(response, cursor)


@pytest.mark.parametrize("case", FORGED_AUDIT_CURSORS)
def test_a_forged_cursor_on_the_audit_trail_is_an_invalid_cursor_problem(client, world, case):
    url = f"/v1/workspaces/{world.workspace}/audit"
    cursor = FORGED_AUDIT_CURSORS[case]
    response = client.get(url, params={"cursor": cursor}, headers=world.alice)
    _assert_invalid_cursor(response, cursor)


def test_a_well_formed_cursor_pages_on(client, world, db):
    """The forged ones fail for what is wrong in them: the same shape, right, is a page."""
    for n in range(3):
        make_workspace(db, world.account_a, name=f"Extra {n}")
    db.commit()
    first = client.get("/v1/workspaces", params={"limit": 2}, headers=world.alice).json()
    assert first["next_cursor"]
    resumed = workspace_cursor([WHEN, AN_ID])
    for cursor in (first["next_cursor"], resumed):
        response = client.get("/v1/workspaces", params={"cursor": cursor}, headers=world.alice)
        assert response.status_code == 200, response.text
    audit = client.get(
        f"/v1/workspaces/{world.workspace}/audit",
        params={"cursor": audit_cursor([2**31 - 1])},
        headers=world.alice,
    )
    assert audit.status_code == 200, audit.text


def test_a_cursor_never_shows_another_tenants_workspace(client, world):
    """A forged position is only a starting point inside what the token's owner can read."""
    last_id = "ffffffff-ffff-ffff-ffff-ffffffffffff"
    everything = workspace_cursor(["9999-12-31T23:59:59+00:00", last_id])
    ids = [
        w["id"]
        for w in client.get(
            "/v1/workspaces", params={"cursor": everything, "limit": 100}, headers=world.bob
        ).json()["items"]
    ]
    assert ids == [world.other]
