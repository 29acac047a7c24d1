"""Installing developer apps: install links (published version, developer terms, team role,
the signed token, revoked and expired links, use counts), the allowlist of a private app,
administer on the workspace, the consent page, moving and uninstalling installations, the
workspace's list of them, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func
from sqlmodel import select

from portal.config import get_settings
from portal.domain.developer import (
    DATA_TYPES,
    EVENT_CATEGORIES,
    SCOPES,
    TeamRole,
    Visibility,
)
from portal.domain.errors import (
    Conflict,
    Frozen,
    Invalid,
    NotFound,
    PermissionDenied,
    ReadOnly,
)
from portal.domain.workspaces import WorkspaceStatus
from portal.models import (
    AuditEvent,
    DeveloperApp,
    DeveloperAppInstallation,
    DeveloperAppMember,
    DeveloperInstallLink,
)
from portal.models._base import utcnow
from portal.services import developer_apps, developer_terms, installations, workspaces
from portal.services.installations import CHOICES_LIMIT
from tests.conftest import from_snapshot
from tests.factories import (
    account_of,
    actor_for,
    create_workspace,
    grant,
    make_user,
    make_workspace,
)

# Version 1 asks for one scope; version 2 for one more (moving to it needs consent again).
MANIFEST = """\
display:
  name: Acme Sync
  description: Keeps Acme in sync.
scopes:
  - workspace:read
webhook_url: https://hooks.example.com/acme
event_categories:
  - workspace
data_types:
  - workspace_profile
"""
MORE_SCOPES = MANIFEST.replace("  - workspace:read\n", "  - workspace:read\n  - audit:read\n")

INVALID_LINK = "This install link is not valid"


# People and apps -----------------------------------------------------------------------------


def developer(db, name: str | None = None, *, terms: bool = True):
    """A signed-in person who accepted the current developer terms (unless `terms=False`)."""
    actor = actor_for(db, make_user(db, name=name))
    if terms:
        accept_terms(db, actor)
    return actor


def accept_terms(db, actor, version: str | None = None):
    developer_terms.accept(
        session=db, actor=actor, version=version or get_settings().developer_terms_version
    )


def join(db, app, actor, role: TeamRole):
    """Put `actor` on the app's team with `role` (no service adds members yet)."""
    db.add(DeveloperAppMember(app_id=app.id, user_id=actor.user_id, role=role))
    db.flush()


def publish(db, actor, app, text=MANIFEST):
    developer_apps.save_draft(session=db, actor=actor, app_id=app.id, text=text)
    return developer_apps.publish(session=db, actor=actor, app_id=app.id)


def new_app(db, actor, name="Acme Sync", *, text=MANIFEST, visibility=None):
    """A developer app with one published version (`text`)."""
    app = developer_apps.create_app(session=db, actor=actor, name=name)
    publish(db, actor, app, text)
    if visibility is not None:
        set_visibility(db, app, visibility)
    return app


def set_visibility(db, app, visibility):
    row = db.get(DeveloperApp, app.id)
    row.visibility = visibility
    db.add(row)
    db.flush()


@pytest.fixture
def dev(db):
    return from_snapshot(db, "installations-dev", lambda: developer(db, "Dana Developer"))


@pytest.fixture
def app(db, dev):
    return new_app(db, dev)


@pytest.fixture
def admin_user(db):
    return make_user(db, email="admin@example.com", name="Ada Admin", account_name="Acme")


@pytest.fixture
def admin(db, admin_user):
    return actor_for(db, admin_user)


@pytest.fixture
def account_id(db, admin_user):
    return account_of(db, admin_user.id)


@pytest.fixture
def workspace(db, account_id):
    return make_workspace(db, account_id, "Production")


def link(db, actor, app, **kwargs):
    return installations.create_link(session=db, actor=actor, app_id=app.id, **kwargs)


def token_of(row) -> str:
    return row.url.rsplit("/", 1)[1]


def allow(db, actor, app, **kwargs):
    installations.allow(session=db, actor=actor, app_id=app.id, **kwargs)


def install(db, actor, token, workspace):
    return installations.install(
        session=db, actor=actor, token=token, workspace_id=str(workspace.id)
    )


def consent(db, actor, token, **kwargs):
    return installations.consent(session=db, actor=actor, token=token, **kwargs)


def installed(db, app=None, workspace=None) -> list[DeveloperAppInstallation]:
    query = select(DeveloperAppInstallation)
    if app is not None:
        query = query.where(DeveloperAppInstallation.app_id == app.id)
    if workspace is not None:
        query = query.where(DeveloperAppInstallation.workspace_id == workspace.id)
    return list(db.exec(query).all())


def use_count(db, row) -> int:
    return db.exec(
        select(DeveloperInstallLink.use_count).where(DeveloperInstallLink.id == row.id)
    ).one()


def audit_rows(db, action):
    return db.exec(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


@pytest.fixture
def token(db, dev, app, workspace):
    """A link to version 1, the workspace allowlisted."""
    allow(db, dev, app, workspace_id=str(workspace.id))
    return token_of(link(db, dev, app))


# A link needs a published version, the current terms and a developer's role ----------------


def test_a_link_needs_a_published_version(db, dev) -> None:
    app = developer_apps.create_app(session=db, actor=dev, name="Acme Sync")
    developer_apps.save_draft(session=db, actor=dev, app_id=app.id, text=MANIFEST)
    with pytest.raises(Invalid, match="Publish a version first"):
        link(db, dev, app)
    assert db.exec(select(func.count()).select_from(DeveloperInstallLink)).one() == 0

    developer_apps.publish(session=db, actor=dev, app_id=app.id)
    row = link(db, dev, app)
    assert row.version == 1
    assert row.use_count == 0 and not row.revoked and not row.expired
    assert row.url == f"{get_settings().public_url}/install/{installations.link_token(row.id)}"


def test_a_link_for_a_version_that_is_not_published_is_refused(db, dev, app) -> None:
    developer_apps.save_draft(session=db, actor=dev, app_id=app.id, text=MORE_SCOPES)
    with pytest.raises(Invalid):
        link(db, dev, app, version=2)  # a draft, not published
    assert link(db, dev, app, version=1).version == 1


def test_a_link_needs_the_current_developer_terms(db, dev, app) -> None:
    colleague = developer(db, "Carl Colleague", terms=False)
    join(db, app, colleague, TeamRole.DEVELOPER)
    with pytest.raises(PermissionDenied, match="developer terms"):
        link(db, colleague, app)
    accept_terms(db, colleague)
    assert link(db, colleague, app).version == 1


def test_new_developer_terms_refuse_links_until_accepted_again(db, dev, app) -> None:
    staff = actor_for(db, make_user(db, name="Pat Platform", platform_admin=True))
    link(db, dev, app)  # accepted the shipped version
    developer_terms.publish_version(
        session=db, actor=staff, version="2099-01", changes="New rules for install links."
    )
    with pytest.raises(PermissionDenied, match="developer terms"):
        link(db, dev, app)
    accept_terms(db, dev, "2099-01")
    assert link(db, dev, app).version == 1


def test_a_link_needs_a_developer_or_owner_role(db, dev, app) -> None:
    viewer, colleague, stranger = (developer(db, name) for name in ("Vic", "Carl", "Sam"))
    join(db, app, viewer, TeamRole.VIEWER)
    join(db, app, colleague, TeamRole.DEVELOPER)
    with pytest.raises(PermissionDenied, match="developer role"):
        link(db, viewer, app)
    with pytest.raises(NotFound):
        link(db, stranger, app)
    assert link(db, colleague, app).version == 1
    assert link(db, dev, app).version == 1  # the owner
    # The viewer sees the links, the stranger not even that.
    assert len(installations.list_links(session=db, actor=viewer, app_id=app.id).items) == 2
    with pytest.raises(NotFound):
        installations.list_links(session=db, actor=stranger, app_id=app.id)


# The token ----------------------------------------------------------------------------------


def test_a_forged_signature_is_not_found(db, admin, workspace, token) -> None:
    link_id, signature = token.split(".")
    forged = f"{link_id}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    for use in (
        lambda: consent(db, admin, forged),
        lambda: install(db, admin, forged, workspace),
    ):
        with pytest.raises(NotFound, match=INVALID_LINK):
            use()
    assert installed(db) == []


def test_another_links_signature_is_not_found(db, dev, app, admin, workspace, token) -> None:
    other = token_of(link(db, dev, app))
    mixed = f"{token.split('.')[0]}.{other.split('.')[1]}"
    for use in (
        lambda: consent(db, admin, mixed),
        lambda: install(db, admin, mixed, workspace),
    ):
        with pytest.raises(NotFound, match=INVALID_LINK):
            use()
    assert installed(db) == []
    consent(db, admin, token)  # each link's own token works
    consent(db, admin, other)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "1.",
        ".x",
        "99999.x",
        "1" * 40 + ".x",
        None,
        42,
        "-1.x",
        "1.é",  # not ASCII: compared like any other signature
        "².x",  # a digit to str.isdigit(), not to int()
        "١.x",
    ],
)
def test_malformed_tokens_are_not_found(db, admin, workspace, token, bad) -> None:
    with pytest.raises(NotFound, match=INVALID_LINK):
        consent(db, admin, bad)
    with pytest.raises(NotFound, match=INVALID_LINK):
        install(db, admin, bad, workspace)
    assert installed(db) == []


def test_a_40_digit_id_with_its_own_signature_is_not_found(db, admin, workspace, token) -> None:
    # Signed with Portal's key, so only the id's size can refuse it (never reaching the INTEGER
    # column, which would be a database error on PostgreSQL).
    huge = installations.link_token(10**39)
    with pytest.raises(NotFound, match=INVALID_LINK):
        consent(db, admin, huge)
    with pytest.raises(NotFound, match=INVALID_LINK):
        install(db, admin, huge, workspace)


def test_a_deleted_links_token_is_not_found(db, dev, app, admin, workspace, token) -> None:
    row = db.get(DeveloperInstallLink, int(token.split(".")[0]))
    db.delete(row)
    db.flush()
    with pytest.raises(NotFound, match=INVALID_LINK):
        install(db, admin, token, workspace)


def test_a_revoked_link_is_refused_and_installs_nothing(
    db, dev, app, admin, workspace, token
) -> None:
    link_id = int(token.split(".")[0])
    installations.revoke_link(session=db, actor=dev, app_id=app.id, link_id=link_id)
    with pytest.raises(Conflict, match="revoked"):
        consent(db, admin, token)
    with pytest.raises(Conflict, match="revoked"):
        install(db, admin, token, workspace)
    assert installed(db) == []
    (row,) = installations.list_links(session=db, actor=dev, app_id=app.id).items
    assert row.revoked and row.use_count == 0


def test_an_expired_link_is_refused_and_installs_nothing(db, dev, app, admin, workspace) -> None:
    allow(db, dev, app, workspace_id=str(workspace.id))
    created = link(db, dev, app, expires_in_days=7)
    assert created.expires_at is not None and not created.expired
    token = token_of(created)
    consent(db, admin, token)  # valid until it expires

    row = db.get(DeveloperInstallLink, created.id)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.flush()
    db.expire_all()  # read back from the database, as a later request would
    with pytest.raises(Conflict, match="expired"):
        consent(db, admin, token)
    with pytest.raises(Conflict, match="expired"):
        install(db, admin, token, workspace)
    assert installed(db) == []
    (listed,) = installations.list_links(session=db, actor=dev, app_id=app.id).items
    assert listed.expired and not listed.revoked and listed.use_count == 0


@pytest.mark.parametrize("days", [0, -1, 366, True, "7", 1.5])
def test_a_links_expiry_is_bounded(db, dev, app, days) -> None:
    with pytest.raises(Invalid):
        link(db, dev, app, expires_in_days=days)


def test_use_count_counts_installs(db, dev, app, admin, account_id) -> None:
    first, second = (make_workspace(db, account_id, name) for name in ("One", "Two"))
    allow(db, dev, app, account_id=account_id)
    created = link(db, dev, app)
    other = link(db, dev, app)
    consent(db, admin, token_of(created))  # looking is not using
    assert use_count(db, created) == 0
    install(db, admin, token_of(created), first)
    install(db, admin, token_of(created), second)
    assert use_count(db, created) == 2
    assert use_count(db, other) == 0
    counts = {
        row.id: row.use_count
        for row in installations.list_links(session=db, actor=dev, app_id=app.id).items
    }
    assert counts == {created.id: 2, other.id: 0}


def test_links_list_newest_first_and_revoking_is_the_teams(db, dev, app) -> None:
    first, second = link(db, dev, app), link(db, dev, app)
    page = installations.list_links(session=db, actor=dev, app_id=app.id, limit=1)
    assert [row.id for row in page.items] == [second.id]
    page = installations.list_links(
        session=db, actor=dev, app_id=app.id, limit=1, cursor=page.next_cursor
    )
    assert [row.id for row in page.items] == [first.id] and page.next_cursor is None
    assert page.items[0].url == first.url  # the developer can copy it again

    viewer = developer(db, "Vic Viewer")
    join(db, app, viewer, TeamRole.VIEWER)
    with pytest.raises(PermissionDenied):
        installations.revoke_link(session=db, actor=viewer, app_id=app.id, link_id=first.id)
    other_app = new_app(db, dev, "Other")
    with pytest.raises(NotFound):  # a link of another app
        installations.revoke_link(session=db, actor=dev, app_id=other_app.id, link_id=first.id)
    for bad in (True, 10**12, str(first.id), None):  # True would be link 1
        with pytest.raises(NotFound):
            installations.revoke_link(session=db, actor=dev, app_id=app.id, link_id=bad)
    assert not any(
        r.revoked for r in installations.list_links(session=db, actor=dev, app_id=app.id).items
    )


# The allowlist of a private app and other visibilities -------------------------------------


def test_a_private_app_refuses_a_workspace_not_on_its_allowlist(
    db, dev, app, admin, workspace
) -> None:
    # The install link used directly, without the consent page: still refused.
    token = token_of(link(db, dev, app))
    with pytest.raises(PermissionDenied, match="private"):
        install(db, admin, token, workspace)
    assert installed(db) == []
    assert use_count(db, db.get(DeveloperInstallLink, int(token.split(".")[0]))) == 0
    assert audit_rows(db, "workspace.app_installed") == []
    assert consent(db, admin, token).workspaces == []


def test_a_private_app_installs_in_an_allowlisted_workspace(
    db, dev, app, admin, account_id, workspace
) -> None:
    neighbour = make_workspace(db, account_id, "Staging")
    allow(db, dev, app, workspace_id=str(workspace.id))
    token = token_of(link(db, dev, app))
    row = install(db, admin, token, workspace)
    assert (row.app_slug, row.version, row.scopes) == (app.slug, 1, ["workspace:read"])
    with pytest.raises(PermissionDenied, match="private"):  # only that workspace
        install(db, admin, token, neighbour)
    assert [i.workspace_id for i in installed(db, app)] == [workspace.id]


def test_a_private_app_allowlisted_by_account_installs_in_each_of_its_workspaces(
    db, dev, app, admin, account_id, workspace
) -> None:
    neighbour = make_workspace(db, account_id, "Staging")
    elsewhere_owner = make_user(db, name="Eve Elsewhere", account_name="Elsewhere")
    elsewhere = make_workspace(db, account_of(db, elsewhere_owner.id), "Theirs")
    grant(db, admin.user_id, workspace_id=elsewhere.id, permission="administer")
    allow(db, dev, app, account_id=account_id)
    token = token_of(link(db, dev, app))
    install(db, admin, token, workspace)
    install(db, admin, token, neighbour)
    with pytest.raises(PermissionDenied, match="private"):  # another account's workspace
        install(db, admin, token, elsewhere)
    assert {i.workspace_id for i in installed(db, app)} == {workspace.id, neighbour.id}


def test_an_unlisted_app_installs_wherever_the_person_administers(
    db, dev, app, admin, workspace
) -> None:
    elsewhere_owner = make_user(db, name="Eve Elsewhere", account_name="Elsewhere")
    elsewhere = make_workspace(db, account_of(db, elsewhere_owner.id), "Theirs")
    grant(db, admin.user_id, workspace_id=elsewhere.id, permission="administer")
    set_visibility(db, app, Visibility.UNLISTED.value)
    token = token_of(link(db, dev, app))
    install(db, admin, token, workspace)
    install(db, admin, token, elsewhere)
    assert {i.workspace_id for i in installed(db, app)} == {workspace.id, elsewhere.id}


def test_the_allowlist_is_the_owners_and_checks_what_it_keeps(
    db, dev, app, workspace, account_id
) -> None:
    colleague = developer(db, "Carl Colleague")
    join(db, app, colleague, TeamRole.DEVELOPER)
    with pytest.raises(PermissionDenied):
        allow(db, colleague, app, workspace_id=str(workspace.id))
    with pytest.raises(NotFound):
        allow(db, developer(db, "Sam Stranger"), app, workspace_id=str(workspace.id))
    for bad in (
        {},
        {"workspace_id": str(workspace.id), "account_id": account_id},
        {"workspace_id": "not-a-uuid"},
        {"workspace_id": "00000000-0000-0000-0000-000000000000"},
        {"account_id": 10**9},
        {"account_id": "1"},
    ):
        with pytest.raises(Invalid):
            allow(db, dev, app, **bad)
    allow(db, dev, app, workspace_id=str(workspace.id))
    allow(db, dev, app, workspace_id=str(workspace.id).upper())  # the same entry again
    allow(db, dev, app, account_id=account_id)
    allow(db, dev, app, account_id=account_id)
    from portal.models import DeveloperAppAllowlistEntry

    assert (
        db.exec(select(func.count()).where(DeveloperAppAllowlistEntry.app_id == app.id)).one() == 2
    )


# Administer on the workspace ------------------------------------------------------------------


def test_installing_needs_administer_on_the_workspace(db, admin, workspace, token) -> None:
    reader = actor_for(db, make_user(db, name="Rita Reader"))
    grant(db, reader.user_id, workspace_id=workspace.id, permission="read")
    with pytest.raises(PermissionDenied, match="administer"):
        install(db, reader, token, workspace)
    stranger = actor_for(db, make_user(db, name="Sam Stranger"))
    with pytest.raises(NotFound):
        install(db, stranger, token, workspace)
    with pytest.raises(NotFound):
        installations.install(session=db, actor=admin, token=token, workspace_id="nope")
    assert installed(db) == []
    assert consent(db, reader, token).workspaces == []


def test_administer_through_the_account_is_enough(db, admin_user, workspace, token) -> None:
    member = actor_for(db, make_user(db, name="Max Member"))
    grant(db, member.user_id, account_id=workspace.account_id, permission="administer")
    assert install(db, member, token, workspace).version == 1


def test_a_frozen_workspace_refuses_installing(db, admin, workspace, token) -> None:
    workspaces.freeze(session=db, actor=admin, workspace_id=str(workspace.id))
    with pytest.raises(Frozen):
        install(db, admin, token, workspace)
    assert installed(db) == []
    assert consent(db, admin, token).workspaces == []  # not offered either


def test_an_offboarding_workspace_refuses_installing(db, admin, workspace, token) -> None:
    workspace.status = WorkspaceStatus.OFFBOARDING
    db.add(workspace)
    db.flush()
    with pytest.raises(ReadOnly):
        install(db, admin, token, workspace)
    assert installed(db) == []


def test_a_frozen_workspace_refuses_moving_and_uninstalling(
    db, dev, app, admin, workspace, token
) -> None:
    row = install(db, admin, token, workspace)
    publish(db, dev, app, MORE_SCOPES)
    workspaces.freeze(session=db, actor=admin, workspace_id=str(workspace.id))
    with pytest.raises(Frozen):
        move(db, admin, workspace, row.id, 2, consented=True)
    with pytest.raises(Frozen):
        uninstall(db, admin, workspace, row.id)
    assert [i.id for i in installed(db)] == [row.id]


# Consent --------------------------------------------------------------------------------------


def test_consent_describes_what_the_app_asks_for(db, admin, workspace, token) -> None:
    shown = consent(db, admin, token)
    assert (shown.app_name, shown.app_description, shown.version) == (
        "Acme Sync",
        "Keeps Acme in sync.",
        1,
    )
    assert [(s.name, s.says) for s in shown.scopes] == [
        ("workspace:read", SCOPES["workspace:read"].says)
    ]
    assert [(c.name, c.says) for c in shown.event_categories] == [
        ("workspace", EVENT_CATEGORIES["workspace"])
    ]
    assert [(d.name, d.says) for d in shown.data_types] == [
        ("workspace_profile", DATA_TYPES["workspace_profile"])
    ]
    for described in (*shown.scopes, *shown.event_categories, *shown.data_types):
        assert described.says and described.says != described.name


def test_consent_lists_the_workspaces_administered_and_allowed(
    db, dev, app, admin, account_id, workspace
) -> None:
    not_allowed = make_workspace(db, account_id, "Not allowed")
    other_owner = make_user(db, name="Olga Other", account_name="Other")
    other_account = account_of(db, other_owner.id)
    read_only = make_workspace(db, other_account, "Read only")
    not_mine = make_workspace(db, other_account, "Not mine")
    grant(db, admin.user_id, workspace_id=read_only.id, permission="read")
    allow(db, dev, app, workspace_id=str(workspace.id))
    allow(db, dev, app, account_id=other_account)
    token = token_of(link(db, dev, app))

    shown = consent(db, admin, token)
    assert [(c.id, c.name, c.account_name) for c in shown.workspaces] == [
        (str(workspace.id), "Production", "Acme")
    ]
    assert shown.workspaces[0].installed_version is None and not shown.more_workspaces
    assert {str(not_allowed.id), str(read_only.id), str(not_mine.id)}.isdisjoint(
        c.id for c in shown.workspaces
    )

    install(db, admin, token, workspace)
    (choice,) = consent(db, admin, token).workspaces
    assert choice.installed_version == 1
    # The workspace's owner sees the other account's workspaces, none installed there.
    owner_view = consent(db, actor_for(db, other_owner), token)
    assert {(c.name, c.installed_version) for c in owner_view.workspaces} == {
        ("Read only", None),
        ("Not mine", None),
    }


def test_consent_shows_the_version_installed_after_a_newer_link(
    db, dev, app, admin, workspace, token
) -> None:
    install(db, admin, token, workspace)
    publish(db, dev, app, MORE_SCOPES)
    newer = token_of(link(db, dev, app))
    shown = consent(db, admin, newer)
    assert shown.version == 2
    assert [s.name for s in shown.scopes] == ["workspace:read", "audit:read"]
    assert [c.installed_version for c in shown.workspaces] == [1]


def test_consent_offers_at_most_choices_limit_workspaces(db, dev, app, admin, account_id) -> None:
    # Workspaces the person can only read sort first and must not take places in the list.
    other_owner = make_user(db, name="Olga Other", account_name="Other")
    other_account = account_of(db, other_owner.id)
    for n in range(3):
        readable = make_workspace(db, other_account, f"A read only {n}")
        grant(db, admin.user_id, workspace_id=readable.id, permission="read")
    mine = [make_workspace(db, account_id, f"W {n:02}") for n in range(CHOICES_LIMIT)]
    allow(db, dev, app, account_id=account_id)
    allow(db, dev, app, account_id=other_account)
    token = token_of(link(db, dev, app))

    shown = consent(db, admin, token)
    assert [c.id for c in shown.workspaces] == [str(w.id) for w in mine]
    assert not shown.more_workspaces  # exactly the limit

    make_workspace(db, account_id, "Z one more")
    shown = consent(db, admin, token)
    assert len(shown.workspaces) == CHOICES_LIMIT and shown.more_workspaces
    narrowed = consent(db, admin, token, search="one MORE")
    assert [c.name for c in narrowed.workspaces] == ["Z one more"]
    assert not narrowed.more_workspaces


def test_consent_offers_a_workspace_still_provisioning(db, dev, app, admin, account_id) -> None:
    new = create_workspace(db, admin, account_id, "Fresh")
    assert new.status == WorkspaceStatus.PROVISIONING
    allow(db, dev, app, account_id=account_id)
    token = token_of(link(db, dev, app))
    assert [c.name for c in consent(db, admin, token).workspaces] == ["Fresh"]
    assert install(db, admin, token, new).version == 1


# Moving between versions ---------------------------------------------------------------------


def move(db, actor, workspace, installation_id, version, **kwargs):
    return installations.move(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        installation_id=installation_id,
        version=version,
        **kwargs,
    )


def uninstall(db, actor, workspace, installation_id):
    installations.uninstall(
        session=db, actor=actor, workspace_id=str(workspace.id), installation_id=installation_id
    )


def test_a_newer_link_moves_the_installation(db, dev, app, admin, workspace, token) -> None:
    first = install(db, admin, token, workspace)
    publish(db, dev, app, MORE_SCOPES)
    moved = install(db, admin, token_of(link(db, dev, app)), workspace)
    assert moved.id == first.id and moved.version == 2
    assert moved.scopes == ["workspace:read", "audit:read"]
    (row,) = installed(db, app, workspace)  # one row per app and workspace
    assert row.id == first.id
    listed = installations.list_installations(
        session=db, actor=admin, workspace_id=str(workspace.id)
    ).items
    assert [(i.id, i.version) for i in listed] == [(first.id, 2)]


def test_moving_to_more_scopes_needs_consent(db, dev, app, admin, workspace, token) -> None:
    row = install(db, admin, token, workspace)
    publish(db, dev, app, MORE_SCOPES)
    with pytest.raises(PermissionDenied, match="audit:read"):
        move(db, admin, workspace, row.id, 2)
    assert [
        i.version
        for i in installations.list_installations(
            session=db, actor=admin, workspace_id=str(workspace.id)
        ).items
    ] == [1]
    assert audit_rows(db, "workspace.app_version_changed") == []

    moved = move(db, admin, workspace, row.id, 2, consented=True)
    assert (moved.id, moved.version) == (row.id, 2)
    assert moved.scopes == ["workspace:read", "audit:read"]


def test_moving_to_fewer_scopes_needs_no_consent(db, dev, app, admin, workspace) -> None:
    allow(db, dev, app, workspace_id=str(workspace.id))
    publish(db, dev, app, MORE_SCOPES)
    row = install(db, admin, token_of(link(db, dev, app, version=2)), workspace)
    assert row.version == 2
    moved = move(db, admin, workspace, row.id, 1)
    assert (moved.version, moved.scopes) == (1, ["workspace:read"])


def test_moving_needs_administer_and_a_published_version(
    db, dev, app, admin, workspace, token
) -> None:
    row = install(db, admin, token, workspace)
    reader = actor_for(db, make_user(db, name="Rita Reader"))
    grant(db, reader.user_id, workspace_id=workspace.id, permission="read")
    with pytest.raises(PermissionDenied):
        move(db, reader, workspace, row.id, 1)
    with pytest.raises(NotFound):
        move(db, actor_for(db, make_user(db)), workspace, row.id, 1)
    developer_apps.save_draft(session=db, actor=dev, app_id=app.id, text=MORE_SCOPES)
    for version in (2, 99, "1", True):
        with pytest.raises(Invalid):
            move(db, admin, workspace, row.id, version, consented=True)
    other = make_workspace(db, workspace.account_id, "Other")
    with pytest.raises(NotFound):  # the installation is not the other workspace's
        move(db, admin, other, row.id, 1)


# Uninstalling and the workspace's list ---------------------------------------------------------


def test_uninstall_removes_the_installation(db, dev, app, admin, workspace, token) -> None:
    row = install(db, admin, token, workspace)
    reader = actor_for(db, make_user(db, name="Rita Reader"))
    grant(db, reader.user_id, workspace_id=workspace.id, permission="read")
    with pytest.raises(PermissionDenied):
        uninstall(db, reader, workspace, row.id)
    uninstall(db, admin, workspace, row.id)
    assert installed(db) == []
    with pytest.raises(NotFound):
        uninstall(db, admin, workspace, row.id)
    assert [c.installed_version for c in consent(db, admin, token).workspaces] == [None]
    assert install(db, admin, token, workspace).version == 1  # and installs again


def test_uninstall_with_another_workspaces_installation_is_not_found(
    db, dev, app, admin, account_id, workspace
) -> None:
    other = make_workspace(db, account_id, "Other")
    allow(db, dev, app, account_id=account_id)
    token = token_of(link(db, dev, app))
    theirs = install(db, admin, token, other)
    for bad in (theirs.id, 10**12, "1", None, True):
        with pytest.raises(NotFound):
            uninstall(db, admin, workspace, bad)
    assert [i.id for i in installed(db)] == [theirs.id]


def test_installations_list_newest_first_a_page_at_a_time(
    db, dev, admin, account_id, workspace
) -> None:
    apps = [new_app(db, dev, f"App {n}") for n in range(3)]
    for app in apps:
        allow(db, dev, app, account_id=account_id)
        install(db, admin, token_of(link(db, dev, app)), workspace)
    other = make_workspace(db, account_id, "Other")  # not in this workspace's list
    install(db, admin, token_of(link(db, dev, apps[0])), other)

    reader = actor_for(db, make_user(db, name="Rita Reader"))
    grant(db, reader.user_id, workspace_id=workspace.id, permission="read")
    seen, cursor = [], None
    while True:
        page = installations.list_installations(
            session=db, actor=reader, workspace_id=str(workspace.id), limit=1, cursor=cursor
        )
        assert len(page.items) <= 1
        seen += [(row.app_slug, row.version, row.scopes) for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [(app.slug, 1, ["workspace:read"]) for app in reversed(apps)]

    with pytest.raises(NotFound):
        installations.list_installations(
            session=db, actor=actor_for(db, make_user(db)), workspace_id=str(workspace.id)
        )


def test_the_apps_team_lists_where_it_is_installed_a_page_at_a_time(
    db, dev, app, admin, account_id, workspace
) -> None:
    allow(db, dev, app, account_id=account_id)
    first = install(db, admin, token_of(link(db, dev, app)), workspace)
    other = make_workspace(db, account_id, "Other")
    second = install(db, admin, token_of(link(db, dev, app)), other)
    elsewhere = new_app(db, dev, "Not This One")  # its installation is not in the list
    allow(db, dev, elsewhere, account_id=account_id)
    install(db, admin, token_of(link(db, dev, elsewhere)), workspace)

    viewer = actor_for(db, make_user(db, name="Vera Viewer"))
    db.add(DeveloperAppMember(app_id=app.id, user_id=viewer.user_id, role=TeamRole.VIEWER))
    db.flush()
    seen, cursor = [], None
    while True:
        page = installations.list_app_installations(
            session=db, actor=viewer, app_id=app.id, limit=1, cursor=cursor
        )
        seen += [(row.id, row.workspace_name, row.account_name, row.version) for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [(second.id, "Other", "Acme", 1), (first.id, "Production", "Acme", 1)]

    # Someone off the team learns nothing, not even that the app exists.
    with pytest.raises(NotFound):
        installations.list_app_installations(
            session=db, actor=actor_for(db, make_user(db)), app_id=app.id
        )
    with pytest.raises(Invalid):
        installations.list_app_installations(
            session=db, actor=dev, app_id=app.id, cursor="not-a-cursor"
        )


def test_the_team_sees_no_workspace_names_the_version_does_not_ask_for(
    db, dev, admin, account_id, workspace
) -> None:
    private = MANIFEST.replace("data_types:\n  - workspace_profile\n", "")
    app = new_app(db, dev, "Quiet Sync", text=private)
    allow(db, dev, app, account_id=account_id)
    row = install(db, admin, token_of(link(db, dev, app)), workspace)

    listed = installations.list_app_installations(session=db, actor=dev, app_id=app.id)
    assert [(r.id, r.workspace_name, r.account_name) for r in listed.items] == [
        (row.id, None, None)
    ]


# The audit trail --------------------------------------------------------------------------------


def test_installing_moving_and_uninstalling_are_audited(
    db, dev, app, admin, workspace, token
) -> None:
    row = install(db, admin, token, workspace)
    publish(db, dev, app, MORE_SCOPES)
    install(db, admin, token_of(link(db, dev, app)), workspace)  # a newer link moves it
    move(db, admin, workspace, row.id, 1)
    uninstall(db, admin, workspace, row.id)

    installed_rows = audit_rows(db, "workspace.app_installed")
    assert [(e.before, e.after) for e in installed_rows] == [
        (None, {"app": app.slug, "version": 1}),
        ({"version": 1}, {"app": app.slug, "version": 2}),
    ]
    (moved,) = audit_rows(db, "workspace.app_version_changed")
    assert (moved.before, moved.after) == ({"version": 2}, {"version": 1})
    (removed,) = audit_rows(db, "workspace.app_uninstalled")
    assert removed.before == {"app": app.slug}
    for event in (*installed_rows, moved, removed):
        assert (event.workspace_id, event.account_id) == (workspace.id, workspace.account_id)
        assert (event.target_type, event.target_id) == ("developer_app", str(app.id))
        assert (event.actor_id, event.actor_label) == (str(admin.user_id), "admin@example.com")


def test_creating_and_revoking_links_are_audited(db, dev, app) -> None:
    created = link(db, dev, app)
    installations.revoke_link(session=db, actor=dev, app_id=app.id, link_id=created.id)
    installations.revoke_link(session=db, actor=dev, app_id=app.id, link_id=created.id)
    (made,) = audit_rows(db, "developer_app.install_link_created")
    assert made.after == {"link": created.id, "version": 1}
    revoked = audit_rows(db, "developer_app.install_link_revoked")
    assert [e.after for e in revoked] == [{"link": created.id}]  # revoking twice: once
    for event in (made, *revoked):
        assert (event.target_type, event.target_id) == ("developer_app", str(app.id))
        assert event.actor_id == str(dev.user_id)


# Moving to the version installed, and two first installs at once -----------------------------


def test_moving_to_the_installed_version_changes_nothing_and_audits_nothing(
    db, dev, app, admin, workspace, token
) -> None:
    row = install(db, admin, token, workspace)
    moved = move(db, admin, workspace, row.id, 1)
    assert (moved.id, moved.version) == (row.id, 1)
    assert audit_rows(db, "workspace.app_version_changed") == []


def test_a_first_install_that_lost_the_race_gets_the_winners_installation_or_a_conflict(
    db, dev, app, admin, workspace, token, monkeypatch
) -> None:
    """Two administrators approve at once: both find no installation, both insert; the
    unique constraint lets one through. The other is not a 500: the same version answers
    with the installation that won (no second audit row), another version is a Conflict."""
    winner = install(db, admin, token, workspace)
    real = installations._installed_in
    calls = []

    def not_seen_yet(session, app_row, workspace_row):
        calls.append(1)
        return None if len(calls) == 1 else real(session, app_row, workspace_row)

    monkeypatch.setattr(installations, "_installed_in", not_seen_yet)
    again = install(db, admin, token, workspace)
    assert again.id == winner.id and again.version == 1
    assert len(audit_rows(db, "workspace.app_installed")) == 1
    assert use_count(db, installations._link_for(db, token)) == 1  # the loser used nothing

    publish(db, dev, app, MORE_SCOPES)
    newer = token_of(link(db, dev, app))
    calls.clear()
    with pytest.raises(Conflict, match="just installed"):
        install(db, admin, newer, workspace)
    (row,) = installed(db, app, workspace)
    assert row.id == winner.id
    # The transaction goes on after the refusal (the savepoint kept it usable).
    assert (
        installations.list_installations(session=db, actor=admin, workspace_id=str(workspace.id))
        .items[0]
        .version
        == 1
    )


def test_consent_costs_the_same_queries_however_many_workspaces_are_offered(
    db, dev, admin, account_id
) -> None:
    app = new_app(db, dev, "Quiet App", visibility=Visibility.UNLISTED)
    token = token_of(link(db, dev, app))
    engine = db.get_bind()

    def queries() -> tuple[int, int]:
        statements = []

        def count(*_args):
            statements.append(1)

        db.flush()
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            found = consent(db, admin, token)
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        return len(found.workspaces), len(statements)

    make_workspace(db, account_id, "Team 0")
    offered, few = queries()
    for n in range(1, 6):
        make_workspace(db, account_id, f"Team {n}")
    assert queries() == (offered + 5, few)  # no permission lookup per workspace


# Installing from the directory ---------------------------------------------------------------


def test_a_public_app_is_consented_and_installed_by_its_slug(db, dev, admin, workspace) -> None:
    app = new_app(db, dev, "Open Sync", visibility=Visibility.PUBLIC)
    seen = installations.consent(session=db, actor=admin, app_slug=app.slug)
    assert (seen.app_name, seen.version) == ("Open Sync", 1)
    assert [c.name for c in seen.workspaces] == ["Production"]
    row = installations.install(
        session=db, actor=admin, app_slug=app.slug, version=1, workspace_id=str(workspace.id)
    )
    assert (row.app_slug, row.version) == (app.slug, 1)
    (event,) = audit_rows(db, "workspace.app_installed")
    assert event.after == {"app": app.slug, "version": 1, "from": "directory"}


def test_a_directory_install_needs_the_version_the_page_showed(db, dev, admin, workspace) -> None:
    app = new_app(db, dev, "Open Sync", visibility=Visibility.PUBLIC)
    publish(db, dev, app, MORE_SCOPES)
    for shown in (1, None, "2", True):
        with pytest.raises(Conflict, match="newer version"):
            installations.install(
                session=db,
                actor=admin,
                app_slug=app.slug,
                version=shown,
                workspace_id=str(workspace.id),
            )
    assert installed(db) == []


@pytest.mark.parametrize("visibility", [Visibility.PRIVATE, Visibility.UNLISTED])
def test_an_app_that_is_not_public_is_not_found_by_its_slug(
    db, dev, admin, workspace, visibility
) -> None:
    app = new_app(db, dev, "Hidden Sync", visibility=visibility)
    allow(db, dev, app, workspace_id=str(workspace.id))
    with pytest.raises(NotFound, match="not in the directory"):
        installations.consent(session=db, actor=admin, app_slug=app.slug)
    with pytest.raises(NotFound, match="not in the directory"):
        installations.install(
            session=db, actor=admin, app_slug=app.slug, version=1, workspace_id=str(workspace.id)
        )
    assert installed(db) == []


def test_a_public_app_without_a_published_version_and_odd_slugs_are_not_found(
    db, dev, admin, workspace
) -> None:
    bare = developer_apps.create_app(session=db, actor=dev, name="Bare")
    set_visibility(db, bare, Visibility.PUBLIC)
    for slug in (bare.slug, "", "x" * 200, "nul\x00", None, 7, "no-such-app"):
        with pytest.raises(NotFound):
            installations.consent(session=db, actor=admin, app_slug=slug)
    with pytest.raises(NotFound):  # a token and a slug at once: neither
        installations.consent(session=db, actor=admin, token="1.x", app_slug=bare.slug)


def test_a_directory_install_still_needs_administer(db, dev, admin, workspace) -> None:
    app = new_app(db, dev, "Open Sync", visibility=Visibility.PUBLIC)
    reader = actor_for(db, make_user(db, name="Rita Reader"))
    grant(db, reader.user_id, workspace_id=workspace.id, permission="read")
    assert installations.consent(session=db, actor=reader, app_slug=app.slug).workspaces == []
    with pytest.raises(PermissionDenied):
        installations.install(
            session=db, actor=reader, app_slug=app.slug, version=1, workspace_id=str(workspace.id)
        )


def test_move_choices_say_what_each_version_adds_and_drops(
    db, dev, app, admin, workspace, token
) -> None:
    row = install(db, admin, token, workspace)
    publish(db, dev, app, MORE_SCOPES)
    publish(db, dev, app, MANIFEST.replace("  - workspace:read\n", "  - environments:read\n"))
    choices = installations.move_choices(
        session=db, actor=admin, workspace_id=str(workspace.id), installation_id=row.id
    )
    assert (choices.app_name, choices.current) == ("Acme Sync", 1)
    assert [
        (v.number, [a.name for a in v.added], v.removed, v.current) for v in choices.versions
    ] == [
        (3, ["environments:read"], ["workspace:read"], False),
        (2, ["audit:read"], [], False),
        (1, [], [], True),
    ]
    assert choices.versions[1].added[0].says == SCOPES["audit:read"].says
    reader = actor_for(db, make_user(db, name="Rita Reader"))
    grant(db, reader.user_id, workspace_id=workspace.id, permission="read")
    with pytest.raises(PermissionDenied):
        installations.move_choices(
            session=db, actor=reader, workspace_id=str(workspace.id), installation_id=row.id
        )
    with pytest.raises(NotFound):
        installations.move_choices(
            session=db,
            actor=actor_for(db, make_user(db)),
            workspace_id=str(workspace.id),
            installation_id=row.id,
        )
