"""Developer apps' icons, served beside the API with the session cookie: the type their bytes
were checked to be, nosniff, a year's cache keyed by the hash, and 404 for anything else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from portal.domain.developer import TeamRole
from portal.models import DeveloperAppMember
from portal.services import developer_apps, developer_icons
from tests.api_app import shared_api
from tests.factories import actor_for, make_user, sign_in
from tests.services.test_developer_icons import JPEG, PNG
from tests.services.test_installations import developer


@pytest.fixture
def icon(db):
    dev = developer(db, "Dana Developer")
    app = developer_apps.create_app(session=db, actor=dev, name="Icon App")
    info = developer_icons.set_icon(session=db, actor=dev, app_id=app.id, data=PNG)
    someone = make_user(db, name="Anyone")
    actor_for(db, someone)
    cookie = sign_in(db, someone)[0]
    db.commit()
    return app.id, info, cookie


def _get(path: str, cookie: str | None, **headers):
    client = TestClient(shared_api())
    if cookie:
        client.cookies.set("portal_session", cookie)
    return client.get(path, headers=headers)


def test_the_icon_is_served_with_its_type_nosniff_and_a_cache_keyed_by_its_hash(icon):
    _app_id, info, cookie = icon
    response = _get(info.url, cookie)
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"] == f'"{info.sha256}"'
    assert "immutable" in response.headers["cache-control"]
    assert "max-age=31536000" in response.headers["cache-control"]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    again = _get(info.url, cookie, **{"If-None-Match": f'"{info.sha256}"'})
    assert (again.status_code, again.content) == (304, b"")


def test_a_replaced_icon_is_served_at_its_new_hash_only(db, icon):
    app_id, old, cookie = icon
    dev = developer(db, "Other Dev")
    db.add(DeveloperAppMember(app_id=app_id, user_id=dev.user_id, role=TeamRole.DEVELOPER))
    new = developer_icons.set_icon(session=db, actor=dev, app_id=app_id, data=JPEG)
    db.commit()
    assert _get(old.url, cookie).status_code == 404
    response = _get(new.url, cookie)
    assert (response.status_code, response.headers["content-type"]) == (200, "image/jpeg")


@pytest.mark.parametrize(
    "path",
    [
        "/developer-icons/999999?v={sha}",
        "/developer-icons/{app_id}",
        "/developer-icons/{app_id}?v=0000",
        "/developer-icons/99999999999999999999?v={sha}",
    ],
)
def test_unknown_icons_are_not_found(icon, path):
    app_id, info, cookie = icon
    response = _get(path.format(app_id=app_id, sha=info.sha256), cookie)
    assert response.status_code == 404
    assert PNG not in response.content


def test_a_signed_out_browser_gets_no_icon(icon):
    _app_id, info, _cookie = icon
    assert _get(info.url, None).status_code == 401
