"""Which version of the developer terms is current: the newest platform staff published, or
the one Portal ships with (settings.developer_terms_version). Its own module: permissions
asks it, and the terms service (which asks permissions) builds on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.models import DeveloperTermsVersion


@dataclass(frozen=True)
class CurrentTerms:
    version: str
    changes: str  # what changed from the version before ("" for the shipped one)
    published_at: datetime | None  # None for the version Portal ships with


def current(session: Session) -> CurrentTerms:
    newest = session.exec(
        select(DeveloperTermsVersion).order_by(col(DeveloperTermsVersion.id).desc()).limit(1)
    ).first()
    if newest is None:
        return CurrentTerms(get_settings().developer_terms_version, "", None)
    return CurrentTerms(newest.version, newest.changes, newest.published_at)
