"""An app environment's organizations and their members (admin or member).

Every function takes an AppScope (portal/services/app_scope.py: an app key on the data-plane
API, or a person in the console), so it reaches only that app's environment: an id of
another app, or of another environment, is "not found". Writes are audited in the app's
workspace, naming who acted (the person, or the key by its prefix).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlmodel import Session

from portal.domain.apps import OrganizationRole
from portal.domain.dto import MemberOfOrganization, OrganizationPublic
from portal.domain.errors import Invalid, NotFound
from portal.domain.events import EventType
from portal.domain.paging import Page
from portal.domain.text import clean as clean_text
from portal.models import EndUser, Organization, OrganizationMember
from portal.services import audit, events, keyset
from portal.services.app_scope import AppScope
from portal.services.keyset import Key

NAME_MAX = 120
SEARCH_MAX = 120
_O, _M, _U = Organization.__table__.c, OrganizationMember.__table__.c, EndUser.__table__.c
_LIST = keyset.Keyset(
    "organizations",
    sorts={"name": Key(func.lower(_O.name), str), "created_at": Key(_O.created_at, datetime)},
    tiebreak=Key(_O.id, int),
)
_MEMBERS = keyset.Keyset("organization-members", sorts={"added": None}, tiebreak=Key(_M.id, int))
OrganizationPage = Page[OrganizationPublic]
MemberPage = Page[MemberOfOrganization]


def _id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        return None
    return value


def _record(session: Session, scope: AppScope, action: str, org_id: int, **changes) -> None:
    audit.record(
        session,
        actor=scope.actor,
        app_key=scope.key,
        action=action,
        target_type="app",
        target_id=scope.app_id,
        account_id=scope.account_id,
        workspace_id=scope.workspace_id,
        after={"organization_id": org_id, "environment": scope.environment, "via": scope.via}
        | changes,
    )


def _ref(org: Organization) -> dict[str, Any]:
    """An organization as events name it."""
    return {"id": org.id, "name": org.name}


def _member_event(
    session: Session,
    scope: AppScope,
    kind: EventType,
    org: Organization,
    user: EndUser,
    **extra: Any,
) -> None:
    events.emit_for_app(
        session,
        scope,
        kind,
        organization=_ref(org),
        end_user={"id": user.id, "email": user.email},
        **{key: str(value) for key, value in extra.items()},
    )


def _organization(session: Session, scope: AppScope, organization_id: Any) -> Organization:
    key = _id(organization_id)
    org = session.get(Organization, key) if key is not None else None
    if org is None or org.app_id != scope.app_id or org.environment != scope.environment:
        raise NotFound("Organization not found.")
    return org


def _counts(session: Session, ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Members and admins per organization, for a page of them (two grouped queries)."""
    if not ids:
        return {}, {}
    members = dict(
        session.execute(
            select(_M.organization_id, func.count())
            .where(_M.organization_id.in_(ids))
            .group_by(_M.organization_id)
        ).all()
    )
    admins = dict(
        session.execute(
            select(_M.organization_id, func.count())
            .where(_M.organization_id.in_(ids), _M.role == OrganizationRole.ADMIN.value)
            .group_by(_M.organization_id)
        ).all()
    )
    return members, admins


def _public(org: Organization, members: int = 0, admins: int = 0) -> OrganizationPublic:
    return OrganizationPublic(
        id=org.id,
        name=org.name,
        environment=org.environment,
        created_at=org.created_at,
        last_active_at=org.last_active_at,
        members=members,
        admins=admins,
    )


def _valid_name(name: Any) -> str:
    return clean_text(
        name if isinstance(name, str) else "",
        field="name",
        max_length=NAME_MAX,
        required="Name the organization.",
    )


def list_organizations(
    *,
    session: Session,
    scope: AppScope,
    search: str | None = None,
    sort: str = "name",
    direction: str = "asc",
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[OrganizationPublic]:
    query = select(Organization).where(
        _O.app_id == bindparam("app_id"), _O.environment == bindparam("environment")
    )
    params: dict[str, Any] = {"app_id": scope.app_id, "environment": scope.environment}
    term = clean_text(search, field="search", max_length=SEARCH_MAX)
    if term:
        escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
        query = query.where(func.lower(_O.name).like(func.lower(bindparam("search")), escape="/"))
        params["search"] = f"%{escaped}%"
    page = _LIST.page(
        session,
        query,
        sort=sort,
        direction=direction,
        limit=limit,
        cursor=cursor,
        params=params,
    )
    orgs = [row[0] for row in page.rows]
    members, admins = _counts(session, [o.id for o in orgs])
    return OrganizationPage(
        items=[_public(o, members.get(o.id, 0), admins.get(o.id, 0)) for o in orgs],
        next_cursor=page.next_cursor,
    )


def get_organization(
    *, session: Session, scope: AppScope, organization_id: int
) -> OrganizationPublic:
    org = _organization(session, scope, organization_id)
    members, admins = _counts(session, [org.id])
    return _public(org, members.get(org.id, 0), admins.get(org.id, 0))


def create_organization(*, session: Session, scope: AppScope, name: str) -> OrganizationPublic:
    org = Organization(app_id=scope.app_id, environment=scope.environment, name=_valid_name(name))
    session.add(org)
    session.flush()
    _record(session, scope, "organization.created", org.id, name=org.name)
    events.emit_for_app(session, scope, EventType.ORGANIZATION_CREATED, organization=_ref(org))
    return _public(org)


def rename_organization(
    *, session: Session, scope: AppScope, organization_id: int, name: str
) -> OrganizationPublic:
    org = _organization(session, scope, organization_id)
    new_name = _valid_name(name)
    if new_name != org.name:
        before = org.name
        org.name = new_name
        session.add(org)
        _record(session, scope, "organization.renamed", org.id, name=new_name, before=before)
        events.emit_for_app(
            session, scope, EventType.ORGANIZATION_UPDATED, organization=_ref(org), changed=["name"]
        )
    return get_organization(session=session, scope=scope, organization_id=org.id)


def delete_organization(*, session: Session, scope: AppScope, organization_id: int) -> None:
    """The organization and its memberships (its members stay end users of the app)."""
    org = _organization(session, scope, organization_id)
    _record(session, scope, "organization.deleted", org.id, name=org.name)
    deleted = _ref(org)
    session.execute(delete(Organization).where(_O.id == org.id))
    events.emit_for_app(session, scope, EventType.ORGANIZATION_DELETED, organization=deleted)


# Members ------------------------------------------------------------------------------------


def _role(value: Any) -> OrganizationRole:
    try:
        return OrganizationRole(value if isinstance(value, str) else "")
    except ValueError:
        raise Invalid("role must be admin or member.", field="role") from None


def _member_public(member: OrganizationMember, user: EndUser) -> MemberOfOrganization:
    return MemberOfOrganization(
        end_user_id=user.id,
        email=user.email,
        name=user.name,
        role=member.role,
        added_at=member.created_at,
    )


def list_members(
    *,
    session: Session,
    scope: AppScope,
    organization_id: int,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[MemberOfOrganization]:
    org = _organization(session, scope, organization_id)
    query = (
        select(OrganizationMember, EndUser)
        .join(EndUser, _U.id == _M.end_user_id)
        .where(_M.organization_id == bindparam("organization_id"))
    )
    page = _MEMBERS.page(
        session,
        query,
        sort="added",
        direction="asc",
        limit=limit,
        cursor=cursor,
        params={"organization_id": org.id},
    )
    return MemberPage(
        items=[_member_public(m, u) for m, u, *_ in page.rows], next_cursor=page.next_cursor
    )


def _end_user(session: Session, scope: AppScope, end_user_id: Any) -> EndUser:
    key = _id(end_user_id)
    user = session.get(EndUser, key) if key is not None else None
    if user is None or user.app_id != scope.app_id or user.environment != scope.environment:
        raise NotFound("End user not found.")
    return user


def set_member(
    *, session: Session, scope: AppScope, organization_id: int, end_user_id: int, role: str
) -> MemberOfOrganization:
    """Add an end user of the same app environment to the organization, or change their role."""
    org = _organization(session, scope, organization_id)
    user = _end_user(session, scope, end_user_id)
    wanted = _role(role)
    member = session.execute(
        select(OrganizationMember).where(_M.organization_id == org.id, _M.end_user_id == user.id)
    ).scalar_one_or_none()
    if member is None:
        member = OrganizationMember(organization_id=org.id, end_user_id=user.id, role=wanted)
        session.add(member)
        session.flush()
        _record(
            session, scope, "organization.member_added", org.id, end_user_id=user.id, role=wanted
        )
        _member_event(session, scope, EventType.ORGANIZATION_MEMBER_ADDED, org, user, role=wanted)
    elif member.role != wanted:
        member.role = wanted
        session.add(member)
        _record(
            session,
            scope,
            "organization.member_role_changed",
            org.id,
            end_user_id=user.id,
            role=wanted,
        )
        _member_event(session, scope, EventType.ORGANIZATION_MEMBER_UPDATED, org, user, role=wanted)
    return _member_public(member, user)


def remove_member(
    *, session: Session, scope: AppScope, organization_id: int, end_user_id: int
) -> None:
    org = _organization(session, scope, organization_id)
    user = _end_user(session, scope, end_user_id)
    removed = session.execute(
        delete(OrganizationMember).where(_M.organization_id == org.id, _M.end_user_id == user.id)
    ).rowcount
    if not removed:
        raise NotFound("That end user is not a member of this organization.")
    _record(session, scope, "organization.member_removed", org.id, end_user_id=user.id)
    _member_event(session, scope, EventType.ORGANIZATION_MEMBER_REMOVED, org, user)


def set_member_by_email(
    *, session: Session, scope: AppScope, organization_id: int, email: str, role: str
) -> MemberOfOrganization:
    """set_member for the end user of this app environment with `email` (the console's form)."""
    address = (email if isinstance(email, str) else "").strip().lower()[:320]
    user_id = session.execute(
        select(_U.id).where(
            _U.app_id == scope.app_id, _U.environment == scope.environment, _U.email == address
        )
    ).scalar_one_or_none()
    if user_id is None:
        raise Invalid(
            f"No end user {address or 'with that email'} in {scope.environment}: add them on "
            "End users first.",
            field="email",
        )
    return set_member(
        session=session,
        scope=scope,
        organization_id=organization_id,
        end_user_id=user_id,
        role=role,
    )
