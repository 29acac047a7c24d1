"""Server-side sessions: idle and absolute expiry, listing, revoking, purging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from portal.domain.errors import NotFound, Unauthenticated
from portal.models import UserSession
from portal.models._base import utcnow
from portal.services import auth, sessions
from tests.factories import CLIENT, PASSWORD, make_user, sign_in


def _row(db, actor) -> UserSession:
    return db.get(UserSession, actor.session_id)


def _age(db, actor, **fields: timedelta) -> None:
    """Move the session's timestamps into the past, as if time had passed."""
    row = _row(db, actor)
    for name, delta in fields.items():
        setattr(row, name, getattr(row, name) - delta)
    db.add(row)
    db.commit()


@pytest.mark.parametrize("token", [None, "", "never-issued"])
def test_no_or_unknown_token_is_unauthenticated(db, token):
    with pytest.raises(Unauthenticated) as caught:
        sessions.resolve_actor(session=db, token=token)
    assert caught.value.expired is False


def test_resolve_actor_reads_everything_from_the_server(db):
    user = make_user(db, name="Ada", platform_admin=True)
    token, actor = sign_in(db, user)
    assert actor.user_id == user.id
    assert actor.is_platform_admin is True
    assert actor.session_id == db.exec(select(UserSession.id)).one()
    assert sessions.resolve_actor(session=db, token=token) == actor


def test_session_expires_after_30_idle_minutes(db):
    user = make_user(db)
    token, actor = sign_in(db, user)
    _age(db, actor, last_seen_at=timedelta(minutes=29))
    sessions.resolve_actor(session=db, token=token)  # still live, and touched
    db.commit()

    _age(db, actor, last_seen_at=timedelta(minutes=31))
    with pytest.raises(Unauthenticated) as caught:
        sessions.resolve_actor(session=db, token=token)
    assert caught.value.expired is True
    assert "expired" in caught.value.message


def test_activity_keeps_a_session_alive(db):
    user = make_user(db)
    token, actor = sign_in(db, user)
    _age(db, actor, last_seen_at=timedelta(minutes=20))
    before = _row(db, actor).last_seen_at

    sessions.resolve_actor(session=db, token=token)
    db.commit()

    db.refresh(_row(db, actor))
    assert _row(db, actor).last_seen_at > before + timedelta(minutes=19)


def test_session_expires_after_12_hours_however_active(db):
    user = make_user(db)
    token, actor = sign_in(db, user)
    row = _row(db, actor)
    assert row.expires_at - row.created_at == timedelta(hours=12)

    # Active a minute ago, but created 12 hours and a second ago.
    _age(
        db,
        actor,
        created_at=timedelta(hours=12, seconds=1),
        expires_at=timedelta(hours=12, seconds=1),
    )
    with pytest.raises(Unauthenticated) as caught:
        sessions.resolve_actor(session=db, token=token)
    assert caught.value.expired is True


def test_session_of_a_deleted_user_is_unauthenticated(db):
    from portal.models import User

    user = make_user(db)
    token, _ = sign_in(db, user)
    db.delete(db.get(User, user.id))
    db.commit()
    with pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=token)


def test_list_active_marks_the_current_session_and_hides_ended_ones(db):
    user = make_user(db)
    other_user = make_user(db)
    _, current = sign_in(db, user)
    _, other = sign_in(db, user)
    revoked_token, _revoked = sign_in(db, user)
    _, idle = sign_in(db, user)
    sign_in(db, other_user)
    sessions.revoke_token(session=db, token=revoked_token)
    _age(db, idle, last_seen_at=timedelta(hours=1))

    listed = sessions.list_active(session=db, actor=current)

    assert {s.id for s in listed} == {current.session_id, other.session_id}
    assert {s.id: s.is_current for s in listed} == {
        current.session_id: True,
        other.session_id: False,
    }
    assert all(s.ip_address == "203.0.113.10" and s.user_agent == "pytest" for s in listed)


def test_revoke_ends_one_of_my_sessions(db):
    user = make_user(db)
    _, current = sign_in(db, user)
    other_token, other = sign_in(db, user)

    sessions.revoke(session=db, actor=current, session_id=other.session_id)
    db.commit()

    with pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=other_token)
    assert [s.id for s in sessions.list_active(session=db, actor=current)] == [current.session_id]
    with pytest.raises(NotFound):  # already revoked
        sessions.revoke(session=db, actor=current, session_id=other.session_id)


def test_revoking_another_users_session_is_not_found(db):
    _, mine = sign_in(db, make_user(db))
    theirs_token, theirs = sign_in(db, make_user(db))

    with pytest.raises(NotFound):
        sessions.revoke(session=db, actor=mine, session_id=theirs.session_id)
    with pytest.raises(NotFound):
        sessions.revoke(session=db, actor=mine, session_id=999_999)
    db.commit()

    assert _row(db, theirs).revoked_at is None
    assert sessions.resolve_actor(session=db, token=theirs_token).user_id == theirs.user_id


def test_revoke_all_for_user_can_keep_one(db):
    user = make_user(db)
    _, keep = sign_in(db, user)
    sign_in(db, user)
    sign_in(db, user)
    assert (
        sessions.revoke_all_for_user(session=db, user_id=user.id, keep_session_id=keep.session_id)
        == 2
    )
    assert [s.id for s in sessions.list_active(session=db, actor=keep)] == [keep.session_id]
    assert sessions.revoke_all_for_user(session=db, user_id=user.id) == 1


def test_purge_stale_deletes_only_sessions_that_ended_long_ago(db):
    user = make_user(db)
    _, live = sign_in(db, user)
    _, recently_revoked = sign_in(db, user)
    _, long_revoked = sign_in(db, user)
    _, long_expired = sign_in(db, user)
    _, long_idle = sign_in(db, user)
    _, recently_idle = sign_in(db, user)
    now = utcnow()
    for actor, changes in [
        (recently_revoked, {"revoked_at": now - timedelta(days=1)}),
        (long_revoked, {"revoked_at": now - timedelta(days=8)}),
        (
            long_expired,
            {"created_at": now - timedelta(days=9), "expires_at": now - timedelta(days=8)},
        ),
        (long_idle, {"last_seen_at": now - timedelta(days=8)}),
        (recently_idle, {"last_seen_at": now - timedelta(days=2)}),
    ]:
        row = _row(db, actor)
        for name, value in changes.items():
            setattr(row, name, value)
        db.add(row)
    db.commit()

    assert sessions.purge_stale(session=db) == 3
    db.commit()

    left = set(db.exec(select(UserSession.id)).all())
    assert left == {live.session_id, recently_revoked.session_id, recently_idle.session_id}
    assert sessions.purge_stale(session=db) == 0


def _handoff(db, user) -> str:
    signed_in = auth.sign_in(
        session=db, email=user.email, password=PASSWORD, client=CLIENT, handoff=True
    )
    db.commit()
    return signed_in.token


def test_a_handoff_signs_nothing_in_until_redeemed_and_then_becomes_a_new_token(db):
    user = make_user(db, name="Ada")
    handoff = _handoff(db, user)
    with pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=handoff)
    pending = db.exec(
        select(UserSession).where(col(UserSession.handoff_expires_at).is_not(None))
    ).one()
    listed = [row.id for row in sessions.list_active(session=db, actor=sign_in(db, user)[1])]
    assert pending.id not in listed  # a pending session is not listed as active

    token = sessions.redeem_handoff(session=db, handoff=handoff)
    db.commit()

    assert token != handoff
    actor = sessions.resolve_actor(session=db, token=token)
    assert actor.session_id == pending.id
    with pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=handoff)


def test_a_handoff_works_once(db):
    handoff = _handoff(db, make_user(db))
    sessions.redeem_handoff(session=db, handoff=handoff)
    db.commit()
    with pytest.raises(Unauthenticated):
        sessions.redeem_handoff(session=db, handoff=handoff)


def test_a_handoff_expires(db):
    handoff = _handoff(db, make_user(db))
    row = db.exec(select(UserSession)).one()
    row.handoff_expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(Unauthenticated):
        sessions.redeem_handoff(session=db, handoff=handoff)


@pytest.mark.parametrize("handoff", [None, "", "never-issued"])
def test_an_unknown_handoff_is_refused(db, handoff):
    with pytest.raises(Unauthenticated):
        sessions.redeem_handoff(session=db, handoff=handoff)


def test_a_session_token_is_not_a_handoff(db):
    token, _ = sign_in(db, make_user(db))
    db.commit()
    with pytest.raises(Unauthenticated):
        sessions.redeem_handoff(session=db, handoff=token)
