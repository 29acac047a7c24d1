"""The install handlers of the developer app's General and Versions tabs and of the workspace
detail page: refusals land where the person sees them, and change nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.models import (
    DeveloperAppAllowlistEntry,
    DeveloperAppInstallation,
    DeveloperAppMember,
    DeveloperInstallLink,
)
from portal.pages.developer.general import DeveloperGeneralState
from portal.pages.developer.versions import DeveloperVersionsState
from portal.pages.workspaces.detail import WorkspaceDetailState
from portal.services import developer_apps, developer_terms, installations
from tests.factories import account_of, make_workspace
from tests.state.support import run, toasts


def _developer(db, actor) -> None:
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)


@pytest.fixture
def dev_app(db, person):
    """(owner token, app slug, app id): a private app with nothing published yet."""
    _user, token, actor = person(name="Olga Owner")
    _developer(db, actor)
    app = developer_apps.create_app(session=db, actor=actor, name="Tide Sync")
    db.commit()
    return token, app.slug, app.id, actor


def _publish(db, actor, app_id: int) -> None:
    text = developer_apps.get_draft(session=db, actor=actor, app_id=app_id).text
    developer_apps.save_draft(session=db, actor=actor, app_id=app_id, text=text)
    developer_apps.publish(session=db, actor=actor, app_id=app_id)
    db.commit()


def test_a_link_without_a_published_version_is_refused_at_the_version(db, browse, dev_app):
    token, slug, _app_id, _actor = dev_app
    state = browse(f"/developer/apps/{slug}/versions", token=token).state(DeveloperVersionsState)
    run(state.load)
    assert state.latest_version == 0 and state.version_choices == []
    run(state.set_link_open, True)
    run(state.create_link, {"version": "", "expires_in_days": ""})
    assert state.link_errors == {
        "version": "Publish a version first: an install link installs a published version."
    }
    assert state.link_open is True  # the dialog stays open with the refusal
    assert db.exec(select(DeveloperInstallLink)).all() == []


def test_create_copy_and_revoke_a_link(db, browse, dev_app):
    token, slug, app_id, actor = dev_app
    _publish(db, actor, app_id)
    state = browse(f"/developer/apps/{slug}/versions", token=token).state(DeveloperVersionsState)
    run(state.load)
    assert state.version_choices == ["1"]
    run(state.create_link, {"version": "1", "expires_in_days": "abc"})
    assert list(state.link_errors) == ["expires_in_days"]
    events = run(state.create_link, {"version": "1", "expires_in_days": "7"})
    assert toasts(events)[0][0] == "success"
    (row,) = state.link_rows
    assert (row.version, row.uses, row.status) == ("v1", 0, "active")
    assert row.expires_at != "" and "/install/" in row.url
    run(state.revoke_link, row.id)
    assert state.link_rows[0].status == "revoked"


def test_only_an_owner_changes_visibility_and_the_allowlist(db, browse, dev_app, person):
    _token, slug, app_id, owner = dev_app
    user, token, actor = person(name="Dev Eloper")
    _developer(db, actor)
    db.add(DeveloperAppMember(app_id=app_id, user_id=user.id, role=TeamRole.DEVELOPER))
    account_id = account_of(db, user.id)
    workspace = make_workspace(db, account_id, name="Elsewhere")
    db.commit()

    state = browse(f"/developer/apps/{slug}/general", token=token).state(DeveloperGeneralState)
    run(state.load)
    run(state.set_visibility, "unlisted")
    assert "owner" in state.visibility_error
    assert state.dev_app_visibility == "private"
    run(state.allow, {"workspace_id": str(workspace.id)})
    assert "owner" in state.allow_errors["workspace_id"]
    assert db.exec(select(DeveloperAppAllowlistEntry)).all() == []


def test_the_owner_allowlists_and_removes(db, browse, dev_app, person):
    token, slug, _app_id, owner = dev_app
    state = browse(f"/developer/apps/{slug}/general", token=token).state(DeveloperGeneralState)
    run(state.load)
    run(state.allow, {"workspace_id": "not-a-uuid"})
    assert state.allow_errors == {"workspace_id": "Enter a workspace's UUID."}
    run(state.allow, {"account_id": "12abc"})
    assert state.allow_errors == {"account_id": "No account has this id."}
    account_id = account_of(db, owner.user_id)
    run(state.allow, {"account_id": str(account_id)})
    assert state.allow_errors == {}
    (row,) = state.allowlist
    assert (row.kind, row.target_id) == ("Account", str(account_id))
    run(state.remove_allowed, row.id)
    assert state.allowlist == []
    run(state.set_visibility, "public")
    assert "platform staff" in state.visibility_error
    run(state.set_visibility, "unlisted")
    assert (state.dev_app_visibility, state.visibility_error) == ("unlisted", "")


def test_uninstall_refuses_another_workspaces_installation(db, browse, dev_app, person):
    _token, _slug, app_id, owner = dev_app
    _publish(db, owner, app_id)
    developer_apps.set_visibility(session=db, actor=owner, app_id=app_id, visibility="unlisted")
    link = installations.create_link(session=db, actor=owner, app_id=app_id)
    theirs = make_workspace(db, account_of(db, owner.user_id), name="Theirs")
    installed = installations.install(
        session=db,
        actor=owner,
        token=installations.link_token(link.id),
        workspace_id=str(theirs.id),
    )
    user, token, actor = person(name="Mallory")
    mine = make_workspace(db, account_of(db, user.id), name="Mine")
    db.commit()

    state = browse(f"/workspaces/{mine.id}", token=token).state(WorkspaceDetailState)
    run(state.load)
    assert state.installed == []
    run(state.uninstall, installed.id)
    assert state.action_error == "Installation not found."
    assert db.exec(select(DeveloperAppInstallation)).one().id == installed.id
