"""Activity names its targets as a person knows them: the workspace's name, "staging
environment", "invitation to ana@example.com", a member's email, never "environment 21" or a
raw UUID; resolved in one query per kind of target, and only within the feed's account."""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlmodel import select

from portal.models import Environment
from portal.services import accounts, audit, workspaces
from tests.factories import account_of, actor_for, create_workspace, grant, make_user

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def _owner(db, email="owner@example.com", account="Acme"):
    owner = make_user(db, email=email, account_name=account)
    return owner, actor_for(db, owner), account_of(db, owner.id)


def test_targets_read_as_names_in_both_feeds(db) -> None:
    owner, actor, account_id = _owner(db)
    workspace = create_workspace(db, actor, account_id, "Orbit")
    accounts.invite(
        session=db, actor=actor, account_id=account_id, email="ana@example.com", permission="read"
    )
    member = make_user(db, email="ben@example.com")
    grant(db, member.id, account_id=account_id, permission="read")
    accounts.set_grant(
        session=db,
        actor=actor,
        account_id=account_id,
        user_id=member.id,
        permission="administer",
    )
    db.flush()
    environment_id = db.exec(
        select(Environment.id).where(
            Environment.workspace_id == workspace.id, Environment.name == "staging"
        )
    ).one()
    audit.record(
        db,
        actor=None,
        action="environment.ready",
        target_type="environment",
        target_id=environment_id,
        account_id=account_id,
        workspace_id=workspace.id,
    )
    db.flush()

    feed = workspaces.list_account_activity(session=db, actor=actor, account_id=account_id)
    labels = {(e.target_type, e.target_label) for e in feed.items}
    assert ("workspace", "Orbit") in labels
    assert ("invitation", "invitation to ana@example.com") in labels
    assert ("user", "ben@example.com") in labels
    assert ("environment", "staging environment of Orbit") in labels
    for e in feed.items:
        assert e.target_label and not UUID.search(e.target_label), e
        assert not re.fullmatch(r"\w+ \d+", e.target_label), e

    own = workspaces.list_activity(session=db, actor=actor, workspace_id=str(workspace.id))
    assert ("environment", "staging environment") in {
        (e.target_type, e.target_label) for e in own.items
    }


def test_one_query_per_kind_of_target_not_per_event(db) -> None:
    _, actor, account_id = _owner(db)
    for n in range(12):
        accounts.invite(
            session=db,
            actor=actor,
            account_id=account_id,
            email=f"guest{n}@example.com",
            permission="read",
        )
    db.flush()
    events = workspaces.list_account_activity(
        session=db, actor=actor, account_id=account_id, limit=12
    ).items
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        labelled = audit.label_targets(db, events, account_id=account_id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(labelled) == 12
    assert all(e.target_label.startswith("invitation to guest") for e in labelled)
    assert len(statements) == 1, statements


def test_a_target_of_another_account_is_never_named(db) -> None:
    _, actor, account_id = _owner(db)
    _, other_actor, other_account = _owner(db, "other@example.com", "Other Inc.")
    secret = create_workspace(db, other_actor, other_account, "Their Secret Project")
    stranger = make_user(db, email="stranger@example.com")
    grant(db, stranger.id, account_id=other_account, permission="read")
    # An event of this account pointing at the other account's rows (as a bug or a forged
    # row could): the label must not read their names.
    for target_type, target_id in (("workspace", secret.id), ("user", stranger.id)):
        audit.record(
            db,
            actor=None,
            action="test.pointed",
            target_type=target_type,
            target_id=target_id,
            account_id=account_id,
        )
    db.flush()
    feed = workspaces.list_account_activity(
        session=db, actor=actor, account_id=account_id, action_filter="test."
    )
    labels = [e.target_label for e in feed.items]
    assert len(labels) == 2
    assert not any("Secret" in label or "stranger" in label for label in labels), labels
