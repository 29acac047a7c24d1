"""Broader distribution (PRODUCT.md, Developer apps; issue 10): an app's owner asks platform
staff to list it publicly, with a reason; staff approve or reject it with a note the team
sees; staff can later withdraw a public listing (the app becomes unlisted).

- request_public / withdraw: the owner (DeveloperAction.REQUEST_DISTRIBUTION). A request
  needs a published version (staff judge what installs would get) and is refused while the
  app is public or another request is pending; the partial unique index
  ix_developer_distribution_requests_one_pending keeps it to one pending per app whoever
  asks at the same time.
- status: anyone on the team (VIEW_APP) reads the latest request, its state and the note.
- list_requests / decide / unlist: platform staff only (require_platform_admin: NotFound for
  anyone else). Approving sets the app's visibility to public, the one way an app becomes
  public (developer_apps.set_visibility refuses it).

Each public function is one transaction with its audit row on the app (record_event), by the
developer or by the staff member who decided.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.db import savepoint
from portal.domain.access import Actor
from portal.domain.developer import DeveloperAction, DistributionState, VersionState, Visibility
from portal.domain.dto import DTO
from portal.domain.errors import Conflict, Invalid, NotFound
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.models import DeveloperApp, DeveloperAppVersion, DeveloperDistributionRequest, User
from portal.models._base import utcnow
from portal.services import keyset, permissions
from portal.services.developer_apps import record_event
from portal.services.keyset import Key

REASON_MAX = 1000
NOTE_MAX = 1000

# What the staff list shows: the queue, staff decisions, and requests developers withdrew.
PENDING, DECIDED, WITHDRAWN = "pending", "decided", "withdrawn"
VIEWS: dict[str, tuple[DistributionState, ...]] = {
    PENDING: (DistributionState.PENDING,),
    DECIDED: (DistributionState.APPROVED, DistributionState.REJECTED, DistributionState.UNLISTED),
    WITHDRAWN: (DistributionState.WITHDRAWN,),
}

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


class DistributionRequestPublic(DTO):
    """A request for public listing as the app's team sees it."""

    id: int
    state: DistributionState
    reason: str
    note: str  # platform staff's, "" until they decide (or when they said nothing)
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None  # approved, rejected, withdrawn or unlisted at
    decided_by: str  # who did it, "" while pending


class DistributionStatus(DTO):
    """An app's distribution: its visibility, its newest published version (None: none yet,
    so no request can be made) and its latest request (None: never asked)."""

    app_id: int
    visibility: Visibility
    published_version: int | None
    latest: DistributionRequestPublic | None


class DistributionReviewRow(DTO):
    """A request in the staff list, with what staff judge it by: the app, who asked and why,
    and the newest published version with the scopes it requests."""

    id: int
    app_id: int
    app_name: str
    app_slug: str
    app_description: str
    visibility: Visibility
    state: DistributionState
    reason: str
    note: str
    requested_at: datetime
    requested_by: str
    requested_by_email: str
    decided_at: datetime | None
    decided_by: str
    version: int | None
    scopes: list[str]


DistributionReviewPage = Page[DistributionReviewRow]


class Unlisted(DTO):
    """An app whose public listing platform staff withdrew."""

    app_id: int
    app_name: str
    visibility: Visibility


_GONE = "someone who left"

_R = DeveloperDistributionRequest.__table__.c
_A = DeveloperApp.__table__.c
_V = DeveloperAppVersion.__table__.alias("latest_version")
_V2 = DeveloperAppVersion.__table__.alias("newer_version")
_REQUESTER = User.__table__.alias("requester")
_DECIDER = User.__table__.alias("decider")


def _review_query():
    newest = (
        select(func.max(_V2.c.number))
        .where(_V2.c.app_id == _R.app_id, _V2.c.state == VersionState.PUBLISHED)
        .scalar_subquery()
    )
    joined = (
        DeveloperDistributionRequest.__table__.join(DeveloperApp.__table__, _A.id == _R.app_id)
        .outerjoin(_REQUESTER, _REQUESTER.c.id == _R.requested_by_user_id)
        .outerjoin(_DECIDER, _DECIDER.c.id == _R.decided_by_user_id)
        .outerjoin(_V, and_(_V.c.app_id == _R.app_id, _V.c.number == newest))
    )
    return select(
        _R.id,
        _R.app_id,
        _R.state,
        _R.reason,
        _R.note,
        _R.requested_at,
        _R.decided_at,
        _A.name.label("app_name"),
        _A.slug.label("app_slug"),
        _A.description.label("app_description"),
        _A.visibility,
        _REQUESTER.c.name.label("requester_name"),
        _REQUESTER.c.email.label("requester_email"),
        _DECIDER.c.name.label("decider_name"),
        _V.c.number.label("version"),
        _V.c.manifest,
    ).select_from(joined)


_REVIEWS = _review_query()
# Per view: its query (built once) and its order. The queue is oldest first (first come,
# first reviewed); decisions and withdrawals newest first.
_LISTS = {
    view: (
        keyset.Keyset(
            f"distribution_requests_{view}", sorts={"requested": None}, tiebreak=Key(_R.id, int)
        ),
        _REVIEWS.where(_R.state.in_([str(state) for state in states])),
        "asc" if view == PENDING else "desc",
    )
    for view, states in VIEWS.items()
}


def _scopes(manifest: Any) -> list[str]:
    scopes = manifest.get("scopes") if isinstance(manifest, dict) else None
    return [str(scope) for scope in scopes] if isinstance(scopes, list) else []


def _review_row(row) -> DistributionReviewRow:
    decided = row.decided_at is not None
    return DistributionReviewRow(
        id=row.id,
        app_id=row.app_id,
        app_name=row.app_name,
        app_slug=row.app_slug,
        app_description=row.app_description,
        visibility=Visibility(row.visibility),
        state=DistributionState(row.state),
        reason=row.reason,
        note=row.note or "",
        requested_at=row.requested_at,
        requested_by=row.requester_name or _GONE,
        requested_by_email=row.requester_email or "",
        decided_at=row.decided_at,
        decided_by=(row.decider_name or _GONE) if decided else "",
        version=row.version,
        scopes=_scopes(row.manifest),
    )


def _text(value: Any, *, field: str, max_length: int, required: str | None) -> str:
    """Free text typed in a text area: line breaks become spaces, then the one rule for free
    text (domain/text.py) applies."""
    value = _LINE_BREAKS.sub(" ", value) if isinstance(value, str) else ""
    return clean_text(value, field=field, max_length=max_length, required=required)


def _id(value: Any) -> int:
    """An id from a client as a column holds it; 0 (found nowhere) for anything else."""
    return value if type(value) is int and 0 < value < 2**31 else 0


def _published_version(session: Session, app_id: int) -> int | None:
    return session.exec(
        select(func.max(DeveloperAppVersion.number)).where(
            DeveloperAppVersion.app_id == app_id,
            DeveloperAppVersion.state == VersionState.PUBLISHED,
        )
    ).scalar()


def _latest(session: Session, app_id: int) -> DistributionRequestPublic | None:
    row = session.execute(
        _REVIEWS.where(_R.app_id == app_id).order_by(_R.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    review = _review_row(row)
    return DistributionRequestPublic(
        id=review.id,
        state=review.state,
        reason=review.reason,
        note=review.note,
        requested_at=review.requested_at,
        requested_by=review.requested_by,
        decided_at=review.decided_at,
        decided_by=review.decided_by,
    )


def _status(session: Session, app: DeveloperApp) -> DistributionStatus:
    return DistributionStatus(
        app_id=app.id,
        visibility=Visibility(app.visibility),
        published_version=_published_version(session, app.id),
        latest=_latest(session, app.id),
    )


def _pending(session: Session, app_id: int) -> DeveloperDistributionRequest | None:
    return session.exec(
        select(DeveloperDistributionRequest).where(
            DeveloperDistributionRequest.app_id == app_id,
            DeveloperDistributionRequest.state == DistributionState.PENDING,
        )
    ).scalar()


def _close(session: Session, request_id: int, state: DistributionState, actor: Actor, note: str):
    """Move a pending request to `state`; False when it is no longer pending (decided or
    withdrawn meanwhile: the UPDATE found nothing to change)."""
    result = session.execute(
        update(DeveloperDistributionRequest)
        .where(
            col(DeveloperDistributionRequest.id) == request_id,
            col(DeveloperDistributionRequest.state) == DistributionState.PENDING,
        )
        .values(state=state, note=note, decided_by_user_id=actor.user_id, decided_at=utcnow())
    )
    return result.rowcount == 1


# The app's team -----------------------------------------------------------------------------


def status(*, session: Session, actor: Actor, app_id: int) -> DistributionStatus:
    """The app's visibility, newest published version and latest request (any team member)."""
    app, _role = permissions.require_team(session, actor, DeveloperAction.VIEW_APP, app_id)
    return _status(session, app)


def request_public(
    *, session: Session, actor: Actor, app_id: int, reason: str
) -> DistributionStatus:
    """Ask platform staff to list the app publicly, saying why (the owner)."""
    app, _role = permissions.require_team(
        session, actor, DeveloperAction.REQUEST_DISTRIBUTION, app_id
    )
    reason = _text(
        reason,
        field="reason",
        max_length=REASON_MAX,
        required="Say why the app should be listed: who it is for and what it does for them.",
    )
    if app.visibility == Visibility.PUBLIC:
        raise Conflict("This app is listed publicly already.")
    if _published_version(session, app.id) is None:
        raise Conflict(
            "Publish a version first (Versions tab): platform staff review what the published "
            "version asks for."
        )
    if _pending(session, app.id) is not None:
        raise Conflict("A request for this app is waiting for platform staff already.")
    row = DeveloperDistributionRequest(
        app_id=app.id,
        visibility=Visibility.PUBLIC,
        reason=reason,
        requested_by_user_id=actor.user_id,
    )
    try:
        with savepoint(session):  # (begin_nested flushes what is pending before it: add after)
            session.add(row)
            session.flush()
    except IntegrityError as error:  # another request was made meanwhile
        raise Conflict("A request for this app is waiting for platform staff already.") from error
    record_event(
        session,
        actor,
        "developer_app.distribution_requested",
        app,
        after={"request_id": row.id, "visibility": Visibility.PUBLIC.value, "reason": reason},
    )
    return _status(session, app)


def withdraw(*, session: Session, actor: Actor, app_id: int) -> DistributionStatus:
    """Take back the app's pending request before platform staff decide it (the owner)."""
    app, _role = permissions.require_team(
        session, actor, DeveloperAction.REQUEST_DISTRIBUTION, app_id
    )
    pending = _pending(session, app.id)
    if pending is None or not _close(session, pending.id, DistributionState.WITHDRAWN, actor, ""):
        raise Conflict("No request of this app is waiting: platform staff may have decided it.")
    record_event(
        session,
        actor,
        "developer_app.distribution_withdrawn",
        app,
        after={"request_id": pending.id},
    )
    session.expire(pending)
    return _status(session, app)


# Platform staff -----------------------------------------------------------------------------


def list_requests(
    *,
    session: Session,
    actor: Actor,
    view: str = PENDING,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[DistributionReviewRow]:
    """Requests in `view`: pending (oldest first), decided or withdrawn (newest first)."""
    permissions.require_platform_admin(actor)
    if view not in _LISTS:
        raise Invalid(f"view must be one of: {', '.join(_LISTS)}.", field="view")
    keys, query, direction = _LISTS[view]
    page = keys.page(
        session, query, sort="requested", direction=direction, limit=limit, cursor=cursor
    )
    return DistributionReviewPage(
        items=[_review_row(row) for row in page.rows], next_cursor=page.next_cursor
    )


def _request_for_staff(session: Session, request_id: Any) -> DeveloperDistributionRequest:
    row = session.get(DeveloperDistributionRequest, _id(request_id)) if _id(request_id) else None
    if row is None:
        raise NotFound("Request not found.")
    return row


def _review(session: Session, request_id: int) -> DistributionReviewRow:
    return _review_row(session.execute(_REVIEWS.where(_R.id == request_id)).one())


def decide(
    *, session: Session, actor: Actor, request_id: int, approve: bool, note: str = ""
) -> DistributionReviewRow:
    """Approve (the app becomes public) or reject (its visibility stays; the note, required
    then, tells the team why) a pending request."""
    permissions.require_platform_admin(actor)
    request = _request_for_staff(session, request_id)
    approve = approve is True
    note = _text(
        note,
        field="note",
        max_length=NOTE_MAX,
        required=None
        if approve
        else "Say why it is rejected: the developer reads this note to fix what is missing.",
    )
    state = DistributionState.APPROVED if approve else DistributionState.REJECTED
    if not _close(session, request.id, state, actor, note):
        session.refresh(request)
        raise Conflict(f"This request is {request.state} already: reload to see it.")
    app = session.get(DeveloperApp, request.app_id)
    before = {"visibility": app.visibility}
    if approve and app.visibility != Visibility.PUBLIC:
        app.visibility = Visibility.PUBLIC
        app.updated_at = utcnow()
        session.add(app)
        session.flush()
    record_event(
        session,
        actor,
        f"developer_app.distribution_{state.value}",
        app,
        before=before,
        after={"request_id": request.id, "visibility": app.visibility, "note": note},
    )
    session.expire(request)
    return _review(session, request.id)


def unlist(*, session: Session, actor: Actor, app_id: int, note: str) -> Unlisted:
    """Withdraw a public listing: the app becomes unlisted (install links keep working) and
    its approved request reads unlisted, with the note, required, telling the team why."""
    permissions.require_platform_admin(actor)
    app = session.get(DeveloperApp, _id(app_id)) if _id(app_id) else None
    if app is None:
        raise NotFound("App not found.")
    note = _text(
        note,
        field="note",
        max_length=NOTE_MAX,
        required="Say why the listing is withdrawn: the developer reads this note.",
    )
    changed = session.execute(
        update(DeveloperApp)
        .where(col(DeveloperApp.id) == app.id, col(DeveloperApp.visibility) == Visibility.PUBLIC)
        .values(visibility=Visibility.UNLISTED, updated_at=utcnow())
    )
    if changed.rowcount != 1:
        raise Conflict(f"{app.name} is not listed publicly: there is nothing to withdraw.")
    session.refresh(app)
    approved = session.exec(
        select(DeveloperDistributionRequest)
        .where(
            DeveloperDistributionRequest.app_id == app.id,
            DeveloperDistributionRequest.state == DistributionState.APPROVED,
        )
        .order_by(col(DeveloperDistributionRequest.id).desc())
        .limit(1)
    ).scalar()
    if approved is not None:  # (an app made public by hand has none)
        approved.state = DistributionState.UNLISTED
        approved.note = note
        approved.decided_by_user_id = actor.user_id
        approved.decided_at = utcnow()
        session.add(approved)
        session.flush()
    record_event(
        session,
        actor,
        "developer_app.distribution_unlisted",
        app,
        before={"visibility": Visibility.PUBLIC.value},
        after={
            "request_id": approved.id if approved else None,
            "visibility": app.visibility,
            "note": note,
        },
    )
    return Unlisted(app_id=app.id, app_name=app.name, visibility=Visibility(app.visibility))
