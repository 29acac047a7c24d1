"""The versioned developer terms: the current version, acceptance, and new versions platform
staff publish.

Portal ships with a version (settings.developer_terms_version). Platform staff publish later
ones with what changed; the newest is current. A person who accepted an earlier version still
reads the developer portal (the route guard lets them in) but creating apps, publishing and
install links wait until they accept the current one (permissions.require_developer_terms).
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.access import Actor
from portal.domain.dto import DeveloperTermsStatus
from portal.domain.errors import Conflict, Invalid
from portal.domain.text import clean as clean_text
from portal.models import DeveloperTermsAcceptance, DeveloperTermsVersion
from portal.services import audit, permissions
from portal.services.terms_versions import CurrentTerms, current

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,31}$")
CHANGES_MAX = 2000


def status(*, session: Session, actor: Actor) -> DeveloperTermsStatus:
    latest = session.exec(
        select(DeveloperTermsAcceptance)
        .where(DeveloperTermsAcceptance.user_id == actor.user_id)
        .order_by(col(DeveloperTermsAcceptance.accepted_at).desc())
    ).first()
    terms = current(session)
    return DeveloperTermsStatus(
        current_version=terms.version,
        accepted_version=latest.terms_version if latest else None,
        accepted_at=latest.accepted_at if latest else None,
        changes=terms.changes,
    )


def accept(*, session: Session, actor: Actor, version: str) -> DeveloperTermsStatus:
    """Accept the version the person read; a stale page (terms changed since) is refused."""
    terms = current(session)
    if version != terms.version:
        raise Invalid("The developer terms changed while you were reading. Review the new version.")
    if not permissions.has_accepted_developer_terms(session, actor):
        session.add(DeveloperTermsAcceptance(user_id=actor.user_id, terms_version=terms.version))
        session.flush()
    return status(session=session, actor=actor)


def current_for_staff(*, session: Session, actor: Actor) -> CurrentTerms:
    """The current version and what it changed, for the platform page."""
    permissions.require_platform_admin(actor)
    return current(session)


def publish_version(*, session: Session, actor: Actor, version: str, changes: str) -> CurrentTerms:
    """Platform staff publish a new version: every developer accepts it again before creating
    apps, publishing or generating install links."""
    permissions.require_platform_admin(actor)
    version = (version if isinstance(version, str) else "").strip()
    if not _VERSION.match(version):
        raise Invalid(
            "Name the version with letters, digits, dots and hyphens (at most 32), like 2027-01.",
            field="version",
        )
    changes = clean_text(
        changes,
        field="changes",
        max_length=CHANGES_MAX,
        required="Say what changed: developers read it before they accept again.",
    )
    used = {get_settings().developer_terms_version} | set(
        session.exec(select(DeveloperTermsVersion.version)).all()
    )
    if version in used:
        raise Conflict(
            f"Version {version} was published already. Name the new one.", field="version"
        )
    row = DeveloperTermsVersion(
        version=version, changes=changes, published_by_user_id=actor.user_id
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="developer_terms.published",
        target_type="developer_terms",
        target_id=row.id,
        account_id=None,
        after={"version": version},
    )
    return CurrentTerms(row.version, row.changes, row.published_at)
