"""Apps: create (slugs, the duplicate check), state and baseline (Python and SQL held to each
other), blockers, the portfolio (search, filter, pages, counts, a fixed number of queries),
permissions, freeze, settings and delete."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from portal.domain.apps import AppPage, AppState, BlockerKind, Gap
from portal.domain.errors import Frozen, Invalid, NotFound, PermissionDenied, ReadOnly
from portal.domain.paging import InvalidCursor
from portal.domain.workspaces import WorkspaceStatus
from portal.models import (
    App,
    AppActivity,
    AppApiKey,
    AppVisit,
    AuditEvent,
    EndUser,
    Organization,
    OrganizationMember,
    Workspace,
)
from portal.models._base import utcnow
from portal.services import app_api_keys, apps, sealing
from portal.services.apps import DuplicateSuspected
from tests.conftest import from_snapshot
from tests.factories import account_of, actor_for, grant, make_user, make_workspace


@pytest.fixture
def owner(db):
    return from_snapshot(
        db,
        "apps-owner",
        lambda: make_user(db, email="owner@example.com", name="Olivia Owner", account_name="Acme"),
    )


@pytest.fixture
def account_id(db, owner):
    return account_of(db, owner.id)


@pytest.fixture
def actor(db, owner):
    return actor_for(db, owner)


@pytest.fixture
def workspace(db, account_id):
    return make_workspace(db, account_id, "Production")


def create(db, actor, workspace, name, **kwargs):
    return apps.create_app(
        session=db, actor=actor, workspace_id=str(workspace.id), name=name, **kwargs
    )


def get(db, actor, workspace, slug):
    return apps.get_app(session=db, actor=actor, workspace_id=str(workspace.id), app_slug=slug)


def listing(db, actor, workspace, **kwargs):
    return apps.list_apps(session=db, actor=actor, workspace_id=str(workspace.id), **kwargs)


def all_cards(db, actor, workspace, **kwargs):
    return listing(db, actor, workspace, limit=100, **kwargs).items


def count(db, actor, workspace, **kwargs):
    return apps.count_apps(session=db, actor=actor, workspace_id=str(workspace.id), **kwargs)


def set_sender(db, actor, workspace, slug, address="hello@acme.example"):
    return apps.update_email_settings(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug=slug,
        sender_name="Acme",
        sender_address=address,
    )


def set_auth(db, actor, workspace, slug, **kwargs):
    kwargs.setdefault("sign_in_methods", ["password"])
    return apps.update_auth_settings(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=slug, **kwargs
    )


def add_key(db, actor, workspace, slug, name="Billing", **kwargs):
    return app_api_keys.create_key(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=slug, name=name, **kwargs
    )


def ready_app(db, actor, workspace, name):
    """An app with every baseline requirement met: a sender and an active prod key."""
    app = create(db, actor, workspace, name, confirmed=True)
    set_sender(db, actor, workspace, app.slug)
    add_key(db, actor, workspace, app.slug)
    return app


def set_active(db, app_id, ago):
    row = db.get(App, app_id)
    row.last_active_at = utcnow() - ago
    db.add(row)
    db.flush()


def set_status(db, workspace, status):
    workspace.status = status
    db.add(workspace)
    db.flush()


def audit_rows(db, action):
    return db.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def app_count(db, workspace):
    return db.exec(select(func.count()).where(App.workspace_id == workspace.id)).one()


def add_organization(db, app_id, name, environment="prod", roles=()):
    """An organization with one end user per role in `roles` as its members."""
    organization = Organization(app_id=app_id, name=name, environment=environment)
    db.add(organization)
    db.flush()
    for n, role in enumerate(roles):
        user = EndUser(
            app_id=app_id, environment=environment, email=f"{name.lower()}{n}@customer.example"
        )
        db.add(user)
        db.flush()
        db.add(OrganizationMember(organization_id=organization.id, end_user_id=user.id, role=role))
    db.flush()
    return organization


# Create -----------------------------------------------------------------------------------


def test_create_takes_the_slug_from_the_cleaned_name(db, actor, workspace):
    created = create(db, actor, workspace, "  Acme   Billing ")
    assert (created.name, created.slug) == ("Acme Billing", "acme-billing")
    assert created.workspace_id == str(workspace.id)
    row = db.get(App, created.id)
    assert (row.name, row.slug, row.workspace_id) == ("Acme Billing", "acme-billing", workspace.id)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Привет мир", "privet-mir"),
        ("北京 银行", "bei-jing-yin-xing"),
        ("Ünïcode Bänk", "unicode-bank"),
        ("🚀🚀", "app"),  # nothing transliterates: a slug is still made
    ],
)
def test_create_transliterates_a_non_latin_name_into_the_slug(db, actor, workspace, name, slug):
    created = create(db, actor, workspace, name)
    assert created.name == name
    assert created.slug == slug


def test_create_takes_a_valid_explicit_slug(db, actor, workspace):
    created = create(db, actor, workspace, "Acme Billing", slug=" Billing-EU ")
    assert created.slug == "billing-eu"


@pytest.mark.parametrize(
    "slug", ["acme billing", "acme_billing", "-acme", "acme-", "acme--eu", "ac/me", "a" * 65]
)
def test_create_refuses_a_malformed_explicit_slug(db, actor, workspace, slug):
    with pytest.raises(Invalid) as refused:
        create(db, actor, workspace, "Acme", slug=slug)
    assert refused.value.field == "slug"
    assert app_count(db, workspace) == 0


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 81, "Acme\x00Billing", "Acme\nBilling", "Acme\tBilling", "Acme\u202e"],
)
def test_create_refuses_an_empty_oversized_or_control_character_name(db, actor, workspace, name):
    with pytest.raises(Invalid) as refused:
        create(db, actor, workspace, name)
    assert refused.value.field == "name"
    assert app_count(db, workspace) == 0


def test_create_accepts_a_name_of_exactly_the_maximum_length(db, actor, workspace):
    assert create(db, actor, workspace, "x" * 80).name == "x" * 80


def test_the_same_slug_is_a_suspected_duplicate_naming_that_app(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    with pytest.raises(DuplicateSuspected) as suspected:
        create(db, actor, workspace, "ACME!")
    assert [(c.name, c.slug, c.same_slug) for c in suspected.value.candidates] == [
        ("Acme", "acme", True)
    ]
    assert suspected.value.field == "name"
    assert "Acme (acme)" in suspected.value.message
    assert app_count(db, workspace) == 1


def test_an_explicit_slug_already_taken_is_a_suspected_duplicate(db, actor, workspace):
    create(db, actor, workspace, "Billing", slug="pay")
    with pytest.raises(DuplicateSuspected) as suspected:
        create(db, actor, workspace, "Something else entirely", slug="pay")
    assert [(c.slug, c.same_slug) for c in suspected.value.candidates] == [("pay", True)]


def test_a_close_name_is_a_suspected_duplicate(db, actor, workspace):
    create(db, actor, workspace, "Acme Billing")
    with pytest.raises(DuplicateSuspected) as suspected:
        create(db, actor, workspace, "Acme Biling")
    assert [(c.name, c.same_slug) for c in suspected.value.candidates] == [("Acme Billing", False)]
    assert app_count(db, workspace) == 1


def test_a_different_name_is_not_a_suspected_duplicate(db, actor, workspace):
    create(db, actor, workspace, "Acme Billing")
    assert create(db, actor, workspace, "Payroll").slug == "payroll"


def test_an_app_of_another_workspace_is_not_a_duplicate(db, actor, workspace, account_id):
    other = make_workspace(db, account_id, "Staging")
    create(db, actor, other, "Acme")
    assert create(db, actor, workspace, "Acme").slug == "acme"


def test_confirmed_the_new_app_takes_the_next_free_slug(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    assert create(db, actor, workspace, "Acme", confirmed=True).slug == "acme-2"
    assert create(db, actor, workspace, "acme", confirmed=True).slug == "acme-3"
    assert app_count(db, workspace) == 3


def test_confirmed_a_long_explicit_slug_stays_within_the_maximum(db, actor, workspace):
    long = "a" * 64
    create(db, actor, workspace, "Long one", slug=long)
    second = create(db, actor, workspace, "Long two", slug=long, confirmed=True)
    assert len(second.slug) <= 64
    assert get(db, actor, workspace, second.slug).name == "Long two"


def test_create_writes_its_audit_row_in_the_same_transaction(db, actor, workspace, owner):
    db.commit()  # the fixtures' rows stay; what create_app writes is in a new transaction
    created = create(db, actor, workspace, "Acme")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "app.created")).one()
    assert (event.target_type, event.target_id) == ("app", str(created.id))
    assert (event.workspace_id, event.account_id) == (workspace.id, workspace.account_id)
    assert event.actor_label == owner.email
    assert event.after == {"name": "Acme", "slug": "acme"}
    db.rollback()  # the caller's transaction fails: the app and its audit row go together
    assert app_count(db, workspace) == 0
    assert audit_rows(db, "app.created") == []


def test_rename_keeps_the_slug_and_records_the_change(db, actor, workspace):
    created = create(db, actor, workspace, "Acme")
    renamed = apps.rename_app(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug="acme", name=" Acme  EU "
    )
    assert (renamed.name, renamed.slug) == ("Acme EU", "acme")
    assert get(db, actor, workspace, "acme").name == "Acme EU"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "app.renamed")).one()
    assert (event.target_id, event.before, event.after) == (
        str(created.id),
        {"name": "Acme"},
        {"name": "Acme EU"},
    )
    apps.rename_app(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug="acme", name="Acme EU"
    )
    assert len(audit_rows(db, "app.renamed")) == 1  # unchanged: no second row


def test_rename_refuses_a_bad_name(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    with pytest.raises(Invalid) as refused:
        apps.rename_app(
            session=db, actor=actor, workspace_id=str(workspace.id), app_slug="acme", name="\x1b"
        )
    assert refused.value.field == "name"
    assert get(db, actor, workspace, "acme").name == "Acme"


def test_app_choices_are_by_name_ignoring_case(db, actor, workspace):
    for name in ("beta", "Alpha", "gamma"):
        create(db, actor, workspace, name)
    choices = apps.app_choices(session=db, actor=actor, workspace_id=str(workspace.id))
    assert [(c.name, c.slug) for c in choices] == [
        ("Alpha", "alpha"),
        ("beta", "beta"),
        ("gamma", "gamma"),
    ]


# State and baseline -------------------------------------------------------------------------


def test_a_new_app_is_in_setup_and_asks_for_an_email_sender(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    detail = get(db, actor, workspace, "acme")
    assert detail.state == AppState.SETUP
    assert detail.auth.sign_in_methods == ["password"]  # on by default
    assert [(item.gap, item.done) for item in detail.baseline] == [
        (Gap.SIGN_IN_METHOD, True),
        (Gap.EMAIL_SENDER, False),
        (Gap.API_KEY, False),
    ]
    assert (detail.next_action.label, detail.next_action.page) == (
        "Set an email sender",
        AppPage.EMAIL,
    )
    [card] = all_cards(db, actor, workspace)
    assert card.state == AppState.SETUP
    assert card.next_action == detail.next_action


def test_without_any_sign_in_method_the_first_gap_is_the_sign_in_method(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    set_sender(db, actor, workspace, "acme")
    add_key(db, actor, workspace, "acme")
    set_auth(db, actor, workspace, "acme", sign_in_methods=[])
    detail = get(db, actor, workspace, "acme")
    assert detail.state == AppState.SETUP
    assert (detail.next_action.label, detail.next_action.page) == (
        "Enable a sign-in method",
        AppPage.AUTH,
    )
    [card] = all_cards(db, actor, workspace)
    assert (card.state, card.next_action) == (AppState.SETUP, detail.next_action)


def test_with_only_a_sender_the_next_action_is_a_prod_key(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    set_sender(db, actor, workspace, "acme")
    detail = get(db, actor, workspace, "acme")
    assert detail.state == AppState.SETUP
    assert (detail.next_action.label, detail.next_action.page) == (
        "Create a prod API key",
        AppPage.API_KEYS,
    )


def test_a_sender_and_an_active_prod_key_make_an_app_ready(db, actor, workspace):
    ready_app(db, actor, workspace, "Acme")
    detail = get(db, actor, workspace, "acme")
    assert detail.state == AppState.READY
    assert all(item.done for item in detail.baseline)
    assert detail.next_action is None
    assert detail.blockers == []


def test_activity_within_seven_days_makes_a_ready_app_operating(db, actor, workspace):
    app = ready_app(db, actor, workspace, "Acme")
    set_active(db, app.id, timedelta(days=6, hours=23))
    assert get(db, actor, workspace, "acme").state == AppState.OPERATING
    set_active(db, app.id, timedelta(days=7, hours=1))
    assert get(db, actor, workspace, "acme").state == AppState.READY


def test_activity_does_not_lift_an_app_out_of_setup(db, actor, workspace):
    app = create(db, actor, workspace, "Acme")
    set_active(db, app.id, timedelta(hours=1))
    assert get(db, actor, workspace, "acme").state == AppState.SETUP


def _revoke(db, actor, workspace, slug, key):
    app_api_keys.revoke_key(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=slug, key_id=key.key.id
    )


def _expire(db, actor, workspace, slug, key):
    row = db.get(AppApiKey, key.key.id)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.flush()


@pytest.mark.parametrize(
    ("environment", "spoil"),
    [("prod", _revoke), ("prod", _expire), ("dev", None), ("staging", None)],
    ids=["revoked", "expired", "dev only", "staging only"],
)
def test_a_key_that_is_not_an_active_prod_key_does_not_count(
    db, actor, workspace, environment, spoil
):
    create(db, actor, workspace, "Acme")
    set_sender(db, actor, workspace, "acme")
    key = add_key(db, actor, workspace, "acme", environment=environment)
    if spoil is not None:
        spoil(db, actor, workspace, "acme", key)
    detail = get(db, actor, workspace, "acme")
    assert detail.state == AppState.SETUP
    assert detail.next_action.label == "Create a prod API key"
    [card] = all_cards(db, actor, workspace)
    assert card.state == AppState.SETUP
    assert count(db, actor, workspace, state="ready") == 0


def test_sql_and_python_agree_on_the_state_of_every_kind_of_app(db, actor, workspace):
    expected: dict[str, AppState] = {}

    def new(name):
        return create(db, actor, workspace, name, confirmed=True).slug

    expected[new("Fresh")] = AppState.SETUP
    slug = new("No methods")
    set_sender(db, actor, workspace, slug)
    add_key(db, actor, workspace, slug)
    set_auth(db, actor, workspace, slug, sign_in_methods=[])
    expected[slug] = AppState.SETUP
    slug = new("No key")
    set_sender(db, actor, workspace, slug)
    expected[slug] = AppState.SETUP
    for name, spoil in (("Revoked key", _revoke), ("Expired key", _expire)):
        slug = new(name)
        set_sender(db, actor, workspace, slug)
        spoil(db, actor, workspace, slug, add_key(db, actor, workspace, slug))
        expected[slug] = AppState.SETUP
    blank = create(db, actor, workspace, "Blank sender", confirmed=True)
    add_key(db, actor, workspace, blank.slug)
    row = db.get(App, blank.id)
    row.email_sender_address = ""  # as another writer (an import, the API) might leave it
    db.add(row)
    db.flush()
    expected[blank.slug] = AppState.SETUP
    slug = new("Dev key")
    set_sender(db, actor, workspace, slug)
    add_key(db, actor, workspace, slug, environment="dev")
    expected[slug] = AppState.SETUP
    no_sender_but_busy = create(db, actor, workspace, "Busy without sender", confirmed=True)
    add_key(db, actor, workspace, no_sender_but_busy.slug)
    set_active(db, no_sender_but_busy.id, timedelta(hours=1))
    expected[no_sender_but_busy.slug] = AppState.SETUP

    expected[ready_app(db, actor, workspace, "Ready").slug] = AppState.READY
    slug = ready_app(db, actor, workspace, "Magic link only").slug
    set_auth(db, actor, workspace, slug, sign_in_methods=["magic_link"])
    expected[slug] = AppState.READY
    slug = new("Revoked and active keys")
    set_sender(db, actor, workspace, slug)
    _revoke(db, actor, workspace, slug, add_key(db, actor, workspace, slug, name="Old"))
    add_key(db, actor, workspace, slug, name="New")
    expected[slug] = AppState.READY
    slug = new("Expiring key")
    set_sender(db, actor, workspace, slug)
    add_key(db, actor, workspace, slug, expires_in_days=2)
    expected[slug] = AppState.READY
    quiet = ready_app(db, actor, workspace, "Quiet")
    set_active(db, quiet.id, timedelta(days=8))
    expected[quiet.slug] = AppState.READY

    for name, ago in (("Busy", timedelta(hours=2)), ("Busy last week", timedelta(days=6))):
        busy = ready_app(db, actor, workspace, name)
        set_active(db, busy.id, ago)
        expected[busy.slug] = AppState.OPERATING

    python = {slug: get(db, actor, workspace, slug).state for slug in expected}
    assert python == expected
    assert {card.slug: card.state for card in all_cards(db, actor, workspace)} == expected
    for state in AppState:
        wanted = {slug for slug, s in expected.items() if s == state}
        assert wanted, state  # every state is among the apps
        assert {c.slug for c in all_cards(db, actor, workspace, state=state)} == wanted
        assert count(db, actor, workspace, state=state) == len(wanted)
    assert count(db, actor, workspace) == len(expected)
    assert count(db, actor, workspace, state="all") == len(expected)


# Blockers -----------------------------------------------------------------------------------


def test_a_prod_key_expiring_within_seven_days_is_a_blocker(db, actor, workspace):
    ready_app(db, actor, workspace, "Acme")  # its key never expires
    add_key(db, actor, workspace, "acme", name="Payments", expires_in_days=3)
    add_key(db, actor, workspace, "acme", name="Later", expires_in_days=30)
    add_key(db, actor, workspace, "acme", name="Dev", environment="dev", expires_in_days=2)
    revoked = add_key(db, actor, workspace, "acme", name="Revoked", expires_in_days=2)
    _revoke(db, actor, workspace, "acme", revoked)

    detail = get(db, actor, workspace, "acme")
    assert [(b.kind, b.message, b.page) for b in detail.blockers] == [
        (BlockerKind.KEY_EXPIRING, "API key Payments expires in 3 days.", AppPage.API_KEYS)
    ]
    assert detail.state == AppState.READY  # still an active key
    assert (detail.next_action.label, detail.next_action.page) == (
        "Replace the expiring API key",
        AppPage.API_KEYS,
    )
    [card] = all_cards(db, actor, workspace)
    assert card.blockers == detail.blockers
    assert card.next_action == detail.next_action


def test_a_key_expiring_tomorrow_says_so(db, actor, workspace):
    ready_app(db, actor, workspace, "Acme")
    add_key(db, actor, workspace, "acme", name="Payments", expires_in_days=1)
    [blocker] = get(db, actor, workspace, "acme").blockers
    assert blocker.message == "API key Payments expires in 1 day."


def test_an_organization_without_an_admin_member_is_a_blocker(db, actor, workspace):
    app = ready_app(db, actor, workspace, "Acme")
    add_organization(db, app.id, "Globex")  # nobody
    add_organization(db, app.id, "Initech", roles=("member", "member"))
    add_organization(db, app.id, "Umbrella", roles=("member", "admin"))
    add_organization(db, app.id, "Sandbox", environment="dev")  # not prod: not counted

    detail = get(db, actor, workspace, "acme")
    assert [(b.kind, b.message, b.page) for b in detail.blockers] == [
        (
            BlockerKind.ORGANIZATION_WITHOUT_ADMIN,
            "2 organizations have no admin member.",
            AppPage.ORGANIZATIONS,
        )
    ]
    assert detail.next_action.label == "Give each organization an admin"
    [card] = all_cards(db, actor, workspace)
    assert card.blockers == detail.blockers


def test_one_organization_without_an_admin_is_said_in_the_singular(db, actor, workspace):
    app = create(db, actor, workspace, "Acme")
    add_organization(db, app.id, "Globex", roles=("member",))
    [blocker] = get(db, actor, workspace, "acme").blockers
    assert blocker.message == "1 organization has no admin member."
    # A baseline gap comes before a blocker's fix.
    assert get(db, actor, workspace, "acme").next_action.label == "Set an email sender"


def test_a_frozen_workspace_is_the_first_blocker(db, actor, workspace):
    app = ready_app(db, actor, workspace, "Acme")
    add_key(db, actor, workspace, "acme", name="Payments", expires_in_days=3)
    add_organization(db, app.id, "Globex")
    set_status(db, workspace, WorkspaceStatus.FROZEN)

    detail = get(db, actor, workspace, "acme")
    assert [b.kind for b in detail.blockers] == [
        BlockerKind.WORKSPACE_FROZEN,
        BlockerKind.KEY_EXPIRING,
        BlockerKind.ORGANIZATION_WITHOUT_ADMIN,
    ]
    frozen = detail.blockers[0]
    assert "Production" in frozen.message and "frozen" in frozen.message
    [card] = all_cards(db, actor, workspace)
    assert card.blockers == detail.blockers


def test_an_active_workspace_has_no_frozen_blocker(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    assert get(db, actor, workspace, "acme").blockers == []
    assert all_cards(db, actor, workspace)[0].blockers == []


# The portfolio --------------------------------------------------------------------------------


def test_search_matches_a_part_of_the_name_or_the_slug_ignoring_case(db, actor, workspace):
    create(db, actor, workspace, "Acme Billing")
    create(db, actor, workspace, "Payroll", slug="acme-payroll")
    create(db, actor, workspace, "Globex")
    assert {c.name for c in all_cards(db, actor, workspace, search="ACME")} == {
        "Acme Billing",
        "Payroll",
    }
    assert {c.name for c in all_cards(db, actor, workspace, search="  bIlLiNg ")} == {
        "Acme Billing"
    }
    assert {c.name for c in all_cards(db, actor, workspace, search="e-pay")} == {"Payroll"}
    assert all_cards(db, actor, workspace, search="initech") == []
    assert count(db, actor, workspace, search="acme") == 2
    assert count(db, actor, workspace, search="") == 3


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("50%", {"50% Off"}),
        ("%", {"50% Off"}),
        ("e_c", {"snake_case tool"}),
        ("_", {"snake_case tool"}),
    ],
)
def test_search_takes_percent_and_underscore_literally(db, actor, workspace, search, found):
    for name in ("50% Off", "500 Deals", "snake_case tool", "snakeXcase", "Plain"):
        create(db, actor, workspace, name, confirmed=True)
    assert {c.name for c in all_cards(db, actor, workspace, search=search)} == found
    assert count(db, actor, workspace, search=search) == len(found)


def test_search_finds_a_non_ascii_name_as_typed(db, actor, workspace):
    create(db, actor, workspace, "Äpfel Shop")
    assert [c.name for c in all_cards(db, actor, workspace, search="Äpfel")] == ["Äpfel Shop"]


def test_search_refuses_control_characters(db, actor, workspace):
    with pytest.raises(Invalid) as refused:
        listing(db, actor, workspace, search="acme\x00")
    assert refused.value.field == "search"


def test_an_unknown_state_is_refused(db, actor, workspace):
    with pytest.raises(Invalid) as refused:
        listing(db, actor, workspace, state="archived")
    assert refused.value.field == "state"
    with pytest.raises(Invalid) as refused:
        count(db, actor, workspace, state="archived")
    assert refused.value.field == "state"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"sort": "slug"}, "sort"), ({"direction": "up"}, "direction"), ({"limit": 0}, "limit")],
)
def test_an_unknown_sort_direction_or_limit_is_refused(db, actor, workspace, kwargs, field):
    with pytest.raises(Invalid) as refused:
        listing(db, actor, workspace, **kwargs)
    assert refused.value.field == field


def _walk(db, actor, workspace, **kwargs):
    """Every card, page by page (limit 2); and how many pages it took."""
    cards, cursor, pages = [], None, 0
    while True:
        page = listing(db, actor, workspace, limit=2, cursor=cursor, **kwargs)
        pages += 1
        cards += page.items
        cursor = page.next_cursor
        if cursor is None:
            return cards, pages
        assert pages < 20, "the walk does not end"


@pytest.mark.parametrize("sort", ["name", "created_at"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_paging_walks_every_app_exactly_once_in_order(db, actor, workspace, sort, direction):
    for name in ("beta", "Alpha", "alpha", "Gamma", "delta", "Beta", "epsilon"):
        create(db, actor, workspace, name, confirmed=True)
    cards, pages = _walk(db, actor, workspace, sort=sort, direction=direction)
    assert pages == 4
    assert len(cards) == 7
    assert len({c.id for c in cards}) == 7

    def key(card):
        return (card.name.lower(), card.id) if sort == "name" else (card.created_at, card.id)

    assert cards == sorted(cards, key=key, reverse=direction == "desc")


def test_paging_with_a_filter_walks_only_the_matching_apps(db, actor, workspace):
    for n in range(5):
        ready_app(db, actor, workspace, f"Ready {n}")
    for n in range(4):
        create(db, actor, workspace, f"Setup {n}", confirmed=True)
    cards, _ = _walk(db, actor, workspace, state="ready")
    assert sorted(c.name for c in cards) == [f"Ready {n}" for n in range(5)]


@pytest.mark.parametrize(
    "forge",
    [
        lambda cursor: "not a cursor",
        lambda cursor: cursor[:-3],
        lambda cursor: cursor[::-1],
        lambda cursor: "eyJsIjoiYXBwcyJ9",  # {"l":"apps"}: well-formed, wrong shape
    ],
    ids=["garbage", "truncated", "reversed", "wrong shape"],
)
def test_a_forged_cursor_is_refused(db, actor, workspace, forge):
    for name in ("Alpha", "Beta", "Gamma"):
        create(db, actor, workspace, name)
    cursor = listing(db, actor, workspace, limit=1).next_cursor
    assert cursor
    with pytest.raises(InvalidCursor) as refused:
        listing(db, actor, workspace, limit=1, cursor=forge(cursor))
    assert refused.value.field == "cursor"


def test_a_cursor_of_another_sort_is_refused(db, actor, workspace):
    for name in ("Alpha", "Beta", "Gamma"):
        create(db, actor, workspace, name)
    cursor = listing(db, actor, workspace, limit=1, sort="name").next_cursor
    with pytest.raises(InvalidCursor):
        listing(db, actor, workspace, limit=1, sort="created_at", cursor=cursor)
    with pytest.raises(InvalidCursor):
        listing(db, actor, workspace, limit=1, sort="name", direction="desc", cursor=cursor)


def test_counts_are_of_the_prod_environment_only(db, actor, workspace):
    app = create(db, actor, workspace, "Acme")
    other = create(db, actor, workspace, "Globex")
    add_organization(db, app.id, "One", roles=("admin",))
    add_organization(db, app.id, "Two", roles=("admin", "member"))
    add_organization(db, app.id, "Dev org", environment="dev", roles=("admin",))
    add_organization(db, app.id, "Staging org", environment="staging", roles=("admin", "admin"))
    db.add(EndUser(app_id=app.id, environment="prod", email="loner@customer.example"))
    db.flush()

    detail = get(db, actor, workspace, "acme")
    assert (detail.organizations, detail.end_users) == (2, 4)
    cards = {c.slug: c for c in all_cards(db, actor, workspace)}
    assert (cards["acme"].organizations, cards["acme"].end_users) == (2, 4)
    assert (cards[other.slug].organizations, cards[other.slug].end_users) == (0, 0)


def _statements_for_one_page(db, actor, workspace):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    db.flush()
    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = listing(db, actor, workspace)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return page, statements


def test_one_page_takes_the_same_number_of_queries_for_3_apps_and_for_30(db, actor, account_id):
    small = make_workspace(db, account_id, "Small")
    large = make_workspace(db, account_id, "Large")
    for workspace, how_many in ((small, 3), (large, 30)):
        for n in range(how_many):
            app = create(db, actor, workspace, f"App {n:02}", confirmed=True)
            set_sender(db, actor, workspace, app.slug)
            add_key(db, actor, workspace, app.slug, expires_in_days=3)
            add_organization(db, app.id, f"Org{n}", roles=("member",))

    small_page, small_statements = _statements_for_one_page(db, actor, small)
    large_page, large_statements = _statements_for_one_page(db, actor, large)
    assert len(small_page.items) == 3
    assert len(large_page.items) == 25
    for card in large_page.items:  # each card's counts and blockers were read
        assert card.organizations == 1 and card.end_users == 1
        assert [b.kind for b in card.blockers] == [
            BlockerKind.KEY_EXPIRING,
            BlockerKind.ORGANIZATION_WITHOUT_ADMIN,
        ]
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)


# Permissions --------------------------------------------------------------------------------


def _writes(db, workspace, slug, key_id):
    """Every write on an app, as (name, call(actor))."""
    ws = str(workspace.id)
    return [
        ("create", lambda a: apps.create_app(session=db, actor=a, workspace_id=ws, name="New")),
        (
            "rename",
            lambda a: apps.rename_app(
                session=db, actor=a, workspace_id=ws, app_slug=slug, name="Renamed"
            ),
        ),
        (
            "email settings",
            lambda a: apps.update_email_settings(
                session=db,
                actor=a,
                workspace_id=ws,
                app_slug=slug,
                sender_name="X",
                sender_address="x@example.com",
            ),
        ),
        (
            "auth settings",
            lambda a: apps.update_auth_settings(
                session=db, actor=a, workspace_id=ws, app_slug=slug, sign_in_methods=["google"]
            ),
        ),
        (
            "delete",
            lambda a: apps.delete_app(
                session=db, actor=a, workspace_id=ws, app_slug=slug, confirm_name="Acme"
            ),
        ),
        (
            "create key",
            lambda a: app_api_keys.create_key(
                session=db, actor=a, workspace_id=ws, app_slug=slug, name="K"
            ),
        ),
        (
            "revoke key",
            lambda a: app_api_keys.revoke_key(
                session=db, actor=a, workspace_id=ws, app_slug=slug, key_id=key_id
            ),
        ),
    ]


def _reads(db, workspace, slug):
    ws = str(workspace.id)
    return [
        ("list", lambda a: apps.list_apps(session=db, actor=a, workspace_id=ws)),
        ("count", lambda a: apps.count_apps(session=db, actor=a, workspace_id=ws)),
        ("choices", lambda a: apps.app_choices(session=db, actor=a, workspace_id=ws)),
        ("get", lambda a: apps.get_app(session=db, actor=a, workspace_id=ws, app_slug=slug)),
        (
            "list keys",
            lambda a: app_api_keys.list_keys(session=db, actor=a, workspace_id=ws, app_slug=slug),
        ),
    ]


def _unchanged(db, actor, workspace):
    """The app as the fixture made it: nothing a refused write did shows."""
    detail = get(db, actor, workspace, "acme")
    assert detail.name == "Acme"
    assert detail.email.sender_address == ""
    assert detail.auth.sign_in_methods == ["password"]
    assert app_count(db, workspace) == 1
    keys = db.exec(select(AppApiKey)).all()
    assert [(k.name, k.revoked_at) for k in keys] == [("Billing", None)]


@pytest.fixture
def acme(db, actor, workspace):
    """The app "Acme" and its one prod key."""
    create(db, actor, workspace, "Acme")
    return add_key(db, actor, workspace, "acme")


@pytest.mark.parametrize("through", ["workspace", "account"])
def test_a_reader_can_read_but_every_write_is_denied(
    db, actor, workspace, account_id, acme, through
):
    reader = make_user(db)
    if through == "workspace":
        grant(db, reader.id, workspace_id=workspace.id, permission="read")
    else:
        grant(db, reader.id, account_id=account_id, permission="read")
    as_reader = actor_for(db, reader)

    for name, call in _reads(db, workspace, "acme"):
        assert call(as_reader) is not None, name
    assert [c.slug for c in all_cards(db, as_reader, workspace)] == ["acme"]
    detail = get(db, as_reader, workspace, "acme")
    assert (detail.can_administer, detail.read_only_reason) == (False, "")
    for name, call in _writes(db, workspace, "acme", acme.key.id):
        with pytest.raises(PermissionDenied):
            call(as_reader)
            pytest.fail(f"{name} was allowed")
    _unchanged(db, actor, workspace)
    assert get(db, actor, workspace, "acme").can_administer is True


def test_someone_without_a_grant_finds_nothing(db, actor, workspace, acme):
    stranger = actor_for(db, make_user(db))
    for name, call in _reads(db, workspace, "acme") + _writes(db, workspace, "acme", acme.key.id):
        with pytest.raises(NotFound):
            call(stranger)
            pytest.fail(f"{name} was allowed")
    _unchanged(db, actor, workspace)


def test_a_platform_admin_without_a_grant_finds_nothing(db, actor, workspace, acme):
    staff = actor_for(db, make_user(db, platform_admin=True))
    with pytest.raises(NotFound):
        get(db, staff, workspace, "acme")


def test_an_app_of_another_workspace_is_not_found(db, actor, workspace, account_id):
    other = make_workspace(db, account_id, "Staging")
    create(db, actor, other, "Acme")
    key = add_key(db, actor, other, "acme")
    for name, call in (
        _reads(db, workspace, "acme")[3:] + _writes(db, workspace, "acme", key.key.id)[1:]
    ):
        with pytest.raises(NotFound):
            call(actor)
            pytest.fail(f"{name} found the other workspace's app")
    assert get(db, actor, other, "acme").name == "Acme"
    assert db.get(AppApiKey, key.key.id).revoked_at is None


@pytest.mark.parametrize(
    "slug", ["ACME", "acme ", "", None, 42, "a" * 5000, "../acme", "acme%", "acm_"]
)
def test_a_slug_that_is_not_exactly_an_apps_slug_is_not_found(db, actor, workspace, slug):
    create(db, actor, workspace, "Acme")
    with pytest.raises(NotFound):
        get(db, actor, workspace, slug)


@pytest.mark.parametrize(
    "workspace_id", ["not-a-uuid", "0b7c2f4e-5d1a-4c3b-9e8f-123456789abc", "", None]
)
def test_a_workspace_that_does_not_exist_is_not_found(db, actor, workspace_id):
    with pytest.raises(NotFound):
        apps.list_apps(session=db, actor=actor, workspace_id=workspace_id)


@pytest.mark.parametrize(
    ("status", "refusal", "reason"),
    [
        (WorkspaceStatus.FROZEN, Frozen, "frozen"),
        (WorkspaceStatus.OFFBOARDING, ReadOnly, "offboarded"),
    ],
)
def test_on_a_frozen_or_offboarding_workspace_reads_work_and_every_write_is_refused(
    db, actor, workspace, acme, status, refusal, reason
):
    set_status(db, workspace, status)
    for name, call in _reads(db, workspace, "acme"):
        assert call(actor) is not None, name
    assert [c.slug for c in all_cards(db, actor, workspace)] == ["acme"]
    for name, call in _writes(db, workspace, "acme", acme.key.id):
        with pytest.raises(refusal):
            call(actor)
            pytest.fail(f"{name} was allowed")
    _unchanged(db, actor, workspace)
    detail = get(db, actor, workspace, "acme")
    assert detail.can_administer is True  # the grant stands; writes wait for the workspace
    assert reason in detail.read_only_reason
    assert "Production" in detail.read_only_reason


def test_an_active_workspace_gives_no_read_only_reason(db, actor, workspace, acme):
    assert get(db, actor, workspace, "acme").read_only_reason == ""


# Settings -------------------------------------------------------------------------------------


def test_email_settings_are_saved_and_recorded_once(db, actor, workspace):
    app = create(db, actor, workspace, "Acme")
    saved = apps.update_email_settings(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug="acme",
        sender_name="  Acme   Support ",
        sender_address=" Support@Acme.Example ",
        reply_to="help@acme.example",
    )
    assert saved.model_dump() == {
        "sender_name": "Acme Support",
        "sender_address": "support@acme.example",
        "reply_to": "help@acme.example",
    }
    assert get(db, actor, workspace, "acme").email == saved
    [event] = audit_rows(db, "app.email_settings_changed")
    assert event.target_id == str(app.id)
    assert event.before == {"sender_name": "", "sender_address": "", "reply_to": ""}
    assert event.after == saved.model_dump()

    apps.update_email_settings(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug="acme",
        sender_name="Acme Support",
        sender_address="support@acme.example",
        reply_to="help@acme.example",
    )
    assert len(audit_rows(db, "app.email_settings_changed")) == 1  # unchanged: no row


_GOOD_EMAIL = {"sender_name": "Acme", "sender_address": "hello@acme.example", "reply_to": ""}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sender_address": "not-an-email"}, "sender_address"),
        ({"sender_address": ""}, "sender_address"),
        ({"sender_address": "a b@acme.example"}, "sender_address"),
        ({"sender_address": "hello@acme"}, "sender_address"),
        ({"sender_address": "hello@@acme.example"}, "sender_address"),
        ({"sender_address": "x" * 320 + "@acme.example"}, "sender_address"),
        ({"reply_to": "nobody"}, "reply_to"),
        ({"reply_to": "help@acme.example\x00"}, "reply_to"),
        ({"sender_name": ""}, "sender_name"),
        ({"sender_name": "   "}, "sender_name"),
        ({"sender_name": "x" * 81}, "sender_name"),
        ({"sender_name": "Acme\nSupport"}, "sender_name"),
    ],
)
def test_bad_email_settings_name_their_field_and_save_nothing(db, actor, workspace, change, field):
    create(db, actor, workspace, "Acme")
    before = get(db, actor, workspace, "acme").email
    with pytest.raises(Invalid) as refused:
        apps.update_email_settings(
            session=db,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug="acme",
            **{**_GOOD_EMAIL, **change},
        )
    assert refused.value.field == field
    assert get(db, actor, workspace, "acme").email == before
    assert audit_rows(db, "app.email_settings_changed") == []


def test_auth_settings_are_saved_and_recorded_once(db, actor, workspace):
    app = create(db, actor, workspace, "Acme")
    apps.set_oauth_client(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug="acme",
        provider="github",
        client_id="Iv1.abc",
        client_secret="gh-secret-123",
    )
    before = get(db, actor, workspace, "acme").auth
    wanted = {
        "sign_in_methods": ["github", "magic_link", "github"],
        "password_min_length": "8",
        "password_require_uppercase": True,
        "password_require_digit": True,
        "session_lifetime_minutes": 5,
        "mfa_required": True,
        "redirect_urls": "https://acme.example/callback\n\nhttp://localhost:3000/cb\n"
        "http://127.0.0.1:8080/cb\nhttps://acme.example/callback",
    }
    saved = set_auth(db, actor, workspace, "acme", **wanted)
    assert saved.sign_in_methods == ["magic_link", "github"]
    assert saved.password_min_length == 8
    assert (saved.password_require_uppercase, saved.password_require_digit) == (True, True)
    assert (saved.password_require_lowercase, saved.password_require_symbol) == (False, False)
    assert (saved.session_lifetime_minutes, saved.mfa_required) == (5, True)
    assert saved.redirect_urls == [
        "https://acme.example/callback",
        "http://localhost:3000/cb",
        "http://127.0.0.1:8080/cb",
    ]
    assert get(db, actor, workspace, "acme").auth == saved
    [event] = audit_rows(db, "app.auth_settings_changed")
    assert event.target_id == str(app.id)
    assert (event.before, event.after) == (before.model_dump(), saved.model_dump())

    set_auth(db, actor, workspace, "acme", **wanted)
    assert len(audit_rows(db, "app.auth_settings_changed")) == 1  # unchanged: no row


def test_saving_the_default_auth_settings_of_a_new_app_records_nothing(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    set_auth(db, actor, workspace, "acme")
    assert audit_rows(db, "app.auth_settings_changed") == []


def test_the_bounds_of_the_password_length_and_session_lifetime_are_allowed(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    saved = set_auth(
        db, actor, workspace, "acme", password_min_length=128, session_lifetime_minutes=129600
    )
    assert (saved.password_min_length, saved.session_lifetime_minutes) == (128, 129600)


# Every bad value is tried beside good changes to other settings: none of them is saved.
_GOOD_AUTH = {
    "sign_in_methods": ["magic_link", "google"],
    "password_min_length": 16,
    "password_require_symbol": True,
    "session_lifetime_minutes": 60,
    "mfa_required": True,
    "redirect_urls": ["https://acme.example/cb"],
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sign_in_methods": ["password", "sms"]}, "sign_in_methods"),
        ({"sign_in_methods": ["PASSWORD"]}, "sign_in_methods"),
        ({"password_min_length": 7}, "password_min_length"),
        ({"password_min_length": 129}, "password_min_length"),
        ({"password_min_length": "twelve"}, "password_min_length"),
        ({"password_min_length": 12.5}, "password_min_length"),
        ({"password_min_length": None}, "password_min_length"),
        ({"session_lifetime_minutes": 4}, "session_lifetime_minutes"),
        ({"session_lifetime_minutes": 60 * 24 * 90 + 1}, "session_lifetime_minutes"),
        ({"session_lifetime_minutes": "forever"}, "session_lifetime_minutes"),
        ({"redirect_urls": ["http://acme.example/cb"]}, "redirect_urls"),
        ({"redirect_urls": ["ftp://acme.example/cb"]}, "redirect_urls"),
        ({"redirect_urls": ["javascript:alert(1)"]}, "redirect_urls"),
        ({"redirect_urls": ["https://"]}, "redirect_urls"),
        ({"redirect_urls": ["https:///cb"]}, "redirect_urls"),
        ({"redirect_urls": ["https://acme.example/a b"]}, "redirect_urls"),
        ({"redirect_urls": ["https://acme.example/" + "x" * 2000]}, "redirect_urls"),
        ({"redirect_urls": [f"https://acme.example/{n}" for n in range(21)]}, "redirect_urls"),
        ({"redirect_urls": ["https://ok.example/cb", "acme.example/cb"]}, "redirect_urls"),
    ],
)
def test_bad_auth_settings_name_their_field_and_save_nothing(db, actor, workspace, change, field):
    create(db, actor, workspace, "Acme")
    before = get(db, actor, workspace, "acme").auth
    with pytest.raises(Invalid) as refused:
        set_auth(db, actor, workspace, "acme", **{**_GOOD_AUTH, **change})
    assert refused.value.field == field
    assert get(db, actor, workspace, "acme").auth == before
    assert audit_rows(db, "app.auth_settings_changed") == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost.evil.example/cb",
        "http://localhost@evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
    ],
)
def test_http_is_allowed_for_localhost_only(db, actor, workspace, url):
    create(db, actor, workspace, "Acme")
    with pytest.raises(Invalid) as refused:
        set_auth(db, actor, workspace, "acme", redirect_urls=[url])
    assert refused.value.field == "redirect_urls"
    assert get(db, actor, workspace, "acme").auth.redirect_urls == []


# Delete ---------------------------------------------------------------------------------------


def _owned_rows(db, app_id):
    """How many rows of each kind the app owns."""
    return {
        "keys": db.exec(select(func.count()).where(AppApiKey.app_id == app_id)).one(),
        "organizations": db.exec(select(func.count()).where(Organization.app_id == app_id)).one(),
        "end users": db.exec(select(func.count()).where(EndUser.app_id == app_id)).one(),
        "memberships": db.exec(
            select(func.count())
            .select_from(OrganizationMember)
            .join(Organization, OrganizationMember.organization_id == Organization.id)
            .where(Organization.app_id == app_id)
        ).one(),
        "activity": db.exec(select(func.count()).where(AppActivity.app_id == app_id)).one(),
        "visits": db.exec(select(func.count()).where(AppVisit.app_id == app_id)).one(),
    }


def _furnish(db, actor, workspace, app):
    add_key(db, actor, workspace, app.slug, name="Prod")
    add_key(db, actor, workspace, app.slug, name="Dev", environment="dev")
    organization = add_organization(db, app.id, f"{app.name} Org", roles=("admin", "member"))
    db.add(EndUser(app_id=app.id, email=f"solo@{app.slug}.example"))
    db.add(AppActivity(app_id=app.id, day=date.today(), api_calls=3))
    db.add(AppActivity(app_id=app.id, organization_id=organization.id, day=date.today()))
    db.flush()


def test_delete_removes_the_app_and_everything_it_owns(db, actor, workspace, owner):
    app = create(db, actor, workspace, "Acme")
    kept = create(db, actor, workspace, "Globex")
    _furnish(db, actor, workspace, app)
    _furnish(db, actor, workspace, kept)
    other_user = actor_for(db, make_user(db))
    grant(db, other_user.user_id, workspace_id=workspace.id, permission="read")
    apps.get_app(
        session=db, actor=other_user, workspace_id=str(workspace.id), app_slug="acme", visit=True
    )
    db.flush()
    furnished = {
        "keys": 2,
        "organizations": 1,
        "end users": 3,
        "memberships": 2,
        "activity": 2,
        "visits": 2,
    }
    assert _owned_rows(db, app.id) == furnished

    apps.delete_app(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug="acme",
        confirm_name="Acme",
    )
    db.expire_all()
    assert db.get(App, app.id) is None
    assert _owned_rows(db, app.id) == dict.fromkeys(furnished, 0)
    assert _owned_rows(db, kept.id)["keys"] == 2  # another app's rows stay
    assert _owned_rows(db, kept.id)["end users"] == 3
    with pytest.raises(NotFound):
        get(db, actor, workspace, "acme")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "app.deleted")).one()
    assert (event.target_type, event.target_id) == ("app", str(app.id))
    assert event.workspace_id == workspace.id
    assert event.actor_label == owner.email
    assert event.before == {"name": "Acme", "slug": "acme"}


@pytest.mark.parametrize("confirm_name", ["", "acme", "Acm", "Acme Billing", "ACME", None])
def test_delete_needs_the_exact_name(db, actor, workspace, confirm_name):
    app = create(db, actor, workspace, "Acme")
    add_key(db, actor, workspace, "acme")
    with pytest.raises(Invalid) as refused:
        apps.delete_app(
            session=db,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug="acme",
            confirm_name=confirm_name,
        )
    assert refused.value.field == "confirm_name"
    assert get(db, actor, workspace, "acme").id == app.id
    assert _owned_rows(db, app.id)["keys"] == 1
    assert audit_rows(db, "app.deleted") == []


def test_the_workspace_is_unaffected_by_deleting_its_app(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    apps.delete_app(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug="acme",
        confirm_name="Acme",
    )
    assert db.get(Workspace, workspace.id) is not None
    assert count(db, actor, workspace) == 0
    assert create(db, actor, workspace, "Acme").slug == "acme"  # its slug is free again


def test_oauth_sign_in_needs_a_saved_client_whose_secret_is_sealed(db, actor, workspace):
    create(db, actor, workspace, "Acme")
    with pytest.raises(Invalid) as refused:
        set_auth(db, actor, workspace, "acme", sign_in_methods=["password", "google"])
    assert refused.value.field == "sign_in_methods" and "Google" in refused.value.message
    ids = {"session": db, "actor": actor, "workspace_id": str(workspace.id), "app_slug": "acme"}
    with pytest.raises(Invalid) as refused:
        apps.set_oauth_client(**ids, provider="google", client_id="abc.apps", client_secret="")
    assert refused.value.field == "google_client_secret"
    saved = apps.set_oauth_client(
        **ids, provider="google", client_id="abc.apps", client_secret="GOCSPX-top-secret"
    )
    assert (saved.google_client_id, saved.google_secret_set) == ("abc.apps", True)
    row = db.exec(select(App).where(App.slug == "acme")).one()
    assert "GOCSPX-top-secret" not in row.google_client_secret_sealed
    assert sealing.unseal(row.google_client_secret_sealed) == "GOCSPX-top-secret"
    assert all("GOCSPX" not in str(e.after) for e in audit_rows(db, "app.oauth_client_saved"))
    # The ID alone can be corrected; the secret stays.
    apps.set_oauth_client(**ids, provider="google", client_id="fixed.apps")
    db.refresh(row)
    assert sealing.unseal(row.google_client_secret_sealed) == "GOCSPX-top-secret"
    enabled = set_auth(db, actor, workspace, "acme", sign_in_methods=["password", "google"])
    assert enabled.sign_in_methods == ["password", "google"]
    # Removing the client turns its sign-in off.
    removed = apps.remove_oauth_client(**ids, provider="google")
    assert removed.sign_in_methods == ["password"] and not removed.google_secret_set
    with pytest.raises(Invalid):
        apps.set_oauth_client(**ids, provider="twitter", client_id="x", client_secret="y")
