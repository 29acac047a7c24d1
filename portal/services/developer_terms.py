"""The versioned developer terms and their acceptance."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.access import Actor
from portal.domain.dto import DeveloperTermsStatus
from portal.domain.errors import Invalid
from portal.models import DeveloperTermsAcceptance
from portal.services import permissions


def status(*, session: Session, actor: Actor) -> DeveloperTermsStatus:
    latest = session.exec(
        select(DeveloperTermsAcceptance)
        .where(DeveloperTermsAcceptance.user_id == actor.user_id)
        .order_by(col(DeveloperTermsAcceptance.accepted_at).desc())
    ).first()
    return DeveloperTermsStatus(
        current_version=get_settings().developer_terms_version,
        accepted_version=latest.terms_version if latest else None,
        accepted_at=latest.accepted_at if latest else None,
    )


def accept(*, session: Session, actor: Actor, version: str) -> DeveloperTermsStatus:
    """Accept the version the person read; a stale page (terms changed since) is refused."""
    current = get_settings().developer_terms_version
    if version != current:
        raise Invalid("The developer terms changed while you were reading. Review the new version.")
    if not permissions.has_accepted_developer_terms(session, actor):
        session.add(DeveloperTermsAcceptance(user_id=actor.user_id, terms_version=current))
        session.flush()
    return status(session=session, actor=actor)
