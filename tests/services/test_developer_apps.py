"""Developer apps: the developer terms gate, the team's roles, slugs, drafts and numbered
immutable versions, the dashboard's counts and list, and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import (
    MANIFEST_MAX_CHARS,
    SCOPES,
    STARTER_MANIFEST,
    TeamRole,
    VersionState,
)
from portal.domain.errors import Conflict, Invalid, NotFound, PermissionDenied
from portal.domain.paging import InvalidCursor
from portal.models import (
    AuditEvent,
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppMember,
    DeveloperAppVersion,
)
from portal.services import developer_apps, developer_terms
from tests.conftest import from_snapshot
from tests.factories import account_of, actor_for, make_user, make_workspace

NEW_TERMS = "2027-03"

MANIFEST = """\
display:
  name: Acme Sync
scopes:
  - workspace:read
"""

# A known scope besides workspace:read, whatever the catalog holds; MANIFEST with its one
# scope changed to it, and with a scope Portal does not know added.
OTHER_SCOPE = next(name for name in sorted(SCOPES) if name != "workspace:read")
NEXT_MANIFEST = MANIFEST.replace("workspace:read", OTHER_SCOPE)
INVALID_MANIFEST = MANIFEST + "  - billing:write\n"


def developer(db, name: str | None = None, *, terms: bool = True):
    """A signed-in person who accepted the current developer terms (unless `terms=False`)."""
    actor = actor_for(db, make_user(db, name=name))
    if terms:
        accept_terms(db, actor)
    return actor


def accept_terms(db, actor):
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)


@pytest.fixture
def owner(db):
    return from_snapshot(db, "developer-apps-owner", lambda: developer(db, "Olivia Owner"))


@pytest.fixture
def app(db, owner):
    return create(db, owner, "Acme Sync")


@pytest.fixture
def stranger(db):
    return developer(db, "Sam Stranger")


def create(db, actor, name, **kwargs):
    return developer_apps.create_app(session=db, actor=actor, name=name, **kwargs)


def join(db, app, actor, role: TeamRole):
    """Put `actor` on the app's team with `role` (no service adds members yet)."""
    db.add(DeveloperAppMember(app_id=app.id, user_id=actor.user_id, role=role))
    db.flush()


def update(db, actor, app, **changes):
    fields = {"name": app.name, "slug": app.slug, "description": app.description, **changes}
    return developer_apps.update_general(session=db, actor=actor, app_id=app.id, **fields)


def save(db, actor, app, text=MANIFEST):
    return developer_apps.save_draft(session=db, actor=actor, app_id=app.id, text=text)


def publish(db, actor, app):
    return developer_apps.publish(session=db, actor=actor, app_id=app.id)


def draft(db, actor, app):
    return developer_apps.get_draft(session=db, actor=actor, app_id=app.id)


def versions(db, actor, app, **kwargs):
    return developer_apps.list_versions(session=db, actor=actor, app_id=app.id, **kwargs)


def listing(db, actor, **kwargs):
    return developer_apps.list_apps(session=db, actor=actor, **kwargs)


def version_rows(db, app) -> list[DeveloperAppVersion]:
    return list(
        db.exec(
            select(DeveloperAppVersion)
            .where(DeveloperAppVersion.app_id == app.id)
            .order_by(DeveloperAppVersion.id)
        ).all()
    )


def app_count(db) -> int:
    return db.exec(select(func.count()).select_from(DeveloperApp)).one()


def audit_rows(db, action) -> list[AuditEvent]:
    return list(
        db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
    )


def change_the_terms(monkeypatch):
    monkeypatch.setenv("PORTAL_DEVELOPER_TERMS_VERSION", NEW_TERMS)
    get_settings.cache_clear()


# The developer terms --------------------------------------------------------------------------


def test_creating_an_app_is_refused_until_the_terms_are_accepted(db):
    newcomer = developer(db, terms=False)
    with pytest.raises(PermissionDenied) as refused:
        create(db, newcomer, "Acme Sync")
    assert "developer terms" in refused.value.message
    assert app_count(db) == 0

    accept_terms(db, newcomer)
    assert create(db, newcomer, "Acme Sync").slug == "acme-sync"


def test_publishing_is_refused_to_a_developer_who_has_not_accepted_the_terms(db, owner, app):
    newcomer = developer(db, terms=False)
    join(db, app, newcomer, TeamRole.DEVELOPER)
    save(db, newcomer, app)  # editing the draft needs no terms

    with pytest.raises(PermissionDenied) as refused:
        publish(db, newcomer, app)
    assert "developer terms" in refused.value.message
    assert [row.state for row in version_rows(db, app)] == [VersionState.DRAFT]


def test_new_terms_refuse_creating_and_publishing_until_accepted_again(db, owner, app, monkeypatch):
    save(db, owner, app)
    change_the_terms(monkeypatch)

    with pytest.raises(PermissionDenied):
        create(db, owner, "Another app")
    with pytest.raises(PermissionDenied):
        publish(db, owner, app)
    assert app_count(db) == 1
    assert [row.state for row in version_rows(db, app)] == [VersionState.DRAFT]

    accept_terms(db, owner)
    assert publish(db, owner, app).number == 1
    assert create(db, owner, "Another app").slug == "another-app"


def test_reading_still_works_while_new_terms_wait_to_be_accepted(db, owner, app, monkeypatch):
    save(db, owner, app)
    publish(db, owner, app)
    save(db, owner, app, NEXT_MANIFEST)
    change_the_terms(monkeypatch)

    assert developer_apps.get_app(session=db, actor=owner, slug=app.slug).id == app.id
    assert draft(db, owner, app).text == NEXT_MANIFEST
    assert [row.slug for row in listing(db, owner).items] == [app.slug]
    assert [row.number for row in versions(db, owner, app).items] == [1]
    assert developer_apps.counts(session=db, actor=owner).apps == 1
    checked = developer_apps.check_draft(session=db, actor=owner, app_id=app.id, text=MANIFEST)
    assert checked.valid


# The team -----------------------------------------------------------------------------------


def _calls(db, actor, app_id):
    """Every service that takes an app's id, called with `app_id`."""
    common = {"session": db, "actor": actor, "app_id": app_id}
    return {
        "update_general": lambda: developer_apps.update_general(
            **common, name="Taken over", slug="taken-over", description=""
        ),
        "get_draft": lambda: developer_apps.get_draft(**common),
        "check_draft": lambda: developer_apps.check_draft(**common, text=MANIFEST),
        "save_draft": lambda: developer_apps.save_draft(**common, text=MANIFEST),
        "discard_draft": lambda: developer_apps.discard_draft(**common),
        "publish": lambda: developer_apps.publish(**common),
        "list_versions": lambda: developer_apps.list_versions(**common),
    }


SERVICES = list(_calls(None, None, None))


@pytest.mark.parametrize("service", SERVICES)
def test_someone_not_on_the_team_finds_nothing(db, owner, app, stranger, service):
    save(db, owner, app)
    with pytest.raises(NotFound):
        _calls(db, stranger, app.id)[service]()

    row = db.get(DeveloperApp, app.id)
    assert (row.name, row.slug) == ("Acme Sync", "acme-sync")
    assert [(v.state, v.manifest_text) for v in version_rows(db, app)] == [
        (VersionState.DRAFT, MANIFEST)
    ]


def test_someone_not_on_the_team_cannot_find_the_app_by_its_slug(db, app, stranger):
    with pytest.raises(NotFound):
        developer_apps.find_app(db, stranger, app.slug)
    with pytest.raises(NotFound):
        developer_apps.get_app(session=db, actor=stranger, slug=app.slug)
    assert listing(db, stranger).items == []


@pytest.mark.parametrize(
    "slug",
    [
        "",
        None,
        42,
        "acme",
        "acme-sync-2",
        "ACME-SYNC",
        "acme-sync ",
        "acme%",
        "acme-syn_",
        "x" * 10_000,
        "acme-sync\x00",
        "acme-sync\ud800",
    ],
)
def test_a_slug_that_is_not_exactly_an_apps_slug_is_not_found(db, owner, app, slug):
    with pytest.raises(NotFound):
        developer_apps.get_app(session=db, actor=owner, slug=slug)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    "forged",
    [
        lambda app: app.id + 1000,  # no such app
        lambda app: str(app.id),  # a route param, not an id
        lambda app: None,
        lambda app: True,  # a bool is no id, though Python counts it an int equal to 1
        lambda app: 0,
        lambda app: -1,
        lambda app: 2**31,  # beyond an INTEGER column on PostgreSQL
        lambda app: 2**64,  # beyond any id column
    ],
    ids=["missing", "string", "none", "bool", "zero", "negative", "int32-overflow", "huge"],
)
def test_a_forged_app_id_is_not_found_even_for_the_owner(db, owner, app, service, forged):
    assert app.id == 1  # the bool forgery would name it
    save(db, owner, app)
    with pytest.raises(NotFound):
        _calls(db, owner, forged(app))[service]()
    assert len(version_rows(db, app)) == 1


def test_a_viewer_can_read_the_app_its_draft_and_versions(db, owner, app):
    save(db, owner, app)
    publish(db, owner, app)
    save(db, owner, app, NEXT_MANIFEST)
    viewer = developer(db, "Vic Viewer")
    join(db, app, viewer, TeamRole.VIEWER)

    detail = developer_apps.get_app(session=db, actor=viewer, slug=app.slug)
    assert (detail.id, detail.role) == (app.id, TeamRole.VIEWER)
    assert draft(db, viewer, app).text == NEXT_MANIFEST
    assert developer_apps.check_draft(session=db, actor=viewer, app_id=app.id, text="x: 1").problems
    assert [row.number for row in versions(db, viewer, app).items] == [1]
    assert [(row.slug, row.role) for row in listing(db, viewer).items] == [
        (app.slug, TeamRole.VIEWER)
    ]
    assert developer_apps.counts(session=db, actor=viewer).apps == 1


@pytest.mark.parametrize("service", ["update_general", "save_draft", "discard_draft", "publish"])
def test_a_viewer_is_denied_every_change_naming_the_role_and_the_owners(db, owner, app, service):
    save(db, owner, app)
    viewer = developer(db, "Vic Viewer")
    join(db, app, viewer, TeamRole.VIEWER)

    with pytest.raises(PermissionDenied) as denied:
        _calls(db, viewer, app.id)[service]()
    assert "developer role" in denied.value.message
    assert "Olivia Owner" in denied.value.message

    row = db.get(DeveloperApp, app.id)
    assert (row.name, row.slug) == ("Acme Sync", "acme-sync")
    assert [(v.state, v.manifest_text) for v in version_rows(db, app)] == [
        (VersionState.DRAFT, MANIFEST)
    ]


def test_a_developer_can_edit_the_details_and_the_draft_and_publish(db, owner, app):
    dev = developer(db, "Dana Developer")
    join(db, app, dev, TeamRole.DEVELOPER)

    updated = update(db, dev, app, name="Acme Sync Pro", slug="acme-sync-pro")
    assert (updated.name, updated.slug, updated.role) == (
        "Acme Sync Pro",
        "acme-sync-pro",
        TeamRole.DEVELOPER,
    )
    assert save(db, dev, app).saved
    published = publish(db, dev, app)
    assert (published.number, published.published_by) == (1, dev.name)
    developer_apps.discard_draft(session=db, actor=dev, app_id=app.id)


def test_the_creator_is_the_owner_of_a_new_private_app(db, owner, app):
    assert app.role is TeamRole.OWNER
    assert app.visibility == "private"
    member = db.exec(select(DeveloperAppMember).where(DeveloperAppMember.app_id == app.id)).one()
    assert (member.user_id, member.role) == (owner.user_id, TeamRole.OWNER)
    assert db.get(DeveloperApp, app.id).created_by_user_id == owner.user_id


# Names and slugs ----------------------------------------------------------------------------


def test_create_takes_the_slug_from_the_cleaned_name(db, owner):
    created = create(db, owner, "  Acme   Sync ", description="Syncs  things.")
    assert (created.name, created.slug, created.description) == (
        "Acme Sync",
        "acme-sync",
        "Syncs things.",
    )
    assert developer_apps.find_app(db, owner, "acme-sync") == created.id


def test_slugs_are_unique_across_every_developers_apps(db, owner, stranger):
    assert create(db, owner, "Acme Sync").slug == "acme-sync"
    assert create(db, stranger, "Acme Sync").slug == "acme-sync-2"
    assert create(db, owner, "ACME sync!").slug == "acme-sync-3"
    assert app_count(db) == 3


def test_a_slug_with_a_lookalike_prefix_does_not_take_the_number(db, owner):
    create(db, owner, "Acme Sync Pro")  # acme-sync-pro starts with "acme-sync-"
    assert create(db, owner, "Acme Sync").slug == "acme-sync"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Привет мир", "privet-mir"),
        ("北京 银行", "bei-jing-yin-xing"),
        ("Ünïcode Bänk", "unicode-bank"),
        ("🚀🚀", "app"),  # nothing transliterates: a slug is still made
    ],
)
def test_a_non_latin_name_gives_a_transliterated_slug(db, owner, name, slug):
    created = create(db, owner, name)
    assert (created.name, created.slug) == (name, slug)


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "Acme\x00Sync", "Acme\nSync", "Acme\u202e"])
def test_create_refuses_an_empty_oversized_or_control_character_name(db, owner, name):
    with pytest.raises(Invalid) as refused:
        create(db, owner, name)
    assert refused.value.field == "name"
    assert app_count(db) == 0


def test_update_changes_the_name_slug_and_description(db, owner, app):
    updated = update(db, owner, app, name="Acme Bridge", slug=" Acme-Bridge ", description="New.")
    assert (updated.name, updated.slug, updated.description) == (
        "Acme Bridge",
        "acme-bridge",
        "New.",
    )
    assert developer_apps.find_app(db, owner, "acme-bridge") == app.id
    with pytest.raises(NotFound):
        developer_apps.find_app(db, owner, "acme-sync")


def test_update_keeping_the_apps_own_slug_is_no_conflict(db, owner, app):
    assert update(db, owner, app, name="Acme Sync 2").slug == "acme-sync"


def test_update_refuses_a_slug_another_app_has(db, owner, stranger, app):
    create(db, stranger, "Other app")
    with pytest.raises(Conflict) as refused:
        update(db, owner, app, name="Renamed", slug="other-app")
    assert refused.value.field == "slug"
    assert "other-app" in refused.value.message
    row = db.get(DeveloperApp, app.id)
    db.refresh(row)
    assert (row.name, row.slug) == ("Acme Sync", "acme-sync")


@pytest.mark.parametrize(
    "slug", ["", "acme sync", "acme_sync", "-acme", "acme-", "acme--sync", "ac/me", "a" * 65]
)
def test_update_refuses_a_malformed_slug(db, owner, app, slug):
    with pytest.raises(Invalid) as refused:
        update(db, owner, app, slug=slug)
    assert not isinstance(refused.value, Conflict)
    assert refused.value.field == "slug"
    db.refresh(db.get(DeveloperApp, app.id))
    assert db.get(DeveloperApp, app.id).slug == "acme-sync"


def test_update_accepts_a_slug_of_exactly_the_maximum_length(db, owner, app):
    assert update(db, owner, app, slug="a" * 64).slug == "a" * 64


# Drafts -------------------------------------------------------------------------------------


def test_without_a_draft_the_editor_starts_from_the_starter_manifest_unsaved(db, owner, app):
    start = draft(db, owner, app)
    assert start.text == STARTER_MANIFEST.format(name="Acme Sync")
    assert (start.saved, start.valid, start.updated_at) == (False, True, None)
    assert (start.problems, start.diff, start.latest_version) == ([], [], None)
    assert version_rows(db, app) == []


def test_saving_a_draft_keeps_it_as_typed(db, owner, app):
    text = "# my comment\n" + MANIFEST
    saved = save(db, owner, app, text)
    assert (saved.text, saved.saved, saved.valid) == (text, True, True)
    assert saved.updated_at is not None

    again = draft(db, owner, app)
    assert (again.text, again.saved) == (text, True)
    (row,) = version_rows(db, app)
    assert (row.state, row.number, row.manifest_text) == (VersionState.DRAFT, None, text)
    assert row.manifest["scopes"] == ["workspace:read"]


def test_an_invalid_draft_is_kept_as_work_in_progress(db, owner, app):
    saved = save(db, owner, app, INVALID_MANIFEST)
    assert (saved.saved, saved.valid) == (True, False)
    assert saved.problem_lines == [5]
    assert saved.problems == [
        "line 5 (scopes[1]): 'billing:write' is not one of the scopes Portal knows: "
        f"{', '.join(sorted(SCOPES))}."
    ]
    assert draft(db, owner, app).text == INVALID_MANIFEST
    assert [row.manifest_text for row in version_rows(db, app)] == [INVALID_MANIFEST]


def test_an_unreadable_draft_is_kept_too(db, owner, app):
    saved = save(db, owner, app, "display: [\n")
    assert (saved.saved, saved.valid) == (True, False)
    assert draft(db, owner, app).text == "display: [\n"


def test_publishing_an_invalid_draft_is_refused_naming_the_problem(db, owner, app):
    save(db, owner, app, INVALID_MANIFEST)
    with pytest.raises(Invalid) as refused:
        publish(db, owner, app)
    assert refused.value.field == "manifest"
    assert "scopes[1]" in refused.value.message
    assert "line 5" in refused.value.message
    assert [(row.state, row.number) for row in version_rows(db, app)] == [
        (VersionState.DRAFT, None)
    ]
    assert versions(db, owner, app).items == []


def test_publishing_without_a_saved_draft_is_refused(db, owner, app):
    with pytest.raises(Invalid) as refused:
        publish(db, owner, app)
    assert refused.value.field == "manifest"
    assert version_rows(db, app) == []


def test_an_app_has_one_draft_row_however_often_it_is_saved(db, owner, app):
    save(db, owner, app, MANIFEST)
    save(db, owner, app, INVALID_MANIFEST)
    save(db, owner, app, NEXT_MANIFEST)
    rows = version_rows(db, app)
    assert [(row.state, row.manifest_text) for row in rows] == [(VersionState.DRAFT, NEXT_MANIFEST)]

    publish(db, owner, app)
    save(db, owner, app, MANIFEST)
    save(db, owner, app, INVALID_MANIFEST)
    states = [row.state for row in version_rows(db, app)]
    assert sorted(states) == [VersionState.DRAFT, VersionState.PUBLISHED]


def test_a_json_draft_is_saved_as_json(db, owner, app):
    text = f'{{\n  "display": {{"name": "Acme"}},\n  "scopes": ["{OTHER_SCOPE}"]\n}}\n'
    assert save(db, owner, app, text).valid
    (row,) = version_rows(db, app)
    assert row.manifest_format == "json"
    assert publish(db, owner, app).scopes == [OTHER_SCOPE]


@pytest.mark.parametrize("text", [None, 42, ["display"], {"display": {"name": "A"}}])
def test_a_draft_that_is_not_text_is_refused(db, owner, app, text):
    with pytest.raises(Invalid) as refused:
        save(db, owner, app, text)
    assert refused.value.field == "manifest"
    assert version_rows(db, app) == []


def test_an_oversized_draft_is_refused_and_not_saved(db, owner, app):
    save(db, owner, app, MANIFEST)
    with pytest.raises(Invalid) as refused:
        save(db, owner, app, MANIFEST + "#" * MANIFEST_MAX_CHARS)
    assert refused.value.field == "manifest"
    assert [row.manifest_text for row in version_rows(db, app)] == [MANIFEST]


@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "lone-surrogate"])
def test_a_draft_holding_a_character_no_text_column_stores_is_refused(db, owner, app, bad):
    with pytest.raises(Invalid) as refused:
        save(db, owner, app, MANIFEST + f"# {bad}\n")
    assert refused.value.field == "manifest"
    assert version_rows(db, app) == []


def test_checking_a_text_saves_nothing(db, owner, app):
    checked = developer_apps.check_draft(
        session=db, actor=owner, app_id=app.id, text=INVALID_MANIFEST
    )
    assert (checked.valid, checked.saved, checked.problem_lines) == (False, False, [5])
    assert version_rows(db, app) == []


def test_checking_the_saved_text_says_it_is_saved(db, owner, app):
    save(db, owner, app)
    check = developer_apps.check_draft
    assert check(session=db, actor=owner, app_id=app.id, text=MANIFEST).saved
    assert not check(session=db, actor=owner, app_id=app.id, text=NEXT_MANIFEST).saved


def test_discarding_the_draft_goes_back_to_the_latest_version(db, owner, app):
    save(db, owner, app)
    publish(db, owner, app)
    save(db, owner, app, NEXT_MANIFEST)

    developer_apps.discard_draft(session=db, actor=owner, app_id=app.id)
    assert [row.state for row in version_rows(db, app)] == [VersionState.PUBLISHED]
    after = draft(db, owner, app)
    assert (after.text, after.saved, after.latest_version, after.diff) == (MANIFEST, False, 1, [])
    assert len(audit_rows(db, "developer_app.draft_discarded")) == 1


def test_discarding_the_only_draft_goes_back_to_the_starter(db, owner, app):
    save(db, owner, app)
    developer_apps.discard_draft(session=db, actor=owner, app_id=app.id)
    assert version_rows(db, app) == []
    assert draft(db, owner, app).text == STARTER_MANIFEST.format(name="Acme Sync")


def test_discarding_when_there_is_no_draft_changes_and_records_nothing(db, owner, app):
    developer_apps.discard_draft(session=db, actor=owner, app_id=app.id)
    assert audit_rows(db, "developer_app.draft_discarded") == []


# Versions -----------------------------------------------------------------------------------


def test_publishing_numbers_versions_1_2_3(db, owner, app):
    numbers = []
    for text in (MANIFEST, NEXT_MANIFEST, MANIFEST):
        save(db, owner, app, text)
        numbers.append(publish(db, owner, app).number)
    assert numbers == [1, 2, 3]
    assert [(row.number, row.state) for row in version_rows(db, app)] == [
        (1, VersionState.PUBLISHED),
        (2, VersionState.PUBLISHED),
        (3, VersionState.PUBLISHED),
    ]


def test_versions_are_numbered_per_app(db, owner, app):
    other = create(db, owner, "Other app")
    save(db, owner, app)
    publish(db, owner, app)
    save(db, owner, other)
    assert publish(db, owner, other).number == 1


def test_a_published_version_says_who_published_it_and_its_scopes(db, owner, app):
    save(db, owner, app)
    published = publish(db, owner, app)
    assert (published.published_by, published.scopes) == ("Olivia Owner", ["workspace:read"])
    (row,) = version_rows(db, app)
    assert row.published_by_user_id == owner.user_id
    assert row.published_at is not None
    assert row.manifest == {"display": {"name": "Acme Sync"}, "scopes": ["workspace:read"]}


def test_publishing_leaves_no_draft_and_the_next_one_starts_from_it(db, owner, app):
    save(db, owner, app)
    publish(db, owner, app)
    nxt = draft(db, owner, app)
    assert (nxt.text, nxt.saved, nxt.latest_version) == (MANIFEST, False, 1)


def test_a_published_version_never_changes_when_the_next_draft_is_saved(db, owner, app):
    save(db, owner, app, MANIFEST)
    published = publish(db, owner, app)
    save(db, owner, app, NEXT_MANIFEST)
    save(db, owner, app, INVALID_MANIFEST)
    db.commit()

    row = db.get(DeveloperAppVersion, published.id)
    db.refresh(row)
    assert (row.state, row.number, row.manifest_text) == (VersionState.PUBLISHED, 1, MANIFEST)
    assert row.manifest["scopes"] == ["workspace:read"]
    assert [v.scopes for v in versions(db, owner, app).items] == [["workspace:read"]]
    draft_row = next(v for v in version_rows(db, app) if v.state == VersionState.DRAFT)
    assert draft_row.id != published.id


def test_the_draft_is_diffed_against_the_latest_version(db, owner, app):
    save(db, owner, app, MANIFEST)
    assert save(db, owner, app, NEXT_MANIFEST).diff == []  # nothing published yet
    publish(db, owner, app)
    save(db, owner, app, MANIFEST)
    publish(db, owner, app)

    changed = save(db, owner, app, NEXT_MANIFEST)
    assert changed.latest_version == 2
    assert changed.diff[:2] == ["--- version 2", "+++ draft"]
    assert "-  - workspace:read" in changed.diff
    assert f"+  - {OTHER_SCOPE}" in changed.diff
    assert draft(db, owner, app).diff == changed.diff


def test_versions_are_listed_newest_first(db, owner, app):
    for text in (MANIFEST, NEXT_MANIFEST, MANIFEST):
        save(db, owner, app, text)
        publish(db, owner, app)
    save(db, owner, app, NEXT_MANIFEST)  # a draft is not a version

    page = versions(db, owner, app)
    assert [(row.number, row.scopes) for row in page.items] == [
        (3, ["workspace:read"]),
        (2, [OTHER_SCOPE]),
        (1, ["workspace:read"]),
    ]
    assert page.next_cursor is None
    assert {row.published_by for row in page.items} == {"Olivia Owner"}


def test_versions_page_one_at_a_time_through_the_cursor(db, owner, app):
    for _ in range(3):
        save(db, owner, app)
        publish(db, owner, app)

    seen, cursor = [], None
    for _ in range(3):
        page = versions(db, owner, app, limit=1, cursor=cursor)
        assert len(page.items) == 1
        seen.append(page.items[0].number)
        cursor = page.next_cursor
    assert seen == [3, 2, 1]
    assert cursor is None


def test_a_cursor_of_another_list_is_refused_by_the_versions(db, owner, app):
    for name in ("A", "B"):
        create(db, owner, name)
    cursor = listing(db, owner, limit=1).next_cursor
    with pytest.raises(InvalidCursor):
        versions(db, owner, app, cursor=cursor)


def test_versions_of_another_app_are_not_listed(db, owner, app):
    other = create(db, owner, "Other app")
    save(db, owner, other)
    publish(db, owner, other)
    assert versions(db, owner, app).items == []


# The dashboard ------------------------------------------------------------------------------


def test_counts_are_of_the_actors_apps_only(db, owner, stranger, app):
    save(db, owner, app)
    publish(db, owner, app)
    save(db, owner, app)
    publish(db, owner, app)  # two versions: one published app
    save(db, owner, app, NEXT_MANIFEST)  # and a draft
    drafted = create(db, owner, "Drafted")
    save(db, owner, drafted)
    create(db, owner, "Empty")

    theirs = create(db, stranger, "Theirs")
    save(db, stranger, theirs)
    publish(db, stranger, theirs)
    save(db, stranger, theirs)

    counts = developer_apps.counts(session=db, actor=owner)
    assert (counts.apps, counts.published_apps, counts.draft_versions) == (3, 1, 2)
    counts = developer_apps.counts(session=db, actor=stranger)
    assert (counts.apps, counts.published_apps, counts.draft_versions) == (1, 1, 1)


def test_counts_of_someone_with_no_apps_are_zero(db, stranger):
    counts = developer_apps.counts(session=db, actor=stranger)
    assert (counts.apps, counts.published_apps, counts.draft_versions) == (0, 0, 0)


def test_the_list_holds_only_the_actors_apps_by_name_ignoring_case(db, owner, stranger):
    for name in ("beta", "Alpha", "Gamma"):
        create(db, owner, name)
    create(db, stranger, "Aardvark")

    assert [row.name for row in listing(db, owner).items] == ["Alpha", "beta", "Gamma"]
    assert [row.name for row in listing(db, owner, direction="desc").items] == [
        "Gamma",
        "beta",
        "Alpha",
    ]
    assert [row.name for row in listing(db, stranger).items] == ["Aardvark"]


def test_the_list_shows_each_apps_role_latest_version_and_draft(db, owner, stranger, app):
    save(db, owner, app)
    publish(db, owner, app)
    save(db, owner, app)
    publish(db, owner, app)
    save(db, owner, app, NEXT_MANIFEST)
    theirs = create(db, stranger, "Their app")
    join(db, theirs, owner, TeamRole.VIEWER)

    rows = {row.name: row for row in listing(db, owner).items}
    mine, viewed = rows["Acme Sync"], rows["Their app"]
    assert (mine.role, mine.latest_version, mine.has_draft) == (TeamRole.OWNER, 2, True)
    assert (viewed.role, viewed.latest_version, viewed.has_draft) == (TeamRole.VIEWER, None, False)
    assert (mine.slug, mine.visibility) == ("acme-sync", "private")


def test_the_list_counts_the_workspaces_each_app_is_installed_in(db, owner, app):
    save(db, owner, app)
    publish(db, owner, app)
    version_id = db.exec(
        select(DeveloperAppVersion.id).where(DeveloperAppVersion.app_id == app.id)
    ).one()
    other = create(db, owner, "Not installed")
    account_id = account_of(db, owner.user_id)
    for name in ("Production", "Staging"):
        workspace = make_workspace(db, account_id, name)
        installed = DeveloperAppInstallation(
            app_id=app.id, workspace_id=workspace.id, version_id=version_id
        )
        db.add(installed)
    db.flush()

    rows = {row.id: row.installs for row in listing(db, owner).items}
    assert rows == {app.id: 2, other.id: 0}


def test_the_list_pages_by_name_through_the_cursor(db, owner, stranger):
    names = ["Echo", "alpha", "Delta", "charlie", "Bravo"]
    for name in names:
        create(db, owner, name)
    create(db, stranger, "Aaron")  # sorts first, but not theirs to see

    seen, cursor = [], None
    while True:
        page = listing(db, owner, limit=2, cursor=cursor)
        assert len(page.items) <= 2
        seen += [row.name for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(names, key=str.lower)


def test_the_list_refuses_a_forged_cursor(db, owner, app):
    with pytest.raises(InvalidCursor):
        listing(db, owner, cursor="not-a-cursor")


# The audit trail ----------------------------------------------------------------------------


def test_creating_an_app_is_recorded(db, owner):
    created = create(db, owner, "Acme Sync")
    (event,) = audit_rows(db, "developer_app.created")
    assert (event.target_type, event.target_id) == ("developer_app", str(created.id))
    assert event.after == {"name": "Acme Sync", "slug": "acme-sync"}
    assert (event.actor_type, event.actor_id) == ("user", str(owner.user_id))
    assert event.actor_label == owner.email


def test_a_refused_create_records_nothing(db):
    with pytest.raises(PermissionDenied):
        create(db, developer(db, terms=False), "Acme Sync")
    assert audit_rows(db, "developer_app.created") == []


def test_an_update_is_recorded_with_before_and_after(db, owner, app):
    update(db, owner, app, name="Acme Bridge", slug="acme-bridge", description="Bridges.")
    (event,) = audit_rows(db, "developer_app.updated")
    assert (event.target_type, event.target_id) == ("developer_app", str(app.id))
    assert event.before == {"name": "Acme Sync", "slug": "acme-sync", "description": ""}
    assert event.after == {"name": "Acme Bridge", "slug": "acme-bridge", "description": "Bridges."}


def test_an_update_that_changes_nothing_records_nothing(db, owner, app):
    update(db, owner, app)
    assert audit_rows(db, "developer_app.updated") == []


def test_publishing_is_recorded_with_the_version_number(db, owner, app):
    for _ in range(2):
        save(db, owner, app)
        publish(db, owner, app)
    events = audit_rows(db, "developer_app.version_published")
    assert [event.after for event in events] == [{"version": 1}, {"version": 2}]
    assert {(event.target_type, event.target_id) for event in events} == {
        ("developer_app", str(app.id))
    }


def test_a_refused_publish_records_nothing(db, owner, app):
    save(db, owner, app, INVALID_MANIFEST)
    with pytest.raises(Invalid):
        publish(db, owner, app)
    assert audit_rows(db, "developer_app.version_published") == []


# At the same time -----------------------------------------------------------------------------


def test_two_publishes_of_one_draft_at_once_publish_it_once(db, owner, app):
    """On SQLite and PostgreSQL: the second publish reads the app's versions after the first
    one's write, never before it, and finds no draft left to publish."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from portal.db import transaction

    db.commit()
    for round_ in range(1, 6):
        with transaction() as session:
            save(session, owner, app)
        barrier = Barrier(2)

        def publish_now(_, barrier=barrier):
            barrier.wait()
            try:
                with transaction() as session:
                    return publish(session, owner, app).number
            except (Invalid, Conflict):  # the draft was published meanwhile
                return None

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(publish_now, range(2)))
        assert sorted(outcomes, key=str) == [round_, None]

    with transaction() as session:
        assert [row.number for row in version_rows(session, app)] == [1, 2, 3, 4, 5]
        assert len(audit_rows(session, "developer_app.version_published")) == 5
