"""A developer app's team: owners invite by email (a mailed link, hashed, expiring, replaced
when sent again), change roles and remove people; anyone on the team reads it and may leave;
the invited email accepts; the last owner cannot leave, be removed or be demoted, even when
two owners demote each other at once; everything is audited, refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.models import (
    AuditEvent,
    DeveloperAppInvitation,
    DeveloperAppMember,
    SentEmail,
)
from portal.models._base import utcnow
from portal.services import client_credentials, developer_apps, developer_team, permissions
from portal.services.tokens import token_hash
from tests.conftest import from_snapshot
from tests.factories import actor_for, make_user
from tests.services import test_mail_links as mail_links
from tests.services.test_developer_apps import developer


@pytest.fixture
def owner(db):
    return from_snapshot(db, "developer-team-owner", lambda: developer(db, "Olivia Owner"))


@pytest.fixture
def app(db, owner):
    return developer_apps.create_app(session=db, actor=owner, name="Acme Sync")


def person(db, name: str, email: str | None = None):
    return actor_for(db, make_user(db, email=email, name=name))


def invite(db, actor, app, email: str, role: str = "developer"):
    return developer_team.invite(session=db, actor=actor, app_id=app.id, email=email, role=role)


def token_of(created) -> str:
    return created.link.rsplit("/", 1)[-1]


def accept(db, actor, token: str):
    return developer_team.accept_invitation(session=db, actor=actor, token=token)


def join(db, owner, app, role: str = "developer", name: str = "Dana Dev"):
    """Someone on the team with `role`, through an invitation they accepted."""
    actor = person(db, name)
    accept(db, actor, token_of(invite(db, owner, app, actor.email, role)))
    return actor


def summary(db, actor, app):
    return developer_team.team_summary(session=db, actor=actor, app_id=app.id)


def members(db, actor, app, **paging):
    """The first page of the team's members (or the page `paging` names)."""
    return developer_team.list_members(session=db, actor=actor, app_id=app.id, **paging)


def pending(db, actor, app, **paging):
    """The first page of the team's pending invitations (or the page `paging` names)."""
    return developer_team.list_invitations(session=db, actor=actor, app_id=app.id, **paging)


def walk(list_fn, db, actor, app, limit: int) -> list[list]:
    """Every page of a list, `limit` rows a page, following each page's cursor."""
    pages, cursor = [], None
    while True:
        page = list_fn(db, actor, app, limit=limit, cursor=cursor)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def roles(db, owner, app) -> dict[str, str]:
    return {m.email: m.role.value for m in members(db, owner, app, limit=100).items}


def actions(db) -> list[str]:
    return list(db.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))).all())


def snapshot(db, app) -> tuple:
    db.expire_all()
    members = db.exec(
        select(DeveloperAppMember.user_id, DeveloperAppMember.role)
        .where(DeveloperAppMember.app_id == app.id)
        .order_by(col(DeveloperAppMember.user_id))
    ).all()
    invitations = db.exec(
        select(
            DeveloperAppInvitation.id,
            DeveloperAppInvitation.accepted_at,
            DeveloperAppInvitation.revoked_at,
        ).where(DeveloperAppInvitation.app_id == app.id)
    ).all()
    return list(members), list(invitations), len(actions(db))


# Reading -----------------------------------------------------------------------------------


def test_the_creator_is_the_one_owner_of_a_new_apps_team(db, owner, app):
    listed = summary(db, owner, app)
    assert (listed.app_id, listed.app_name) == (app.id, "Acme Sync")
    assert listed.your_role is TeamRole.OWNER and listed.can_manage is True
    page = members(db, owner, app)
    [me] = page.items
    assert page.next_cursor is None
    assert (me.email, me.name, me.role, me.you) == (owner.email, "Olivia Owner", "owner", True)
    assert me.added_at is not None
    assert pending(db, owner, app).items == [] and pending(db, owner, app).next_cursor is None


def test_anyone_on_the_team_reads_it_members_by_role_then_name_and_pending_invitations(
    db, owner, app
):
    viewer = join(db, owner, app, "viewer", "Vera Viewer")
    join(db, owner, app, "developer", "Ben Builder")
    join(db, owner, app, "developer", "Abe Builder")
    invite(db, owner, app, "ivy@example.com", "viewer")

    listed = members(db, viewer, app).items
    assert [(m.name, m.role.value) for m in listed] == [
        ("Olivia Owner", "owner"),
        ("Abe Builder", "developer"),
        ("Ben Builder", "developer"),
        ("Vera Viewer", "viewer"),
    ]
    assert [m.you for m in listed] == [False, False, False, True]
    about = summary(db, viewer, app)
    assert about.your_role is TeamRole.VIEWER and about.can_manage is False
    [invited] = pending(db, viewer, app).items
    assert (invited.email, invited.role, invited.invited_by) == (
        "ivy@example.com",
        TeamRole.VIEWER,
        "Olivia Owner",
    )


def test_someone_not_on_the_team_finds_nothing(db, owner, app):
    stranger = person(db, "Sam Stranger")
    invited = invite(db, owner, app, "ivy@example.com")
    dev = join(db, owner, app)
    before = snapshot(db, app)
    calls = [
        lambda: summary(db, stranger, app),
        lambda: members(db, stranger, app),
        lambda: pending(db, stranger, app),
        lambda: invite(db, stranger, app, "mallory@example.com", "owner"),
        lambda: developer_team.revoke_invitation(
            session=db, actor=stranger, app_id=app.id, invitation_id=invited.invitation.id
        ),
        lambda: developer_team.set_role(
            session=db, actor=stranger, app_id=app.id, user_id=dev.user_id, role="viewer"
        ),
        lambda: developer_team.remove_member(
            session=db, actor=stranger, app_id=app.id, user_id=dev.user_id
        ),
        lambda: developer_team.leave(session=db, actor=stranger, app_id=app.id),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="App not found"):
            call()
    assert snapshot(db, app) == before


@pytest.mark.parametrize("forged", [0, -1, True, 2**31, 2**63, "1", None, 1.0])
def test_a_forged_app_id_is_not_found(db, owner, app, forged):
    with pytest.raises(NotFound):
        developer_team.team_summary(session=db, actor=owner, app_id=forged)
    with pytest.raises(NotFound):
        developer_team.list_members(session=db, actor=owner, app_id=forged)
    with pytest.raises(NotFound):
        developer_team.list_invitations(session=db, actor=owner, app_id=forged)
    with pytest.raises(NotFound):
        developer_team.invite(
            session=db, actor=owner, app_id=forged, email="ivy@example.com", role="viewer"
        )
    with pytest.raises(NotFound):
        developer_team.leave(session=db, actor=owner, app_id=forged)


# Paging (services/keyset.py) ---------------------------------------------------------------


def test_members_are_paged_owners_first_then_by_name(db, owner, app):
    viewer = join(db, owner, app, "viewer", "Vera Viewer")
    join(db, owner, app, "developer", "ben builder")
    join(db, owner, app, "developer", "Abe Builder")
    join(db, owner, app, "owner", "Zed Owner")
    twin = join(db, owner, app, "viewer", "Sam Same")
    twin_too = join(db, owner, app, "viewer", "sam same")  # the same name, lowercased
    expected = [
        ("Olivia Owner", "owner"),
        ("Zed Owner", "owner"),
        ("Abe Builder", "developer"),
        ("ben builder", "developer"),
        ("Sam Same", "viewer"),  # a tie on the name: by id
        ("sam same", "viewer"),
        ("Vera Viewer", "viewer"),
    ]
    assert twin.user_id < twin_too.user_id

    pages = walk(members, db, viewer, app, limit=2)
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    walked = [row for page in pages for row in page]
    assert [(m.name, m.role.value) for m in walked] == expected
    assert [m.email for m in walked if m.you] == [viewer.email]
    # One page of all of them lists the same, and says there is no more.
    everyone = members(db, viewer, app, limit=len(expected))
    assert everyone.items == walked and everyone.next_cursor is None
    # The default page holds up to 25.
    assert members(db, viewer, app).items == walked


def test_a_role_change_moves_the_member_between_pages_and_no_one_is_listed_twice(db, owner, app):
    names = ["Ann", "Bob", "Cal", "Dee"]
    people = {name: join(db, owner, app, "viewer", name) for name in names}
    first = members(db, owner, app, limit=3)
    assert [m.name for m in first.items] == ["Olivia Owner", "Ann", "Bob"]
    developer_team.set_role(
        session=db, actor=owner, app_id=app.id, user_id=people["Dee"].user_id, role="developer"
    )
    # The next page resumes after Bob, a viewer: Dee, a developer now, sorts before him.
    rest = members(db, owner, app, limit=3, cursor=first.next_cursor)
    assert [m.name for m in rest.items] == ["Cal"] and rest.next_cursor is None
    assert [m.name for m in members(db, owner, app).items] == [
        "Olivia Owner",
        "Dee",
        "Ann",
        "Bob",
        "Cal",
    ]


def test_pending_invitations_are_paged_newest_first(db, owner, app):
    emails = [f"guest{n}@example.com" for n in range(5)]
    for email in emails:
        invite(db, owner, app, email, "viewer")
    # Neither a withdrawn, an accepted nor an expired invitation is pending.
    withdrawn = invite(db, owner, app, "withdrawn@example.com")
    developer_team.revoke_invitation(
        session=db, actor=owner, app_id=app.id, invitation_id=withdrawn.invitation.id
    )
    join(db, owner, app, "viewer", "Ann Accepted")
    expired = invite(db, owner, app, "expired@example.com")
    row = db.get(DeveloperAppInvitation, expired.invitation.id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.flush()

    viewer = join(db, owner, app, "viewer", "Vera Viewer")
    pages = walk(pending, db, viewer, app, limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    walked = [row for page in pages for row in page]
    assert [i.email for i in walked] == emails[::-1]
    assert {i.invited_by for i in walked} == {"Olivia Owner"}
    everyone = pending(db, viewer, app, limit=5)
    assert everyone.items == walked and everyone.next_cursor is None


def test_a_forged_cursor_is_refused_at_the_cursor_field(db, owner, app):
    join(db, owner, app, "viewer", "Ann")
    join(db, owner, app, "viewer", "Bob")
    invite(db, owner, app, "one@example.com")
    invite(db, owner, app, "two@example.com")
    of_members = members(db, owner, app, limit=1).next_cursor
    of_invitations = pending(db, owner, app, limit=1).next_cursor
    assert of_members and of_invitations
    everywhere = [members, pending]
    forged = [
        ("not a cursor", everywhere),
        ("!!!!", everywhere),
        (of_members[:-3], everywhere),  # truncated
        (of_members + "A" * 3000, everywhere),  # oversized
        ("eyJsIjoiZGV2ZWxvcGVyX3RlYW1fbWVtYmVycyJ9", everywhere),  # {"l": ...} alone
        (of_invitations, [members]),  # another list's cursor
        (of_members, [pending]),
    ]
    before = snapshot(db, app)
    for cursor, lists in forged:
        for list_fn in lists:
            with pytest.raises(Invalid) as refused:
                list_fn(db, owner, app, cursor=cursor)
            assert refused.value.field == "cursor", cursor
            assert "start from the first page" in str(refused.value)
    assert snapshot(db, app) == before


@pytest.mark.parametrize("limit", [0, -1, 101, True, "2"])
def test_a_limit_out_of_range_is_refused_at_the_limit_field(db, owner, app, limit):
    for list_fn in (members, pending):
        with pytest.raises(Invalid) as refused:
            list_fn(db, owner, app, limit=limit)
        assert refused.value.field == "limit"


def test_an_outsider_is_refused_with_or_without_a_cursor(db, owner, app):
    join(db, owner, app, "viewer", "Ann")
    invite(db, owner, app, "one@example.com")
    invite(db, owner, app, "two@example.com")
    cursors = {
        members: members(db, owner, app, limit=1).next_cursor,
        pending: pending(db, owner, app, limit=1).next_cursor,
    }
    stranger = person(db, "Sam Stranger")
    for list_fn, cursor in cursors.items():
        # The team is checked before the cursor: a forged one says nothing more.
        for given in (None, cursor, "forged"):
            with pytest.raises(NotFound, match="App not found"):
                list_fn(db, stranger, app, limit=1, cursor=given)


def test_a_cursor_of_another_apps_team_pages_only_this_team(db, owner, app):
    other = developer_apps.create_app(session=db, actor=owner, name="Other App")
    for name in ("Ann", "Bob"):
        join(db, owner, other, "viewer", name)
    invite(db, owner, other, "one@example.com")
    invite(db, owner, other, "two@example.com")
    theirs = members(db, owner, other, limit=1).next_cursor
    their_invitations = pending(db, owner, other, limit=1).next_cursor
    ours = members(db, owner, app, cursor=theirs).items
    assert {m.email for m in ours} <= {owner.email}
    assert pending(db, owner, app, cursor=their_invitations).items == []


# Inviting ---------------------------------------------------------------------------------


def test_an_owner_invites_by_email_and_the_link_is_mailed(db, owner, app):
    created = invite(db, owner, app, "  Ivy@Example.COM ", "viewer")
    token = token_of(created)
    assert created.link == f"{get_settings().public_url}/developer/invitations/{token}"
    assert (created.invitation.email, created.invitation.role) == ("ivy@example.com", "viewer")
    days = get_settings().invitation_days
    lifetime = created.invitation.expires_at - created.invitation.created_at
    assert lifetime == timedelta(days=days)

    row = db.get(DeveloperAppInvitation, created.invitation.id)
    assert row.token_hash == token_hash(token) and token not in row.token_hash
    [mail] = db.exec(select(SentEmail).where(SentEmail.to_address == "ivy@example.com")).all()
    assert mail.subject == "Olivia Owner invited you to the team of Acme Sync on Portal"
    # The link is a line of its own and opens a real page (routes.DEVELOPER_INVITATION).
    assert created.link in [line.strip() for line in mail.body.splitlines()]
    mail_links._check(created.link)
    assert "as viewer" in mail.body and f"within {days} days" in mail.body

    [event] = db.exec(
        select(AuditEvent).where(AuditEvent.action == "developer_app.invitation_created")
    ).all()
    assert event.target_type == "developer_app" and event.target_id == str(app.id)
    assert event.after == {
        "invitation_id": row.id,
        "email": "ivy@example.com",
        "role": "viewer",
        "replaced": [],
    }
    assert token not in str(event.after)


@pytest.mark.parametrize(
    "email", ["", "ivy", "ivy@localhost", "a b@example.com", "ivy@exa\x00mple.com", None, 5]
)
def test_an_invitation_needs_an_email_address(db, owner, app, email):
    before = snapshot(db, app)
    with pytest.raises(Invalid) as refused:
        invite(db, owner, app, email)
    assert refused.value.field == "email"
    assert snapshot(db, app) == before


@pytest.mark.parametrize("role", ["", "admin", "superowner", None, 3])
def test_an_invitation_needs_a_role_of_the_team(db, owner, app, role):
    with pytest.raises(Invalid) as refused:
        invite(db, owner, app, "ivy@example.com", role)
    assert refused.value.field == "role"
    assert "owner, developer or viewer" in refused.value.message


def test_someone_already_on_the_team_is_not_invited(db, owner, app):
    dev = join(db, owner, app)
    before = snapshot(db, app)
    for email in (dev.email, dev.email.upper(), owner.email):
        with pytest.raises(Invalid) as refused:
            invite(db, owner, app, email, "owner")
        assert refused.value.field == "email"
        assert "is already on the team of Acme Sync: change their role instead." in str(
            refused.value
        )
    assert snapshot(db, app) == before


def test_inviting_the_same_email_again_replaces_the_pending_invitation(db, owner, app):
    first = invite(db, owner, app, "ivy@example.com", "viewer")
    second = invite(db, owner, app, "ivy@example.com", "developer")
    [still] = pending(db, owner, app).items
    assert (still.id, still.role) == (second.invitation.id, TeamRole.DEVELOPER)
    assert developer_team.get_invitation(session=db, token=token_of(first)).state == "revoked"
    assert developer_team.get_invitation(session=db, token=token_of(second)).state == "pending"
    [_, replacing] = db.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "developer_app.invitation_created")
        .order_by(AuditEvent.id)  # a table's rows come back in no promised order
    ).all()
    assert replacing.after["replaced"] == [first.invitation.id]

    ivy = person(db, "Ivy Invitee", "ivy@example.com")
    with pytest.raises(Invalid, match="withdrawn"):
        accept(db, ivy, token_of(first))
    assert accept(db, ivy, token_of(second)).role is TeamRole.DEVELOPER


@pytest.mark.parametrize("role", [TeamRole.DEVELOPER, TeamRole.VIEWER])
def test_only_owners_change_the_team(db, owner, app, role):
    member = join(db, owner, app, role.value, "Mo Member")
    other = join(db, owner, app, "viewer", "Otto Other")
    invited = invite(db, owner, app, "ivy@example.com")
    before = snapshot(db, app)
    calls = [
        lambda: invite(db, member, app, "mallory@example.com", "owner"),
        lambda: developer_team.revoke_invitation(
            session=db, actor=member, app_id=app.id, invitation_id=invited.invitation.id
        ),
        lambda: developer_team.set_role(
            session=db, actor=member, app_id=app.id, user_id=member.user_id, role="owner"
        ),
        lambda: developer_team.set_role(
            session=db, actor=member, app_id=app.id, user_id=owner.user_id, role="viewer"
        ),
        lambda: developer_team.remove_member(
            session=db, actor=member, app_id=app.id, user_id=other.user_id
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert "You need the owner role on Acme Sync's team to change its team" in str(
            refused.value
        )
        assert "Olivia Owner" in str(refused.value)
    assert snapshot(db, app) == before


# Revoking ---------------------------------------------------------------------------------


def test_an_owner_withdraws_a_pending_invitation(db, owner, app):
    created = invite(db, owner, app, "ivy@example.com")
    revoked = developer_team.revoke_invitation(
        session=db, actor=owner, app_id=app.id, invitation_id=created.invitation.id
    )
    assert revoked.email == "ivy@example.com"
    assert pending(db, owner, app).items == []
    assert developer_team.get_invitation(session=db, token=token_of(created)).state == "revoked"
    assert "developer_app.invitation_revoked" in actions(db)
    with pytest.raises(Invalid, match="only a pending one can be revoked"):
        developer_team.revoke_invitation(
            session=db, actor=owner, app_id=app.id, invitation_id=created.invitation.id
        )


def test_an_invitation_of_another_app_is_not_found(db, owner, app):
    other_app = developer_apps.create_app(session=db, actor=owner, name="Other App")
    created = invite(db, owner, other_app, "ivy@example.com")
    for invitation_id in (created.invitation.id, 0, -5, True, 2**40, "1"):
        with pytest.raises(NotFound, match="Invitation not found"):
            developer_team.revoke_invitation(
                session=db, actor=owner, app_id=app.id, invitation_id=invitation_id
            )
    assert developer_team.get_invitation(session=db, token=token_of(created)).state == "pending"


# The link ----------------------------------------------------------------------------------


def test_the_link_shows_the_app_the_inviter_the_role_and_its_state(db, owner, app):
    created = invite(db, owner, app, "ivy@example.com", "viewer")
    shown = developer_team.get_invitation(session=db, token=token_of(created))
    assert shown.app_name == "Acme Sync"
    assert shown.email == "ivy@example.com"
    assert shown.role is TeamRole.VIEWER
    assert shown.invited_by == f"Olivia Owner <{owner.email}>"
    assert shown.state == "pending"
    assert shown.expires_at == created.invitation.expires_at


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 5000, None, 7])
def test_a_link_that_is_not_an_invitation_is_not_found(db, owner, app, token):
    invite(db, owner, app, "ivy@example.com")
    with pytest.raises(NotFound, match="not valid"):
        developer_team.get_invitation(session=db, token=token)
    ivy = person(db, "Ivy Invitee", "ivy@example.com")
    with pytest.raises(NotFound):
        accept(db, ivy, token)


# Accepting --------------------------------------------------------------------------------


def test_the_invited_email_accepts_and_joins_with_the_role(db, owner, app):
    created = invite(db, owner, app, "ivy@example.com", "viewer")
    ivy = person(db, "Ivy Invitee", "Ivy@Example.com")
    joined = accept(db, ivy, token_of(created))
    assert (joined.app_id, joined.app_slug, joined.app_name, joined.role) == (
        app.id,
        app.slug,
        "Acme Sync",
        TeamRole.VIEWER,
    )
    assert permissions.team_role(db, ivy, app.id) is TeamRole.VIEWER
    assert roles(db, owner, app)["ivy@example.com"] == "viewer"
    assert pending(db, owner, app).items == []
    assert developer_team.get_invitation(session=db, token=token_of(created)).state == "accepted"
    # The app is theirs to open now.
    assert developer_apps.get_app(session=db, actor=ivy, slug=app.slug).role is TeamRole.VIEWER
    [event] = db.exec(
        select(AuditEvent).where(AuditEvent.action == "developer_app.invitation_accepted")
    ).all()
    assert event.actor_id == str(ivy.user_id)
    assert event.after["role"] == "viewer" and event.after["user_id"] == ivy.user_id

    with pytest.raises(Invalid, match="already accepted"):
        accept(db, ivy, token_of(created))


def test_another_email_cannot_accept(db, owner, app):
    created = invite(db, owner, app, "ivy@example.com")
    mallory = person(db, "Mallory", "mallory@example.com")
    before = snapshot(db, app)
    with pytest.raises(Invalid) as refused:
        accept(db, mallory, token_of(created))
    assert str(refused.value) == (
        "This invitation was sent to ivy@example.com, and you are signed in as "
        "mallory@example.com. Sign in with ivy@example.com to accept it."
    )
    assert snapshot(db, app) == before
    assert permissions.team_role(db, mallory, app.id) is None
    assert developer_team.get_invitation(session=db, token=token_of(created)).state == "pending"


def test_an_expired_invitation_cannot_be_accepted(db, owner, app):
    created = invite(db, owner, app, "ivy@example.com")
    row = db.get(DeveloperAppInvitation, created.invitation.id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.flush()
    ivy = person(db, "Ivy Invitee", "ivy@example.com")
    assert developer_team.get_invitation(session=db, token=token_of(created)).state == "expired"
    assert pending(db, owner, app).items == []  # no longer pending
    before = snapshot(db, app)
    with pytest.raises(Invalid, match="This invitation has expired. Ask an owner"):
        accept(db, ivy, token_of(created))
    assert snapshot(db, app) == before
    with pytest.raises(Invalid, match="only a pending one"):
        developer_team.revoke_invitation(
            session=db, actor=owner, app_id=app.id, invitation_id=created.invitation.id
        )
    # A new invitation works.
    again = invite(db, owner, app, "ivy@example.com")
    assert accept(db, ivy, token_of(again)).role is TeamRole.DEVELOPER


def test_a_withdrawn_invitation_cannot_be_accepted(db, owner, app):
    created = invite(db, owner, app, "ivy@example.com")
    developer_team.revoke_invitation(
        session=db, actor=owner, app_id=app.id, invitation_id=created.invitation.id
    )
    ivy = person(db, "Ivy Invitee", "ivy@example.com")
    before = snapshot(db, app)
    with pytest.raises(Invalid, match="withdrawn by an owner of the app"):
        accept(db, ivy, token_of(created))
    assert snapshot(db, app) == before
    assert permissions.team_role(db, ivy, app.id) is None


def test_accepting_keeps_a_stronger_role_someone_got_meanwhile(db, owner, app):
    created = invite(db, owner, app, "ivy@example.com", "viewer")
    ivy = person(db, "Ivy Invitee", "ivy@example.com")
    db.add(DeveloperAppMember(app_id=app.id, user_id=ivy.user_id, role=TeamRole.OWNER))
    db.flush()
    assert accept(db, ivy, token_of(created)).role is TeamRole.OWNER
    assert permissions.team_role(db, ivy, app.id) is TeamRole.OWNER


# Roles ------------------------------------------------------------------------------------


def test_an_owner_changes_a_role_and_it_is_recorded(db, owner, app):
    dev = join(db, owner, app)
    changed = developer_team.set_role(
        session=db, actor=owner, app_id=app.id, user_id=dev.user_id, role="viewer"
    )
    assert changed.role is TeamRole.VIEWER and changed.you is False
    assert permissions.team_role(db, dev, app.id) is TeamRole.VIEWER
    [event] = db.exec(
        select(AuditEvent).where(AuditEvent.action == "developer_app.member_role_changed")
    ).all()
    assert event.before["role"] == "developer" and event.after["role"] == "viewer"
    # The same role again changes and records nothing.
    developer_team.set_role(
        session=db, actor=owner, app_id=app.id, user_id=dev.user_id, role="viewer"
    )
    assert actions(db).count("developer_app.member_role_changed") == 1


def test_a_viewer_cannot_see_the_client_credentials(db, owner, app):
    """What a role means still holds for people who joined through the team: a viewer (by
    invitation, or demoted) is refused the credentials; an owner made so sees them."""
    client_credentials.rotate(session=db, actor=owner, app_id=app.id)
    viewer = join(db, owner, app, "viewer", "Vera Viewer")
    dev = join(db, owner, app, "developer", "Dana Dev")
    for who in (viewer, dev):
        with pytest.raises(PermissionDenied, match="see or rotate its client secrets"):
            client_credentials.credentials(session=db, actor=who, app_id=app.id)

    developer_team.set_role(
        session=db, actor=owner, app_id=app.id, user_id=dev.user_id, role="owner"
    )
    assert len(client_credentials.credentials(session=db, actor=dev, app_id=app.id).secrets) == 1
    developer_team.set_role(
        session=db, actor=owner, app_id=app.id, user_id=dev.user_id, role="viewer"
    )
    with pytest.raises(PermissionDenied):
        client_credentials.credentials(session=db, actor=dev, app_id=app.id)
    with pytest.raises(PermissionDenied):
        client_credentials.rotate(session=db, actor=dev, app_id=app.id)


def test_the_last_owner_cannot_be_demoted(db, owner, app):
    join(db, owner, app)
    before = snapshot(db, app)
    for role in ("developer", "viewer"):
        with pytest.raises(Invalid) as refused:
            developer_team.set_role(
                session=db, actor=owner, app_id=app.id, user_id=owner.user_id, role=role
            )
        assert str(refused.value) == (
            f"Olivia Owner ({owner.email}) is the last owner of Acme Sync. Make someone else "
            "owner first: an app always keeps at least one owner."
        )
    assert snapshot(db, app) == before


def test_with_a_second_owner_the_first_can_step_down(db, owner, app):
    second = join(db, owner, app, "owner", "Sol Second")
    developer_team.set_role(
        session=db, actor=owner, app_id=app.id, user_id=owner.user_id, role="developer"
    )
    assert roles(db, second, app)[owner.email] == "developer"
    listed = summary(db, owner, app)
    assert listed.your_role is TeamRole.DEVELOPER and listed.can_manage is False
    # Now the second is the last owner.
    with pytest.raises(Invalid, match="last owner"):
        developer_team.set_role(
            session=db, actor=second, app_id=app.id, user_id=second.user_id, role="viewer"
        )


@pytest.mark.parametrize("user_id", ["me", 0, -1, True, 2**31, "1", None])
def test_a_member_id_that_is_not_one_is_not_found(db, owner, app, user_id):
    stranger = person(db, "Sam Stranger")
    for member_id in (user_id, stranger.user_id):
        with pytest.raises(NotFound, match="Member not found"):
            developer_team.set_role(
                session=db, actor=owner, app_id=app.id, user_id=member_id, role="viewer"
            )
        with pytest.raises(NotFound, match="Member not found"):
            developer_team.remove_member(session=db, actor=owner, app_id=app.id, user_id=member_id)


def test_a_member_of_another_app_is_not_found_here(db, owner, app):
    other_owner = developer(db, "Olaf Other")
    other_app = developer_apps.create_app(session=db, actor=other_owner, name="Other App")
    with pytest.raises(NotFound, match="Member not found"):
        developer_team.remove_member(
            session=db, actor=owner, app_id=app.id, user_id=other_owner.user_id
        )
    assert permissions.team_role(db, other_owner, other_app.id) is TeamRole.OWNER


# Removing and leaving --------------------------------------------------------------------


def test_an_owner_removes_a_member_who_then_finds_nothing(db, owner, app):
    dev = join(db, owner, app)
    developer_team.remove_member(session=db, actor=owner, app_id=app.id, user_id=dev.user_id)
    assert dev.email not in roles(db, owner, app)
    with pytest.raises(NotFound):
        developer_apps.get_app(session=db, actor=dev, slug=app.slug)
    for read in (summary, members, pending):
        with pytest.raises(NotFound):
            read(db, dev, app)
    [event] = db.exec(
        select(AuditEvent).where(AuditEvent.action == "developer_app.member_removed")
    ).all()
    assert event.before == {"user_id": dev.user_id, "email": dev.email, "role": "developer"}


def test_the_last_owner_cannot_be_removed(db, owner, app):
    before = snapshot(db, app)
    with pytest.raises(Invalid, match="is the last owner of Acme Sync. Make someone else owner"):
        developer_team.remove_member(session=db, actor=owner, app_id=app.id, user_id=owner.user_id)
    assert snapshot(db, app) == before


def test_an_owner_may_remove_another_owner_and_themselves_while_one_is_left(db, owner, app):
    second = join(db, owner, app, "owner", "Sol Second")
    developer_team.remove_member(session=db, actor=second, app_id=app.id, user_id=owner.user_id)
    assert list(roles(db, second, app)) == [second.email]
    with pytest.raises(Invalid, match="last owner"):
        developer_team.remove_member(
            session=db, actor=second, app_id=app.id, user_id=second.user_id
        )


@pytest.mark.parametrize("role", ["developer", "viewer", "owner"])
def test_anyone_may_leave_while_an_owner_remains(db, owner, app, role):
    member = join(db, owner, app, role, "Mo Member")
    developer_team.leave(session=db, actor=member, app_id=app.id)
    assert member.email not in roles(db, owner, app)
    with pytest.raises(NotFound):
        developer_apps.get_app(session=db, actor=member, slug=app.slug)
    [event] = db.exec(
        select(AuditEvent).where(AuditEvent.action == "developer_app.member_left")
    ).all()
    assert event.actor_id == str(member.user_id) and event.before["role"] == role


def test_the_last_owner_cannot_leave(db, owner, app):
    join(db, owner, app)
    before = snapshot(db, app)
    with pytest.raises(Invalid) as refused:
        developer_team.leave(session=db, actor=owner, app_id=app.id)
    assert str(refused.value) == (
        "You are the last owner of Acme Sync. Make someone else owner first: an app always "
        "keeps at least one owner."
    )
    assert snapshot(db, app) == before


def test_refused_changes_record_nothing(db, owner, app):
    viewer = join(db, owner, app, "viewer")
    count = len(actions(db))
    for call in (
        lambda: invite(db, viewer, app, "x@example.com"),
        lambda: invite(db, owner, app, "not an email"),
        lambda: developer_team.leave(session=db, actor=owner, app_id=app.id),
        lambda: developer_team.set_role(
            session=db, actor=owner, app_id=app.id, user_id=owner.user_id, role="viewer"
        ),
    ):
        with pytest.raises((Invalid, PermissionDenied)):
            call()
    assert len(actions(db)) == count


# Concurrency ------------------------------------------------------------------------------


def test_two_owners_demoting_each_other_at_once_leave_one(db, owner, app):
    """The last-owner rule holds under concurrency, on SQLite and PostgreSQL: each change
    reads the team after the other's write, never before it (the app's row is locked
    first)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from portal.db import transaction

    second = join(db, owner, app, "owner", "Sol Second")
    db.commit()

    def owners() -> list[int]:
        with transaction() as session:
            return list(
                session.exec(
                    select(DeveloperAppMember.user_id).where(
                        DeveloperAppMember.app_id == app.id,
                        DeveloperAppMember.role == TeamRole.OWNER,
                    )
                ).all()
            )

    for kind in ("demote", "remove", "leave", "demote"):
        barrier = Barrier(2)

        def change(pair, barrier=barrier, kind=kind):
            who, whom = pair
            barrier.wait()
            try:
                with transaction() as session:
                    if kind == "demote":
                        developer_team.set_role(
                            session=session, actor=who, app_id=app.id, user_id=whom, role="viewer"
                        )
                    elif kind == "remove":
                        developer_team.remove_member(
                            session=session, actor=who, app_id=app.id, user_id=whom
                        )
                    else:
                        developer_team.leave(session=session, actor=who, app_id=app.id)
                return "done"
            except (Invalid, PermissionDenied, NotFound):  # the last owner, or no longer one
                return "refused"

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(pool.map(change, [(owner, second.user_id), (second, owner.user_id)]))
        assert outcomes == ["done", "refused"], kind
        [keeper_id] = owners()
        # Both owners again for the next round.
        with transaction() as session:
            keeper = owner if keeper_id == owner.user_id else second
            other = second if keeper is owner else owner
            if permissions.team_role(session, other, app.id) is None:
                created = developer_team.invite(
                    session=session, actor=keeper, app_id=app.id, email=other.email, role="owner"
                )
                developer_team.accept_invitation(
                    session=session, actor=other, token=token_of(created)
                )
            else:
                developer_team.set_role(
                    session=session,
                    actor=keeper,
                    app_id=app.id,
                    user_id=other.user_id,
                    role="owner",
                )
        assert sorted(owners()) == sorted([owner.user_id, second.user_id])
