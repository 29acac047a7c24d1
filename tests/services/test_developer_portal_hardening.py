"""The developer portal's services against hostile input and races (found in review): such
input is refused with a clear Portal error (NotFound, Invalid, Conflict) or handled, never an
unhandled exception (the browser would show "Something went wrong"), and the consent page reads
only what it shows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlmodel import select

from portal.db import transaction
from portal.domain.developer import Visibility
from portal.domain.errors import NotFound, PortalError
from portal.models import DeveloperAppIcon, DeveloperAppInstallation, DeveloperAppVersion
from portal.models._base import utcnow as real_utcnow
from portal.services import developer_apps, developer_icons, developer_team, installations
from tests.factories import account_of, actor_for, make_user, make_workspace
from tests.services.test_developer_icons import PNG
from tests.services.test_installations import MANIFEST, developer, set_visibility

LONE_SURROGATE = "\ud800"  # what a hostile client's JSON "\ud800" decodes to


@pytest.fixture
def dev(db):
    return developer(db, "Dana Developer")


@pytest.fixture
def app(db, dev):
    app = developer_apps.create_app(session=db, actor=dev, name="Acme Sync")
    developer_apps.save_draft(session=db, actor=dev, app_id=app.id, text=MANIFEST)
    developer_apps.publish(session=db, actor=dev, app_id=app.id)
    return app


# 1. An invitation link's token is untrusted (a route param): a lone surrogate crashes
#    developer_team._by_token (token_hash -> str.encode) instead of "not valid".


def test_an_invitation_token_holding_a_lone_surrogate_is_not_found(db, dev) -> None:
    with pytest.raises(NotFound):
        developer_team.get_invitation(session=db, token="abc" + LONE_SURROGATE)


def test_accepting_an_invitation_token_holding_a_lone_surrogate_is_not_found(db, dev) -> None:
    with pytest.raises(NotFound):
        developer_team.accept_invitation(session=db, actor=dev, token=LONE_SURROGATE * 10)


# 2. The consent page's workspace search (InstallState.search_workspaces passes str(text)[:80])
#    reaches installations._choices unsanitised: a lone surrogate cannot be bound (SQLite:
#    UnicodeEncodeError; PostgreSQL refuses NUL too). directory.list_directory strips both.


def test_the_consent_search_with_a_lone_surrogate_is_searched_without_it(db, dev, app) -> None:
    admin_user = make_user(db, email="admin@example.com", name="Ada Admin", account_name="Acme")
    make_workspace(db, account_of(db, admin_user.id), "Production")
    admin = actor_for(db, admin_user)
    set_visibility(db, app, Visibility.UNLISTED)  # anyone with the link may install it
    token = installations.create_link(session=db, actor=dev, app_id=app.id).url.rsplit("/", 1)[1]
    found = installations.consent(
        session=db, actor=admin, token=token, search="Prod" + LONE_SURROGATE
    )
    # The characters no database stores are dropped from the term (as the directory's search
    # does): what remains is searched.
    assert [choice.name for choice in found.workspaces] == ["Production"]


# 3. Two first uploads of an app's icon at the same moment: set_icon reads "no icon row",
#    then both INSERT the row keyed by app_id; the loser gets an IntegrityError (a 500 /
#    "Something went wrong"), not a Portal error or a quiet last-writer-wins.


def test_two_first_icon_uploads_at_once_do_not_crash(db, dev, app, monkeypatch) -> None:
    db.commit()
    barrier = Barrier(2, timeout=10)

    def utcnow_after_both_read():
        # set_icon calls utcnow() once, after it read the (absent) icon row and before it
        # inserts one: both callers have read before either writes, as two requests can.
        barrier.wait()
        return real_utcnow()

    monkeypatch.setattr(developer_icons, "utcnow", utcnow_after_both_read)

    def upload(n: int):
        try:
            with transaction() as session:
                developer_icons.set_icon(
                    session=session, actor=dev, app_id=app.id, data=PNG + bytes([n])
                )
            return "saved"
        except PortalError as error:
            return f"refused: {error.message}"
        except Exception as error:  # noqa: BLE001 - what the test is about
            return f"crashed: {type(error).__name__}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(upload, range(2)))
    assert not [o for o in outcomes if o.startswith("crashed")], outcomes
    db.expire_all()
    assert len(db.exec(select(DeveloperAppIcon)).all()) == 1


# 4. The consent page reads every installation of the app, in every tenant's workspace, to
#    mark the (at most CHOICES_LIMIT) workspaces it offers: installations.consent builds
#    `installed = dict(...)` over DeveloperAppInstallation.app_id == app.id with no bound. For a
#    public app (the directory's consent page, open to every signed-in person) that read grows
#    with the app's install count on every page load and every search keystroke.


def test_the_consent_page_reads_no_more_installations_than_it_can_show(
    db, dev, app, monkeypatch
) -> None:
    version = db.exec(select(DeveloperAppVersion).where(DeveloperAppVersion.app_id == app.id)).one()
    elsewhere = make_user(db, email="other@example.com", name="Other Tenant", account_name="Else")
    other_account = account_of(db, elsewhere.id)
    for n in range(3 * installations.CHOICES_LIMIT):  # installed in other tenants' workspaces
        workspace = make_workspace(db, other_account, f"Theirs {n}")
        db.add(
            DeveloperAppInstallation(
                app_id=app.id,
                workspace_id=workspace.id,
                version_id=version.id,
                installed_by_user_id=elsewhere.id,
                installed_at=real_utcnow(),
            )
        )
    admin_user = make_user(db, email="admin@example.com", name="Ada Admin", account_name="Acme")
    make_workspace(db, account_of(db, admin_user.id), "Production")
    admin = actor_for(db, admin_user)
    set_visibility(db, app, Visibility.UNLISTED)  # anyone with the link may install it
    token = installations.create_link(session=db, actor=dev, app_id=app.id).url.rsplit("/", 1)[1]

    sizes: list[int] = []

    def counting_dict(*args, **kwargs):  # the module's `dict(...)` calls, measured
        built = dict(*args, **kwargs)
        sizes.append(len(built))
        return built

    monkeypatch.setattr(installations, "dict", counting_dict, raising=False)
    found = installations.consent(session=db, actor=admin, token=token)
    assert len(found.workspaces) == 1
    # What matters is the installations in the offered workspaces (one here); it read 60.
    assert max(sizes, default=0) <= installations.CHOICES_LIMIT + 1, sizes
