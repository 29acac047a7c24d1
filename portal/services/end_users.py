"""An app environment's end users, and how they sign in.

Like organizations, every function takes an AppScope: an app key on the data-plane API or a
person in the console, reaching only that app environment.

Sign-ins (`sign_in`) are asked for by the customer's backend with its app key:

- `password`: checked with argon2id against the hash made when the password was set (under
  the app's password policy);
- `magic_link`: a one-time link (15 minutes) mailed from the app's sender; `redeem_magic_link`
  trades its token for a session;
- `google` / `github`: the customer's backend completed the OAuth flow and asserts who it was;
- then, when the app requires MFA, a TOTP code from the factor the end user enrolled.

Each needs its method enabled in the app's auth settings. A success returns an end-user
session token (shown once, kept as SHA-256) with the app's session lifetime, records the
sign-in in the app's activity, and never says whether an email exists.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.db import savepoint
from portal.domain.apps import (
    MAGIC_LINK_LIFETIME,
    EndUserTokenKind,
    SignInMethod,
)
from portal.domain.dto import EndUserPublic, EndUserSession, MagicLinkSent, TotpEnrollment
from portal.domain.errors import Conflict, Invalid, NotFound, PermissionDenied
from portal.domain.events import EventType
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.models import App, EndUser, EndUserToken, Organization, OrganizationMember
from portal.models._base import utcnow
from portal.services import app_activity, audit, events, keyset, mailer, passwords, sealing
from portal.services.app_scope import AppScope
from portal.services.keyset import Key
from portal.services.tokens import token_hash

SEARCH_MAX = 120
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_U = EndUser.__table__.c
_LIST = keyset.Keyset(
    "end-users",
    sorts={"email": Key(_U.email, str), "created_at": Key(_U.created_at, datetime)},
    tiebreak=Key(_U.id, int),
)
EndUserPage = Page[EndUserPublic]
SESSION_PREFIX = "eus_"
MAGIC_PREFIX = "eml_"


class SignInRefused(PermissionDenied):
    """The end user's credentials did not check out (the app key did): 403, with the same
    message for a wrong password, no password set and a disabled end user. `field` says where
    a form would show it."""

    def __init__(self, message: str = "The sign-in was refused.", field: str = "password"):
        super().__init__(message)
        self.field = field


def _id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        return None
    return value


def _public(user: EndUser) -> EndUserPublic:
    return EndUserPublic(
        id=user.id,
        email=user.email,
        name=user.name,
        environment=user.environment,
        created_at=user.created_at,
        disabled_at=user.disabled_at,
        last_sign_in_at=user.last_sign_in_at,
        has_password=user.password_hash is not None,
        has_totp=user.totp_secret is not None,
    )


def _record(session: Session, scope: AppScope, action: str, user: EndUser, **changes) -> None:
    audit.record(
        session,
        actor=scope.actor,
        app_key=scope.key,
        action=action,
        target_type="app",
        target_id=scope.app_id,
        account_id=scope.account_id,
        workspace_id=scope.workspace_id,
        after={"end_user": user.email, "environment": scope.environment, "via": scope.via}
        | changes,
    )


def _ref(user: EndUser) -> dict[str, Any]:
    """An end user as events name them: never a hash, a TOTP secret or a token."""
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "disabled": user.disabled_at is not None,
    }


def _end_user(session: Session, scope: AppScope, end_user_id: Any) -> EndUser:
    key = _id(end_user_id)
    user = session.get(EndUser, key) if key is not None else None
    if user is None or user.app_id != scope.app_id or user.environment != scope.environment:
        raise NotFound("End user not found.")
    return user


def _app(session: Session, scope: AppScope) -> App:
    return session.get(App, scope.app_id)


def _valid_email(email: Any) -> str:
    text = (email if isinstance(email, str) else "").strip().lower()
    if (
        len(text) > 320
        or not _EMAIL.match(text)
        or clean_text(text, field="email", max_length=320) != text
    ):
        raise Invalid("Enter an email address like ana@example.com.", field="email")
    return text


def _valid_name(name: Any) -> str:
    return clean_text(name if isinstance(name, str) else "", field="name", max_length=120)


def check_password(app: App, password: Any) -> str:
    """`password` if the app's policy allows it; Invalid (field "password") saying what is
    missing otherwise."""
    if not isinstance(password, str) or not password.strip():
        raise Invalid("Enter a password.", field="password")
    if len(password) < app.password_min_length:
        raise Invalid(f"Use at least {app.password_min_length} characters.", field="password")
    if len(password) > passwords.MAX_LENGTH:
        raise Invalid(f"Use at most {passwords.MAX_LENGTH} characters.", field="password")
    missing = [
        words
        for required, test, words in (
            (app.password_require_uppercase, str.isupper, "an uppercase letter"),
            (app.password_require_lowercase, str.islower, "a lowercase letter"),
            (app.password_require_digit, str.isdigit, "a digit"),
            (
                app.password_require_symbol,
                lambda c: not c.isalnum() and not c.isspace(),
                "a symbol",
            ),
        )
        if required and not any(test(c) for c in password)
    ]
    if missing:
        raise Invalid(f"The password needs {', '.join(missing)}.", field="password")
    return password


# Read ---------------------------------------------------------------------------------------


def list_end_users(
    *,
    session: Session,
    scope: AppScope,
    search: str | None = None,
    sort: str = "email",
    direction: str = "asc",
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[EndUserPublic]:
    query = select(EndUser).where(
        _U.app_id == bindparam("app_id"), _U.environment == bindparam("environment")
    )
    params: dict[str, Any] = {"app_id": scope.app_id, "environment": scope.environment}
    term = clean_text(search, field="search", max_length=SEARCH_MAX)
    if term:
        escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
        pattern = func.lower(bindparam("search"))
        query = query.where(
            or_(_U.email.like(pattern, escape="/"), func.lower(_U.name).like(pattern, escape="/"))
        )
        params["search"] = f"%{escaped}%"
    page = _LIST.page(
        session, query, sort=sort, direction=direction, limit=limit, cursor=cursor, params=params
    )
    users = [row[0] for row in page.rows]
    belongs = _memberships(session, [u.id for u in users])
    return EndUserPage(
        items=[
            _public(u).model_copy(update={"organizations": belongs.get(u.id, [])}) for u in users
        ],
        next_cursor=page.next_cursor,
    )


def _memberships(session: Session, user_ids: list[int]) -> dict[int, list[str]]:
    """The organizations of a page of end users, by name: one query for the page."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(OrganizationMember.end_user_id, Organization.name)
        .join(Organization, Organization.id == OrganizationMember.organization_id)
        .where(OrganizationMember.end_user_id.in_(user_ids))
        .order_by(func.lower(Organization.name))
    ).all()
    found: dict[int, list[str]] = {}
    for user_id, name in rows:
        found.setdefault(user_id, []).append(name)
    return found


def get_end_user(*, session: Session, scope: AppScope, end_user_id: int) -> EndUserPublic:
    return _public(_end_user(session, scope, end_user_id))


# Write --------------------------------------------------------------------------------------


def create_end_user(
    *,
    session: Session,
    scope: AppScope,
    email: str,
    name: str = "",
    password: str | None = None,
) -> EndUserPublic:
    """A new end user of the app environment; with a password (under the app's policy) they
    can sign in with it, without one by magic link or OAuth."""
    email = _valid_email(email)
    name = _valid_name(name)
    password_hash = None
    if password is not None:
        password_hash = passwords.hash_password(check_password(_app(session, scope), password))
    exists = session.execute(
        select(_U.id).where(
            _U.app_id == scope.app_id, _U.environment == scope.environment, _U.email == email
        )
    ).first()
    if exists is not None:
        raise Conflict(f"{email} is already an end user of this app.", field="email")
    user = EndUser(
        app_id=scope.app_id,
        environment=scope.environment,
        email=email,
        name=name,
        password_hash=password_hash,
    )
    try:
        with savepoint(session):  # a concurrent twin may insert the same email first
            session.add(user)
            session.flush()
    except IntegrityError:
        raise Conflict(f"{email} is already an end user of this app.", field="email") from None
    _record(session, scope, "end_user.created", user)
    events.emit_for_app(session, scope, EventType.END_USER_CREATED, end_user=_ref(user))
    return _public(user)


def update_end_user(
    *,
    session: Session,
    scope: AppScope,
    end_user_id: int,
    name: str | None = None,
    disabled: bool | None = None,
    password: str | None = None,
) -> EndUserPublic:
    """Rename, disable (their sessions end at once) or enable, or set a new password."""
    user = _end_user(session, scope, end_user_id)
    changes: dict[str, Any] = {}
    if name is not None:
        new_name = _valid_name(name)
        if new_name != user.name:
            user.name = changes["name"] = new_name
    if password is not None:
        user.password_hash = passwords.hash_password(check_password(_app(session, scope), password))
        changes["password"] = "changed"  # noqa: S105 - the audit says that, not what
    if disabled is not None and disabled != (user.disabled_at is not None):
        user.disabled_at = utcnow() if disabled else None
        changes["disabled"] = bool(disabled)
        if disabled:
            session.execute(delete(EndUserToken).where(EndUserToken.end_user_id == user.id))
    if changes:
        session.add(user)
        _record(session, scope, "end_user.updated", user, **changes)
        events.emit_for_app(
            session, scope, EventType.END_USER_UPDATED, end_user=_ref(user), changed=sorted(changes)
        )
    return _public(user)


def delete_end_user(*, session: Session, scope: AppScope, end_user_id: int) -> None:
    """The end user, their memberships and sessions."""
    user = _end_user(session, scope, end_user_id)
    _record(session, scope, "end_user.deleted", user)
    deleted = _ref(user)
    session.execute(delete(EndUser).where(_U.id == user.id))
    events.emit_for_app(session, scope, EventType.END_USER_DELETED, end_user=deleted)


def enroll_totp(*, session: Session, scope: AppScope, end_user_id: int) -> TotpEnrollment:
    """A new TOTP factor for the end user (replacing any earlier one): its secret is in the
    answer only, for the end user's authenticator app."""
    user = _end_user(session, scope, end_user_id)
    replaced = user.totp_secret is not None
    secret = pyotp.random_base32()
    user.totp_secret = sealing.seal(secret)  # read back at each sign-in: sealed, not hashed
    session.add(user)
    _record(session, scope, "end_user.totp_enrolled", user)
    events.emit_for_app(
        session, scope, EventType.END_USER_TOTP_ENROLLED, end_user=_ref(user), replaced=replaced
    )
    issuer = _app(session, scope).name
    return TotpEnrollment(
        secret=secret, uri=pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    )


# Sign-ins -----------------------------------------------------------------------------------


def _method(app: App, value: Any) -> SignInMethod:
    try:
        method = SignInMethod(value if isinstance(value, str) else "")
    except ValueError:
        raise Invalid(
            f"method must be one of: {', '.join(SignInMethod)}.", field="method"
        ) from None
    enabled = {
        SignInMethod.PASSWORD: app.password_enabled,
        SignInMethod.MAGIC_LINK: app.magic_link_enabled,
        SignInMethod.GOOGLE: app.google_enabled,
        SignInMethod.GITHUB: app.github_enabled,
    }
    if not enabled[method]:
        raise PermissionDenied(
            f"{method.value} sign-in is not enabled for {app.name}: enable it in the app's auth "
            "settings."
        )
    return method


def _second_factor(app: App, user: EndUser, totp_code: Any) -> None:
    if not app.mfa_required:
        return
    if user.totp_secret is None:
        raise SignInRefused(
            "This app requires a second factor: enroll a TOTP factor first.", field="totp_code"
        )
    code = totp_code if isinstance(totp_code, str) else ""
    if not (
        code.isdigit()
        and len(code) == 6
        and pyotp.TOTP(sealing.unseal(user.totp_secret)).verify(code, valid_window=1)
    ):
        raise SignInRefused("The second-factor code is not valid.", field="totp_code")


def _issue_session(session: Session, scope: AppScope, app: App, user: EndUser) -> EndUserSession:
    now = utcnow()
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=app.session_lifetime_minutes)
    session.add(
        EndUserToken(
            end_user_id=user.id,
            kind=EndUserTokenKind.SESSION,
            token_hash=token_hash(token),
            expires_at=expires,
        )
    )
    user.last_sign_in_at = now
    session.add(user)
    first_org = session.execute(
        select(OrganizationMember.organization_id)
        .where(OrganizationMember.end_user_id == user.id)
        .order_by(OrganizationMember.id)
        .limit(1)
    ).scalar_one_or_none()
    app_activity.count(
        app_id=scope.app_id, environment=scope.environment, organization_id=first_org, sign_ins=1
    )
    events.emit_for_app(
        session,
        scope,
        EventType.SESSION_CREATED,
        end_user={"id": user.id, "email": user.email},
        session={"expires_at": expires.isoformat()},
    )
    return EndUserSession(token=token, end_user_id=user.id, expires_at=expires)


def sign_in(
    *,
    session: Session,
    scope: AppScope,
    end_user_id: int,
    method: str,
    password: str | None = None,
    totp_code: str | None = None,
) -> EndUserSession | MagicLinkSent:
    """Sign an end user in (see the module docstring). A magic link answers MagicLinkSent:
    the session comes when the link is redeemed."""
    app = _app(session, scope)
    chosen = _method(app, method)
    user = _end_user(session, scope, end_user_id)
    if chosen is SignInMethod.PASSWORD:
        supplied = password if isinstance(password, str) else ""
        if user.password_hash is None or user.disabled_at is not None:
            passwords.dummy_verify(supplied)  # the same time as a real check
            raise SignInRefused()
        matches, new_hash = passwords.verify(supplied, user.password_hash)
        if not matches:
            raise SignInRefused()
        if new_hash:
            user.password_hash = new_hash
    elif user.disabled_at is not None:
        raise SignInRefused()
    if chosen is SignInMethod.MAGIC_LINK:
        return _send_magic_link(session, app, user)
    _second_factor(app, user, totp_code)
    return _issue_session(session, scope, app, user)


def _send_magic_link(session: Session, app: App, user: EndUser) -> MagicLinkSent:
    if not app.email_sender_address:
        raise Conflict(f"{app.name} has no email sender: set one in its email settings.")
    token = MAGIC_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + MAGIC_LINK_LIFETIME
    session.add(
        EndUserToken(
            end_user_id=user.id,
            kind=EndUserTokenKind.MAGIC_LINK,
            token_hash=token_hash(token),
            expires_at=expires,
        )
    )
    redirect = (app.redirect_urls or [""])[0]
    link = f"{redirect}{'&' if '?' in redirect else '?'}token={token}" if redirect else token
    mailer.send(
        session=session,
        to=user.email,
        subject=f"Sign in to {app.name}",
        body=f"Use this link within 15 minutes to sign in to {app.name}:\n\n{link}\n\n"
        "If you did not ask to sign in, ignore this message.\n",
        sender=f"{app.email_sender_name or app.name} <{app.email_sender_address}>",
        reply_to=app.email_reply_to,
    )
    return MagicLinkSent(end_user_id=user.id, sent_to=user.email, expires_at=expires)


def redeem_magic_link(
    *, session: Session, scope: AppScope, token: str, totp_code: str | None = None
) -> EndUserSession:
    """Trade a magic link's token (once, within its lifetime) for a session."""
    found = None
    if isinstance(token, str) and token.startswith(MAGIC_PREFIX) and len(token) < 200:
        found = session.execute(
            select(EndUserToken, EndUser)
            .join(EndUser, EndUser.id == EndUserToken.end_user_id)
            .where(
                EndUserToken.token_hash == token_hash(token),
                EndUserToken.kind == EndUserTokenKind.MAGIC_LINK,
            )
        ).first()
    # A token that names no link of this app environment is as unknown as a wrong id (404);
    # a real one used up or out of time is a conflict with its state (409).
    if found is None:
        raise NotFound("No sign-in link has this token.")
    link, user = found
    if user.app_id != scope.app_id or user.environment != scope.environment:
        raise NotFound("No sign-in link has this token.")
    if link.used_at is not None or link.expires_at <= utcnow():
        raise Conflict("This sign-in link has expired or was used: ask for a new one.")
    if user.disabled_at is not None:
        raise SignInRefused(field="token")
    app = _app(session, scope)
    _second_factor(app, user, totp_code)
    # Used once, whatever the concurrency: only the request whose update finds it unused
    # signs in (two redeeming at once both read "unused").
    used = session.execute(
        update(EndUserToken)
        .where(EndUserToken.id == link.id, EndUserToken.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if used != 1:
        raise Conflict("This sign-in link has expired or was used: ask for a new one.")
    return _issue_session(session, scope, app, user)
