"""People: sign up, sign in and out, change and reset passwords, edit the profile."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.access import Actor, ClientInfo, Permission
from portal.domain.dto import SignedIn, UserPublic
from portal.domain.errors import AuthenticationFailed, Invalid
from portal.domain.text import clean as clean_text
from portal.models import Account, PasswordReset, PermissionGrant, SignUpRequest, User
from portal.models._base import utcnow
from portal.services import mailer, passwords, sessions, throttle
from portal.services.tokens import new_token, token_hash

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_RESETS_PER_HOUR = 5
_SIGN_UPS_PER_HOUR = 5
SIGN_UP_CODE_DIGITS = 6
SIGN_UP_CODE_MINUTES = 30
SIGN_UP_CODE_ATTEMPTS = 5


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _valid_email(email: str) -> str:
    email = normalize_email(email)
    if not _EMAIL.match(email) or len(email) > 320:
        raise Invalid("Enter an email address like name@example.com.", field="email")
    return email


def valid_name(name: str, *, field: str = "name") -> str:
    """A person's name: one line of text (portal.domain.text's rule), 1 to 120 characters."""
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
    name = valid_name(name)
    account_name = clean_text(account_name, field="account_name", max_length=120)
    passwords.check_policy(password)
    if _find_user(session, email) is not None:
        raise Invalid("A user with that email already exists.", field="email")
    user = new_user(
        session=session,
        email=email,
        name=name,
        password_hash=passwords.hash_password(password),
        account_name=account_name,
        is_platform_admin=is_platform_admin,
    )
    return UserPublic.model_validate(user)


def new_user(
    *,
    session: Session,
    email: str,
    name: str,
    password_hash: str,
    account_name: str = "",
    is_platform_admin: bool = False,
    own_account: bool = True,
) -> User:
    """Insert a checked user and, with own_account, their first account where they hold
    administer. For the services that have checked the email, name and password already."""
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        is_platform_admin=is_platform_admin,
    )
    session.add(user)
    session.flush()
    if own_account:
        account = Account(name=(account_name or "").strip()[:120] or f"{name}'s account")
        session.add(account)
        session.flush()
        session.add(
            PermissionGrant(
                user_id=user.id, account_id=account.id, permission=Permission.ADMINISTER
            )
        )
        session.flush()
    return user


def welcome(*, session: Session, user: User) -> None:
    mailer.send(
        session=session,
        to=user.email,
        subject="Welcome to Portal",
        # Every link on a line of its own: mail clients take a trailing "." into the link.
        body=f"Hello {user.name},\n\nYour Portal account is ready. Sign in here:\n\n"
        f"{get_settings().public_url}/sign-in\n",
    )


def sign_up(
    *, session: Session, email: str, name: str, password: str, account_name: str = ""
) -> int:
    """Start a sign-up; returns the request whose mailed code finishes it (confirm_sign_up).

    The outcome looks the same whether or not the email already had an account, so sign-up
    cannot be used to learn who has one: a new email gets a code that creates the user and
    signs them in; the owner of an existing account gets a mail saying someone tried instead
    (that request's code is never sent and never matches).
    """
    email = _valid_email(email)
    name = valid_name(name)
    account_name = clean_text(account_name, field="account_name", max_length=120)
    passwords.check_policy(password)
    password_hash = passwords.hash_password(password)  # the same cost on both paths
    taken = _find_user(session, email) is not None
    now = utcnow()
    recent = session.exec(
        select(func.count())
        .select_from(SignUpRequest)
        .where(SignUpRequest.email == email, SignUpRequest.created_at > now - timedelta(hours=1))
    ).one()
    code = f"{secrets.randbelow(10**SIGN_UP_CODE_DIGITS):0{SIGN_UP_CODE_DIGITS}d}"
    request = SignUpRequest(
        email=email,
        name=name,
        account_name=account_name,
        password_hash="" if taken else password_hash,
        code_hash=token_hash(code),
        email_taken=taken,
        created_at=now,
        expires_at=now + timedelta(minutes=SIGN_UP_CODE_MINUTES),
    )
    session.add(request)
    session.flush()
    if recent >= _SIGN_UPS_PER_HOUR:
        return request.id  # enough mail to this address for now; the page looks the same
    if taken:
        mailer.send(
            session=session,
            to=email,
            subject="Someone tried to sign up with your email",
            body=(
                "Someone tried to create a Portal account with this email, which already has "
                "one. No code was sent. If it was you, sign in:\n\n"
                f"{get_settings().public_url}/sign-in\n\n"
                "or, if you forgot your password, choose a new one:\n\n"
                f"{get_settings().public_url}/reset-password\n\n"
                "If it was not you, you can ignore this mail."
            ),
        )
    else:
        mailer.send(
            session=session,
            to=email,
            subject=f"Your Portal sign-up code: {code}",
            body=(
                f"Hello {name},\n\nEnter this code on the sign-up page to finish creating "
                f"your Portal account. It works for {SIGN_UP_CODE_MINUTES} minutes:\n\n"
                f"{code}\n\nIf you did not sign up, ignore this mail: no account is created."
            ),
        )
    return request.id


def purge_sign_up_requests(*, session: Session) -> int:
    """Drop sign-up requests older than an hour: their codes have expired (they held the
    password hash of someone who never came back) and the hourly mail limit no longer
    counts them."""
    cutoff = utcnow() - timedelta(hours=1)
    result = session.exec(delete(SignUpRequest).where(col(SignUpRequest.created_at) < cutoff))
    return result.rowcount or 0


def confirm_sign_up(
    *, session: Session, request_id: int, code: str, client: ClientInfo, handoff: bool = False
) -> SignedIn:
    """Finish a sign-up with the mailed code: create the user and their account, sign in
    (`handoff=True`, the sign-up page: behind a one-time handoff, as `sign_in`).

    A wrong code is committed before the error is raised (attempts must outlive the caller's
    rollback); after SIGN_UP_CODE_ATTEMPTS the request is spent.
    """
    request = session.get(SignUpRequest, request_id) if request_id else None
    now = utcnow()
    if (
        request is None
        or request.used_at is not None
        or request.expires_at <= now
        or request.attempts >= SIGN_UP_CODE_ATTEMPTS
    ):
        raise Invalid("This code has expired. Sign up again to get a new one.", field="code")
    request.attempts += 1
    given = re.sub(r"\s", "", code or "")
    ok = (
        not request.email_taken
        and hmac.compare_digest(request.code_hash, token_hash(given))
        and _find_user(session, request.email) is None  # taken since the code was sent
    )
    if not ok:
        session.add(request)
        session.commit()
        left = SIGN_UP_CODE_ATTEMPTS - request.attempts
        raise Invalid(
            "That code is not right. Check the latest mail from Portal"
            + (f" ({left} {'try' if left == 1 else 'tries'} left)." if left else "."),
            field="code",
        )
    user = new_user(
        session=session,
        email=request.email,
        name=request.name,
        password_hash=request.password_hash,
        account_name=request.account_name,
    )
    request.used_at = now
    session.add(request)
    welcome(session=session, user=user)
    token = sessions.issue(session=session, user=user, client=client, handoff=handoff)
    return SignedIn(token=token, user=UserPublic.model_validate(user))


def sign_in(
    *, session: Session, email: str, password: str, client: ClientInfo, handoff: bool = False
) -> SignedIn:
    """Check the password and issue a new session (a fresh token at every sign-in).

    `handoff=True` (the sign-in page) issues it behind a one-time handoff that the browser
    trades for its HttpOnly cookie (sessions.redeem_handoff); SignedIn.token is the handoff.

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
    token = sessions.issue(session=session, user=user, client=client, handoff=handoff)
    return SignedIn(token=token, user=UserPublic.model_validate(user))


def sign_out(*, session: Session, token: str | None = None, hashed: str | None = None) -> None:
    """End the session of a browser's token (or of its hash, from the websocket handshake)."""
    sessions.revoke_token(session=session, token=token)
    sessions.revoke_by_hash(session=session, hashed=hashed)


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


def _usable_reset(session: Session, token: str) -> PasswordReset:
    row = session.exec(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or ""))
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise Invalid(
            "This reset link has expired or was already used. Request a new one.", field="token"
        )
    return row


def check_reset_link(*, session: Session, token: str) -> None:
    """Whether a reset link still works (Invalid if not), so its page can say so on load."""
    _usable_reset(session, token)


def reset_password(*, session: Session, token: str, new_password: str) -> None:
    """Set a new password from a reset link; every session of the user is signed out."""
    row = _usable_reset(session, token)
    now = utcnow()
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
    user.name = valid_name(name)
    session.add(user)
    return UserPublic.model_validate(user)
