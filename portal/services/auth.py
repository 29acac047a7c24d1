"""People: sign up, sign in and out, change and reset passwords, edit the profile."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.access import Actor, ClientInfo, Permission
from portal.domain.dto import SignedIn, UserPublic
from portal.domain.errors import AuthenticationFailed, Invalid
from portal.domain.text import clean as clean_text
from portal.models import Account, PasswordReset, PermissionGrant, User
from portal.models._base import utcnow
from portal.services import mailer, passwords, sessions, throttle
from portal.services.tokens import new_token, token_hash

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_RESETS_PER_HOUR = 5


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _valid_email(email: str) -> str:
    email = normalize_email(email)
    if not _EMAIL.match(email) or len(email) > 320:
        raise Invalid("Enter an email address like name@example.com.", field="email")
    return email


def _valid_name(name: str, *, field: str = "name") -> str:
    return clean_text(name, field=field, max_length=120, required="Enter your name.")


def _find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def create_user(
    *,
    session: Session,
    email: str,
    name: str,
    password: str,
    account_name: str = "",
    is_platform_admin: bool = False,
) -> UserPublic:
    """A user and their first account, where they hold administer. Operator use (CLI, demo)."""
    email = _valid_email(email)
    name = _valid_name(name)
    account_name = clean_text(account_name, field="account_name", max_length=120)
    passwords.check_policy(password)
    if _find_user(session, email) is not None:
        raise Invalid("A user with that email already exists.", field="email")
    user = User(
        email=email,
        name=name,
        password_hash=passwords.hash_password(password),
        is_platform_admin=is_platform_admin,
    )
    account = Account(name=account_name or f"{name}'s account"[:120])
    session.add(user)
    session.add(account)
    session.flush()
    session.add(
        PermissionGrant(user_id=user.id, account_id=account.id, permission=Permission.ADMINISTER)
    )
    session.flush()
    return UserPublic.model_validate(user)


def sign_up(
    *, session: Session, email: str, name: str, password: str, account_name: str = ""
) -> None:
    """Create a user and their first account.

    The outcome looks the same whether or not the email already had an account, so sign-up
    cannot be used to learn who has one: the owner of an existing account gets a mail instead.
    """
    email = _valid_email(email)
    name = _valid_name(name)
    passwords.check_policy(password)
    if _find_user(session, email) is not None:
        passwords.hash_password(password)  # same cost as the new-user path
        mailer.send(
            session=session,
            to=email,
            subject="Someone tried to sign up with your email",
            body=(
                "Someone tried to create a Portal account with this email, which already has "
                "one. If it was you, sign in, or reset your password at "
                f"{get_settings().public_url}/reset-password.\n\nIf not, you can ignore this."
            ),
        )
        return
    create_user(
        session=session, email=email, name=name, password=password, account_name=account_name
    )
    mailer.send(
        session=session,
        to=email,
        subject="Welcome to Portal",
        body=f"Hello {name},\n\nYour Portal account is ready. Sign in at "
        f"{get_settings().public_url}/sign-in.",
    )


def sign_in(*, session: Session, email: str, password: str, client: ClientInfo) -> SignedIn:
    """Check the password and issue a new session (a fresh token at every sign-in).

    Failed attempts are committed before the error is raised: they must outlive the caller's
    rollback, or the throttle would never see them.
    """
    email = normalize_email(email)
    throttle.check(session=session, email=email, ip_address=client.ip_address)
    user = _find_user(session, email) if email else None
    if user is None:
        passwords.dummy_verify(password or "")
        ok, new_hash = False, None
    else:
        ok, new_hash = passwords.verify(password or "", user.password_hash)
    throttle.record(session=session, email=email, ip_address=client.ip_address, succeeded=ok)
    if not ok:
        session.commit()
        raise AuthenticationFailed()
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
    token = sessions.issue(session=session, user=user, client=client)
    return SignedIn(token=token, user=UserPublic.model_validate(user))


def sign_out(*, session: Session, token: str | None) -> None:
    sessions.revoke_token(session=session, token=token)


def change_password(
    *, session: Session, actor: Actor, current_password: str, new_password: str
) -> int:
    """Change the actor's password and sign out their other sessions; returns how many."""
    user = session.get(User, actor.user_id)
    ok, _ = passwords.verify(current_password or "", user.password_hash)
    if not ok:
        raise Invalid("That is not your current password.", field="current_password")
    passwords.check_policy(new_password, field="new_password")
    if new_password == current_password:
        raise Invalid("Choose a password different from the current one.", field="new_password")
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    session.add(user)
    return sessions.revoke_all_for_user(
        session=session, user_id=user.id, keep_session_id=actor.session_id
    )


def request_password_reset(*, session: Session, email: str) -> None:
    """Mail a one-time reset link if the email has an account; silent either way."""
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise Invalid("Enter an email address like name@example.com.", field="email")
    user = _find_user(session, email)
    if user is None:
        return
    now = utcnow()
    recent = session.exec(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)
        )
    ).one()
    if recent >= _RESETS_PER_HOUR:
        return  # enough links in flight; say nothing different
    minutes = get_settings().password_reset_minutes
    token = new_token()
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    mailer.send(
        session=session,
        to=email,
        subject="Reset your Portal password",
        body=(
            f"Hello {user.name},\n\nOpen this link to choose a new password. It works once and "
            f"expires in {minutes} minutes:\n\n"
            f"{get_settings().public_url}/reset-password?token={token}"
            "\n\nIf you did not ask for this, ignore this mail: your password stays as it is."
        ),
    )


def reset_password(*, session: Session, token: str, new_password: str) -> None:
    """Set a new password from a reset link; every session of the user is signed out."""
    row = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or ""))
    ).first()
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Invalid(
            "This reset link has expired or was already used. Request a new one.", field="token"
        )
    passwords.check_policy(new_password, field="new_password")
    user = session.get(User, row.user_id)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    session.add(user)
    # One link, one use: this and any other outstanding links for the user stop working.
    for other in session.exec(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, col(PasswordReset.used_at).is_(None)
        )
    ).all():
        other.used_at = now
        session.add(other)
    sessions.revoke_all_for_user(session=session, user_id=user.id)


def get_profile(*, session: Session, actor: Actor) -> UserPublic:
    return UserPublic.model_validate(session.get(User, actor.user_id))


def update_profile(*, session: Session, actor: Actor, name: str) -> UserPublic:
    user = session.get(User, actor.user_id)
    user.name = _valid_name(name)
    session.add(user)
    return UserPublic.model_validate(user)
