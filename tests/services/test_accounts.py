"""Accounts and members: invitations, grants and the last-administrator rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from portal.domain.access import Action
from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.models import AuditEvent, Invitation, PermissionGrant, SentEmail, User, Workspace
from portal.models._base import utcnow
from portal.services import accounts, permissions, sessions, workspaces
from portal.services.tokens import token_hash
from tests.factories import (
    CLIENT,
    PASSWORD,
    account_of,
    actor_for,
    grant,
    make_user,
    make_workspace,
)


@pytest.fixture
def owner(db):
    return make_user(db, email="owner@example.com", name="Olivia Owner", account_name="Acme")


@pytest.fixture
def account_id(db, owner):
    return account_of(db, owner.id)


@pytest.fixture
def actor(db, owner):
    return actor_for(db, owner)


@pytest.fixture
def invitee(db):
    return make_user(db, email="ivan@example.com", name="Ivan Invitee")


def invite(db, actor, account_id, email="ivan@example.com", permission="read", **kwargs):
    return accounts.invite(
        session=db,
        actor=actor,
        account_id=account_id,
        email=email,
        permission=permission,
        **kwargs,
    )


def token_of(created) -> str:
    return created.link.rsplit("/", 1)[1]


def actions(db) -> list[str]:
    return [e.action for e in db.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()]


# Accounts ---------------------------------------------------------------------------------


def test_list_accounts_shows_the_strongest_permission(db, actor, owner):
    other = make_user(db, account_name="Beta Corp")
    grant(db, owner.id, account_id=account_of(db, other.id), permission="read")
    make_user(db, account_name="Hidden Inc")
    summaries = accounts.list_accounts(session=db, actor=actor)
    assert [(a.name, a.permission) for a in summaries] == [
        ("Acme", "administer"),
        ("Beta Corp", "read"),
    ]


def test_get_account_lists_members_grants_and_invitations(db, actor, account_id, owner):
    production = make_workspace(db, account_id, "Production")
    reader = make_user(db, email="reader@example.com")
    grant(db, reader.id, account_id=account_id, permission="read")
    guest = make_user(db, email="guest@example.com")
    grant(db, guest.id, workspace_id=production.id, permission="administer")
    invite(db, actor, account_id, email="new@example.com", permission="administer")

    detail = accounts.get_account(session=db, actor=actor, account_id=account_id)
    assert detail.name == "Acme"
    assert detail.can_administer is True
    assert detail.permission == "administer"
    assert [(m.email, m.account_permission) for m in detail.members] == [
        ("guest@example.com", None),
        ("owner@example.com", "administer"),
        ("reader@example.com", "read"),
    ]
    guest_grants = detail.members[0].workspace_grants
    assert [(g.workspace_name, g.permission) for g in guest_grants] == [
        ("Production", "administer")
    ]
    assert [(i.email, i.permission, i.state) for i in detail.invitations] == [
        ("new@example.com", "administer", "pending")
    ]
    assert [w.name for w in detail.workspaces] == ["Production"]


def test_get_account_for_a_reader_and_for_others(db, account_id):
    reader = make_user(db)
    grant(db, reader.id, account_id=account_id, permission="read")
    detail = accounts.get_account(session=db, actor=actor_for(db, reader), account_id=account_id)
    assert detail.can_administer is False

    workspace_only = make_user(db)
    grant(db, workspace_only.id, workspace_id=make_workspace(db, account_id).id)
    with pytest.raises(NotFound):
        accounts.get_account(session=db, actor=actor_for(db, workspace_only), account_id=account_id)
    with pytest.raises(NotFound):
        accounts.get_account(session=db, actor=actor_for(db, reader), account_id=999_999)


# Invitations ------------------------------------------------------------------------------


def test_invite_mails_a_seven_day_link_and_stores_only_a_hash(db, actor, account_id):
    created = invite(db, actor, account_id, email="  Ivan@Example.com ")
    token = token_of(created)
    assert created.link == f"http://localhost:3000/invitations/{token}"
    inv = created.invitation
    assert (inv.email, inv.permission, inv.state) == ("ivan@example.com", "read", "pending")
    assert inv.expires_at - inv.created_at == timedelta(days=7)
    assert inv.invited_by == "Olivia Owner <owner@example.com>"

    row = db.get(Invitation, inv.id)
    assert row.token_hash == token_hash(token)
    assert token not in row.token_hash
    mail = db.exec(select(SentEmail)).one()
    assert mail.to_address == "ivan@example.com"
    assert created.link in mail.body
    assert "Acme" in mail.subject
    assert actions(db) == ["invitation.created"]


def test_invitation_days_come_from_settings(db, actor, account_id, monkeypatch):
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_INVITATION_DAYS", "2")
    get_settings.cache_clear()
    inv = invite(db, actor, account_id).invitation
    assert inv.expires_at - inv.created_at == timedelta(days=2)


def test_reinviting_replaces_the_pending_invitation(db, actor, account_id):
    first = invite(db, actor, account_id)
    second = invite(db, actor, account_id, permission="administer")
    assert accounts.get_invitation(session=db, token=token_of(first)).state == "revoked"
    assert accounts.get_invitation(session=db, token=token_of(second)).state == "pending"
    detail = accounts.get_account(session=db, actor=actor, account_id=account_id)
    assert [i.id for i in detail.invitations] == [second.invitation.id]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"email": "not-an-email"}, "email"), ({"permission": "owner"}, "permission")],
)
def test_invite_validates(db, actor, account_id, kwargs, field):
    with pytest.raises(Invalid) as error:
        invite(db, actor, account_id, **kwargs)
    assert error.value.field == field


def test_invite_refuses_someone_who_already_has_it(db, actor, account_id, owner):
    with pytest.raises(Invalid, match="already has administer"):
        invite(db, actor, account_id, email=owner.email, permission="read")


def test_invite_needs_administer(db, account_id, owner):
    reader = make_user(db)
    grant(db, reader.id, account_id=account_id, permission="read")
    with pytest.raises(PermissionDenied, match=owner.email):
        invite(db, actor_for(db, reader), account_id)
    with pytest.raises(NotFound):
        invite(db, actor_for(db, make_user(db)), account_id)
    assert db.exec(select(Invitation)).all() == []


def test_a_workspace_administrator_invites_to_that_workspace_only(db, account_id, invitee):
    production = make_workspace(db, account_id, "Production")
    staging = make_workspace(db, account_id, "Staging")
    admin = make_user(db)
    grant(db, admin.id, workspace_id=production.id, permission="administer")
    admin_actor = actor_for(db, admin)

    created = invite(db, admin_actor, account_id, workspace_id=str(production.id))
    assert created.invitation.workspace_name == "Production"
    with pytest.raises(NotFound):
        invite(db, admin_actor, account_id, workspace_id=str(staging.id))
    with pytest.raises(NotFound):
        invite(db, admin_actor, account_id)

    grant_dto = accounts.accept_invitation(
        session=db, actor=actor_for(db, invitee), token=token_of(created)
    )
    assert (grant_dto.workspace_id, grant_dto.permission) == (str(production.id), "read")
    ivan = actor_for(db, invitee)
    assert permissions.require(db, ivan, Action.VIEW_WORKSPACE, production.id) == production
    with pytest.raises(NotFound):
        permissions.require(db, ivan, Action.VIEW_WORKSPACE, staging.id)


def test_a_workspace_of_another_account_cannot_be_the_target(db, actor, account_id):
    other = make_user(db)
    theirs = make_workspace(db, account_of(db, other.id))
    grant(db, actor.user_id, workspace_id=theirs.id, permission="administer")
    with pytest.raises(NotFound):
        invite(db, actor, account_id, workspace_id=str(theirs.id))


def test_get_invitation_is_public_by_token(db, actor, account_id):
    created = invite(db, actor, account_id, permission="administer")
    shown = accounts.get_invitation(session=db, token=token_of(created))
    assert (shown.account_name, shown.permission, shown.state) == ("Acme", "administer", "pending")
    assert shown.invited_by.startswith("Olivia Owner")
    for bad in ("", "nope", token_of(created) + "x"):
        with pytest.raises(NotFound):
            accounts.get_invitation(session=db, token=bad)


def test_accept_creates_the_grant(db, actor, account_id, invitee):
    created = invite(db, actor, account_id, permission="administer")
    ivan = actor_for(db, invitee)
    result = accounts.accept_invitation(session=db, actor=ivan, token=token_of(created))
    assert (result.account_id, result.workspace_id, result.permission) == (
        account_id,
        None,
        "administer",
    )
    assert permissions.account_permission(db, ivan, account_id) == "administer"
    assert accounts.get_invitation(session=db, token=token_of(created)).state == "accepted"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.accepted")).one()
    assert event.actor_label == "ivan@example.com"
    assert event.after["permission"] == "administer"

    with pytest.raises(Invalid, match="already accepted"):
        accounts.accept_invitation(session=db, actor=ivan, token=token_of(created))


def test_accept_upgrades_but_never_downgrades(db, actor, account_id, invitee):
    grant(db, invitee.id, account_id=account_id, permission="read")
    ivan = actor_for(db, invitee)
    created = invite(db, actor, account_id, permission="administer")
    accounts.accept_invitation(session=db, actor=ivan, token=token_of(created))
    rows = db.exec(
        select(PermissionGrant).where(
            PermissionGrant.user_id == invitee.id, PermissionGrant.account_id == account_id
        )
    ).all()
    assert [r.permission for r in rows] == ["administer"]

    # A workspace read invitation to someone who already administers that workspace.
    workspace = make_workspace(db, account_id)
    grant(db, invitee.id, workspace_id=workspace.id, permission="administer")
    with pytest.raises(Invalid, match="already has administer"):
        invite(db, actor, account_id, workspace_id=str(workspace.id))


def test_accept_needs_the_invited_email(db, actor, account_id):
    created = invite(db, actor, account_id)
    someone = actor_for(db, make_user(db, email="someone@example.com"))
    with pytest.raises(Invalid) as error:
        accounts.accept_invitation(session=db, actor=someone, token=token_of(created))
    assert "ivan@example.com" in error.value.message
    with pytest.raises(Invalid, match="ivan@example.com"):
        accounts.decline_invitation(session=db, actor=someone, token=token_of(created))
    assert accounts.get_invitation(session=db, token=token_of(created)).state == "pending"


def test_an_expired_invitation_cannot_be_accepted(db, actor, account_id, invitee):
    created = invite(db, actor, account_id)
    row = db.get(Invitation, created.invitation.id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.flush()
    assert accounts.get_invitation(session=db, token=token_of(created)).state == "expired"
    with pytest.raises(Invalid, match="expired"):
        accounts.accept_invitation(
            session=db, actor=actor_for(db, invitee), token=token_of(created)
        )
    assert accounts.get_account(session=db, actor=actor, account_id=account_id).invitations == []


def test_decline(db, actor, account_id, invitee):
    created = invite(db, actor, account_id)
    ivan = actor_for(db, invitee)
    assert accounts.decline_invitation(session=db, actor=ivan, token=token_of(created)).state == (
        "declined"
    )
    with pytest.raises(Invalid, match="declined"):
        accounts.accept_invitation(session=db, actor=ivan, token=token_of(created))
    assert permissions.account_permission(db, ivan, account_id) is None
    assert actions(db)[-1] == "invitation.declined"


def test_revoke(db, actor, account_id, invitee):
    created = invite(db, actor, account_id)
    reader = make_user(db)
    grant(db, reader.id, account_id=account_id, permission="read")
    with pytest.raises(PermissionDenied):
        accounts.revoke_invitation(
            session=db,
            actor=actor_for(db, reader),
            account_id=account_id,
            invitation_id=created.invitation.id,
        )
    revoked = accounts.revoke_invitation(
        session=db, actor=actor, account_id=account_id, invitation_id=created.invitation.id
    )
    assert revoked.state == "revoked"
    with pytest.raises(Invalid, match="withdrawn"):
        accounts.accept_invitation(
            session=db, actor=actor_for(db, invitee), token=token_of(created)
        )
    with pytest.raises(Invalid, match="only a pending one"):
        accounts.revoke_invitation(
            session=db, actor=actor, account_id=account_id, invitation_id=created.invitation.id
        )
    with pytest.raises(NotFound):
        accounts.revoke_invitation(
            session=db, actor=actor, account_id=account_id, invitation_id=999_999
        )


# Grants -----------------------------------------------------------------------------------


@pytest.fixture
def member(db, account_id):
    user = make_user(db, email="member@example.com")
    grant(db, user.id, account_id=account_id, permission="read")
    return user


def test_set_grant_upgrades_and_audits_before_and_after(db, actor, account_id, member):
    result = accounts.set_grant(
        session=db, actor=actor, account_id=account_id, user_id=member.id, permission="administer"
    )
    assert result.permission == "administer"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "grant.changed")).one()
    assert (event.before, event.after) == ({"permission": "read"}, {"permission": "administer"})
    assert event.target_id == str(member.id)
    assert event.account_id == account_id


def test_set_grant_on_a_workspace(db, actor, account_id, member):
    workspace = make_workspace(db, account_id)
    result = accounts.set_grant(
        session=db,
        actor=actor,
        account_id=account_id,
        user_id=member.id,
        permission="administer",
        workspace_id=str(workspace.id),
    )
    assert result.workspace_id == str(workspace.id)
    member_actor = actor_for(db, member)
    assert permissions.workspace_permission(db, member_actor, workspace) == "administer"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "grant.created")).one()
    assert event.workspace_id == workspace.id
    assert event.after == {"permission": "administer", "workspace_id": str(workspace.id)}

    accounts.remove_grant(
        session=db,
        actor=actor,
        account_id=account_id,
        user_id=member.id,
        workspace_id=str(workspace.id),
    )
    assert permissions.workspace_permission(db, member_actor, workspace) == "read"


def test_set_grant_only_for_members(db, actor, account_id):
    stranger = make_user(db)
    with pytest.raises(NotFound, match="Member"):
        accounts.set_grant(
            session=db, actor=actor, account_id=account_id, user_id=stranger.id, permission="read"
        )
    with pytest.raises(NotFound):
        accounts.set_grant(
            session=db, actor=actor, account_id=account_id, user_id=999_999, permission="read"
        )


def test_set_grant_needs_administer_on_the_account(db, account_id, member):
    with pytest.raises(PermissionDenied, match="administer"):
        accounts.set_grant(
            session=db,
            actor=actor_for(db, member),
            account_id=account_id,
            user_id=member.id,
            permission="administer",
        )


def test_set_grant_validates(db, actor, account_id, member):
    with pytest.raises(Invalid) as error:
        accounts.set_grant(
            session=db, actor=actor, account_id=account_id, user_id=member.id, permission="root"
        )
    assert error.value.field == "permission"
    other = make_user(db)
    with pytest.raises(NotFound):
        accounts.set_grant(
            session=db,
            actor=actor,
            account_id=account_id,
            user_id=member.id,
            permission="read",
            workspace_id=str(make_workspace(db, account_of(db, other.id)).id),
        )


def test_the_last_administrator_cannot_be_demoted_or_removed(db, actor, account_id, owner):
    for call, kwargs in (
        (accounts.set_grant, {"permission": "read"}),
        (accounts.remove_grant, {}),
        (accounts.remove_member, {}),
    ):
        with pytest.raises(Invalid) as error:
            call(session=db, actor=actor, account_id=account_id, user_id=owner.id, **kwargs)
        assert "last administrator" in error.value.message
        assert "owner@example.com" in error.value.message
    assert permissions.account_permission(db, actor, account_id) == "administer"
    assert "grant.changed" not in actions(db)


def test_with_a_second_administrator_one_may_step_down(db, actor, account_id, owner, member):
    accounts.set_grant(
        session=db, actor=actor, account_id=account_id, user_id=member.id, permission="administer"
    )
    accounts.set_grant(
        session=db, actor=actor, account_id=account_id, user_id=owner.id, permission="read"
    )
    assert permissions.account_permission(db, actor, account_id) == "read"
    second = actor_for(db, member)
    with pytest.raises(Invalid, match="last administrator"):
        accounts.remove_grant(session=db, actor=second, account_id=account_id, user_id=member.id)
    accounts.remove_grant(session=db, actor=second, account_id=account_id, user_id=owner.id)
    assert permissions.account_permission(db, actor, account_id) is None


def test_remove_member_takes_every_grant(db, actor, account_id, member):
    workspace = make_workspace(db, account_id)
    grant(db, member.id, workspace_id=workspace.id, permission="administer")
    accounts.remove_member(session=db, actor=actor, account_id=account_id, user_id=member.id)
    remaining = db.exec(select(PermissionGrant).where(PermissionGrant.user_id == member.id)).all()
    assert [(r.account_id, r.workspace_id) for r in remaining] == [
        (account_of(db, member.id), None)  # their own account, untouched
    ]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "member.removed")).one()
    assert event.before == {
        "account_permission": "read",
        "workspace_grants": {str(workspace.id): "administer"},
    }
    with pytest.raises(NotFound):
        accounts.remove_member(session=db, actor=actor, account_id=account_id, user_id=member.id)


def test_remove_grant_without_one_is_not_found(db, actor, account_id):
    guest = make_user(db)
    workspace = make_workspace(db, account_id)
    grant(db, guest.id, workspace_id=workspace.id)
    with pytest.raises(NotFound):
        accounts.remove_grant(session=db, actor=actor, account_id=account_id, user_id=guest.id)


def test_grants_work_on_a_frozen_workspace(db, actor, account_id, member):
    """Membership is decided on the account: an admin may bring someone in to look."""
    workspace = make_workspace(db, account_id)
    workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id))
    assert db.get(Workspace, workspace.id).status == "frozen"
    accounts.set_grant(
        session=db,
        actor=actor,
        account_id=account_id,
        user_id=member.id,
        permission="administer",
        workspace_id=str(workspace.id),
    )
    member_actor = actor_for(db, member)
    assert permissions.workspace_permission(db, member_actor, workspace) == "administer"
    detail = accounts.get_account(session=db, actor=actor, account_id=account_id)
    [row] = [m for m in detail.members if m.user_id == member.id]
    assert [(g.workspace_id, g.permission) for g in row.workspace_grants] == [
        (str(workspace.id), "administer")
    ]

    accounts.remove_grant(
        session=db,
        actor=actor,
        account_id=account_id,
        user_id=member.id,
        workspace_id=str(workspace.id),
    )
    assert permissions.workspace_permission(db, member_actor, workspace) == "read"


# One membership rule -------------------------------------------------------------------------


@pytest.fixture
def workspace_admin(db, account_id):
    """Administer on Production only: manages Production's members and nothing else."""
    production = make_workspace(db, account_id, "Production")
    staging = make_workspace(db, account_id, "Staging")
    user = make_user(db, email="wanda@example.com")
    grant(db, user.id, workspace_id=production.id, permission="administer")
    return actor_for(db, user), production, staging


def test_a_workspace_administrator_manages_that_workspaces_grants(
    db, account_id, member, workspace_admin
):
    """Set and remove, like invite and revoke: the rule the account page's owner also follows
    for each workspace (before, set and remove needed administer on the account)."""
    wanda, production, _staging = workspace_admin
    given = accounts.set_grant(
        session=db,
        actor=wanda,
        account_id=account_id,
        user_id=member.id,
        permission="administer",
        workspace_id=str(production.id),
    )
    assert (given.workspace_id, given.permission) == (str(production.id), "administer")
    member_actor = actor_for(db, member)
    assert permissions.workspace_permission(db, member_actor, production) == "administer"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "grant.created")).one()
    assert (event.actor_id, event.workspace_id) == (str(wanda.user_id), production.id)

    accounts.remove_grant(
        session=db,
        actor=wanda,
        account_id=account_id,
        user_id=member.id,
        workspace_id=str(production.id),
    )
    assert permissions.workspace_permission(db, member_actor, production) == "read"  # account's
    assert actions(db)[-1] == "grant.removed"


def test_a_workspace_administrator_manages_that_workspaces_invitations(
    db, account_id, workspace_admin
):
    wanda, production, _staging = workspace_admin
    created = invite(db, wanda, account_id, workspace_id=str(production.id))
    revoked = accounts.revoke_invitation(
        session=db, actor=wanda, account_id=account_id, invitation_id=created.invitation.id
    )
    assert revoked.state == "revoked"


def test_a_workspace_administrator_manages_nothing_else(
    db, actor, account_id, member, workspace_admin
):
    wanda, _production, staging = workspace_admin
    on_staging = {"workspace_id": str(staging.id)}
    staging_invitation = invite(db, actor, account_id, **on_staging).invitation.id
    account_invitation = invite(db, actor, account_id, email="ana@example.com").invitation.id
    refused = [
        lambda: accounts.set_grant(
            session=db,
            actor=wanda,
            account_id=account_id,
            user_id=member.id,
            permission="read",
            **on_staging,
        ),
        lambda: accounts.remove_grant(
            session=db, actor=wanda, account_id=account_id, user_id=member.id, **on_staging
        ),
        lambda: accounts.set_grant(
            session=db, actor=wanda, account_id=account_id, user_id=member.id, permission="read"
        ),
        lambda: accounts.remove_grant(
            session=db, actor=wanda, account_id=account_id, user_id=member.id
        ),
        lambda: accounts.remove_member(
            session=db, actor=wanda, account_id=account_id, user_id=member.id
        ),
        lambda: invite(db, wanda, account_id, **on_staging),
        lambda: invite(db, wanda, account_id),
        lambda: accounts.revoke_invitation(
            session=db, actor=wanda, account_id=account_id, invitation_id=staging_invitation
        ),
        lambda: accounts.revoke_invitation(
            session=db, actor=wanda, account_id=account_id, invitation_id=account_invitation
        ),
    ]
    before = actions(db)
    for call in refused:
        with pytest.raises(NotFound):  # she cannot read the account or Staging
            call()
    assert actions(db) == before


def test_a_workspace_reader_is_told_who_manages_its_members(db, account_id, owner, member):
    workspace = make_workspace(db, account_id, "Production")
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace.id, permission="read")
    with pytest.raises(PermissionDenied, match="administer on the workspace Production"):
        accounts.set_grant(
            session=db,
            actor=actor_for(db, reader),
            account_id=account_id,
            user_id=member.id,
            permission="read",
            workspace_id=str(workspace.id),
        )


def test_an_account_administrator_manages_every_workspaces_members(db, actor, account_id, member):
    for name in ("Production", "Staging"):
        workspace = make_workspace(db, account_id, name)
        accounts.set_grant(
            session=db,
            actor=actor,
            account_id=account_id,
            user_id=member.id,
            permission="administer",
            workspace_id=str(workspace.id),
        )
        created = invite(db, actor, account_id, workspace_id=str(workspace.id))
        accounts.revoke_invitation(
            session=db, actor=actor, account_id=account_id, invitation_id=created.invitation.id
        )
        accounts.remove_grant(
            session=db,
            actor=actor,
            account_id=account_id,
            user_id=member.id,
            workspace_id=str(workspace.id),
        )
    assert actions(db).count("grant.removed") == 2


# Sign-up from an invitation ---------------------------------------------------------------


def test_sign_up_from_an_invitation_signs_in_as_the_invited_email_without_an_own_account(
    db, actor, account_id
):
    token = token_of(invite(db, actor, account_id))
    signed_in = accounts.sign_up_invited(
        session=db, token=token, name="Ivan", password=PASSWORD, client=CLIENT
    )
    db.commit()

    assert signed_in.user.email == "ivan@example.com"
    ivan = sessions.resolve_actor(session=db, token=signed_in.token, client=CLIENT)
    assert (
        db.exec(select(PermissionGrant).where(PermissionGrant.user_id == ivan.user_id)).all() == []
    )  # no account of their own: they are joining this one
    accounts.accept_invitation(session=db, actor=ivan, token=token)
    assert [a.id for a in accounts.list_accounts(session=db, actor=ivan)] == [account_id]


def test_sign_up_from_an_invitation_for_a_taken_email_says_sign_in(db, actor, account_id, invitee):
    token = token_of(invite(db, actor, account_id))
    with pytest.raises(Invalid, match="sign in to answer"):
        accounts.sign_up_invited(
            session=db, token=token, name="Ivan", password=PASSWORD, client=CLIENT
        )


def test_sign_up_from_a_used_or_unknown_invitation_is_refused(db, actor, account_id):
    created = invite(db, actor, account_id)
    accounts.revoke_invitation(
        session=db, actor=actor, account_id=account_id, invitation_id=created.invitation.id
    )
    with pytest.raises(Invalid, match="revoked"):
        accounts.sign_up_invited(
            session=db, token=token_of(created), name="Ivan", password=PASSWORD, client=CLIENT
        )
    with pytest.raises(NotFound):
        accounts.sign_up_invited(
            session=db, token="nope", name="Ivan", password=PASSWORD, client=CLIENT
        )
    assert db.exec(select(User).where(User.email == "ivan@example.com")).first() is None


# Renaming ---------------------------------------------------------------------------------


def test_an_administrator_renames_the_account_and_it_is_audited(db, actor, account_id):
    renamed = accounts.rename_account(
        session=db, actor=actor, account_id=account_id, name="  Acme   Inc. "
    )
    db.commit()
    assert (renamed.id, renamed.name, renamed.permission) == (account_id, "Acme Inc.", "administer")
    assert accounts.get_account(session=db, actor=actor, account_id=account_id).name == "Acme Inc."
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "account.renamed")).one()
    assert (event.account_id, event.target_type, event.target_id) == (
        account_id,
        "account",
        str(account_id),
    )
    assert (event.before, event.after) == ({"name": "Acme"}, {"name": "Acme Inc."})
    # The same name again changes nothing and records nothing.
    accounts.rename_account(session=db, actor=actor, account_id=account_id, name="Acme Inc.")
    assert actions(db).count("account.renamed") == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Enter a name"), ("A" * 121, "at most 120"), ("Acme\x1b[31m", "punctuation only")],
)
def test_renaming_refuses_a_bad_name(db, actor, account_id, name, message):
    with pytest.raises(Invalid, match=message) as caught:
        accounts.rename_account(session=db, actor=actor, account_id=account_id, name=name)
    assert caught.value.field == "name"


def test_a_reader_cannot_rename_and_a_stranger_does_not_see_the_account(
    db, actor, account_id, invitee
):
    grant(db, invitee.id, account_id=account_id, permission="read")
    reader = actor_for(db, invitee)
    with pytest.raises(PermissionDenied):
        accounts.rename_account(session=db, actor=reader, account_id=account_id, name="Mine")
    stranger = actor_for(db, make_user(db, email="sam@example.com"))
    with pytest.raises(NotFound):
        accounts.rename_account(session=db, actor=stranger, account_id=account_id, name="Mine")
    assert accounts.get_account(session=db, actor=actor, account_id=account_id).name == "Acme"
    assert "account.renamed" not in actions(db)


def test_two_administrators_demoting_each_other_at_once_leave_one(
    db, actor, account_id, owner, member
):
    """The last-administrator rule holds under concurrency, on SQLite and PostgreSQL: each
    demotion reads the count of administrators after the other's write, never before it."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from portal.db import transaction

    accounts.set_grant(
        session=db, actor=actor, account_id=account_id, user_id=member.id, permission="administer"
    )
    second = actor_for(db, member)
    db.commit()

    def administrators() -> int:
        with transaction() as session:
            return len(
                session.exec(
                    select(PermissionGrant).where(
                        PermissionGrant.account_id == account_id,
                        PermissionGrant.permission == "administer",
                    )
                ).all()
            )

    for _ in range(5):
        barrier = Barrier(2)

        def demote(pair, barrier=barrier):
            who, whom = pair
            barrier.wait()
            try:
                with transaction() as session:
                    accounts.set_grant(
                        session=session,
                        actor=who,
                        account_id=account_id,
                        user_id=whom,
                        permission="read",
                    )
                return "demoted"
            except (Invalid, PermissionDenied):  # the last administrator, or no longer one
                return "refused"

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(pool.map(demote, [(actor, member.id), (second, owner.id)]))
        assert outcomes == ["demoted", "refused"]
        assert administrators() == 1
        # Both administrators again for the next round.
        with transaction() as session:
            kept = permissions.account_permission(session, actor, account_id) == "administer"
            keeper = actor if kept else second
            for user_id in (owner.id, member.id):
                accounts.set_grant(
                    session=session,
                    actor=keeper,
                    account_id=account_id,
                    user_id=user_id,
                    permission="administer",
                )
