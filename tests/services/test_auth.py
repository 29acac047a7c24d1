"""Sign up, sign in and out, change and reset passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, select

from portal.domain.access import ClientInfo, Permission
from portal.domain.errors import AuthenticationFailed, Invalid, Unauthenticated
from portal.models import (
    Account,
    PasswordReset,
    PermissionGrant,
    SentEmail,
    SignUpRequest,
    User,
    UserSession,
)
from portal.models._base import utcnow
from portal.services import auth, housekeeping, mailer, sessions
from portal.services.tokens import token_hash
from tests.factories import CLIENT, PASSWORD, make_user, sign_in

NEW_PASSWORD = "a brand new passphrase"


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _outbox(db, to: str) -> list[SentEmail]:
    return list(db.exec(select(SentEmail).where(SentEmail.to_address == to)).all())


def _reset_token(mail: SentEmail) -> str:
    match = re.search(r"/reset-password\?token=([A-Za-z0-9_-]+)", mail.body)
    assert match, mail.body
    return match.group(1)


# --- sign up -------------------------------------------------------------------------------


def _code(mail: SentEmail) -> str:
    match = re.search(r"^(\d{6})$", mail.body, re.MULTILINE)
    assert match, mail.body
    return match.group(1)


def _sign_up(db, email="  Ada@Example.com ", **kwargs) -> int:
    form = {"name": "Ada", "password": PASSWORD, "account_name": "Analytical Engines"}
    request_id = auth.sign_up(session=db, email=email, **{**form, **kwargs})
    db.commit()
    return request_id


def test_sign_up_mails_a_code_that_creates_the_user_and_signs_them_in(db):
    request_id = _sign_up(db)
    assert _count(db, User) == 0  # nobody until the code comes back
    [mail] = _outbox(db, "ada@example.com")
    assert mail.subject.startswith("Your Portal sign-up code")

    signed_in = auth.confirm_sign_up(
        session=db, request_id=request_id, code=f" {_code(mail)} ", client=CLIENT
    )
    db.commit()

    user = db.exec(select(User)).one()
    assert user.email == "ada@example.com"
    assert user.name == "Ada"
    assert user.password_hash.startswith("$argon2id$")
    assert not user.is_platform_admin
    account = db.exec(select(Account)).one()
    assert account.name == "Analytical Engines"
    grant = db.exec(select(PermissionGrant)).one()
    assert (grant.user_id, grant.account_id, grant.workspace_id) == (user.id, account.id, None)
    assert grant.permission == Permission.ADMINISTER
    assert signed_in.user.email == "ada@example.com"
    actor = sessions.resolve_actor(session=db, token=signed_in.token, client=CLIENT)
    assert actor.user_id == user.id
    assert [m.subject for m in _outbox(db, "ada@example.com")][-1] == "Welcome to Portal"
    # The code works once.
    with pytest.raises(Invalid, match="expired"):
        auth.confirm_sign_up(session=db, request_id=request_id, code=_code(mail), client=CLIENT)


def test_sign_up_names_the_account_after_the_person_by_default(db):
    request_id = _sign_up(db, account_name="")
    code = _code(_outbox(db, "ada@example.com")[0])
    auth.confirm_sign_up(session=db, request_id=request_id, code=code, client=CLIENT)
    assert db.exec(select(Account.name)).one() == "Ada's account"


def test_sign_up_with_an_existing_email_looks_the_same_and_mails_the_owner(db):
    make_user(db, email="ada@example.com", name="Ada")
    db.commit()

    result = _sign_up(db, email="ADA@example.com", name="Impostor", password="another password")

    assert isinstance(result, int)  # a request, as for a new email
    assert _count(db, User) == 1
    assert db.exec(select(User.name)).one() == "Ada"
    assert _count(db, Account) == 1
    mails = _outbox(db, "ada@example.com")
    assert [m.subject for m in mails] == ["Someone tried to sign up with your email"]
    assert "/reset-password" in mails[0].body
    assert not re.search(r"^\d{6}$", mails[0].body, re.MULTILINE)  # no code to enter
    # Every code fails as a wrong one does for a new email: nothing tells the cases apart.
    request = db.get(SignUpRequest, result)
    with pytest.raises(Invalid) as caught:
        auth.confirm_sign_up(session=db, request_id=result, code="123456", client=CLIENT)
    assert caught.value.message.startswith("That code is not right")
    assert request.password_hash == ""  # the impostor's password is not kept
    assert _count(db, UserSession) == 0


def test_a_wrong_code_counts_and_five_spend_the_request(db):
    request_id = _sign_up(db)
    code = _code(_outbox(db, "ada@example.com")[0])
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(Invalid, match=f"{left} tr"):
            auth.confirm_sign_up(session=db, request_id=request_id, code=wrong, client=CLIENT)
        db.rollback()  # the caller's rollback: the attempt was committed already
    with pytest.raises(Invalid, match="not right"):
        auth.confirm_sign_up(session=db, request_id=request_id, code=wrong, client=CLIENT)
    with pytest.raises(Invalid, match="expired"):
        auth.confirm_sign_up(session=db, request_id=request_id, code=code, client=CLIENT)
    assert _count(db, User) == 0


def test_an_old_code_has_expired(db):
    request_id = _sign_up(db)
    code = _code(_outbox(db, "ada@example.com")[0])
    request = db.get(SignUpRequest, request_id)
    request.expires_at = utcnow() - timedelta(seconds=1)
    db.add(request)
    db.commit()
    with pytest.raises(Invalid, match="expired"):
        auth.confirm_sign_up(session=db, request_id=request_id, code=code, client=CLIENT)
    with pytest.raises(Invalid, match="expired"):
        auth.confirm_sign_up(session=db, request_id=0, code=code, client=CLIENT)


def test_sign_up_mails_an_address_at_most_five_times_an_hour(db):
    for _ in range(7):
        _sign_up(db)
    assert len(_outbox(db, "ada@example.com")) == 5
    assert _count(db, SignUpRequest) == 7


@pytest.mark.parametrize(
    ("email", "name", "password", "field"),
    [
        ("not-an-email", "Ada", PASSWORD, "email"),
        ("ada@example.com", "   ", PASSWORD, "name"),
        ("ada@example.com", "A" * 121, PASSWORD, "name"),
        ("ada@example.com", "Ada", "short", "password"),
    ],
)
def test_sign_up_refuses_bad_input_and_creates_nothing(db, email, name, password, field):
    with pytest.raises(Invalid) as caught:
        auth.sign_up(session=db, email=email, name=name, password=password)
    assert caught.value.field == field
    assert _count(db, User) == 0
    assert _count(db, SentEmail) == 0


def test_create_user_refuses_a_taken_email(db):
    make_user(db, email="ada@example.com")
    with pytest.raises(Invalid) as caught:
        make_user(db, email="Ada@Example.com")
    assert caught.value.field == "email"
    assert "already exists" in caught.value.message


# --- sign in -------------------------------------------------------------------------------


def test_sign_in_returns_a_token_and_the_user(db):
    user = make_user(db, email="ada@example.com", name="Ada")
    signed_in = auth.sign_in(session=db, email=" ADA@example.com", password=PASSWORD, client=CLIENT)
    db.commit()

    assert signed_in.user == user
    assert len(signed_in.token) >= 40
    actor = sessions.resolve_actor(session=db, token=signed_in.token)
    assert (actor.user_id, actor.email, actor.name) == (user.id, "ada@example.com", "Ada")
    row = db.get(UserSession, actor.session_id)
    assert (row.ip_address, row.user_agent) == (CLIENT.ip_address, CLIENT.user_agent)


def test_wrong_password_and_unknown_email_fail_the_same_way(db):
    make_user(db, email="ada@example.com")
    db.commit()

    with pytest.raises(AuthenticationFailed) as wrong_password:
        auth.sign_in(session=db, email="ada@example.com", password="not it at all", client=CLIENT)
    with pytest.raises(AuthenticationFailed) as unknown_email:
        auth.sign_in(session=db, email="nobody@example.com", password=PASSWORD, client=CLIENT)

    assert wrong_password.value.message == unknown_email.value.message
    assert str(wrong_password.value) == str(unknown_email.value)
    assert "don't match" in wrong_password.value.message
    assert _count(db, UserSession) == 0


@pytest.mark.parametrize("email", ["ada@example.com", "nobody@example.com"])
def test_an_enormous_password_is_just_a_wrong_password(db, email):
    make_user(db, email="ada@example.com")
    db.commit()
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(session=db, email=email, password="x" * 10_000, client=CLIENT)


def test_each_sign_in_issues_a_new_token_and_session(db):
    user = make_user(db)
    first, first_actor = sign_in(db, user, PASSWORD)
    second, second_actor = sign_in(db, user, PASSWORD)
    assert first != second
    assert first_actor.session_id != second_actor.session_id
    assert _count(db, UserSession) == 2


def test_the_database_never_holds_the_raw_token(db):
    user = make_user(db)
    token, actor = sign_in(db, user, PASSWORD)
    db.commit()

    row = db.get(UserSession, actor.session_id)
    assert row.token_hash == token_hash(token)
    # Every value in every table, as text: the token's hash is there, the token nowhere.
    everything = "\n".join(
        repr(tuple(values))
        for table in SQLModel.metadata.sorted_tables
        for values in db.connection().execute(table.select())
    )
    assert token_hash(token) in everything
    assert token not in everything


def test_sign_in_upgrades_a_hash_with_outdated_parameters(db, production_hashing):
    from passlib.context import CryptContext

    user = make_user(db)
    row = db.get(User, user.id)
    row.password_hash = CryptContext(
        schemes=["argon2"], argon2__type="ID", argon2__memory_cost=8 * 1024, argon2__time_cost=1
    ).hash(PASSWORD)
    db.add(row)
    db.commit()

    sign_in(db, user, PASSWORD)
    db.commit()

    db.refresh(row)
    assert "$m=19456,t=2,p=1$" in row.password_hash


def test_sign_out_revokes_the_session_on_the_server(db):
    user = make_user(db)
    token, actor = sign_in(db, user, PASSWORD)
    db.commit()

    auth.sign_out(session=db, token=token)
    db.commit()

    assert db.get(UserSession, actor.session_id).revoked_at is not None
    with pytest.raises(Unauthenticated) as caught:
        sessions.resolve_actor(session=db, token=token)
    assert caught.value.expired is False


@pytest.mark.parametrize("token", [None, "", "no-such-token"])
def test_sign_out_without_a_live_session_is_harmless(db, token):
    """No error, and nobody else's session is touched."""
    live_token, actor = sign_in(db, make_user(db))
    db.commit()

    auth.sign_out(session=db, token=token)
    db.commit()

    assert db.get(UserSession, actor.session_id).revoked_at is None
    assert sessions.resolve_actor(session=db, token=live_token).user_id == actor.user_id


# --- change password -----------------------------------------------------------------------


def test_change_password_refuses_a_wrong_current_password(db):
    user = make_user(db)
    _, actor = sign_in(db, user, PASSWORD)
    with pytest.raises(Invalid) as caught:
        auth.change_password(
            session=db, actor=actor, current_password="not my password", new_password=NEW_PASSWORD
        )
    assert caught.value.field == "current_password"


@pytest.mark.parametrize(
    ("new_password", "message"),
    [("short", "Use at least 10 characters."), (PASSWORD, "different from the current")],
)
def test_change_password_checks_the_new_password(db, new_password, message):
    user = make_user(db)
    _, actor = sign_in(db, user, PASSWORD)
    with pytest.raises(Invalid) as caught:
        auth.change_password(
            session=db, actor=actor, current_password=PASSWORD, new_password=new_password
        )
    assert caught.value.field == "new_password"
    assert message in caught.value.message


def test_change_password_with_an_enormous_current_password_is_a_wrong_one(db):
    user = make_user(db)
    _, actor = sign_in(db, user, PASSWORD)
    with pytest.raises(Invalid) as caught:
        auth.change_password(
            session=db, actor=actor, current_password="x" * 10_000, new_password=NEW_PASSWORD
        )
    assert caught.value.field == "current_password"


def test_change_password_signs_out_other_sessions_but_keeps_this_one(db):
    user = make_user(db)
    other_user = make_user(db)
    current_token, actor = sign_in(db, user, PASSWORD)
    other_token, _ = sign_in(db, user, PASSWORD)
    bystander_token, _ = sign_in(db, other_user)
    db.commit()

    revoked = auth.change_password(
        session=db, actor=actor, current_password=PASSWORD, new_password=NEW_PASSWORD
    )
    db.commit()

    assert revoked == 1
    assert sessions.resolve_actor(session=db, token=current_token).user_id == user.id
    with pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=db, token=other_token)
    assert sessions.resolve_actor(session=db, token=bystander_token).user_id == other_user.id
    # The new password works, the old one no longer does.
    sign_in(db, user, password=NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        sign_in(db, user, password=PASSWORD)


# --- password reset ------------------------------------------------------------------------


def test_reset_request_for_an_unknown_email_sends_nothing_and_says_nothing(db):
    make_user(db, email="ada@example.com")
    auth.request_password_reset(session=db, email="nobody@example.com")
    assert _count(db, SentEmail) == 0
    assert _count(db, PasswordReset) == 0


def test_reset_request_refuses_a_malformed_email(db):
    with pytest.raises(Invalid) as caught:
        auth.request_password_reset(session=db, email="not an email")
    assert caught.value.field == "email"


def test_reset_request_mails_a_link_with_a_token(db):
    make_user(db, email="ada@example.com")
    auth.request_password_reset(session=db, email="Ada@Example.com")
    db.commit()

    outbox = mailer.list_outbox(session=db).items
    assert [m.to_address for m in outbox] == ["ada@example.com"]
    assert outbox[0].subject == "Reset your Portal password"
    assert "http://localhost:3000/reset-password?token=" in outbox[0].body
    token = _reset_token(_outbox(db, "ada@example.com")[0])
    reset = db.exec(select(PasswordReset)).one()
    assert reset.token_hash == token_hash(token)
    assert reset.expires_at - reset.created_at == timedelta(minutes=60)


def test_reset_link_sets_the_password_once(db):
    user = make_user(db, email="ada@example.com")
    auth.request_password_reset(session=db, email="ada@example.com")
    token = _reset_token(_outbox(db, "ada@example.com")[0])
    db.commit()

    auth.reset_password(session=db, token=token, new_password=NEW_PASSWORD)
    db.commit()

    sign_in(db, user, password=NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        sign_in(db, user, password=PASSWORD)
    with pytest.raises(Invalid) as caught:
        auth.reset_password(session=db, token=token, new_password="yet another passphrase")
    assert caught.value.field == "token"


def test_using_one_reset_link_voids_the_others(db):
    make_user(db, email="ada@example.com")
    auth.request_password_reset(session=db, email="ada@example.com")
    auth.request_password_reset(session=db, email="ada@example.com")
    first, second = (_reset_token(m) for m in _outbox(db, "ada@example.com"))
    db.commit()

    auth.reset_password(session=db, token=second, new_password=NEW_PASSWORD)
    db.commit()

    with pytest.raises(Invalid):
        auth.reset_password(session=db, token=first, new_password="yet another passphrase")


def test_an_expired_reset_link_is_refused(db):
    user = make_user(db, email="ada@example.com")
    auth.request_password_reset(session=db, email="ada@example.com")
    token = _reset_token(_outbox(db, "ada@example.com")[0])
    reset = db.exec(select(PasswordReset)).one()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.add(reset)
    db.commit()

    with pytest.raises(Invalid) as caught:
        auth.reset_password(session=db, token=token, new_password=NEW_PASSWORD)
    assert "expired" in caught.value.message
    db.rollback()
    sign_in(db, user, password=PASSWORD)  # the password did not change


@pytest.mark.parametrize("token", ["", "made-up-token"])
def test_an_unknown_reset_token_is_refused(db, token):
    with pytest.raises(Invalid) as caught:
        auth.reset_password(session=db, token=token, new_password=NEW_PASSWORD)
    assert caught.value.field == "token"


def test_reset_checks_the_new_password_and_keeps_the_link_usable(db):
    make_user(db, email="ada@example.com")
    auth.request_password_reset(session=db, email="ada@example.com")
    token = _reset_token(_outbox(db, "ada@example.com")[0])
    db.commit()

    with pytest.raises(Invalid) as caught:
        auth.reset_password(session=db, token=token, new_password="short")
    assert caught.value.field == "new_password"
    db.rollback()
    auth.reset_password(session=db, token=token, new_password=NEW_PASSWORD)


def test_reset_signs_out_every_session(db):
    user = make_user(db, email="ada@example.com")
    tokens = [sign_in(db, user, PASSWORD)[0] for _ in range(2)]
    auth.request_password_reset(session=db, email="ada@example.com")
    reset_token = _reset_token(_outbox(db, "ada@example.com")[0])
    db.commit()

    auth.reset_password(session=db, token=reset_token, new_password=NEW_PASSWORD)
    db.commit()

    for token in tokens:
        with pytest.raises(Unauthenticated):
            sessions.resolve_actor(session=db, token=token)


def test_reset_requests_are_capped_per_hour(db):
    make_user(db, email="ada@example.com")
    for _ in range(7):
        auth.request_password_reset(session=db, email="ada@example.com")
    db.commit()
    assert _count(db, PasswordReset) == 5
    assert len(_outbox(db, "ada@example.com")) == 5


# --- profile -------------------------------------------------------------------------------


def test_update_profile_changes_the_name(db):
    user = make_user(db, name="Ada")
    _, actor = sign_in(db, user, PASSWORD)
    updated = auth.update_profile(session=db, actor=actor, name="  Ada Lovelace ")
    assert updated.name == "Ada Lovelace"
    assert auth.get_profile(session=db, actor=actor).name == "Ada Lovelace"
    with pytest.raises(Invalid):
        auth.update_profile(session=db, actor=actor, name="")


def test_sign_in_records_the_client_it_came_from(db):
    user = make_user(db)
    client = ClientInfo(ip_address="198.51.100.7", user_agent="x" * 600)
    signed_in = auth.sign_in(session=db, email=user.email, password=PASSWORD, client=client)
    row = db.exec(
        select(UserSession).where(UserSession.token_hash == token_hash(signed_in.token))
    ).one()
    assert row.ip_address == "198.51.100.7"
    assert len(row.user_agent) == 512


def test_housekeeping_drops_sign_up_requests_older_than_an_hour(db):
    old, fresh = _sign_up(db), _sign_up(db, email="bea@example.com")
    request = db.get(SignUpRequest, old)
    request.created_at = utcnow() - timedelta(hours=1, minutes=1)
    db.add(request)
    db.commit()
    assert housekeeping.run_once(session=db)["sign_up_requests_purged"] == 1
    db.commit()
    assert db.exec(select(SignUpRequest.id)).all() == [fresh]
