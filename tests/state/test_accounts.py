"""Account pages: another account's member learns nothing and changes nothing; a reader
cannot invite or change grants; the last-administrator refusal shows where the person acted;
the invitation page answers only for the invited email."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.domain.workspaces import WorkspaceStatus
from portal.models import Invitation, PermissionGrant, Workspace
from portal.models._base import utcnow
from portal.pages.accounts.account_list import AccountsState
from portal.pages.accounts.detail.rows import NO_MEMBER, AccountHeader
from portal.pages.accounts.detail.state import AccountDetailState
from portal.pages.accounts.invitation import InvitationState
from portal.services import accounts, purge
from tests.factories import account_of, actor_for, grant, make_workspace, sign_in
from tests.state.support import database_snapshot, redirect_path, run, toasts


@pytest.fixture
def acme(db, person):
    """Account A ("Acme"): its owner (administer), a reader, a workspace, a pending invitation."""
    owner, owner_token, owner_actor = person(name="Olivia Owner", account_name="Acme")
    account_id = account_of(db, owner.id)
    workspace = make_workspace(db, account_id, name="Production")
    reader, reader_token, _ = person(name="Rita Reader")
    grant(db, reader.id, account_id=account_id, permission="read")
    invited = accounts.invite(
        session=db,
        actor=owner_actor,
        account_id=account_id,
        email="ivan@example.com",
        permission="read",
    )
    db.commit()
    return {
        "account_id": account_id,
        "workspace_id": str(workspace.id),
        "owner": owner,
        "owner_token": owner_token,
        "reader": reader,
        "reader_token": reader_token,
        "invitation_id": invited.invitation.id,
        "invitation_token": invited.link.rsplit("/", 1)[-1],
    }


def _page(browse, acme, token: str) -> AccountDetailState:
    client = browse(f"/accounts/{acme['account_id']}", token=token)
    state = client.state(AccountDetailState)
    run(state.load)
    return state


def _grants(db) -> list[tuple]:
    db.expire_all()
    return sorted(
        (g.user_id, g.account_id, str(g.workspace_id), g.permission)
        for g in db.exec(select(PermissionGrant)).all()
    )


def test_the_owner_sees_members_invitations_and_activity(browse, acme):
    state = _page(browse, acme, acme["owner_token"])
    assert state.found and state.can_administer
    assert state.account.name == "Acme"
    by_email = {m.email: m for m in state.members}
    assert by_email[acme["owner"].email].permission == "administer"
    assert by_email[acme["reader"].email].permission == "read"
    assert [i.email for i in state.invitations] == ["ivan@example.com"]
    assert [w.name for w in state.workspaces] == ["Production"]
    assert state.activity[0].action == "invitation.created"
    assert state.activity[0].target == "invitation to ivan@example.com"


def test_the_accounts_list_shows_my_accounts_only(browse, acme, person):
    client = browse("/accounts", token=acme["reader_token"])
    state = client.state(AccountsState)
    run(state.load)
    rows = {r.name: r for r in state.rows}
    assert rows["Acme"].permission == "read"
    assert rows["Acme"].href == f"/accounts/{acme['account_id']}"
    assert len(rows) == 2  # Acme, and the account Rita got when she signed up
    _, outsider_token, _ = person(name="Bob", account_name="Bobco")
    other = browse("/accounts", token=outsider_token).state(AccountsState)
    run(other.load)
    assert [r.name for r in other.rows] == ["Bobco"]


def test_no_account_shows_the_empty_list(browse, person, db):
    user, token, _ = person(name="Nobody")
    for row in db.exec(select(PermissionGrant).where(PermissionGrant.user_id == user.id)):
        db.delete(row)
    db.commit()
    state = browse("/accounts", token=token).state(AccountsState)
    run(state.load)
    assert state.rows == []


@pytest.mark.parametrize("path_id", ["999999", "abc", "-1", "1e3", "9" * 40])
def test_unknown_account_ids_are_not_found(browse, acme, path_id):
    client = browse(f"/accounts/{path_id}", token=acme["owner_token"])
    state = client.state(AccountDetailState)
    run(state.load)
    assert state.found is False
    assert state.members == [] and state.account == AccountHeader()


def test_another_accounts_member_learns_nothing_and_changes_nothing(browse, acme, person, db):
    _, outsider_token, _ = person(name="Mallory", account_name="Evil")
    state = _page(browse, acme, outsider_token)
    assert state.found is False
    assert (state.account, state.members, state.invitations, state.activity) == (
        AccountHeader(),
        [],
        [],
        [],
    )
    before = database_snapshot()
    owner_id = str(acme["owner"].id)
    reader_id = str(acme["reader"].id)

    run(state.invite, {"email": "mallory@evil.test", "permission": "administer"})
    assert state.invite_errors == {"form": "Account not found."}
    run(
        state.invite,
        {"email": "m@evil.test", "permission": "read", "workspace_id": acme["workspace_id"]},
    )
    assert state.invite_errors == {"form": "Workspace not found."}
    events = run(state.revoke_invitation, str(acme["invitation_id"]))
    assert state.page_error == "Account not found." and toasts(events) == []
    run(state.set_account_permission, reader_id, "administer")
    assert state.member_errors == {reader_id: "Account not found."}
    run(state.set_account_permission, owner_id, "none")
    assert state.member_errors == {owner_id: "Account not found."}
    run(state.remove_member, reader_id)
    assert state.remove_error == "Account not found."
    form = {"user_id": reader_id, "workspace_id": acme["workspace_id"], "permission": "administer"}
    # A workspace's grants are decided on the workspace (like its invitations, above).
    run(state.set_workspace_grant, form)
    assert state.grants_errors == {"workspace_id": "Workspace not found."}
    run(state.remove_workspace_grant, reader_id, acme["workspace_id"])
    assert state.grants_errors == {"workspace_id": "Workspace not found."}
    run(state.next_page, "activity")
    run(state.previous_page, "activity")
    assert state.activity == []
    # The public dialogs only pick from what this browser loaded: nothing.
    run(state.ask_remove_member, owner_id)
    run(state.open_workspace_grants, owner_id)
    assert state.remove_target == NO_MEMBER and state.grants_target == NO_MEMBER

    assert database_snapshot() == before
    assert state.found is False and state.members == []


def test_a_reader_sees_everything_read_only_and_cannot_change_it(browse, acme, db):
    state = _page(browse, acme, acme["reader_token"])
    assert state.found and not state.can_administer
    assert any(acme["owner"].email in who for who in state.administrators)
    assert len(state.members) == 2 and len(state.invitations) == 1
    before = database_snapshot()

    run(state.invite, {"email": "friend@example.com", "permission": "read"})
    assert "You need administer on the account Acme" in state.invite_errors["form"]
    assert acme["owner"].email in state.invite_errors["form"]
    owner_id = str(acme["owner"].id)
    run(state.set_account_permission, owner_id, "read")
    assert "You need administer" in state.member_errors[owner_id]
    run(state.remove_member, owner_id)
    assert "You need administer" in state.remove_error
    run(state.revoke_invitation, str(acme["invitation_id"]))
    assert "You need administer" in state.page_error
    form = {"user_id": owner_id, "workspace_id": acme["workspace_id"], "permission": "read"}
    run(state.set_workspace_grant, form)
    assert "You need administer" in state.grants_errors["workspace_id"]

    assert database_snapshot() == before


def test_the_last_administrator_refusal_shows_where_the_person_acted(browse, acme, db):
    state = _page(browse, acme, acme["owner_token"])
    owner_id = str(acme["owner"].id)
    before = _grants(db)

    events = run(state.set_account_permission, owner_id, "read")
    message = state.member_errors[owner_id]
    assert message.startswith(f"{acme['owner'].email} is the last administrator of Acme")
    assert toasts(events) == []
    # The row still shows what is true.
    assert next(m for m in state.members if m.user_id == owner_id).permission == "administer"
    run(state.set_account_permission, owner_id, "none")
    assert "last administrator" in state.member_errors[owner_id]

    run(state.ask_remove_member, owner_id)
    assert state.remove_target.email == acme["owner"].email
    run(state.remove_member, owner_id)
    assert "last administrator" in state.remove_error
    assert state.remove_target.user_id == owner_id  # the dialog stays open with the error
    assert _grants(db) == before


def test_the_owner_manages_grants_and_invitations(browse, acme, db):
    state = _page(browse, acme, acme["owner_token"])
    reader_id = str(acme["reader"].id)

    run(state.set_account_permission, reader_id, "administer")
    assert next(m for m in state.members if m.user_id == reader_id).permission == "administer"
    run(state.open_workspace_grants, reader_id)
    form = {"user_id": reader_id, "workspace_id": acme["workspace_id"], "permission": "read"}
    events = run(state.set_workspace_grant, form)
    assert toasts(events) == [("success", "Workspace grant saved.")]
    assert [g.workspace for g in state.grants_target.grants] == ["Production"]
    reader = next(m for m in state.members if m.user_id == reader_id)
    assert [(g.workspace, g.permission) for g in reader.grants] == [("Production", "read")]
    # An empty workspace id is never taken as "the account".
    run(state.set_workspace_grant, {**form, "workspace_id": "", "permission": "read"})
    assert state.grants_errors == {"workspace_id": "Workspace not found."}
    assert next(m for m in state.members if m.user_id == reader_id).permission == "administer"
    run(state.remove_workspace_grant, reader_id, acme["workspace_id"])
    assert state.grants_target.grants == []

    run(state.set_invite_open, True)
    run(state.invite, {"email": "not an email", "permission": "read", "workspace_id": "account"})
    assert "email" in state.invite_errors
    run(
        state.invite,
        {"email": "Nina@Example.com", "permission": "administer", "workspace_id": "account"},
    )
    assert state.invite_sent_to == "nina@example.com" and state.invite_errors == {}
    assert "nina@example.com" in [i.email for i in state.invitations]
    run(
        state.invite,
        {"email": "wes@example.com", "permission": "read", "workspace_id": acme["workspace_id"]},
    )
    assert any(i.scope == "Production" for i in state.invitations)

    events = run(state.revoke_invitation, str(acme["invitation_id"]))
    assert toasts(events) == [("success", "Invitation to ivan@example.com revoked.")]
    assert "ivan@example.com" not in [i.email for i in state.invitations]

    run(state.set_account_permission, reader_id, "none")
    assert all(m.user_id != reader_id for m in state.members)


def test_removing_a_member(browse, acme, db):
    state = _page(browse, acme, acme["owner_token"])
    reader_id = str(acme["reader"].id)
    run(state.ask_remove_member, reader_id)
    events = run(state.remove_member, reader_id)
    assert toasts(events) == [("success", f"{acme['reader'].email} removed from the account.")]
    assert state.remove_target == NO_MEMBER
    assert [m.email for m in state.members] == [acme["owner"].email]


# The invitation page ----------------------------------------------------------------------


def _invitation_page(browse, acme, token: str = "") -> InvitationState:
    client = browse(f"/invitations/{acme['invitation_token']}", token=token)
    run(client.session.guard)  # sets signed_in; returns the page's loader, run next
    state = client.state(InvitationState)
    run(state.load)
    return state


def test_the_invitation_page_is_public_and_keeps_the_token_server_side(browse, acme):
    state = _invitation_page(browse, acme)
    assert state.found and not state.signed_in
    assert state.invitation.account_name == "Acme"
    assert state.invitation.invited_by == f"Olivia Owner <{acme['owner'].email}>"
    assert state.invitation.state == "pending"
    assert state.sign_in_href.startswith("/sign-in?next=%2Finvitations%2F")
    assert "_token" not in state.get_delta().get(state.get_full_name(), {})
    assert "_token" not in InvitationState.base_vars


def test_an_unknown_token_is_not_valid(browse):
    client = browse("/invitations/nope")
    run(client.state(InvitationState).load)
    assert client.state(InvitationState).found is False


def test_another_email_cannot_answer(browse, acme, db):
    state = _invitation_page(browse, acme, acme["reader_token"])
    before = database_snapshot()
    run(state.accept)
    assert state.answer_error == (
        "This invitation was sent to ivan@example.com. Sign in with that email to answer it."
    )
    run(state.decline)
    assert "Sign in with that email" in state.answer_error
    assert database_snapshot() == before


def test_the_invited_person_accepts(browse, acme, person, db):
    ivan, ivan_token, _ = person(email="ivan@example.com", name="Ivan")
    state = _invitation_page(browse, acme, ivan_token)
    events = run(state.accept)
    assert redirect_path(events) == f"/accounts/{acme['account_id']}"
    db.expire_all()
    assert (
        db.exec(
            select(PermissionGrant.permission).where(
                PermissionGrant.user_id == ivan.id,
                PermissionGrant.account_id == acme["account_id"],
            )
        ).one()
        == "read"
    )
    # Used: the page explains it and refuses a second answer.
    run(state.load)
    assert state.invitation.state == "accepted"
    run(state.decline)
    assert state.answer_error == "This invitation was already accepted."


def test_the_invited_person_declines(browse, acme, person, db):
    _, ivan_token, _ = person(email="ivan@example.com", name="Ivan")
    state = _invitation_page(browse, acme, ivan_token)
    events = run(state.decline)
    assert toasts(events) == [("info", "Invitation declined.")]
    assert state.invitation.state == "declined"
    assert "declined" in state.invitation.explained
    db.expire_all()
    assert db.get(Invitation, acme["invitation_id"]).declined_at is not None
    assert len(_grants(db)) == 4  # two people, each with their own account and Rita on Acme


def test_a_second_browser_of_the_owner_sees_the_new_member(browse, acme, person, db):
    ivan, ivan_token, _ = person(email="ivan@example.com", name="Ivan")
    run(_invitation_page(browse, acme, ivan_token).accept)
    token, _ = sign_in(db, acme["owner"])
    db.commit()
    state = _page(browse, acme, token)
    assert ivan.email in [m.email for m in state.members]
    assert state.invitations == []


def test_purge_runs_of_offboarded_workspaces_show_on_the_account_page(browse, acme, db):
    workspace = db.get(Workspace, uuid.UUID(acme["workspace_id"]))
    workspace.status = WorkspaceStatus.OFFBOARDING
    workspace.purge_after = utcnow() - timedelta(minutes=1)
    db.add(workspace)
    db.commit()
    purge.purge_due(session=db, now=utcnow())
    db.commit()
    owner_page = _page(browse, acme, acme["owner_token"])
    assert [(p.subject, p.status) for p in owner_page.purges] == [
        (f"Production ({workspace.slug})", "succeeded")
    ]
    assert _page(browse, acme, acme["reader_token"]).purges  # readers see it too


def test_the_activity_pages_older_and_back(browse, acme, db):
    owner_actor = actor_for(db, acme["owner"])
    for n in range(12):  # 12 more events: with the fixture's one, two pages of 10
        accounts.invite(
            session=db,
            actor=owner_actor,
            account_id=acme["account_id"],
            email=f"guest{n}@example.com",
            permission="read",
        )
    db.commit()
    state = _page(browse, acme, acme["owner_token"])
    first = [row.target for row in state.activity]
    assert len(first) == 10 and first[0] == "invitation to guest11@example.com"
    assert state.pager_page["activity"] == 1 and state.pager_has_next["activity"]

    run(state.next_page, "activity")
    assert state.pager_page["activity"] == 2 and not state.pager_has_next["activity"]
    assert [row.target for row in state.activity][-1] == "invitation to ivan@example.com"
    assert not set(first) & {row.target for row in state.activity}
    run(state.next_page, "activity")  # no older page: nothing changes
    assert state.pager_page["activity"] == 2

    run(state.previous_page, "activity")
    assert [row.target for row in state.activity] == first
    run(state.next_page, "members")  # not a paged list of this page: ignored
    assert state.pager_page == {"activity": 1}
