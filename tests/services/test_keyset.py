"""The keyset pager (portal.services.keyset): cursors round-trip, every forged cursor is refused
as InvalidCursor before it reaches SQL, and no cursor at all, whatever its content, makes a
list raise anything but Invalid or return anything but a page of what the caller can read."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, DateTime, Integer, String, Uuid, column

from portal.domain.errors import Invalid
from portal.domain.paging import InvalidCursor
from portal.models._base import utcnow
from portal.services import audit, keyset, processes, workspaces
from portal.services.keyset import Key, Keyset
from tests.factories import account_of, actor_for, create_workspace, make_user, make_workspace

# A list with a key of every kind, on free-standing columns (decode never touches a table).
AWARE = column("at", DateTime(timezone=True))
NAIVE = column("local", DateTime())
LIST = Keyset(
    "things",
    sorts={
        "at": Key(AWARE, datetime),
        "local": Key(NAIVE, datetime),
        "name": Key(column("name", String()), str),
        "rank": Key(column("rank", Integer()), int),
        "big": Key(column("big", BigInteger()), int),
        "newest": None,
    },
    tiebreak=Key(column("id", Uuid()), uuid.UUID),
)
AN_ID = uuid.UUID("6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b")


def forge(payload: object) -> str:
    """A cursor as the pager writes them, around any JSON."""
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def shaped(values: object, *, sort: str = "at", name: str = "things") -> str:
    return forge({"l": name, "s": sort, "d": "desc", "k": values})


# Round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("at", datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC)),
        ("local", datetime(2026, 1, 2, 3, 4, 5)),
        ("name", "éclair ✓ 北京"),
        ("rank", -(2**31)),
        ("rank", 2**31 - 1),
        ("big", -(2**63)),
        ("big", 2**63 - 1),
    ],
)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_cursor_round_trips_its_typed_position(sort, value, direction):
    cursor = LIST.encode(sort=sort, direction=direction, values=[value, AN_ID])
    assert LIST.decode(cursor, sort=sort, direction=direction) == (value, AN_ID)


def test_an_aware_position_comes_back_in_utc():
    moment = datetime(2026, 5, 1, 12, 0, tzinfo=UTC) + timedelta(hours=2)
    cursor = LIST.encode(sort="at", direction="asc", values=[moment, AN_ID])
    decoded, _ = LIST.decode(cursor, sort="at", direction="asc")
    assert decoded == moment and decoded.utcoffset() == timedelta(0)


def test_a_list_ordered_by_its_tiebreak_alone_keeps_one_value():
    cursor = LIST.encode(sort="newest", direction="desc", values=[AN_ID])
    assert LIST.decode(cursor, sort="newest", direction="desc") == (AN_ID,)


def test_no_cursor_is_the_first_page():
    assert LIST.decode(None, sort="at", direction="asc") is None
    assert LIST.decode("", sort="at", direction="asc") is None


# Forged cursors ----------------------------------------------------------------------------------

NOW = "2026-11-30T10:00:00+00:00"
FORGED = {
    "not base64": "not a cursor!",
    "padding": shaped([NOW, str(AN_ID)]) + "==",
    "impossible length": "abcde",
    "truncated": shaped([NOW, str(AN_ID)])[:-7],
    "oversized": "A" * (keyset.CURSOR_MAX_CHARS + 4),
    "not utf-8": base64.urlsafe_b64encode(b"\xff\xfe{}").decode(),
    "not json": base64.urlsafe_b64encode(b"{'l': 1}").decode(),
    "a list": forge(["things", "at", "desc", [NOW, str(AN_ID)]]),
    "a number": forge(7),
    "empty object": forge({}),
    "missing key": forge({"l": "things", "s": "at", "d": "desc"}),
    "extra key": forge({"l": "things", "s": "at", "d": "desc", "k": [NOW, str(AN_ID)], "x": 1}),
    "duplicate key": base64.urlsafe_b64encode(
        f'{{"l":"things","s":"at","d":"desc","k":["{NOW}","{AN_ID}"],"k":[]}}'.encode()
    ).decode(),
    "another list": shaped([NOW, str(AN_ID)], name="workspaces"),
    "another sort": shaped(["x", str(AN_ID)], sort="name"),
    "another direction": forge({"l": "things", "s": "at", "d": "asc", "k": [NOW, str(AN_ID)]}),
    "k not a list": shaped({"at": NOW}),
    "too few values": shaped([NOW]),
    "too many values": shaped([NOW, str(AN_ID), 1]),
    "timestamp without zone": shaped(["2026-11-30T10:00:00", str(AN_ID)]),
    "zone on a naive column": shaped([NOW, str(AN_ID)], sort="local"),
    "timestamp not a date": shaped(["yesterday", str(AN_ID)]),
    "timestamp a number": shaped([1764496800, str(AN_ID)]),
    "timestamp out of range": shaped(["0001-01-01T00:00:00+01:00", str(AN_ID)]),
    "timestamp too long": shaped([NOW + " " * 40, str(AN_ID)]),
    "id true": shaped([NOW, True]),
    "id a number": shaped([NOW, 7]),
    "id in braces": shaped([NOW, "{" + str(AN_ID) + "}"]),
    "id in capitals": shaped([NOW, str(AN_ID).upper()]),
    "id without hyphens": shaped([NOW, AN_ID.hex]),
    "rank true": shaped([True, str(AN_ID)], sort="rank"),
    "rank a float": shaped([1.0, str(AN_ID)], sort="rank"),
    "rank of 31 digits": shaped([int("9" * 31), str(AN_ID)], sort="rank"),
    "rank past 32 bits": shaped([2**31, str(AN_ID)], sort="rank"),
    "big past 64 bits": shaped([2**63, str(AN_ID)], sort="big"),
    "rank NaN": base64.urlsafe_b64encode(
        f'{{"l":"things","s":"rank","d":"desc","k":[NaN,"{AN_ID}"]}}'.encode()
    ).decode(),
    "a list where a string belongs": shaped([["a"], str(AN_ID)], sort="name"),
    "an object where a string belongs": shaped([{"a": 1}, str(AN_ID)], sort="name"),
    "null name": shaped([None, str(AN_ID)], sort="name"),
    "name with NUL": shaped(["a\x00b", str(AN_ID)], sort="name"),
    "name with a lone surrogate": base64.urlsafe_b64encode(
        f'{{"l":"things","s":"name","d":"desc","k":["\\ud800","{AN_ID}"]}}'.encode()
    ).decode(),
    "name too long": shaped(["x" * (keyset.TEXT_MAX_CHARS + 1), str(AN_ID)], sort="name"),
    "deeply nested": forge({"l": "things", "s": "at", "d": "desc", "k": [[[[[[[[1]]]]]]]]}),
    "deeper than the parser goes": base64.urlsafe_b64encode(b"[" * 1500).decode(),
}


# The sort each forged cursor is presented for, where it is not "at" (so that the refusal is
# about the value, not about a cursor of another sort).
PRESENTED_FOR = {
    "zone on a naive column": "local",
    "rank true": "rank",
    "rank a float": "rank",
    "rank of 31 digits": "rank",
    "rank past 32 bits": "rank",
    "big past 64 bits": "big",
    "rank NaN": "rank",
    "a list where a string belongs": "name",
    "an object where a string belongs": "name",
    "null name": "name",
    "name with NUL": "name",
    "name with a lone surrogate": "name",
    "name too long": "name",
}


@pytest.mark.parametrize("case", FORGED)
def test_a_forged_cursor_is_refused_before_sql(case):
    with pytest.raises(InvalidCursor) as refused:
        LIST.decode(FORGED[case], sort=PRESENTED_FOR.get(case, "at"), direction="desc")
    assert refused.value.field == "cursor"
    assert isinstance(refused.value, Invalid)


def test_each_value_check_refuses_on_its_own():
    """The forged values above, put right one at a time, decode: each case fails for the
    reason its name gives, not for another."""
    assert LIST.decode(shaped([NOW, str(AN_ID)]), sort="at", direction="desc")
    assert LIST.decode(shaped(["x", str(AN_ID)], sort="name"), sort="name", direction="desc")
    assert LIST.decode(shaped([1, str(AN_ID)], sort="rank"), sort="rank", direction="desc")
    local = shaped(["2026-11-30T10:00:00", str(AN_ID)], sort="local")
    assert LIST.decode(local, sort="local", direction="desc")


def test_a_cursor_of_another_list_is_refused_by_the_service(db):
    owner = make_user(db)
    actor = actor_for(db, owner)
    account = account_of(db, owner.id)
    workspace = create_workspace(db, actor, account, name="One")
    for n in range(3):
        make_workspace(db, account, f"More {n}")
    for _ in range(2):
        workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id))
        workspaces.unfreeze(session=db, actor=actor, workspace_id=str(workspace.id))
    listed = workspaces.list_workspaces(session=db, actor=actor, limit=1)
    feed = workspaces.list_activity(
        session=db, actor=actor, workspace_id=str(workspace.id), limit=1
    )
    assert listed.next_cursor and feed.next_cursor
    with pytest.raises(InvalidCursor):
        workspaces.list_activity(
            session=db, actor=actor, workspace_id=str(workspace.id), cursor=listed.next_cursor
        )
    with pytest.raises(InvalidCursor):
        workspaces.list_workspaces(session=db, actor=actor, cursor=feed.next_cursor)
    with pytest.raises(InvalidCursor):
        processes.list_processes(
            session=db, actor=actor, workspace_id=str(workspace.id), cursor=feed.next_cursor
        )


# Properties ------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.datetimes(timezones=st.none() | st.just(UTC)).map(datetime.isoformat)
    | st.uuids().map(str),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
SORTS = st.sampled_from(sorted(LIST.sorts))
DIRECTIONS = st.sampled_from(keyset.DIRECTIONS)
# Values of the right type for each kind of key (and of the wrong one, by drawing another
# kind): the cursors built from them get past the shape checks to the per-value ones, and
# many decode, so the tests see valid pages as well as refusals.
TYPED = {
    str: st.text(max_size=60),
    int: st.integers(min_value=-(2**64), max_value=2**64),
    uuid.UUID: st.uuids().map(str),
    datetime: st.datetimes(timezones=st.none() | st.just(UTC)).map(datetime.isoformat),
}
ANY_TYPED = st.one_of(*TYPED.values())


@st.composite
def positioned(draw, keys: Keyset, sorts: list[str], name: str | None = None):
    """(sort, direction, cursor) with the list's shape and mostly well-typed values."""
    sort, direction = draw(st.sampled_from(sorts)), draw(DIRECTIONS)
    kinds = [key.type for key in keys._keys(sort)]
    values = [draw(TYPED[kind] | ANY_TYPED) for kind in kinds]
    payload = {"l": name or keys.name, "s": sort, "d": direction, "k": values}
    return sort, direction, forge(payload)


def _cursors():
    """Arbitrary strings, arbitrary JSON as a cursor, and cursors of the right shape holding
    arbitrary values (the last reach the per-type checks)."""
    return st.one_of(
        st.text(max_size=300),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        JSON.map(forge),
        st.builds(
            lambda sort, direction, k: forge({"l": "things", "s": sort, "d": direction, "k": k}),
            SORTS,
            DIRECTIONS,
            st.lists(JSON, max_size=3) | JSON,
        ),
    )


def _typed_position(sort: str, position: tuple) -> None:
    key = LIST.sorts[sort]
    *sort_value, last_id = position
    assert isinstance(last_id, uuid.UUID)
    if key is None:
        assert sort_value == []
        return
    (value,) = sort_value
    assert isinstance(value, key.type) and not isinstance(value, bool)
    if key.type is datetime:
        assert (value.utcoffset() is not None) == key.aware


@settings(max_examples=500, deadline=None)
@given(
    case=st.tuples(SORTS, DIRECTIONS, _cursors()) | positioned(LIST, sorted(LIST.sorts)),
)
def test_decode_gives_a_typed_position_or_invalid_cursor(case):
    sort, direction, cursor = case
    try:
        position = LIST.decode(cursor, sort=sort, direction=direction)
    except InvalidCursor as refused:
        assert refused.field == "cursor"
        event("refused")
        return
    event("no cursor" if position is None else "a position")
    if position is not None:
        _typed_position(sort, position)


@pytest.fixture
def readable(db):
    """A reader with 7 workspaces (two names differing only in case, one in accents), a
    stranger's workspace they must never see, and an audit feed and Process Log to page."""
    owner = make_user(db)
    actor = actor_for(db, owner)
    account = account_of(db, owner.id)
    first = create_workspace(db, actor, account, name="Alpha")
    for name in ("alpha", "Éclair", "éclair", "Zeta", "zeta", "北京 Ops"):
        make_workspace(db, account, name)
    for _ in range(3):
        workspaces.freeze(session=db, actor=actor, workspace_id=str(first.id))
        workspaces.unfreeze(session=db, actor=actor, workspace_id=str(first.id))
    stranger = make_user(db)
    hidden = make_workspace(db, account_of(db, stranger.id), "Not yours")
    db.commit()
    mine = {row.id for row in workspaces.list_workspaces(session=db, actor=actor, limit=100).items}
    assert len(mine) == 7 and str(hidden.id) not in mine
    return actor, str(first.id), mine


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    case=st.tuples(st.sampled_from(workspaces.SORTS), DIRECTIONS, _cursors())
    | positioned(workspaces._LIST, list(workspaces.SORTS)),
    limit=st.integers(min_value=1, max_value=10),
)
def test_any_cursor_gives_a_page_of_readable_workspaces_or_invalid(db, readable, case, limit):
    actor, _, mine = readable
    sort, direction, cursor = case
    try:
        page = workspaces.list_workspaces(
            session=db, actor=actor, sort=sort, direction=direction, limit=limit, cursor=cursor
        )
    except Invalid as refused:
        assert refused.field == "cursor"
        event("refused")
        return
    event("a page")
    assert len(page.items) <= limit
    assert {row.id for row in page.items} <= mine


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    any_cursor=_cursors(),
    limit=st.integers(min_value=1, max_value=5),
)
def test_any_cursor_gives_a_page_of_the_feed_and_the_log_or_invalid(
    db, readable, data, any_cursor, limit
):
    actor, workspace_id, _ = readable
    for pager, read in (
        (audit.FEED, workspaces.list_activity),
        (processes._LIST, processes.list_processes),
    ):
        _, _, shaped_cursor = data.draw(positioned(pager, ["newest"]))
        for cursor in (any_cursor, shaped_cursor):
            try:
                page = read(
                    session=db, actor=actor, workspace_id=workspace_id, limit=limit, cursor=cursor
                )
            except Invalid as refused:
                assert refused.field == "cursor"
                event("refused")
                continue
            event("a page")
            assert len(page.items) <= limit


# Walking -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", workspaces.SORTS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_walk_one_row_at_a_time_sees_every_row_once(db, readable, sort, direction):
    """Names that lower differently in Python and in the database (É, 北京) included: the
    cursor carries the database's own sort value, so no row is skipped or repeated."""
    actor, _, mine = readable
    seen, cursor = [], None
    for _ in range(20):
        page = workspaces.list_workspaces(
            session=db, actor=actor, sort=sort, direction=direction, limit=1, cursor=cursor
        )
        seen += [row.id for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(mine)


def test_the_feed_walks_newest_first_without_gaps(db, readable):
    actor, workspace_id, _ = readable
    everything = workspaces.list_activity(
        session=db, actor=actor, workspace_id=workspace_id, limit=100
    ).items
    seen, cursor = [], None
    while True:
        page = workspaces.list_activity(
            session=db, actor=actor, workspace_id=workspace_id, limit=2, cursor=cursor
        )
        seen += [event.id for event in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [event.id for event in everything] == sorted(seen, reverse=True)
    assert len(seen) == 7  # created, three freezes, three unfreezes


def test_a_cursor_made_before_more_rows_arrive_still_resumes_after_its_row(db, readable):
    actor, _, _ = readable
    first = workspaces.list_workspaces(session=db, actor=actor, limit=3)
    newer = make_workspace(db, account_of(db, actor.user_id), "Newest")
    newer.created_at = utcnow() + timedelta(days=1)
    db.add(newer)
    db.flush()
    rest = workspaces.list_workspaces(session=db, actor=actor, limit=100, cursor=first.next_cursor)
    assert str(newer.id) not in {row.id for row in rest.items}
    assert not {row.id for row in first.items} & {row.id for row in rest.items}
