"""The permission module: grants on accounts and workspaces, and what others are told."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from portal.domain.access import RULES, Action, Permission, Requirement, Scope, strongest
from portal.domain.errors import NotFound, PermissionDenied
from portal.domain.workspaces import WorkspaceStatus
from portal.models import DeveloperTermsAcceptance
from portal.services import permissions, workspaces
from tests.factories import account_of, actor_for, grant, make_user, make_workspace

READ, ADMINISTER = Permission.READ, Permission.ADMINISTER


@pytest.fixture
def owner(db):
    return make_user(db, email="owner@example.com", name="Olivia Owner", account_name="Acme")


@pytest.fixture
def account_id(db, owner):
    return account_of(db, owner.id)


@pytest.fixture
def member(db):
    return make_user(db, email="member@example.com")


def test_permission_levels_are_ranked_once():
    assert ADMINISTER.includes(READ) and ADMINISTER.includes(ADMINISTER)
    assert READ.includes(READ) and not READ.includes(ADMINISTER)
    assert strongest([]) is None
    assert strongest([None, "read"]) is READ
    assert strongest(["administer", "read"]) is ADMINISTER
    assert strongest(["read", "administer", None]) is ADMINISTER


def test_every_action_has_a_rule_with_a_scope_and_a_level():
    assert set(RULES) == set(Action)
    for action in Action:
        assert action.scope in Scope
        assert action.permission in Permission
        assert action.rule.purpose
        assert not (action.writes and action.scope is Scope.ACCOUNT), action  # only workspaces


def test_owner_administers_the_account_and_its_workspaces(db, owner, account_id):
    workspace = make_workspace(db, account_id, "Production")
    actor = actor_for(db, owner)
    assert permissions.account_permission(db, actor, account_id) is ADMINISTER
    assert permissions.require(db, actor, Action.CREATE_WORKSPACE, account_id).name == "Acme"
    assert permissions.require(db, actor, Action.FREEZE_WORKSPACE, workspace.id) == workspace


def test_an_account_grant_is_inherited_by_its_workspaces(db, account_id, member):
    production = make_workspace(db, account_id, "Production")
    staging = make_workspace(db, account_id, "Staging")
    grant(db, member.id, account_id=account_id, permission="read")
    actor = actor_for(db, member)

    for workspace in (production, staging):
        assert permissions.workspace_permission(db, actor, workspace) is READ
        found = permissions.require(db, actor, Action.VIEW_WORKSPACE, str(workspace.id))
        assert found == workspace


def test_a_workspace_grant_covers_that_workspace_only(db, account_id, member):
    production = make_workspace(db, account_id, "Production")
    staging = make_workspace(db, account_id, "Staging")
    grant(db, member.id, workspace_id=production.id, permission="administer")
    actor = actor_for(db, member)

    assert permissions.require(db, actor, Action.FREEZE_WORKSPACE, production.id) == production
    with pytest.raises(NotFound):
        permissions.require(db, actor, Action.VIEW_WORKSPACE, staging.id)
    with pytest.raises(NotFound):
        permissions.require(db, actor, Action.VIEW_ACCOUNT, account_id)


def test_the_strongest_grant_wins(db, account_id, member):
    workspace = make_workspace(db, account_id)
    grant(db, member.id, account_id=account_id, permission="read")
    grant(db, member.id, workspace_id=workspace.id, permission="administer")
    actor = actor_for(db, member)
    assert permissions.workspace_permission(db, actor, workspace) is ADMINISTER


def test_read_is_not_administer_and_says_who_to_ask(db, owner, account_id, member):
    workspace = make_workspace(db, account_id, "Production")
    grant(db, member.id, account_id=account_id, permission="read")
    actor = actor_for(db, member)

    with pytest.raises(PermissionDenied) as on_workspace:
        permissions.require(db, actor, Action.FREEZE_WORKSPACE, workspace.id)
    assert on_workspace.value.message == (
        "You need administer on the workspace Production to freeze it. "
        "Ask an administrator: owner@example.com."
    )

    with pytest.raises(PermissionDenied) as on_account:
        permissions.require(db, actor, Action.CREATE_WORKSPACE, account_id)
    assert on_account.value.message == (
        "You need administer on the account Acme to create a workspace in it. "
        "Ask an administrator: owner@example.com."
    )


def test_without_a_grant_everything_is_not_found(db, account_id, member):
    workspace = make_workspace(db, account_id)
    actor = actor_for(db, member)

    with pytest.raises(NotFound) as on_workspace:
        permissions.require(db, actor, Action.VIEW_WORKSPACE, workspace.id)
    with pytest.raises(NotFound) as missing_workspace:
        permissions.require(db, actor, Action.VIEW_WORKSPACE, uuid.uuid4())
    assert on_workspace.value.message == missing_workspace.value.message

    with pytest.raises(NotFound) as on_account:
        permissions.require(db, actor, Action.VIEW_ACCOUNT, account_id)
    with pytest.raises(NotFound) as missing_account:
        permissions.require(db, actor, Action.VIEW_ACCOUNT, 999_999)
    assert on_account.value.message == missing_account.value.message


@pytest.mark.parametrize("raw", ["not-a-uuid", "", "123", "../../etc", "%00"])
def test_a_malformed_workspace_id_is_not_found(db, owner, raw):
    actor = actor_for(db, owner)
    with pytest.raises(NotFound):
        permissions.require(db, actor, Action.VIEW_WORKSPACE, raw)


@pytest.mark.parametrize("raw", ["abc", "", "1.5", None, True, 10**40, -(10**40), "../1"])
def test_a_malformed_account_id_is_not_found(db, owner, raw):
    actor = actor_for(db, owner)
    with pytest.raises(NotFound):
        permissions.require(db, actor, Action.VIEW_ACCOUNT, raw)


def test_readable_workspaces_exclude_other_accounts(db, owner, account_id, member):
    mine = make_workspace(db, account_id, "Mine")
    stranger = make_user(db, email="stranger@example.com")
    theirs = make_workspace(db, account_of(db, stranger.id), "Theirs")
    shared_with_me = make_workspace(db, account_of(db, stranger.id), "Shared")
    grant(db, owner.id, workspace_id=shared_with_me.id)
    make_workspace(db, account_id, "Gone", status=WorkspaceStatus.DELETED)
    actor = actor_for(db, owner)

    listed = workspaces.list_for_picker(session=db, actor=actor)

    assert [w.name for w in listed] == ["Mine", "Shared"]
    assert str(theirs.id) not in {w.id for w in listed}
    assert listed[0].id == str(mine.id)
    assert listed[0].account_name == "Acme"
    member_actor = actor_for(db, member)
    assert workspaces.list_for_picker(session=db, actor=member_actor) == []


def test_workspace_get_goes_through_the_permission_check(db, account_id, member):
    workspace = make_workspace(db, account_id, "Production")
    actor = actor_for(db, member)
    with pytest.raises(NotFound):
        workspaces.get(session=db, actor=actor, workspace_id=str(workspace.id))
    grant(db, member.id, workspace_id=workspace.id)
    assert workspaces.get(session=db, actor=actor, workspace_id=str(workspace.id)).name == (
        "Production"
    )


def test_developer_terms_requirement(db, member):
    actor = actor_for(db, member)
    assert not permissions.meets(db, actor, Requirement.DEVELOPER_TERMS)
    with pytest.raises(PermissionDenied) as caught:
        permissions.require_developer_terms(db, actor)
    assert "developer terms" in caught.value.message

    db.add(DeveloperTermsAcceptance(user_id=member.id, terms_version="2020-01"))
    db.flush()
    assert not permissions.has_accepted_developer_terms(db, actor)  # an old version

    db.add(DeveloperTermsAcceptance(user_id=member.id, terms_version="2026-11"))
    db.flush()
    permissions.require_developer_terms(db, actor)
    assert permissions.meets(db, actor, Requirement.DEVELOPER_TERMS)


def test_platform_admin_tools_are_not_found_for_everyone_else(db, member):
    admin = make_user(db, email="staff@example.com", platform_admin=True)
    staff = actor_for(db, admin)
    actor = actor_for(db, member)

    permissions.require_platform_admin(staff)
    with pytest.raises(NotFound):
        permissions.require_platform_admin(actor)
    assert permissions.meets(db, staff, Requirement.PLATFORM_ADMIN)
    assert not permissions.meets(db, actor, Requirement.PLATFORM_ADMIN)
    assert permissions.meets(db, actor, Requirement.SIGNED_IN)


def test_one_grant_per_user_and_target(db, account_id, member):
    workspace = make_workspace(db, account_id)
    other_workspace = make_workspace(db, account_id)
    # One account grant and grants on two workspaces coexist: NULL targets never collide.
    grant(db, member.id, account_id=account_id)
    grant(db, member.id, workspace_id=workspace.id)
    grant(db, member.id, workspace_id=other_workspace.id)
    db.commit()

    with pytest.raises(IntegrityError):
        grant(db, member.id, account_id=account_id, permission="administer")
    db.rollback()
    with pytest.raises(IntegrityError):
        grant(db, member.id, workspace_id=workspace.id, permission="administer")


def test_a_grant_targets_exactly_one_thing(db, account_id, member):
    workspace = make_workspace(db, account_id)
    with pytest.raises(IntegrityError):
        grant(db, member.id, account_id=account_id, workspace_id=workspace.id)
    db.rollback()
    with pytest.raises(IntegrityError):
        grant(db, member.id)


def test_a_deleted_workspace_is_not_found_even_for_its_administrator(db, owner, account_id):
    gone = make_workspace(db, account_id, "Gone", status=WorkspaceStatus.DELETED)
    actor = actor_for(db, owner)
    with pytest.raises(NotFound):
        permissions.require(db, actor, Action.VIEW_WORKSPACE, gone.id)
    with pytest.raises(NotFound):
        workspaces.get(session=db, actor=actor, workspace_id=str(gone.id))
