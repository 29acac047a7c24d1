"""The Team section of a developer app's Security tab and a team invitation's page, driven as a
browser would: an owner invites (the token reaches no state), changes a role, removes someone,
withdraws an invitation, each list paged on the server (a change shows the page it was made
on again); the last owner's Leave is refused with the reason. A signed-in
outsider, or a member without the owner role, calling the handlers directly is refused and
nothing changes; the invitation page accepts only for the invited email."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from portal.config import get_settings
from portal.db import transaction
from portal.domain.developer import TeamInvitationState, TeamRole
from portal.models import DeveloperAppInvitation, DeveloperAppMember, SentEmail
from portal.pages.developer import team as team_page
from portal.pages.developer.invitation import DeveloperInvitationState
from portal.pages.developer.security import DeveloperSecurityState
from portal.pages.developer.team import DeveloperTeamState
from portal.services import developer_apps, developer_team, developer_terms
from tests.state.support import database_snapshot, every_state, redirect_path, run, toasts


@pytest.fixture
def owner_app(db, person):
    """(owner token, owner email, app slug, app id): a new app, its creator its owner."""
    user, token, actor = person(name="Olga Owner")
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    app = developer_apps.create_app(session=db, actor=actor, name="Tide Sync")
    db.commit()
    return token, user.email, app.slug, app.id


def _tab(browse, token: str, slug: str):
    """The Security tab opened as its guard opens it: the app, then the team."""
    client = browse(f"/developer/apps/{slug}/security", token=token)
    run(client.state(DeveloperSecurityState).load)
    state = client.state(DeveloperTeamState)
    run(state.load)
    return client, state


def _kept(client):
    """Every var of every state in this tab's tree (backend-only ones included), as the state
    manager keeps it, and the delta the browser receives."""
    for state in every_state(client):
        for name, value in state.__getstate__().items():
            yield f"{state.get_full_name()}.{name}", repr(value)
        yield f"{state.get_full_name()}:serialized", repr(state._serialize())
    yield "delta", repr(client.root.dict())


def _mailed_token(db, email: str) -> str:
    db.expire_all()
    mail = db.exec(
        select(SentEmail).where(SentEmail.to_address == email).order_by(col(SentEmail.id).desc())
    ).first()
    return re.search(r"/developer/invitations/(\S+)", mail.body).group(1)


def _roles(db, app_id: int) -> dict[int, str]:
    db.expire_all()
    rows = db.exec(select(DeveloperAppMember).where(DeveloperAppMember.app_id == app_id)).all()
    return {row.user_id: row.role for row in rows}


def test_an_owner_invites_changes_a_role_removes_and_withdraws(db, browse, person, owner_app):
    token, email, slug, app_id = owner_app
    client, state = _tab(browse, token, slug)
    assert state.team_found is True and state.team_can_manage is True
    [me] = state.team_members
    assert (me.email, me.role, me.you) == (email, "owner", True)
    assert state.team_invitations == []

    # A refused invitation says why beside the field; nothing is sent.
    assert run(state.invite, {"email": email, "role": "viewer"}) == []
    assert "already on the team" in state.invite_errors["email"]
    assert state.invite_sent_to == ""

    run(state.invite, {"email": "Dana@Example.com", "role": "developer"})
    assert state.invite_errors == {} and state.invite_sent_to == "dana@example.com"
    [pending] = state.team_invitations
    assert (pending.email, pending.role) == ("dana@example.com", "developer")
    invite_token = _mailed_token(db, "dana@example.com")
    assert all(invite_token not in blob for _where, blob in _kept(client))

    # Dana accepts (through the service): the owner's list shows her.
    dana, dana_token, dana_actor = person(name="Dana Dev", email="dana@example.com")
    with transaction() as session:
        developer_team.accept_invitation(session=session, actor=dana_actor, token=invite_token)
    run(state.load)
    assert [(m.name, m.role) for m in state.team_members] == [
        ("Olga Owner", "owner"),
        ("Dana Dev", "developer"),
    ]
    assert state.team_invitations == []

    assert toasts(run(state.set_role, dana.id, "viewer")) == [("success", "Role changed.")]
    assert _roles(db, app_id)[dana.id] == "viewer"
    assert state.team_members[1].role == "viewer"

    assert toasts(run(state.remove_member, dana.id)) == [
        ("success", "dana@example.com is no longer on the team.")
    ]
    assert dana.id not in _roles(db, app_id)
    assert [m.email for m in state.team_members] == [email]

    run(state.invite, {"email": "eve@example.com", "role": "viewer"})
    [pending] = state.team_invitations
    assert toasts(run(state.revoke_invitation, pending.id))[0][0] == "success"
    assert state.team_invitations == []
    db.expire_all()
    assert db.get(DeveloperAppInvitation, pending.id).revoked_at is not None


def test_both_lists_page_on_the_server_and_a_change_reloads_the_page_shown(
    db, browse, person, owner_app, monkeypatch
):
    monkeypatch.setattr(team_page, "PAGE_SIZE", 2)
    token, _email, slug, app_id = owner_app
    ids = {}
    for name in ("Ann Ace", "Bea Bee", "Cy Cee", "Di Dee"):
        user, _token, _actor = person(name=name)
        db.add(DeveloperAppMember(app_id=app_id, user_id=user.id, role=TeamRole.VIEWER))
        ids[name] = user.id
    db.commit()
    client, state = _tab(browse, token, slug)
    for n in range(1, 4):
        run(state.invite, {"email": f"guest{n}@example.com", "role": "viewer"})

    def names():
        return [m.name for m in state.team_members]

    def emails():
        return [i.email for i in state.team_invitations]

    # Owners first, then by name; each list two to a page.
    assert names() == ["Olga Owner", "Ann Ace"]
    assert emails() == ["guest3@example.com", "guest2@example.com"]
    assert state.pager_page == {"members": 1, "invitations": 1}
    assert state.pager_has_next == {"members": True, "invitations": True}
    run(state.next_page, "members")
    assert names() == ["Bea Bee", "Cy Cee"] and state.pager_page["members"] == 2
    run(state.previous_page, "members")
    assert names() == ["Olga Owner", "Ann Ace"] and state.pager_page["members"] == 1
    run(state.next_page, "members")
    run(state.next_page, "nobody")  # not a list of this page: ignored
    assert state.pager_page == {"members": 2, "invitations": 1}
    # The cursors stay on the server: no var the browser receives holds one.
    cursors = [c for stack in state._pager_cursors.values() for c in stack if c]
    cursors += [c for c in state._pager_next.values() if c]
    assert cursors and not any(c in repr(client.root.dict()) for c in cursors)

    # Bea becomes a developer: page 2 again, where she no longer is (she moved to page 1).
    run(state.set_role, ids["Bea Bee"], "developer")
    assert state.pager_page["members"] == 2
    assert names() == ["Cy Cee", "Di Dee"] and state.pager_has_next["members"] is False
    # Removing the last rows of page 2 shows the first page.
    run(state.remove_member, ids["Cy Cee"])
    assert names() == ["Di Dee"] and state.pager_page["members"] == 2
    run(state.remove_member, ids["Di Dee"])
    assert names() == ["Olga Owner", "Bea Bee"] and state.pager_page["members"] == 1
    assert state.pager_has_next["members"] is True
    assert state.pager_page["invitations"] == 1  # the other list stays where it was

    # An invitation sent from page 2 shows on the first page, where the newest are.
    run(state.next_page, "invitations")
    assert emails() == ["guest1@example.com"] and state.pager_page["invitations"] == 2
    run(state.invite, {"email": "guest4@example.com", "role": "viewer"})
    assert emails() == ["guest4@example.com", "guest3@example.com"]
    assert state.pager_page["invitations"] == 1
    run(state.next_page, "invitations")
    assert emails() == ["guest2@example.com", "guest1@example.com"]
    [second, first] = state.team_invitations
    run(state.revoke_invitation, second.id)
    assert emails() == ["guest1@example.com"] and state.pager_page["invitations"] == 2
    run(state.revoke_invitation, first.id)
    assert emails() == ["guest4@example.com", "guest3@example.com"]
    assert state.pager_page["invitations"] == 1 and state.pager_has_next["invitations"] is False

    # Loading the tab again starts both lists at their first page.
    run(state.next_page, "members")
    run(state.load)
    assert state.pager_page == {"members": 1, "invitations": 1}


def test_an_owner_who_steps_down_sees_the_team_read_only(db, browse, person, owner_app):
    token, email, slug, app_id = owner_app
    user, _token, _actor = person(name="Sol Second")
    db.add(DeveloperAppMember(app_id=app_id, user_id=user.id, role=TeamRole.OWNER))
    db.commit()
    _client, state = _tab(browse, token, slug)
    me = next(m for m in state.team_members if m.you)
    run(state.set_role, me.user_id, "viewer")
    assert state.team_can_manage is False and state.dev_app_role == "viewer"
    assert [(m.name, m.role, m.you) for m in state.team_members] == [
        ("Sol Second", "owner", False),
        ("Olga Owner", "viewer", True),
    ]


def test_your_own_role_is_asked_first_and_cancel_keeps_it(db, browse, person, owner_app):
    token, email, slug, app_id = owner_app
    user, _token, _actor = person(name="Sol Second")
    db.add(DeveloperAppMember(app_id=app_id, user_id=user.id, role=TeamRole.OWNER))
    db.commit()
    _client, state = _tab(browse, token, slug)
    before = database_snapshot()

    run(state.ask_own_role, "viewer")
    assert state.own_role_choice == "viewer"
    run(state.answer_own_role, False)  # Cancel
    assert state.own_role_choice == ""
    for odd in (["viewer"], "owner", "admin", None):  # a list, your own role, unknown ones
        run(state.ask_own_role, odd)
        assert state.own_role_choice == ""
    run(state.confirm_own_role)  # nothing was asked: nothing changes
    assert database_snapshot() == before

    run(state.ask_own_role, "developer")
    run(state.confirm_own_role)
    assert state.own_role_choice == ""
    assert state.dev_app_role == "developer" and state.team_can_manage is False


def test_the_last_owner_cannot_leave_or_step_down(db, browse, owner_app):
    token, email, slug, app_id = owner_app
    client, state = _tab(browse, token, slug)
    before = database_snapshot()
    owner_id = state.team_members[0].user_id

    events = run(state.leave)
    assert redirect_path(events) is None
    assert state.leave_error == (
        "You are the last owner of Tide Sync. Make someone else owner first: an app always "
        "keeps at least one owner."
    )
    run(state.set_role, owner_id, "viewer")
    assert "is the last owner of Tide Sync" in state.team_error
    run(state.remove_member, owner_id)
    assert "is the last owner of Tide Sync" in state.team_error
    assert database_snapshot() == before
    assert [m.role for m in state.team_members] == ["owner"]


def test_a_member_leaves_and_is_sent_to_the_developer_portal(db, browse, person, owner_app):
    _token, _email, slug, app_id = owner_app
    user, token, actor = person(name="Lee Leaver")
    db.add(DeveloperAppMember(app_id=app_id, user_id=user.id, role=TeamRole.DEVELOPER))
    db.commit()
    _client, state = _tab(browse, token, slug)
    assert state.team_can_manage is False

    events = run(state.leave)
    assert redirect_path(events) == "/developer"
    assert toasts(events) == [("success", "You left the team of Tide Sync.")]
    assert user.id not in _roles(db, app_id)


@pytest.mark.parametrize("role", [TeamRole.VIEWER, TeamRole.DEVELOPER])
def test_a_member_who_is_not_an_owner_reads_the_team_and_is_refused_changes(
    db, browse, person, owner_app, role
):
    owner_token, owner_email, slug, app_id = owner_app
    user, token, actor = person(name="Vera Member")
    db.add(DeveloperAppMember(app_id=app_id, user_id=user.id, role=role))
    db.commit()
    _owner_client, owner_state = _tab(browse, owner_token, slug)
    run(owner_state.invite, {"email": "ivy@example.com", "role": "viewer"})
    invitation_id = owner_state.team_invitations[0].id
    owner_id = owner_state.team_members[0].user_id

    _client, state = _tab(browse, token, slug)
    assert state.team_found is True and state.team_can_manage is False
    assert [m.email for m in state.team_members] == [owner_email, user.email]
    assert [i.email for i in state.team_invitations] == ["ivy@example.com"]

    before = database_snapshot()
    run(state.invite, {"email": "mallory@example.com", "role": "owner"})
    assert "You need the owner role on Tide Sync's team" in state.invite_errors["form"]
    for handler, args in (
        (state.revoke_invitation, (invitation_id,)),
        (state.set_role, (user.id, "owner")),
        (state.set_role, (owner_id, "viewer")),
        (state.remove_member, (owner_id,)),
    ):
        state.team_error = ""
        run(handler, *args)
        assert state.team_error.startswith("You need the owner role on Tide Sync's team")
    assert database_snapshot() == before
    assert [i.email for i in state.team_invitations] == ["ivy@example.com"]


def test_a_signed_in_outsider_calling_the_handlers_is_refused(db, browse, person, owner_app):
    owner_token, owner_email, slug, app_id = owner_app
    _owner_client, owner_state = _tab(browse, owner_token, slug)
    run(owner_state.invite, {"email": "ivy@example.com", "role": "developer"})
    invitation_id = owner_state.team_invitations[0].id
    owner_id = owner_state.team_members[0].user_id

    _user, token, _actor = person(name="Mallory Outsider")
    client, state = _tab(browse, token, slug)
    assert state.dev_app_found is False
    assert (state.team_found, state.team_members, state.team_invitations) == (False, [], [])

    def attempts(state):
        return (
            (state.load, ()),
            (state.invite, ({"email": "mallory@example.com", "role": "owner"},)),
            (state.revoke_invitation, (invitation_id,)),
            (state.set_role, (owner_id, "viewer")),
            (state.remove_member, (owner_id,)),
            (state.leave, ()),
        )

    before = database_snapshot()
    for handler, args in attempts(state):
        events = run(handler, *args)
        assert redirect_path(events) is None
        assert state.team_members == [] and state.team_invitations == []
    assert state.team_error == state.leave_error == "App not found."
    assert state.invite_errors == {"form": "App not found."}
    # Even with the victim's app id in the backend-only var (which no client can set), the
    # service finds no app for someone not on its team.
    state._dev_app_id = app_id
    for handler, args in attempts(state):
        run(handler, *args)
        assert state.team_members == [] and state.team_invitations == []
    assert database_snapshot() == before


# The invitation page --------------------------------------------------------------------


def _invited(browse, owner_app, email: str, role: str = "developer") -> str:
    owner_token, _email, slug, _app_id = owner_app
    _client, state = _tab(browse, owner_token, slug)
    run(state.invite, {"email": email, "role": role})
    assert state.invite_sent_to == email, state.invite_errors
    with transaction() as session:
        mail = session.exec(
            select(SentEmail)
            .where(SentEmail.to_address == email)
            .order_by(col(SentEmail.id).desc())
        ).first()
        return re.search(r"/developer/invitations/(\S+)", mail.body).group(1)


def _page(browse, token: str, invite_token: str):
    client = browse(f"/developer/invitations/{invite_token}", token=token)
    state = client.state(DeveloperInvitationState)
    run(state.load)
    return client, state


def test_the_invited_email_accepts_and_gets_the_apps_link(db, browse, person, owner_app):
    _owner_token, owner_email, slug, app_id = owner_app
    invite_token = _invited(browse, owner_app, "ivy@example.com", "viewer")
    user, token, _actor = person(name="Ivy Invitee", email="ivy@example.com")
    client, state = _page(browse, token, invite_token)

    shown = state.invitation
    assert state.found is True
    assert (shown.app_name, shown.email, shown.role, shown.state, shown.for_you) == (
        "Tide Sync",
        "ivy@example.com",
        "viewer",
        "pending",
        True,
    )
    assert shown.invited_by == f"Olga Owner <{owner_email}>"
    # The token is kept in the page's backend-only var only (and so in that state's pickle,
    # which stays on the server); the root holds the router's copy of the URL the browser
    # sent. No var the browser receives holds it.
    name = DeveloperInvitationState.get_full_name()
    holding = {where for where, blob in _kept(client) if invite_token in blob}
    assert holding == {
        f"{name}._token",
        f"{name}:serialized",
        "reflex___state____state.rx_router_page",
        "reflex___state____state.rx_router_url",
        "reflex___state____state:serialized",
        "delta",
    }, holding
    assert invite_token not in repr(client.state(DeveloperInvitationState).dict())

    events = run(state.accept)
    assert toasts(events) == [("success", "You joined the team of Tide Sync as viewer.")]
    assert state.joined_app_href == f"/developer/apps/{slug}/general"
    assert state.invitation.state == "accepted"
    assert _roles(db, app_id)[user.id] == "viewer"

    # Again: already accepted, said in the banner.
    run(state.accept)
    assert state.answer_error == TeamInvitationState.ACCEPTED.explained


def test_another_email_sees_whom_it_was_for_and_cannot_accept(db, browse, person, owner_app):
    _owner_token, _email, _slug, app_id = owner_app
    invite_token = _invited(browse, owner_app, "ivy@example.com")
    user, token, _actor = person(name="Mallory", email="mallory@example.com")
    _client, state = _page(browse, token, invite_token)
    assert state.found is True and state.invitation.for_you is False

    before = database_snapshot()
    events = run(state.accept)
    assert redirect_path(events) is None
    assert state.answer_error == (
        "This invitation was sent to ivy@example.com, and you are signed in as "
        "mallory@example.com. Sign in with ivy@example.com to accept it."
    )
    assert state.joined_app_href == ""
    assert database_snapshot() == before
    assert user.id not in _roles(db, app_id)


def test_a_withdrawn_or_unknown_link_says_so(db, browse, person, owner_app):
    owner_token, _email, slug, _app_id = owner_app
    invite_token = _invited(browse, owner_app, "ivy@example.com")
    _client, owner_state = _tab(browse, owner_token, slug)
    run(owner_state.revoke_invitation, owner_state.team_invitations[0].id)
    _user, token, _actor = person(name="Ivy Invitee", email="ivy@example.com")

    _client, state = _page(browse, token, invite_token)
    assert state.invitation.state == "revoked"
    assert "withdrawn by an owner" in state.invitation.explained
    before = database_snapshot()
    run(state.accept)
    assert "withdrawn by an owner of the app" in state.answer_error
    assert database_snapshot() == before

    _client, state = _page(browse, token, "not-a-real-token")
    assert state.found is False
