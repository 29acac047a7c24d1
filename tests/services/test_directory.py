"""The app directory: public apps with a published version, searched by name or description
in any case, paged by name; private, unlisted and unpublished apps never show."""

from __future__ import annotations

from dataclasses import replace

import pytest

from portal.domain.access import ActorKind
from portal.domain.developer import Visibility
from portal.domain.errors import Invalid, PermissionDenied
from portal.services import developer_apps, developer_icons, directory, installations
from tests.factories import account_of, actor_for, make_user, make_workspace
from tests.services.test_developer_icons import PNG
from tests.services.test_installations import (
    MORE_SCOPES,
    developer,
    new_app,
    publish,
    set_visibility,
)


def listed(db, actor, **kwargs) -> list[str]:
    return [row.name for row in directory.list_directory(session=db, actor=actor, **kwargs).items]


@pytest.fixture
def dev(db):
    return developer(db, "Dana Developer")


@pytest.fixture
def browser(db):
    return actor_for(db, make_user(db, name="Bea Browser"))


def test_only_public_apps_with_a_published_version_are_listed(db, dev, browser) -> None:
    new_app(db, dev, "Open Sync", visibility=Visibility.PUBLIC)
    new_app(db, dev, "Private Sync")
    new_app(db, dev, "Unlisted Sync", visibility=Visibility.UNLISTED)
    bare = developer_apps.create_app(session=db, actor=dev, name="Bare Public")
    set_visibility(db, bare, Visibility.PUBLIC)
    assert listed(db, browser) == ["Open Sync"]


def test_a_row_says_what_the_directory_shows(db, dev, browser) -> None:
    app = new_app(db, dev, "Open Sync", visibility=Visibility.PUBLIC)
    publish(db, dev, app, MORE_SCOPES)
    admin_user = make_user(db, name="Ada Admin")
    admin = actor_for(db, admin_user)
    account_id = account_of(db, admin_user.id)
    for name in ("One", "Two"):
        workspace = make_workspace(db, account_id, name)
        installations.install(
            session=db, actor=admin, app_slug=app.slug, version=2, workspace_id=str(workspace.id)
        )
    developer_icons.set_icon(session=db, actor=dev, app_id=app.id, data=PNG)
    (row,) = directory.list_directory(session=db, actor=browser).items
    assert (row.name, row.slug, row.latest_version, row.install_count) == (
        "Open Sync",
        app.slug,
        2,
        2,
    )
    assert row.description == app.description
    assert row.icon_url.startswith(f"/developer-icons/{app.id}?v=")


def test_search_matches_name_or_description_in_any_case(db, dev, browser) -> None:
    for name, description in (
        ("Harbor Sync", "Keeps ships in line"),
        ("Ledger", "Syncs invoices"),
        ("Weather", "Forecasts"),
    ):
        app = new_app(db, dev, name, visibility=Visibility.PUBLIC)
        developer_apps.update_general(
            session=db,
            actor=dev,
            app_id=app.id,
            name=name,
            slug=app.slug,
            description=description,
        )
    assert listed(db, browser, search="SYNC") == ["Harbor Sync", "Ledger"]
    assert listed(db, browser, search="  ships ") == ["Harbor Sync"]
    assert listed(db, browser, search="100%") == []  # a wildcard is a character
    assert listed(db, browser, search="_") == []
    assert listed(db, browser, search="nul\x00") == []
    assert listed(db, browser, search="") == ["Harbor Sync", "Ledger", "Weather"]


def test_the_directory_pages_by_name_on_the_server(db, dev, browser) -> None:
    names = [f"App {letter}" for letter in "edcba"]
    for name in names:
        new_app(db, dev, name, visibility=Visibility.PUBLIC)
    seen, cursor = [], None
    while True:
        page = directory.list_directory(session=db, actor=browser, limit=2, cursor=cursor)
        assert len(page.items) <= 2
        seen += [row.name for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(names)
    with pytest.raises(Invalid):
        directory.list_directory(session=db, actor=browser, cursor="forged")


def test_an_installed_apps_token_cannot_browse(db, browser) -> None:
    token_actor = replace(browser, kind=ActorKind.INSTALLATION)
    with pytest.raises(PermissionDenied):
        directory.list_directory(session=db, actor=token_actor)
