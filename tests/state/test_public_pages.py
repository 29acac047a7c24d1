"""Handlers of the public pages: sign-up, password reset and the dev outbox."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from portal.config import get_settings
from portal.db import transaction
from portal.domain.access import ClientInfo
from portal.domain.errors import Unauthenticated
from portal.models import SentEmail, User
from portal.pages.auth.dev_outbox import PAGE_SIZE, DevOutboxState
from portal.pages.auth.reset_password import ResetPasswordState
from portal.pages.auth.sign_up import SignUpState
from portal.services import mailer, passwords, sessions
from tests.state.support import CLIENT_IP, USER_AGENT, follow_handoff, redirect_path, run

NEW_PASSWORD = "a brand new passphrase"
CLIENT = ClientInfo(ip_address=CLIENT_IP, user_agent=USER_AGENT)


def _reset_token(client) -> str:
    """The token from the newest reset mail, read as a person would: in the dev outbox."""
    outbox = client.state(DevOutboxState)
    run(outbox.load)
    link = next(mail.link for mail in outbox.emails if "reset-password" in mail.link)
    return re.search(r"token=([\w-]+)", link).group(1)


def test_sign_up_mismatched_passwords_is_a_field_error(browse, db):
    client = browse("/sign-up")
    state = client.state(SignUpState)
    form = {"name": "Ada", "email": "ada@example.com", "password": "one long password"}
    events = run(state.sign_up, {**form, "confirm_password": "another long password"})
    assert state.field_errors == {"confirm_password": "The two passwords don't match."}
    assert events == []
    assert db.exec(select(User)).all() == []


FORM = {
    "name": "Ada",
    "email": "ada@example.com",
    "password": "one long password",
    "confirm_password": "one long password",
}


def _mailed_code(db, email: str) -> str:
    mail = db.exec(
        select(SentEmail).where(SentEmail.to_address == email).order_by(SentEmail.id.desc())
    ).first()
    return re.search(r"^(\d{6})$", mail.body, re.MULTILINE).group(1)


def test_sign_up_then_the_mailed_code_signs_in_and_opens_the_dashboard(browse, db):
    client = browse("/sign-up")
    state = client.state(SignUpState)
    assert run(state.sign_up, FORM) == []
    assert (state.step, state.sent_to, state.field_errors) == ("code", "ada@example.com", {})
    assert db.exec(select(User)).all() == []  # nobody until the code comes back

    events = run(state.confirm, {"code": _mailed_code(db, "ada@example.com")})

    assert follow_handoff(client, events) == "/"
    assert db.exec(select(User.email)).all() == ["ada@example.com"]
    assert client.token  # the HttpOnly session cookie /auth/session set: signed in
    with transaction() as session:
        actor = sessions.resolve_actor(session=session, token=client.token, client=CLIENT)
    assert actor.email == "ada@example.com"


def test_sign_up_with_a_taken_email_looks_the_same_to_the_browser(browse, person, db):
    user, _, _ = person(email="ada@example.com")
    taken, new = browse("/sign-up"), browse("/sign-up")
    taken_events = run(taken.state(SignUpState).sign_up, FORM)
    new_events = run(new.state(SignUpState).sign_up, {**FORM, "email": "bea@example.com"})
    assert taken_events == new_events == []
    a, b = taken.state(SignUpState), new.state(SignUpState)
    assert (a.step, a.field_errors, a.error) == (b.step, b.field_errors, b.error)
    assert a.sent_to == "ada@example.com"
    # A guessed code fails with the same words for both.
    run(a.confirm, {"code": "000000"})
    run(b.confirm, {"code": "000000"})
    assert a.field_errors == b.field_errors
    assert "not right" in a.field_errors["code"]
    assert taken.token == ""
    db.expire_all()
    assert db.exec(select(User.name)).all() == [user.name]


@pytest.mark.parametrize(
    ("next_path", "expected"),
    [("/invitations/abc", "/invitations/abc"), ("//evil.example", "/")],
)
def test_sign_up_goes_on_to_a_safe_next(browse, db, next_path, expected):
    client = browse("/sign-up", query=urlencode({"next": next_path}))
    state = client.state(SignUpState)
    run(state.sign_up, FORM)
    events = run(state.confirm, {"code": _mailed_code(db, "ada@example.com")})
    assert follow_handoff(client, events) == expected


def test_reset_request_says_the_same_for_unknown_emails(browse, person):
    user, _, _ = person()
    known, unknown = browse("/reset-password"), browse("/reset-password")
    run(known.state(ResetPasswordState).request_link, {"email": user.email.upper()})
    run(unknown.state(ResetPasswordState).request_link, {"email": "nobody@example.com"})
    assert known.state(ResetPasswordState).sent_to == user.email
    assert unknown.state(ResetPasswordState).sent_to == "nobody@example.com"
    assert known.state(ResetPasswordState).field_errors == {}
    assert unknown.state(ResetPasswordState).field_errors == {}


def test_the_reset_token_stays_on_the_server(browse):
    client = browse("/reset-password", query="token=the-secret-link-token")
    state = client.state(ResetPasswordState)
    run(state.load)
    assert state.has_token is True
    assert "the-secret-link-token" not in repr(state.dict())


def test_choose_password_with_a_bad_token_is_refused(browse, person, db):
    user, _, _ = person()
    client = browse("/reset-password", query="token=not-a-real-token")
    state = client.state(ResetPasswordState)
    run(state.load)
    events = run(
        state.choose_password, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )
    assert state.error.startswith("This reset link has expired or was already used.")
    assert events == []
    db.expire_all()
    assert not passwords.verify(NEW_PASSWORD, db.get(User, user.id).password_hash)[0]


def test_reset_from_the_link_sets_the_password_and_ends_every_session(browse, person, db):
    user, token, _ = person()
    run(browse("/reset-password").state(ResetPasswordState).request_link, {"email": user.email})
    client = browse("/reset-password", query=f"token={_reset_token(browse('/dev/outbox'))}")
    state = client.state(ResetPasswordState)
    run(state.load)

    form = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    events = run(state.choose_password, form)

    assert redirect_path(events) == "/sign-in?reason=reset"
    db.expire_all()
    assert passwords.verify(NEW_PASSWORD, db.get(User, user.id).password_hash)[0]
    with transaction() as session, pytest.raises(Unauthenticated):
        sessions.resolve_actor(session=session, token=token)
    # One link, one use.
    run(
        state.choose_password,
        {"new_password": "yet another one!", "confirm_password": "yet another one!"},
    )
    assert state.error.startswith("This reset link has expired or was already used.")


@pytest.mark.parametrize(
    ("name", "value"), [("SMTP_HOST", "smtp.example.com"), ("PORTAL_DEV_OUTBOX", "0")]
)
def test_dev_outbox_can_be_off(browse, monkeypatch, person, name, value):
    """Anyone may open the outbox page, and it holds reset links: it must be able to go dark."""
    user, _, _ = person()
    run(browse("/reset-password").state(ResetPasswordState).request_link, {"email": user.email})
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    state = browse("/dev/outbox").state(DevOutboxState)
    run(state.load)
    assert (state.enabled, state.emails) == (False, [])


def test_dev_outbox_pages_kept_mail_for_anyone(browse, db, monkeypatch):
    """Newest first, PAGE_SIZE cards a page, cursors on the server; mail that went to an SMTP
    server (queued, sent, failed) is not shown. No session needed, none asked for."""
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    get_settings.cache_clear()
    mailer.send(session=db, to="smtp@example.com", subject="Went to SMTP", body="token=x")
    monkeypatch.delenv("SMTP_HOST")
    get_settings.cache_clear()
    for n in range(PAGE_SIZE + 1):
        mailer.send(session=db, to=f"p{n}@example.com", subject=f"Mail {n}", body="Hi")
    db.commit()
    state = browse("/dev/outbox").state(DevOutboxState)
    run(state.load)
    newest = [f"Mail {n}" for n in range(PAGE_SIZE, 0, -1)]
    assert [mail.subject for mail in state.emails] == newest
    assert (state.enabled, state.pager_page, state.pager_has_next) == (
        True,
        {"emails": 1},
        {"emails": True},
    )
    run(state.next_page, "emails")
    assert [mail.subject for mail in state.emails] == ["Mail 0"]  # not "Went to SMTP"
    assert (state.pager_page, state.pager_has_next) == ({"emails": 2}, {"emails": False})
    run(state.next_page, "emails")  # no page after: nothing changes, no sign-in asked for
    run(state.next_page, "other")  # not a list of this page: ignored
    assert [mail.subject for mail in state.emails] == ["Mail 0"]
    run(state.previous_page, "emails")
    assert [mail.subject for mail in state.emails] == newest
    assert state.pager_page == {"emails": 1}


def test_a_used_or_garbled_reset_link_says_so_on_load(browse, person, db):
    user, _, _ = person()
    garbled = browse("/reset-password", query="token=not-a-real-token")
    run(garbled.state(ResetPasswordState).load)
    assert garbled.state(ResetPasswordState).error.startswith("This reset link has expired")

    run(browse("/reset-password").state(ResetPasswordState).request_link, {"email": user.email})
    token = _reset_token(browse("/dev/outbox"))
    fresh = browse("/reset-password", query=f"token={token}")
    run(fresh.state(ResetPasswordState).load)
    assert fresh.state(ResetPasswordState).error == ""
    form = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    run(fresh.state(ResetPasswordState).choose_password, form)

    used = browse("/reset-password", query=f"token={token}")
    run(used.state(ResetPasswordState).load)
    assert used.state(ResetPasswordState).error.startswith("This reset link has expired")
