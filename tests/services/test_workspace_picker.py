"""The top-bar picker's services: search on the server, pinned and recent first, bounded,
only readable workspaces; pins and recent picks are the person's own."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from portal.domain.errors import Invalid, NotFound
from portal.models import WorkspacePick
from portal.services import workspaces
from tests.factories import account_of, actor_for, grant, make_user, make_workspace


@pytest.fixture
def ada(db):
    return make_user(db, name="Ada", account_name="Ada Co")


@pytest.fixture
def actor(db, ada):
    return actor_for(db, ada)


@pytest.fixture
def account_id(db, ada):
    return account_of(db, ada.id)


def names(results) -> list[str]:
    return [choice.name for choice in results.items]


def search(db, actor, query=None, **kwargs):
    return workspaces.search_for_picker(session=db, actor=actor, query=query, **kwargs)


def test_search_is_bounded_whatever_the_number_of_workspaces(db, actor, account_id):
    for n in range(workspaces.PICKER_LIMIT + 5):
        make_workspace(db, account_id, name=f"Shop {n:02d}")
    results = search(db, actor)
    assert len(results.items) == workspaces.PICKER_LIMIT
    assert results.more is True
    # By name when nothing is pinned or recent.
    assert names(results) == [f"Shop {n:02d}" for n in range(workspaces.PICKER_LIMIT)]
    # A caller cannot ask for more than the bound.
    assert len(search(db, actor, limit=10_000).items) == workspaces.PICKER_LIMIT


def test_search_filters_by_name_or_account_name_case_insensitively(db, actor, account_id):
    make_workspace(db, account_id, name="Billing Prod")
    make_workspace(db, account_id, name="Search")
    other = make_user(db, account_name="Globex Billing")
    globex = make_workspace(db, account_of(db, other.id), name="Ledger")
    grant(db, actor.user_id, workspace_id=globex.id)

    assert names(search(db, actor, "  billing ")) == ["Billing Prod", "Ledger"]
    assert names(search(db, actor, "SEARCH")) == ["Search"]
    results = search(db, actor, "nothing like it")
    assert (results.items, results.more) == ([], False)


def test_search_treats_like_wildcards_as_text(db, actor, account_id):
    make_workspace(db, account_id, name="100% uptime")
    make_workspace(db, account_id, name="1000 users")
    assert names(search(db, actor, "100%")) == ["100% uptime"]
    assert names(search(db, actor, "_")) == []


def test_search_offers_only_readable_and_never_deleted_workspaces(db, actor, account_id):
    make_workspace(db, account_id, name="Mine")
    make_workspace(db, account_id, name="Gone", status="deleted")
    stranger = make_user(db, account_name="Stranger Co")
    make_workspace(db, account_of(db, stranger.id), name="Foreign")
    assert names(search(db, actor)) == ["Mine"]
    assert names(search(db, actor, "foreign")) == []


def test_two_workspaces_of_one_name_are_told_apart_by_account_and_status(db, actor, account_id):
    make_workspace(db, account_id, name="Production")
    other = make_user(db, account_name="Globex")
    theirs = make_workspace(db, account_of(db, other.id), name="Production", status="frozen")
    grant(db, actor.user_id, workspace_id=theirs.id)
    offered = {(c.name, c.account_name, c.status) for c in search(db, actor, "production").items}
    assert offered == {("Production", "Ada Co", "active"), ("Production", "Globex", "frozen")}


def test_pinned_first_then_recent_latest_first_then_by_name(db, actor, account_id):
    ids = {
        name: str(make_workspace(db, account_id, name=name).id)
        for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo")
    }
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=ids["Delta"])
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=ids["Bravo"])
    workspaces.pin_workspace(session=db, actor=actor, workspace_id=ids["Echo"])
    workspaces.pin_workspace(session=db, actor=actor, workspace_id=ids["Charlie"])

    results = search(db, actor)
    assert names(results) == ["Charlie", "Echo", "Bravo", "Delta", "Alpha"]
    flags = {c.name: (c.pinned, c.recent) for c in results.items}
    assert flags == {
        "Charlie": (True, False),
        "Echo": (True, False),
        "Bravo": (False, True),
        "Delta": (False, True),
        "Alpha": (False, False),
    }
    # Filtering keeps the order among what matches.
    assert names(search(db, actor, "l")) == ["Charlie", "Delta", "Alpha"]

    workspaces.unpin_workspace(session=db, actor=actor, workspace_id=ids["Echo"])
    assert names(search(db, actor))[:2] == ["Charlie", "Bravo"]


def test_only_the_last_few_picks_are_remembered_pinned_ones_stay(db, actor, account_id):
    created = [make_workspace(db, account_id, name=f"W{n:02d}") for n in range(12)]
    workspaces.pin_workspace(session=db, actor=actor, workspace_id=str(created[0].id))
    for workspace in created:
        workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(workspace.id))
    rows = db.exec(select(WorkspacePick).where(WorkspacePick.user_id == actor.user_id)).all()
    unpinned = [row for row in rows if row.pinned_at is None]
    assert len(unpinned) == workspaces.RECENT_KEPT
    assert {row.workspace_id for row in unpinned} == {w.id for w in created[-8:]}
    assert any(row.workspace_id == created[0].id and row.pinned_at for row in rows)
    recent = [c.name for c in search(db, actor).items if c.recent and not c.pinned]
    assert recent == [f"W{n:02d}" for n in range(11, 3, -1)]


def test_pins_and_picks_are_each_persons_own(db, actor, account_id):
    shared = make_workspace(db, account_id, name="Shared")
    make_workspace(db, account_id, name="Another")
    colleague = make_user(db)
    grant(db, colleague.id, account_id=account_id)
    colleague_actor = actor_for(db, colleague)
    workspaces.pin_workspace(session=db, actor=actor, workspace_id=str(shared.id))

    mine = search(db, actor).items[0]
    assert (mine.name, mine.pinned) == ("Shared", True)
    theirs = {c.name: c.pinned for c in search(db, colleague_actor).items}
    assert theirs == {"Another": False, "Shared": False}


@pytest.mark.parametrize("target", ["foreign", "unknown", "garbage"])
def test_pinning_needs_read(db, actor, target):
    stranger = make_user(db)
    foreign = make_workspace(db, account_of(db, stranger.id), name="Foreign")
    workspace_id = {
        "foreign": str(foreign.id),
        "unknown": str(uuid.uuid4()),
        "garbage": "x' or 1=1",
    }
    with pytest.raises(NotFound):
        workspaces.pin_workspace(session=db, actor=actor, workspace_id=workspace_id[target])
    with pytest.raises(NotFound):
        workspaces.unpin_workspace(session=db, actor=actor, workspace_id=workspace_id[target])
    assert db.exec(select(WorkspacePick)).all() == []


def test_a_pinned_workspace_one_can_no_longer_read_is_not_offered(db, account_id):
    workspace = make_workspace(db, account_id, name="Was Mine")
    member = make_user(db)
    access = grant(db, member.id, workspace_id=workspace.id)
    actor = actor_for(db, member)
    workspaces.pin_workspace(session=db, actor=actor, workspace_id=str(workspace.id))
    assert names(search(db, actor)) == ["Was Mine"]
    db.delete(access)
    db.flush()
    assert names(search(db, actor)) == []
    assert workspaces.current_choice(session=db, actor=actor) is None


def test_current_choice_is_the_remembered_pick_else_the_first_offered(db, actor, account_id):
    assert workspaces.current_choice(session=db, actor=actor) is None
    beta = make_workspace(db, account_id, name="Beta")
    alpha = make_workspace(db, account_id, name="Alpha")
    assert workspaces.current_choice(session=db, actor=actor).name == "Alpha"
    workspaces.pin_workspace(session=db, actor=actor, workspace_id=str(beta.id))
    assert workspaces.current_choice(session=db, actor=actor).name == "Beta"
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(alpha.id))
    choice = workspaces.current_choice(session=db, actor=actor)
    assert (choice.id, choice.name, choice.account_name) == (str(alpha.id), "Alpha", "Ada Co")


def test_a_remembered_pick_no_longer_readable_falls_back(db, account_id):
    kept = make_workspace(db, account_id, name="Kept")
    lost = make_workspace(db, account_id, name="Lost")
    member = make_user(db)
    grant(db, member.id, workspace_id=kept.id)
    access = grant(db, member.id, workspace_id=lost.id)
    actor = actor_for(db, member)
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(lost.id))
    assert workspaces.current_choice(session=db, actor=actor).name == "Lost"
    db.delete(access)
    db.flush()
    assert workspaces.current_choice(session=db, actor=actor).name == "Kept"


def test_picks_go_with_the_workspace(db, actor, account_id):
    workspace = make_workspace(db, account_id, name="Short Lived")
    workspaces.pin_workspace(session=db, actor=actor, workspace_id=str(workspace.id))
    db.flush()
    db.delete(workspace)
    db.flush()
    db.expire_all()
    assert db.exec(select(WorkspacePick)).all() == []


def test_two_of_one_name_and_status_in_one_account_differ_by_slug(db, actor, account_id):
    first = make_workspace(db, account_id, name="Sandbox")
    second = make_workspace(db, account_id, name="Sandbox")
    offered = {(c.name, c.account_name, c.status, c.slug) for c in search(db, actor).items}
    assert offered == {
        ("Sandbox", "Ada Co", "active", first.slug),
        ("Sandbox", "Ada Co", "active", second.slug),
    }
    assert first.slug != second.slug


@pytest.mark.parametrize("typed", ["prod\x1b[2J", "prod\nuction", "pro\u202educt"])
def test_a_search_term_follows_the_one_free_text_rule(db, actor, account_id, typed):
    make_workspace(db, account_id, name="Production")
    with pytest.raises(Invalid) as refused:
        search(db, actor, typed)
    assert refused.value.field == "query"
    assert "control characters" in refused.value.message
    # Spaces of any kind still only collapse.
    assert names(search(db, actor, "  pro\u00a0duc ")) == []
    assert names(search(db, actor, "  produc ")) == ["Production"]
