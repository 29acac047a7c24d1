"""A user of account B learns nothing about account A: every service answers NotFound.

Every workspace and account service function is called by B's administrator with A's ids
(and, where a function takes both, B's account with A's workspace). Whatever A's workspace's
state (frozen and offboarding would otherwise answer Frozen/ReadOnly/Invalid), the answer is
the same NotFound a made-up id gets.
"""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from portal.domain.errors import NotFound
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, Invitation, User, Workspace
from portal.services import accounts, workspaces
from tests.conftest import from_snapshot
from tests.factories import account_of, actor_for, grant, make_user, make_workspace

WORKSPACE_CALLS = {
    "get": (workspaces.get, {}),
    "get_workspace_detail": (workspaces.get_workspace_detail, {}),
    "list_environments": (workspaces.list_environments, {}),
    "list_activity": (workspaces.list_activity, {}),
    "list_activity_filtered": (
        workspaces.list_activity,
        {"action_filter": "workspace.", "actor_filter": "a@"},
    ),
    "rename_workspace": (workspaces.rename_workspace, {"name": "Mine now"}),
    "freeze": (workspaces.freeze, {"reason": "x"}),
    "unfreeze": (workspaces.unfreeze, {}),
    "offboard": (workspaces.offboard, {"confirm_name": "A Production"}),
    "restore": (workspaces.restore, {}),
    "remember_workspace": (workspaces.remember_workspace, {}),
}

ACCOUNT_CALLS = {
    "get_account": (accounts.get_account, {}),
    "list_account_activity": (workspaces.list_account_activity, {}),
    "create_workspace": (workspaces.create_workspace, {"name": "Sneaky"}),
    "invite": (accounts.invite, {"email": "x@example.com", "permission": "read"}),
    "set_grant": (accounts.set_grant, {"user_id": "A_MEMBER", "permission": "administer"}),
    "remove_grant": (accounts.remove_grant, {"user_id": "A_MEMBER"}),
    "remove_member": (accounts.remove_member, {"user_id": "A_MEMBER"}),
    "revoke_invitation": (accounts.revoke_invitation, {"invitation_id": "A_INVITATION"}),
}


def _tenants(db) -> dict:
    """What `tenants` holds, committed, with the workspaces' ids (from_snapshot keeps no rows)."""
    a_owner = make_user(db, email="a@example.com", account_name="Account A")
    a_account = account_of(db, a_owner.id)
    a_actor = actor_for(db, a_owner)
    a_workspace = make_workspace(db, a_account, "A Production")
    a_member = make_user(db, email="a.member@example.com")
    grant(db, a_member.id, account_id=a_account, permission="read")
    invitation = accounts.invite(
        session=db, actor=a_actor, account_id=a_account, email="new@example.com", permission="read"
    ).invitation

    b_owner = make_user(db, email="b@example.com", account_name="Account B")
    b_account = account_of(db, b_owner.id)
    b_workspace = make_workspace(db, b_account, "B Production")
    made = {
        "a_account": a_account,
        "a_workspace": a_workspace.id,
        "a_member": a_member.id,
        "a_invitation": invitation.id,
        "a_actor": a_actor,
        "b_actor": actor_for(db, b_owner),
        "b_account": b_account,
        "b_workspace": b_workspace.id,
    }
    db.commit()
    return made


@pytest.fixture
def tenants(db):
    """Account A (with a workspace, a member and a pending invitation) and B's administrator,
    who also administers a workspace of their own: the workspaces as rows of this session."""
    made = from_snapshot(db, "cross-tenant-services", lambda: _tenants(db))
    return {
        **made,
        "a_workspace": db.get(Workspace, made["a_workspace"]),
        "b_workspace": db.get(Workspace, made["b_workspace"]),
    }


def _resolve(kwargs: dict, tenants: dict) -> dict:
    placeholders = {"A_MEMBER": tenants["a_member"], "A_INVITATION": tenants["a_invitation"]}
    return {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}


def _snapshot(db, tenants) -> tuple:
    db.expire_all()
    workspace = db.get(Workspace, tenants["a_workspace"].id)
    return (
        workspace.name,
        workspace.status,
        len(db.exec(select(AuditEvent)).all()),
        len(db.exec(select(Invitation)).all()),
    )


@pytest.mark.parametrize(
    "status",
    [
        WorkspaceStatus.ACTIVE,
        WorkspaceStatus.FROZEN,
        WorkspaceStatus.OFFBOARDING,
        WorkspaceStatus.PROVISIONING,
    ],
)
@pytest.mark.parametrize("name", sorted(WORKSPACE_CALLS))
def test_workspace_functions_answer_not_found(db, tenants, name, status):
    workspace = tenants["a_workspace"]
    workspace.status = status
    db.add(workspace)
    db.flush()
    before = _snapshot(db, tenants)
    call, kwargs = WORKSPACE_CALLS[name]
    with pytest.raises(NotFound) as error:
        call(session=db, actor=tenants["b_actor"], workspace_id=str(workspace.id), **kwargs)
    # The same words as a workspace that does not exist.
    with pytest.raises(NotFound) as unknown:
        call(session=db, actor=tenants["b_actor"], workspace_id=str(uuid.uuid4()), **kwargs)
    assert error.value.message == unknown.value.message
    assert _snapshot(db, tenants) == before


@pytest.mark.parametrize("name", sorted(ACCOUNT_CALLS))
def test_account_functions_answer_not_found(db, tenants, name):
    before = _snapshot(db, tenants)
    call, kwargs = ACCOUNT_CALLS[name]
    with pytest.raises(NotFound) as error:
        call(
            session=db,
            actor=tenants["b_actor"],
            account_id=tenants["a_account"],
            **_resolve(kwargs, tenants),
        )
    with pytest.raises(NotFound) as unknown:
        call(session=db, actor=tenants["b_actor"], account_id=987_654, **_resolve(kwargs, tenants))
    assert error.value.message == unknown.value.message
    assert _snapshot(db, tenants) == before


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        (accounts.invite, {"email": "x@example.com", "permission": "read"}),
        (accounts.set_grant, {"user_id": "B_SELF", "permission": "read"}),
        (accounts.remove_grant, {"user_id": "B_SELF"}),
    ],
    ids=["invite", "set_grant", "remove_grant"],
)
def test_own_account_with_a_workspace_of_a_is_not_found(db, tenants, call, kwargs):
    """B administers their own account, and names A's workspace as the target."""
    kwargs = {k: tenants["b_actor"].user_id if v == "B_SELF" else v for k, v in kwargs.items()}
    with pytest.raises(NotFound):
        call(
            session=db,
            actor=tenants["b_actor"],
            account_id=tenants["b_account"],
            workspace_id=str(tenants["a_workspace"].id),
            **kwargs,
        )


def test_b_cannot_revoke_a_invitation_through_their_own_account(db, tenants):
    with pytest.raises(NotFound):
        accounts.revoke_invitation(
            session=db,
            actor=tenants["b_actor"],
            account_id=tenants["b_account"],
            invitation_id=tenants["a_invitation"],
        )
    assert db.get(Invitation, tenants["a_invitation"]).revoked_at is None


def test_lists_never_show_a(db, tenants):
    b = tenants["b_actor"]
    a_id = str(tenants["a_workspace"].id)
    assert a_id not in {r.id for r in workspaces.list_workspaces(session=db, actor=b).items}
    assert a_id not in {r.id for r in workspaces.list_for_picker(session=db, actor=b)}
    assert workspaces.count_workspaces(session=db, actor=b) == 1
    assert workspaces.count_workspaces(session=db, actor=b, name_contains="A Prod") == 0
    assert [a.name for a in accounts.list_accounts(session=db, actor=b)] == ["Account B"]
    # Both accounts have activity: A's invitation, and a rename of B's workspace.
    workspaces.rename_workspace(
        session=db, actor=b, workspace_id=str(tenants["b_workspace"].id), name="B Renamed"
    )
    assert db.exec(select(AuditEvent).where(AuditEvent.account_id == tenants["a_account"])).all()
    b_feed = workspaces.list_account_activity(session=db, actor=b, account_id=tenants["b_account"])
    assert [e.action for e in b_feed.items] == ["workspace.renamed"]
    assert {e.account_id for e in b_feed.items} == {tenants["b_account"]}


def test_a_remembered_workspace_of_a_is_not_returned(db, tenants):
    """Even if the user row pointed at A's workspace (say, after losing access)."""
    user = db.get(User, tenants["b_actor"].user_id)
    user.last_workspace_id = tenants["a_workspace"].id
    db.add(user)
    db.flush()
    assert workspaces.last_workspace(session=db, actor=tenants["b_actor"]) is None


def test_b_cannot_accept_an_invitation_of_a_sent_to_someone_else(db, tenants):
    created = accounts.invite(
        session=db,
        actor=tenants["a_actor"],
        account_id=tenants["a_account"],
        email="c@example.com",
        permission="administer",
    )
    token = created.link.rsplit("/", 1)[1]
    with pytest.raises(Exception, match="c@example.com"):  # noqa: PT011 - Invalid
        accounts.accept_invitation(session=db, actor=tenants["b_actor"], token=token)
    with pytest.raises(NotFound):
        accounts.get_account(session=db, actor=tenants["b_actor"], account_id=tenants["a_account"])
