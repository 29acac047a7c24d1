"""The handlers of the app directory, the directory's consent page, the General tab's icon
and a workspace's Change version: what the person sees, and refusals that change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import TeamRole, Visibility
from portal.models import (
    DeveloperApp,
    DeveloperAppIcon,
    DeveloperAppInstallation,
    DeveloperAppMember,
    DeveloperAppVersion,
)
from portal.pages.developer.general import DeveloperGeneralState
from portal.pages.developer.icon import DeveloperIconState
from portal.pages.directory import DirectoryState
from portal.pages.install import InstallState
from portal.pages.workspaces.change_version import ChangeVersionState
from portal.pages.workspaces.detail import WorkspaceDetailState
from portal.services import developer_apps, developer_terms, installations
from tests.factories import account_of, make_workspace
from tests.services.test_developer_icons import PNG
from tests.services.test_installations import MANIFEST, MORE_SCOPES
from tests.state.support import redirect_path, run, toasts


def _publish(db, actor, app_id: int, text: str = MANIFEST) -> None:
    developer_apps.save_draft(session=db, actor=actor, app_id=app_id, text=text)
    developer_apps.publish(session=db, actor=actor, app_id=app_id)


def _public(db, app_id: int) -> None:
    row = db.get(DeveloperApp, app_id)
    row.visibility = Visibility.PUBLIC
    db.add(row)
    db.flush()


@pytest.fixture
def owner(db, person):
    """(token, actor, app): a developer whose app "Open Sync" is public at version 1."""
    _user, token, actor = person(name="Olga Owner")
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    app = developer_apps.create_app(session=db, actor=actor, name="Open Sync")
    _publish(db, actor, app.id)
    _public(db, app.id)
    db.commit()
    return token, actor, app


def _upload(data: bytes, name: str = "icon.png") -> list:
    return [rx.UploadFile(file=io.BytesIO(data), path=Path(name))]


# The directory and its consent page ----------------------------------------------------------


def test_the_directory_lists_public_apps_and_searches_them(db, browse, owner, person) -> None:
    _token, actor, app = owner
    hidden = developer_apps.create_app(session=db, actor=actor, name="Hidden Sync")
    _publish(db, actor, hidden.id)
    db.commit()
    _user, token, _actor = person(name="Bea Browser")
    state = browse("/directory", token=token).state(DirectoryState)
    run(state.load)
    assert [(c.name, c.version, c.installs) for c in state.cards] == [
        ("Open Sync", "Version 1", "Not installed anywhere yet")
    ]
    assert state.cards[0].href == f"/directory/{app.slug}"
    assert state.cards[0].icon == "" and state.cards[0].initials == "OS"
    run(state.search_apps, "nothing like it")
    assert (state.search, state.cards) == ("nothing like it", [])
    run(state.search_apps, "OPEN")
    assert [c.name for c in state.cards] == ["Open Sync"]


def test_install_from_the_directory_goes_through_the_consent_page(
    db, browse, owner, person
) -> None:
    _token, _actor, app = owner
    user, token, _admin = person(name="Ada Admin", account_name="Acme")
    workspace = make_workspace(db, account_of(db, user.id), name="Production")
    db.commit()
    state = browse(f"/directory/{app.slug}", token=token).state(InstallState)
    run(state.load)
    assert (state.problem, state.from_directory, state.app_name, state.version) == (
        "",
        True,
        "Open Sync",
        1,
    )
    assert [o.id for o in state.options] == [str(workspace.id)]
    assert state.chosen == str(workspace.id)  # the only choice is chosen
    events = run(state.approve)
    assert toasts(events) == [("success", "Open Sync is installed.")]
    assert state.installed_in == str(workspace.id)
    row = db.exec(select(DeveloperAppInstallation)).one()
    assert row.workspace_id == workspace.id


@pytest.mark.parametrize("visibility", [Visibility.PRIVATE, Visibility.UNLISTED])
def test_the_directory_path_refuses_an_app_that_is_not_public(
    db, browse, owner, person, visibility
) -> None:
    _token, _actor, app = owner
    row = db.get(DeveloperApp, app.id)
    row.visibility = visibility
    db.add(row)
    user, token, _admin = person(name="Ada Admin")
    make_workspace(db, account_of(db, user.id), name="Production")
    db.commit()
    state = browse(f"/directory/{app.slug}", token=token).state(InstallState)
    run(state.load)
    assert "not in the directory" in state.problem
    assert state.app_name == ""
    run(state.approve)  # nothing chosen, nothing installed
    assert db.exec(select(DeveloperAppInstallation)).all() == []


# The icon ------------------------------------------------------------------------------------


def test_the_owner_uploads_and_removes_an_icon(db, browse, owner) -> None:
    token, _actor, app = owner
    client = browse(f"/developer/apps/{app.slug}/general", token=token)
    run(client.state(DeveloperGeneralState).load)
    state = client.state(DeveloperIconState)
    assert state.dev_app_icon == "" and state.dev_app_initials == "OS"
    run(state.upload_icon, _upload(b"GIF89a not an icon", "icon.png"))
    assert "not a PNG, JPEG or WebP" in state.icon_error
    run(state.upload_icon, _upload(PNG + b"\x00" * (256 * 1024)))
    assert "at most 256 KiB" in state.icon_error
    run(state.upload_icon, _upload(PNG, "photo.gif"))
    assert state.icon_error == ""
    assert f"/developer-icons/{app.id}?v=" in state.dev_app_icon
    assert db.get(DeveloperAppIcon, app.id).content_type == "image/png"
    run(state.remove_icon)
    assert state.dev_app_icon == ""
    db.expire_all()
    assert db.get(DeveloperAppIcon, app.id) is None


def test_a_viewer_and_an_outsider_cannot_change_the_icon(db, browse, owner, person) -> None:
    _token, _actor, app = owner
    viewer, viewer_token, _v = person(name="Vic Viewer")
    db.add(DeveloperAppMember(app_id=app.id, user_id=viewer.id, role=TeamRole.VIEWER))
    db.commit()
    client = browse(f"/developer/apps/{app.slug}/general", token=viewer_token)
    run(client.state(DeveloperGeneralState).load)
    state = client.state(DeveloperIconState)
    run(state.upload_icon, _upload(PNG))
    assert "developer" in state.icon_error
    _o, outsider_token, _a = person(name="Mallory")
    client = browse(f"/developer/apps/{app.slug}/general", token=outsider_token)
    run(client.state(DeveloperGeneralState).load)
    state = client.state(DeveloperIconState)
    assert state.dev_app_found is False
    run(state.upload_icon, _upload(PNG))
    assert state.icon_error == "App not found."
    assert db.get(DeveloperAppIcon, app.id) is None


def test_another_apps_general_tab_clears_the_icon_message(db, browse, owner) -> None:
    """The tab's loaders (the guard runs the page's on_load list) start the icon section
    clean: a refusal for one app does not stay under the next app's upload box."""
    token, actor, app = owner
    other = developer_apps.create_app(session=db, actor=actor, name="Second Sync")
    db.commit()
    client = browse(f"/developer/apps/{app.slug}/general", token=token)
    assert redirect_path(run(client.session.guard)) is None
    state = client.state(DeveloperIconState)
    run(state.upload_icon, _upload(b"GIF89a not an icon", "icon.png"))
    assert "not a PNG, JPEG or WebP" in state.icon_error
    client.visit(f"/developer/apps/{other.slug}/general")  # the same tab, another app
    assert redirect_path(run(client.session.guard)) is None
    assert (state.dev_app_name, state.dev_app_initials) == ("Second Sync", "SS")
    assert state.icon_error == ""


# Change version -------------------------------------------------------------------------------


@pytest.fixture
def installed(db, owner, person):
    """(admin token, workspace, installation id): version 1 installed; version 2 asks for
    one more scope."""
    _token, actor, app = owner
    user, token, admin = person(name="Ada Admin")
    workspace = make_workspace(db, account_of(db, user.id), name="Production")
    row = installations.install(
        session=db, actor=admin, app_slug=app.slug, version=1, workspace_id=str(workspace.id)
    )
    _publish(db, actor, app.id, MORE_SCOPES)
    db.commit()
    return token, workspace, row.id


def test_more_scopes_wait_for_the_consent_checkbox(db, browse, installed) -> None:
    token, workspace, installation_id = installed
    client = browse(f"/workspaces/{workspace.id}", token=token)
    run(client.state(WorkspaceDetailState).load)
    state = client.state(ChangeVersionState)
    run(state.open_change, installation_id)
    assert state.change_open and state.change_current == "1"
    assert [o.label for o in state.change_options] == ["Version 2", "Version 1 (installed)"]
    run(state.choose_version, "2")
    assert [s.name for s in state.change_added] == ["audit:read"]
    run(state.move_version, {})
    assert state.change_error == "Tick the box to allow what this version adds."
    assert installations_version(db, db.get(DeveloperAppInstallation, installation_id)) == 1
    run(state.set_change_consent, True)
    events = run(state.move_version, {})
    assert toasts(events) == [("success", "Open Sync moved to version 2.")]
    assert state.change_open is False
    assert client.state(WorkspaceDetailState).installed[0].version == "v2"
    # Back to version 1: fewer scopes, no checkbox.
    run(state.open_change, installation_id)
    run(state.choose_version, "1")
    assert state.change_added == [] and state.change_removed == "audit:read"
    run(state.move_version, {})
    assert client.state(WorkspaceDetailState).installed[0].version == "v1"


def test_an_outsider_cannot_open_or_move_an_installation(db, browse, installed, person) -> None:
    _token, workspace, installation_id = installed
    _user, token, _actor = person(name="Mallory")
    state = browse(f"/workspaces/{workspace.id}", token=token).state(ChangeVersionState)
    events = run(state.open_change, installation_id)
    assert toasts(events) == [("error", "Workspace not found.")]
    assert state.change_open is False and state.change_options == []
    run(state.choose_version, "2")
    run(state.set_change_consent, True)
    run(state.move_version, {})
    assert state.change_error != ""
    db.expire_all()
    installed_row = db.get(DeveloperAppInstallation, installation_id)
    assert installations_version(db, installed_row) == 1


def installations_version(db, row) -> int:
    return db.get(DeveloperAppVersion, row.version_id).number
