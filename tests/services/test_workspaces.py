"""Workspaces: create (slug, defaults, environments, saga), list, detail, activity, picker."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from slugify import slugify as python_slugify
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.domain.workspaces import (
    EnvironmentName,
    EnvironmentStatus,
    TenancyModel,
    WorkspaceStatus,
)
from portal.models import AuditEvent, Environment, Process, User, Workspace
from portal.models._base import utcnow
from portal.services import workspaces
from tests.factories import CLIENT, account_of, actor_for, grant, make_user, make_workspace


@pytest.fixture
def owner(db):
    return make_user(db, email="owner@example.com", name="Olivia Owner", account_name="Acme")


@pytest.fixture
def account_id(db, owner):
    return account_of(db, owner.id)


@pytest.fixture
def actor(db, owner):
    return actor_for(db, owner)


def create(db, actor, account_id, name="Production", **kwargs):
    return workspaces.create_workspace(
        session=db, actor=actor, account_id=account_id, name=name, **kwargs
    )


# Create -----------------------------------------------------------------------------------


def test_create_returns_at_once_in_provisioning_with_defaults(db, actor, account_id):
    created = create(db, actor, account_id, "  Acme   Dev ")

    assert created.name == "Acme Dev"
    assert created.slug == "acme-dev"
    assert uuid.UUID(created.id)
    assert created.status == WorkspaceStatus.PROVISIONING
    assert created.tenancy_model == TenancyModel.SHARED
    assert created.region == "eu-central"  # the first configured region
    assert created.account_name == "Acme"


def test_create_makes_three_environments_and_starts_the_saga(db, actor, account_id):
    created = create(db, actor, account_id)
    key = uuid.UUID(created.id)

    envs = db.exec(select(Environment).where(Environment.workspace_id == key)).all()
    assert sorted(e.name for e in envs) == [
        EnvironmentName.DEV,
        EnvironmentName.PROD,
        EnvironmentName.STAGING,
    ]
    assert {e.status for e in envs} == {EnvironmentStatus.PROVISIONING}
    process = db.exec(select(Process).where(Process.workspace_id == key)).one()
    assert process.kind == "provision"
    assert process.status == "pending"


def test_create_writes_the_audit_row(db, actor, account_id, owner):
    actor = replace(actor, client=CLIENT)
    created = create(db, actor, account_id, "Production", tenancy_model=TenancyModel.DEDICATED)
    row = db.exec(select(AuditEvent).where(AuditEvent.action == "workspace.created")).one()
    assert row.workspace_id == uuid.UUID(created.id)
    assert row.account_id == account_id
    assert row.actor_type == "user"
    assert row.actor_label == owner.email
    assert (row.ip_address, row.user_agent) == ("203.0.113.10", "pytest")
    assert row.after == {
        "name": "Production",
        "slug": "production",
        "tenancy_model": TenancyModel.DEDICATED,
        "region": "eu-central",
    }


def test_slugs_are_deduplicated(db, actor, account_id, owner):
    slugs = [create(db, actor, account_id, "Acme Dev").slug for _ in range(3)]
    assert slugs == ["acme-dev", "acme-dev-2", "acme-dev-3"]
    # Slugs are unique within an account: another account's "Acme Dev" learns nothing of
    # these three.
    other = make_user(db)
    other_account = account_of(db, other.id)
    assert create(db, actor_for(db, other), other_account, "ACME dev!").slug == "acme-dev"


def test_the_database_keeps_a_slug_unique_within_its_account(db, account_id):
    other_account = account_of(db, make_user(db).id)
    db.add(Workspace(account_id=account_id, name="Shop", slug="shop"))
    db.add(Workspace(account_id=other_account, name="Shop", slug="shop"))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(Workspace(account_id=account_id, name="Shop again", slug="shop"))
        db.flush()


def test_slug_fills_a_gap_and_ignores_longer_names(db, actor, account_id):
    make_workspace(db, account_id, "x").slug  # noqa: B018 - some other slug
    db.add(Workspace(account_id=account_id, name="Shop", slug="shop-3"))
    db.add(Workspace(account_id=account_id, name="Shop Floor", slug="shop-floor"))
    db.flush()
    assert create(db, actor, account_id, "Shop").slug == "shop"
    assert create(db, actor, account_id, "Shop").slug == "shop-2"
    assert create(db, actor, account_id, "Shop").slug == "shop-4"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café Zürich", "cafe-zurich"),
        ("--Prod--", "prod"),
        ("A_b.C", "a-b-c"),
        # Other scripts are transliterated, not dropped.
        ("北京 Ops", "bei-jing-ops"),
        ("東京", "dong-jing"),
        ("日本", "ri-ben"),
        ("Ünïcödé", "unicode"),
        ("Москва", "moskva"),
        ("서울", "seoul"),
        # Nothing to spell: the fallback.
        ("🚀🔥✨", "workspace"),
        ("🚀 Launch", "launch"),
    ],
)
def test_slugify(name, slug):
    assert workspaces.slugify(name) == slug


def test_slugs_of_names_in_one_script_stay_apart():
    names = ["北京 Ops", "上海 Ops", "東京", "大阪"]
    assert len({workspaces.slugify(name) for name in names}) == len(names)


@pytest.mark.parametrize("name", ["x" * 500, "ab " * 166, "北京 " * 100, "Ünïcödé-" * 62])
def test_long_names_give_slugs_that_fit_with_a_suffix(name):
    slug = workspaces.slugify(name)
    # Room for "-NNN" under the column's 140; cut at a word boundary, no dangling hyphen.
    assert 0 < len(slug) <= 100 and len(slug) + len("-999") <= 140
    assert not slug.startswith("-") and not slug.endswith("-")
    assert slug.replace("-", "").isalnum() and slug == slug.lower() and slug.isascii()
    whole = python_slugify(name)  # not cut
    assert whole.startswith(slug)
    if " " in name or "-" in name:  # cut between words, never inside one
        assert whole[len(slug)] == "-"


def test_a_non_latin_name_gets_its_transliterated_slug(db, actor, account_id):
    assert create(db, actor, account_id, "北京 Ops").slug == "bei-jing-ops"
    assert create(db, actor, account_id, "東京").slug == "dong-jing"


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 121])
def test_create_needs_a_name(db, actor, account_id, name):
    with pytest.raises(Invalid) as error:
        create(db, actor, account_id, name)
    assert error.value.field == "name"


def test_create_checks_tenancy_and_region(db, actor, account_id):
    with pytest.raises(Invalid) as error:
        create(db, actor, account_id, tenancy_model="private")
    assert error.value.field == "tenancy_model"
    with pytest.raises(Invalid) as error:
        create(db, actor, account_id, region="mars-1")
    assert error.value.field == "region"
    assert "eu-central, us-east" in error.value.message
    assert create(db, actor, account_id, region="us-east").region == "us-east"


def test_create_uses_configured_regions(db, actor, account_id, monkeypatch):
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_REGIONS", "ap-south, eu-west")
    get_settings.cache_clear()
    assert create(db, actor, account_id).region == "ap-south"


def test_create_needs_administer_on_the_account(db, owner, account_id):
    reader = make_user(db, email="reader@example.com")
    grant(db, reader.id, account_id=account_id, permission="read")
    with pytest.raises(PermissionDenied) as error:
        create(db, actor_for(db, reader), account_id)
    assert "administer" in error.value.message
    assert owner.email in error.value.message

    stranger = make_user(db)
    with pytest.raises(NotFound):
        create(db, actor_for(db, stranger), account_id)
    assert db.exec(select(Workspace)).all() == []


def test_a_workspace_administrator_cannot_create_in_the_account(db, account_id):
    workspace = make_workspace(db, account_id)
    admin = make_user(db)
    grant(db, admin.id, workspace_id=workspace.id, permission="administer")
    with pytest.raises(NotFound):
        create(db, actor_for(db, admin), account_id)


# List -------------------------------------------------------------------------------------


def walk(db, actor, **kwargs):
    """Every row, page by page, following next_cursor."""
    rows, cursor, pages = [], None, 0
    while True:
        page = workspaces.list_workspaces(session=db, actor=actor, cursor=cursor, **kwargs)
        rows.extend(page.items)
        pages += 1
        if page.next_cursor is None:
            return rows, pages
        cursor = page.next_cursor


@pytest.fixture
def many(db, owner, account_id):
    """33 workspaces with repeating tenancy, status and region (many sort ties), in three
    accounts the owner reads (names of mixed case)."""
    accounts = [account_id]
    for name, permission in (("beta Labs", "read"), ("Zulu Corp", "administer")):
        other = account_of(db, make_user(db, account_name=name).id)
        grant(db, owner.id, account_id=other, permission=permission)
        accounts.append(other)
    statuses = (WorkspaceStatus.ACTIVE, WorkspaceStatus.PROVISIONING, WorkspaceStatus.FROZEN)
    now = utcnow()
    made = []
    for i in range(33):
        account = accounts[(i // 2) % 3]
        ws = make_workspace(db, account, f"ws {i:02d}", status=statuses[i % 3])
        ws.tenancy_model = (TenancyModel.SHARED, TenancyModel.DEDICATED)[i % 2]
        ws.region = ("eu-central", "us-east")[i % 2]
        ws.created_at = now - timedelta(minutes=i // 4)  # groups of four share a timestamp
        db.add(ws)
        made.append(ws)
    db.flush()
    return made


@pytest.mark.parametrize(
    "sort", ["name", "account", "tenancy_model", "status", "region", "created_at"]
)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_the_cursor_walks_every_row_once_in_order(db, actor, many, sort, direction):
    rows, pages = walk(db, actor, sort=sort, direction=direction, limit=7)
    assert pages == 5
    assert len(rows) == 33
    assert len({row.id for row in rows}) == 33
    key = {
        "name": lambda r: r.name.lower(),
        "account": lambda r: r.account_name.lower(),
    }.get(sort, lambda r: getattr(r, sort))
    values = [key(row) for row in rows]
    assert len(set(values)) > 1  # an order to check, whatever the sort
    assert values == sorted(values, reverse=direction == "desc")


def test_default_order_is_newest_first(db, actor, many):
    page = workspaces.list_workspaces(session=db, actor=actor)
    assert len(page.items) == 25
    assert page.next_cursor is not None
    assert page.items[0].name in {"ws 00", "ws 01", "ws 02", "ws 03"}


def test_name_sort_ignores_case(db, actor, account_id):
    for name in ("beta", "Alpha", "gamma"):
        make_workspace(db, account_id, name)
    page = workspaces.list_workspaces(session=db, actor=actor, sort="name", direction="asc")
    assert [row.name for row in page.items] == ["Alpha", "beta", "gamma"]


def test_filters_by_name_and_status_and_counts(db, actor, many):
    rows, _ = walk(db, actor, name_contains="WS 1", limit=3)
    assert sorted(row.name for row in rows) == [f"ws {i}" for i in range(10, 20)]
    assert workspaces.count_workspaces(session=db, actor=actor, name_contains="ws 1") == 10

    frozen, _ = walk(db, actor, status=WorkspaceStatus.FROZEN, limit=100)
    assert len(frozen) == 11
    assert {row.status for row in frozen} == {WorkspaceStatus.FROZEN}
    assert workspaces.count_workspaces(session=db, actor=actor, status=WorkspaceStatus.FROZEN) == 11
    assert workspaces.count_workspaces(session=db, actor=actor) == 33

    both, _ = walk(db, actor, name_contains="ws 1", status=WorkspaceStatus.ACTIVE)
    assert sorted(row.name for row in both) == ["ws 12", "ws 15", "ws 18"]


def test_name_filter_treats_wildcards_literally(db, actor, account_id):
    make_workspace(db, account_id, "100% prod")
    make_workspace(db, account_id, "1000 prod")
    make_workspace(db, account_id, "a_b")
    make_workspace(db, account_id, "axb")
    assert [r.name for r in walk(db, actor, name_contains="0%")[0]] == ["100% prod"]
    assert [r.name for r in walk(db, actor, name_contains="a_b")[0]] == ["a_b"]


def test_list_shows_only_readable_and_not_deleted(db, actor, account_id):
    mine = make_workspace(db, account_id, "Mine")
    make_workspace(db, account_id, "Gone", status=WorkspaceStatus.DELETED)
    other = make_user(db)
    theirs = make_workspace(db, account_of(db, other.id), "Theirs")
    shared = make_workspace(db, account_of(db, other.id), "Shared with me")
    grant(db, actor.user_id, workspace_id=shared.id)

    rows, _ = walk(db, actor, sort="name", direction="asc")
    assert [row.name for row in rows] == ["Mine", "Shared with me"]
    assert rows[0].id == str(mine.id)
    assert rows[1].account_name != "Acme"
    assert str(theirs.id) not in {row.id for row in rows}
    assert workspaces.count_workspaces(session=db, actor=actor) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sort": "slug"}, "sort"),
        ({"direction": "up"}, "direction"),
        ({"status": WorkspaceStatus.DELETED}, "status"),
        ({"status": "sleeping"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "not a cursor!"}, "cursor"),
    ],
)
def test_list_rejects_bad_arguments(db, actor, kwargs, field):
    with pytest.raises(Invalid) as error:
        workspaces.list_workspaces(session=db, actor=actor, **kwargs)
    assert error.value.field == field


def test_a_cursor_from_another_sort_is_refused(db, actor, many):
    page = workspaces.list_workspaces(session=db, actor=actor, sort="name", limit=5)
    with pytest.raises(Invalid) as error:
        workspaces.list_workspaces(session=db, actor=actor, sort="status", cursor=page.next_cursor)
    assert error.value.field == "cursor"


def test_limit_100_is_allowed(db, actor, many):
    page = workspaces.list_workspaces(session=db, actor=actor, limit=100)
    assert len(page.items) == 33
    assert page.next_cursor is None


# Detail -----------------------------------------------------------------------------------


def test_detail(db, actor, account_id, owner):
    created = create(db, actor, account_id, "Production")
    detail = workspaces.get_workspace_detail(session=db, actor=actor, workspace_id=created.id)

    assert detail.id == created.id
    assert detail.account_id == account_id
    assert detail.account_name == "Acme"
    assert detail.slug == "production"
    assert [e.name for e in detail.environments] == [
        EnvironmentName.DEV,
        EnvironmentName.STAGING,
        EnvironmentName.PROD,
    ]
    assert {e.status for e in detail.environments} == {EnvironmentStatus.PROVISIONING}
    assert detail.can_administer is True
    assert detail.administrators == [owner.email]
    assert detail.provisioning_stuck is False
    assert detail.provisioning_process_id is not None
    assert detail.coderunners_enabled is False
    assert detail.apps == []
    assert detail.purge_days_left is None


def test_detail_for_a_reader(db, account_id):
    workspace = make_workspace(db, account_id)
    reader = make_user(db)
    grant(db, reader.id, workspace_id=workspace.id, permission="read")
    detail = workspaces.get_workspace_detail(
        session=db, actor=actor_for(db, reader), workspace_id=str(workspace.id)
    )
    assert detail.can_administer is False
    assert detail.administrators == ["owner@example.com"]


def test_provisioning_longer_than_the_threshold_is_flagged(db, actor, account_id):
    created = create(db, actor, account_id)
    process = db.exec(select(Process)).one()
    process.created_at = utcnow() - timedelta(minutes=11)
    db.add(process)
    db.flush()
    detail = workspaces.get_workspace_detail(session=db, actor=actor, workspace_id=created.id)
    assert detail.provisioning_stuck is True

    # Once everything is ready it is no longer stuck, however old.
    workspace = db.get(Workspace, uuid.UUID(created.id))
    workspace.status = WorkspaceStatus.ACTIVE
    for env in db.exec(select(Environment)).all():
        env.status = EnvironmentStatus.READY
        db.add(env)
    db.add(workspace)
    db.flush()
    detail = workspaces.get_workspace_detail(session=db, actor=actor, workspace_id=created.id)
    assert detail.provisioning_stuck is False


def test_nine_minutes_is_not_stuck(db, actor, account_id):
    created = create(db, actor, account_id)
    process = db.exec(select(Process)).one()
    process.created_at = utcnow() - timedelta(minutes=9)
    db.add(process)
    db.flush()
    detail = workspaces.get_workspace_detail(session=db, actor=actor, workspace_id=created.id)
    assert detail.provisioning_stuck is False


def test_coderunners_section_follows_the_setting(db, actor, account_id, monkeypatch):
    from portal.config import get_settings

    workspace = make_workspace(db, account_id)
    monkeypatch.setenv("PORTAL_CODERUNNER_URL", "https://runners.example.com")
    get_settings.cache_clear()
    detail = workspaces.get_workspace_detail(
        session=db, actor=actor, workspace_id=str(workspace.id)
    )
    assert detail.coderunners_enabled is True


def test_list_environments(db, actor, account_id):
    created = create(db, actor, account_id)
    envs = workspaces.list_environments(session=db, actor=actor, workspace_id=created.id)
    assert [e.name for e in envs] == [
        EnvironmentName.DEV,
        EnvironmentName.STAGING,
        EnvironmentName.PROD,
    ]


@pytest.mark.parametrize(
    "bad",
    ["not-a-uuid", str(uuid.uuid4()), ""],
    ids=["malformed", "unknown", "empty"],  # one name in every xdist worker
)
def test_unknown_workspace_ids_are_not_found(db, actor, bad):
    with pytest.raises(NotFound):
        workspaces.get_workspace_detail(session=db, actor=actor, workspace_id=bad)


def test_a_deleted_workspace_is_not_found(db, actor, account_id):
    workspace = make_workspace(db, account_id, status=WorkspaceStatus.DELETED)
    with pytest.raises(NotFound):
        workspaces.get_workspace_detail(session=db, actor=actor, workspace_id=str(workspace.id))


# Activity ---------------------------------------------------------------------------------


def test_activity_is_newest_first_scoped_and_paginated(db, actor, account_id):
    created = create(db, actor, account_id, "Production")
    other = create(db, actor, account_id, "Staging")
    for i in range(6):
        workspaces.rename_workspace(
            session=db, actor=actor, workspace_id=created.id, name=f"Production {i}"
        )
    workspaces.freeze(session=db, actor=actor, workspace_id=created.id)

    feed, cursor = [], None
    while True:
        page = workspaces.list_activity(
            session=db, actor=actor, workspace_id=created.id, limit=3, cursor=cursor
        )
        feed.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [e.action for e in feed] == ["workspace.frozen"] + ["workspace.renamed"] * 6 + [
        "workspace.created"
    ]
    assert [e.id for e in feed] == sorted((e.id for e in feed), reverse=True)
    assert {e.workspace_id for e in feed} == {created.id}
    assert feed[1].before == {"name": "Production 4"}
    assert feed[1].after == {"name": "Production 5"}

    account_feed = workspaces.list_account_activity(
        session=db, actor=actor, account_id=account_id, limit=100
    )
    assert {e.workspace_id for e in account_feed.items} == {created.id, other.id}


def test_activity_filters_by_action_and_actor(db, actor, account_id):
    created = create(db, actor, account_id)
    admin = make_user(db, email="second.admin@example.com")
    grant(db, admin.id, account_id=account_id, permission="administer")
    second = actor_for(db, admin)
    workspaces.freeze(session=db, actor=second, workspace_id=created.id)
    workspaces.unfreeze(session=db, actor=actor, workspace_id=created.id)

    def actions(**kwargs):
        page = workspaces.list_activity(session=db, actor=actor, workspace_id=created.id, **kwargs)
        return [e.action for e in page.items]

    assert actions(action_filter="workspace.frozen") == ["workspace.frozen"]
    assert actions(action_filter="workspace.") == [
        "workspace.unfrozen",
        "workspace.frozen",
        "workspace.created",
    ]
    assert actions(action_filter="app.") == []
    assert actions(actor_filter="SECOND.admin") == ["workspace.frozen"]
    assert actions(actor_filter=str(admin.id)) == ["workspace.frozen"]
    assert actions(actor_filter="owner@", action_filter="workspace.un") == ["workspace.unfrozen"]


def test_account_activity_needs_read_on_the_account(db, account_id):
    workspace = make_workspace(db, account_id)
    member = make_user(db)
    grant(db, member.id, workspace_id=workspace.id, permission="administer")
    with pytest.raises(NotFound):
        workspaces.list_account_activity(
            session=db, actor=actor_for(db, member), account_id=account_id
        )


def test_activity_rejects_a_bad_cursor(db, actor, account_id):
    workspace = make_workspace(db, account_id)
    with pytest.raises(Invalid):
        workspaces.list_activity(
            session=db, actor=actor, workspace_id=str(workspace.id), cursor="eyJpZCI6ImEifQ"
        )


# Rename -----------------------------------------------------------------------------------


def test_rename_keeps_the_slug_and_needs_administer(db, actor, account_id):
    created = create(db, actor, account_id, "Production")
    renamed = workspaces.rename_workspace(
        session=db, actor=actor, workspace_id=created.id, name="Prod EU"
    )
    assert (renamed.name, renamed.slug) == ("Prod EU", "production")

    reader = make_user(db)
    grant(db, reader.id, account_id=account_id, permission="read")
    with pytest.raises(PermissionDenied):
        workspaces.rename_workspace(
            session=db, actor=actor_for(db, reader), workspace_id=created.id, name="Mine"
        )
    with pytest.raises(Invalid):
        workspaces.rename_workspace(session=db, actor=actor, workspace_id=created.id, name=" ")


# The picker's choice ----------------------------------------------------------------------


def test_the_picker_choice_persists_on_the_user(db, actor, account_id, owner):
    workspace = make_workspace(db, account_id)
    assert workspaces.last_workspace(session=db, actor=actor) is None
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(workspace.id))
    db.commit()

    # A new sign-in (another session) finds it.
    again = actor_for(db, owner)
    assert again.session_id != actor.session_id
    assert workspaces.last_workspace(session=db, actor=again) == str(workspace.id)
    assert db.get(User, owner.id).last_workspace_id == workspace.id


def test_the_workspace_to_open_is_the_remembered_one_else_the_first_readable(db, actor, account_id):
    assert workspaces.workspace_to_open(session=db, actor=actor) is None  # none to read
    later = make_workspace(db, account_id, "Zulu")
    first = make_workspace(db, account_id, "Alpha")
    assert workspaces.workspace_to_open(session=db, actor=actor) == str(first.id)
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(later.id))
    assert workspaces.workspace_to_open(session=db, actor=actor) == str(later.id)
    other = make_user(db)
    stranger = actor_for(db, other)
    assert workspaces.workspace_to_open(session=db, actor=stranger) != str(first.id)


def test_remember_needs_read(db, actor):
    other = make_user(db)
    theirs = make_workspace(db, account_of(db, other.id))
    with pytest.raises(NotFound):
        workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(theirs.id))
    assert workspaces.last_workspace(session=db, actor=actor) is None


def test_a_remembered_workspace_no_longer_readable_is_forgotten(db, account_id):
    workspace = make_workspace(db, account_id)
    member = make_user(db)
    access = grant(db, member.id, workspace_id=workspace.id)
    actor = actor_for(db, member)
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(workspace.id))
    assert workspaces.last_workspace(session=db, actor=actor) == str(workspace.id)

    db.delete(access)
    db.flush()
    assert workspaces.last_workspace(session=db, actor=actor) is None


def test_a_remembered_deleted_workspace_is_forgotten(db, actor, account_id):
    workspace = make_workspace(db, account_id)
    workspaces.remember_workspace(session=db, actor=actor, workspace_id=str(workspace.id))
    workspace.status = WorkspaceStatus.DELETED
    db.add(workspace)
    db.flush()
    assert workspaces.last_workspace(session=db, actor=actor) is None


def test_a_name_with_control_characters_is_refused(db, actor, account_id):
    with pytest.raises(Invalid) as error:
        create(db, actor, account_id, name="bad\x00name")
    assert error.value.field == "name"
