"""A developer app's Versions tab, called directly: someone outside the app's team (who knows
its slug) and a viewer on it get nothing of the draft and change nothing, whatever handler
they call with whatever arguments; a developer on the team can save and publish."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import TeamRole
from portal.models import DeveloperAppMember, DeveloperAppVersion
from portal.pages.developer.versions import DeveloperVersionsState
from portal.services import developer_apps, developer_terms, installations
from tests.state.support import database_snapshot, every_state, run

SECRET_WORDS = "a draft only its team may read"
MANIFEST = f"# {SECRET_WORDS}\ndisplay:\n  name: Tide Sync\nscopes:\n  - workspace:read\n"
# The tab's session moves (last seen): nothing else may.
MOVING = ("sessions",)


@pytest.fixture
def app(db, person):
    """(app slug, app id, an install link's id): an app with version 1 published, a saved
    draft and an install link, made by its owner."""
    _user, _token, owner = person(name="Olga Owner")
    developer_terms.accept(session=db, actor=owner, version=get_settings().developer_terms_version)
    made = developer_apps.create_app(session=db, actor=owner, name="Tide Sync")
    developer_apps.save_draft(session=db, actor=owner, app_id=made.id, text=MANIFEST)
    developer_apps.publish(session=db, actor=owner, app_id=made.id)
    developer_apps.save_draft(session=db, actor=owner, app_id=made.id, text=MANIFEST + "# v2\n")
    link = installations.create_link(session=db, actor=owner, app_id=made.id)
    db.commit()
    return made.slug, made.id, link.id


def _someone(db, person, app_id: int | None = None, role: TeamRole | None = None) -> str:
    """A signed-in person who accepted the developer terms; on the app's team with `role`."""
    user, token, actor = person(name="Ola Other")
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    if role is not None:
        db.add(DeveloperAppMember(app_id=app_id, user_id=user.id, role=role))
    db.commit()
    return token


def _calls(link_id: int) -> list[tuple[str, tuple]]:
    form = {"version": "1", "expires_in_days": ""}
    return [
        ("create_link", (form,)),
        ("revoke_link", (link_id,)),
        ("edit_draft", ("display:\n  name: Hijacked\n",)),
        ("validate", ()),
        ("save", ()),
        ("publish", ()),
        ("discard", ()),
    ]


def _shown(client) -> str:
    return repr([state.dict() for state in every_state(client)])


def test_someone_off_the_team_gets_nothing_and_changes_nothing(db, person, browse, app):
    slug, _app_id, link_id = app
    token = _someone(db, person)
    client = browse(f"/developer/apps/{slug}/versions", token=token)
    state = client.state(DeveloperVersionsState)
    run(state.load)
    assert state.dev_app_found is False
    before = database_snapshot(ignore=MOVING)

    for name, args in _calls(link_id):
        run(getattr(state, name), *args)
        assert database_snapshot(ignore=MOVING) == before, name
        assert SECRET_WORDS not in _shown(client), name
        assert state.version_rows == [] and state.link_rows == [], name


def test_a_viewer_reads_the_draft_but_cannot_change_anything(db, person, browse, app):
    slug, app_id, link_id = app
    token = _someone(db, person, app_id, TeamRole.VIEWER)
    client = browse(f"/developer/apps/{slug}/versions", token=token)
    state = client.state(DeveloperVersionsState)
    run(state.load)
    assert state.dev_app_found is True
    assert SECRET_WORDS in state.draft_text
    before = database_snapshot(ignore=MOVING)

    for name, args in _calls(link_id):
        run(getattr(state, name), *args)
        assert database_snapshot(ignore=MOVING) == before, name


def test_a_developer_on_the_team_saves_and_publishes(db, person, browse, app):
    slug, app_id, _link_id = app
    token = _someone(db, person, app_id, TeamRole.DEVELOPER)
    client = browse(f"/developer/apps/{slug}/versions", token=token)
    state = client.state(DeveloperVersionsState)
    run(state.load)
    run(state.edit_draft, MANIFEST + "# v2, by a developer\n")
    run(state.save)
    run(state.publish)
    assert state.versions_error == ""
    assert state.latest_version == 2


def test_validate_and_save_take_the_text_the_click_sent(db, person, browse, app):
    """The editor's text rides with the click: an edit whose debounced change never reached
    the server is what Validate checks and Save stores."""
    slug, app_id, _link_id = app
    token = _someone(db, person, app_id, TeamRole.DEVELOPER)
    client = browse(f"/developer/apps/{slug}/versions", token=token)
    state = client.state(DeveloperVersionsState)
    run(state.load)
    typed = MANIFEST + "# typed just before the click\n"

    run(state.validate, typed)
    assert state.draft_text == typed
    assert state.draft_checked and state.draft_valid
    run(state.save, typed)
    assert state.draft_saved
    db.expire_all()
    saved = db.exec(
        select(DeveloperAppVersion.manifest_text).where(
            DeveloperAppVersion.app_id == app_id, DeveloperAppVersion.state == "draft"
        )
    ).one()
    assert saved == typed
