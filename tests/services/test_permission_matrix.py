"""The whole matrix: every role against every named action, through the real `require`.

The expectations are written out by hand below, row by row, rather than derived from
portal.domain.access.RULES: a change to a rule has to change this table too, on purpose.
"""

from __future__ import annotations

import pytest

from portal.domain.access import Action
from portal.domain.errors import Frozen, NotFound, PermissionDenied, ReadOnly
from portal.domain.workspaces import WorkspaceStatus
from portal.models import Account, Workspace
from portal.services import permissions
from tests.factories import account_of, actor_for, grant, make_user, make_workspace

OK, DENIED, NOT_FOUND, FROZEN, READ_ONLY = "allowed", "denied", "not found", "frozen", "read-only"

ROLES = (
    "no grant",
    "workspace read",
    "workspace administer",
    "account read",
    "account administer",
    "platform admin without grants",
)

# Per action, the outcome for each role of ROLES, in that order, on an active workspace of
# the account (or on the account itself for an account action).
_ACCOUNT_READ = (NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND)
_ACCOUNT_ADMINISTER = (NOT_FOUND, NOT_FOUND, NOT_FOUND, DENIED, OK, NOT_FOUND)
_WORKSPACE_READ = (NOT_FOUND, OK, OK, OK, OK, NOT_FOUND)
_WORKSPACE_ADMINISTER = (NOT_FOUND, DENIED, OK, DENIED, OK, NOT_FOUND)
EXPECTED: dict[Action, tuple[str, ...]] = {
    Action.VIEW_ACCOUNT: _ACCOUNT_READ,
    Action.CREATE_WORKSPACE: _ACCOUNT_ADMINISTER,
    Action.MANAGE_ACCOUNT_MEMBERS: _ACCOUNT_ADMINISTER,
    Action.RENAME_ACCOUNT: _ACCOUNT_ADMINISTER,
    Action.VIEW_WORKSPACE: _WORKSPACE_READ,
    Action.RENAME_WORKSPACE: _WORKSPACE_ADMINISTER,
    Action.FREEZE_WORKSPACE: _WORKSPACE_ADMINISTER,
    Action.UNFREEZE_WORKSPACE: _WORKSPACE_ADMINISTER,
    Action.EXPORT_WORKSPACE: _WORKSPACE_ADMINISTER,
    Action.OFFBOARD_WORKSPACE: _WORKSPACE_ADMINISTER,
    Action.RESTORE_WORKSPACE: _WORKSPACE_ADMINISTER,
    Action.RETRY_PROCESS: _WORKSPACE_ADMINISTER,
    Action.MANAGE_WORKSPACE_MEMBERS: _WORKSPACE_ADMINISTER,
    Action.MANAGE_APPS: _WORKSPACE_ADMINISTER,
    Action.INSTALL_APPS: _WORKSPACE_ADMINISTER,
    Action.MANAGE_API_KEYS: _WORKSPACE_ADMINISTER,
    Action.MANAGE_WEBHOOKS: _WORKSPACE_ADMINISTER,
    Action.MANAGE_SECRETS: _WORKSPACE_ADMINISTER,
    Action.REVEAL_SECRETS: _WORKSPACE_ADMINISTER,
    Action.MANAGE_FILES: _WORKSPACE_ADMINISTER,
    Action.MANAGE_VAULT: _WORKSPACE_ADMINISTER,
    Action.REVEAL_VAULT: _WORKSPACE_ADMINISTER,
}
ACCOUNT_ACTIONS = {
    Action.VIEW_ACCOUNT,
    Action.CREATE_WORKSPACE,
    Action.MANAGE_ACCOUNT_MEMBERS,
    Action.RENAME_ACCOUNT,
}
# Writes inside the workspace: refused while it is frozen or offboarding.
WORKSPACE_WRITES = {
    Action.RENAME_WORKSPACE,
    Action.MANAGE_APPS,
    Action.INSTALL_APPS,
    Action.MANAGE_API_KEYS,
    Action.MANAGE_WEBHOOKS,
    Action.MANAGE_SECRETS,
    Action.MANAGE_FILES,
    Action.MANAGE_VAULT,
}


def test_the_table_covers_every_action():
    assert set(EXPECTED) == set(Action)
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


@pytest.fixture
def tenant(db):
    """An account (its owner administers it) with a workspace and a sibling workspace."""
    owner = make_user(db, email="owner@example.com", name="Olivia Owner", account_name="Acme")
    account_id = account_of(db, owner.id)
    workspace = make_workspace(db, account_id, "Production")
    sibling = make_workspace(db, account_id, "Staging")
    return account_id, workspace, sibling


def _actor(db, role: str, account_id: int, workspace: Workspace):
    user = make_user(db, platform_admin=role == "platform admin without grants")
    if role == "workspace read":
        grant(db, user.id, workspace_id=workspace.id, permission="read")
    elif role == "workspace administer":
        grant(db, user.id, workspace_id=workspace.id, permission="administer")
    elif role == "account read":
        grant(db, user.id, account_id=account_id, permission="read")
    elif role == "account administer":
        grant(db, user.id, account_id=account_id, permission="administer")
    return actor_for(db, user)


def _outcome(db, actor, action: Action, target) -> str:
    try:
        loaded = permissions.require(db, actor, action, target)
    except NotFound:
        return NOT_FOUND
    except PermissionDenied as denied:
        # Names the permission the action needs and who holds it.
        needed = "read" if action is Action.VIEW_ACCOUNT else "administer"
        assert f"You need {needed} on the" in denied.message, denied.message
        assert "Ask an administrator: owner@example.com." in denied.message, denied.message
        return DENIED
    except Frozen:
        return FROZEN
    except ReadOnly:
        return READ_ONLY
    expected_type = Account if action in ACCOUNT_ACTIONS else Workspace
    assert isinstance(loaded, expected_type)
    assert str(loaded.id) == str(target)
    return OK


@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_every_action(db, tenant, role):
    account_id, workspace, _sibling = tenant
    actor = _actor(db, role, account_id, workspace)
    column = ROLES.index(role)

    outcomes = {
        action: _outcome(
            db, actor, action, account_id if action in ACCOUNT_ACTIONS else workspace.id
        )
        for action in Action
    }

    assert outcomes == {action: row[column] for action, row in EXPECTED.items()}


@pytest.mark.parametrize("role", ["workspace read", "workspace administer"])
def test_a_workspace_grant_reaches_no_sibling_workspace(db, tenant, role):
    account_id, workspace, sibling = tenant
    actor = _actor(db, role, account_id, workspace)
    for action in set(Action) - ACCOUNT_ACTIONS:
        assert _outcome(db, actor, action, sibling.id) == NOT_FOUND, action


# Per status of the workspace, the outcome of a workspace action for its administrator:
# writes are refused while it is frozen or offboarding; a deleted workspace is gone.
BY_STATUS = {
    WorkspaceStatus.PROVISIONING: (OK, OK),
    WorkspaceStatus.ACTIVE: (OK, OK),
    WorkspaceStatus.FROZEN: (OK, FROZEN),
    WorkspaceStatus.OFFBOARDING: (OK, READ_ONLY),
    WorkspaceStatus.DELETED: (NOT_FOUND, NOT_FOUND),
}


@pytest.mark.parametrize("role", ["workspace administer", "account administer"])
@pytest.mark.parametrize("status", list(WorkspaceStatus))
def test_writes_follow_the_workspace_status(db, tenant, role, status):
    account_id, workspace, _sibling = tenant
    workspace.status = status
    db.add(workspace)
    db.flush()
    actor = _actor(db, role, account_id, workspace)
    other, write = BY_STATUS[status]

    outcomes = {
        action: _outcome(db, actor, action, workspace.id)
        for action in set(Action) - ACCOUNT_ACTIONS
    }

    assert outcomes == {
        action: write if action in WORKSPACE_WRITES else other for action in outcomes
    }


def test_permission_is_decided_before_the_status(db, tenant):
    """A reader of a frozen workspace is told about the permission, not the freeze."""
    account_id, workspace, _sibling = tenant
    workspace.status = WorkspaceStatus.FROZEN
    db.add(workspace)
    db.flush()
    reader = _actor(db, "workspace read", account_id, workspace)
    for action in WORKSPACE_WRITES:
        assert _outcome(db, reader, action, workspace.id) == DENIED
