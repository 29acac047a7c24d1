"""A developer app's icon: its kind read from its bytes, its size bounded, set and removed by
the team's developers (audited), and read back only at its current hash."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from portal.domain.developer import TeamRole
from portal.domain.errors import Invalid, NotFound, PermissionDenied
from portal.models import AuditEvent, DeveloperAppIcon, DeveloperAppMember
from portal.services import developer_apps, developer_icons
from portal.services.developer_icons import ICON_MAX_BYTES
from tests.factories import actor_for, make_user
from tests.services.test_installations import developer

PNG = developer_icons.PNG_MAGIC + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = developer_icons.JPEG_MAGIC + b"\xe0" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40


@pytest.fixture
def dev(db):
    return developer(db, "Dana Developer")


@pytest.fixture
def app(db, dev):
    return developer_apps.create_app(session=db, actor=dev, name="Icon App")


def set_icon(db, actor, app, data):
    return developer_icons.set_icon(session=db, actor=actor, app_id=app.id, data=data)


def audit(db, action):
    return db.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_png_jpeg_and_webp_are_stored_with_the_type_their_bytes_say(
    db, dev, app, data, content_type
) -> None:
    info = set_icon(db, dev, app, data)
    digest = hashlib.sha256(data).hexdigest()
    assert (info.content_type, info.size, info.sha256) == (content_type, len(data), digest)
    assert info.url == f"/developer-icons/{app.id}?v={digest}"
    row = db.get(DeveloperAppIcon, app.id)
    assert (row.data, row.content_type) == (data, content_type)
    (event,) = audit(db, "developer_app.icon_changed")
    assert event.after == {"sha256": digest, "content_type": content_type, "bytes": len(data)}


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 20,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"<html><script>alert(1)</script>",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"\x89PNG",  # cut short
        b"",
        "not bytes",
        None,
    ],
)
def test_anything_else_is_refused_whatever_its_name(db, dev, app, data) -> None:
    with pytest.raises(Invalid) as refused:
        set_icon(db, dev, app, data)
    assert refused.value.field == "icon"
    assert db.get(DeveloperAppIcon, app.id) is None
    assert audit(db, "developer_app.icon_changed") == []


def test_an_icon_over_256_kib_is_refused_and_exactly_256_kib_is_kept(db, dev, app) -> None:
    with pytest.raises(Invalid, match="at most 256 KiB"):
        set_icon(db, dev, app, PNG + b"\x00" * (ICON_MAX_BYTES - len(PNG) + 1))
    assert set_icon(db, dev, app, PNG + b"\x00" * (ICON_MAX_BYTES - len(PNG))).size == (
        ICON_MAX_BYTES
    )


def test_only_the_teams_developers_set_or_remove_it(db, dev, app) -> None:
    outsider = actor_for(db, make_user(db, name="Mallory"))
    with pytest.raises(NotFound):
        set_icon(db, outsider, app, PNG)
    viewer = actor_for(db, make_user(db, name="Vic Viewer"))
    db.add(DeveloperAppMember(app_id=app.id, user_id=viewer.user_id, role=TeamRole.VIEWER))
    db.flush()
    with pytest.raises(PermissionDenied):
        set_icon(db, viewer, app, PNG)
    set_icon(db, dev, app, PNG)
    for actor, refusal in ((outsider, NotFound), (viewer, PermissionDenied)):
        with pytest.raises(refusal):
            developer_icons.remove_icon(session=db, actor=actor, app_id=app.id)
    assert db.get(DeveloperAppIcon, app.id) is not None
    assert developer_icons.get_icon(session=db, actor=viewer, app_id=app.id).size == len(PNG)


def test_replacing_and_removing_are_audited_and_the_same_image_again_is_not(db, dev, app) -> None:
    first = set_icon(db, dev, app, PNG)
    set_icon(db, dev, app, PNG)
    second = set_icon(db, dev, app, JPEG)
    changed = audit(db, "developer_app.icon_changed")
    assert [e.before for e in changed] == [None, {"sha256": first.sha256}]
    developer_icons.remove_icon(session=db, actor=dev, app_id=app.id)
    developer_icons.remove_icon(session=db, actor=dev, app_id=app.id)  # none left: no-op
    (removed,) = audit(db, "developer_app.icon_removed")
    assert removed.before == {"sha256": second.sha256}
    assert developer_icons.get_icon(session=db, actor=dev, app_id=app.id) is None


def test_the_bytes_are_read_back_only_at_the_current_hash(db, dev, app) -> None:
    old = set_icon(db, dev, app, PNG)
    new = set_icon(db, dev, app, JPEG)
    someone = actor_for(db, make_user(db, name="Anyone"))
    got = developer_icons.icon_for_download(
        session=db, actor=someone, app_id=app.id, sha256=new.sha256
    )
    assert (got.data, got.content_type) == (JPEG, "image/jpeg")
    for app_id, sha in (
        (app.id, old.sha256),
        (app.id, ""),
        (app.id, "é" * 64),
        (app.id + 1, new.sha256),
        (2**40, new.sha256),
        (True, new.sha256),
    ):
        with pytest.raises(NotFound):
            developer_icons.icon_for_download(session=db, actor=someone, app_id=app_id, sha256=sha)
