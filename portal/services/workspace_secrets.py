"""Secrets: named values per environment of a workspace, encrypted at rest, versioned.

Reading names and metadata needs read on the workspace (VIEW_WORKSPACE); every change needs
MANAGE_SECRETS (administer, refused on a frozen or offboarding workspace); reading a value
needs REVEAL_SECRETS (administer) and is audited as `secret.revealed`.

Values are sealed with the workspace's data key (services/envelope.py), bound to the
workspace, environment, name and version, so a ciphertext copied to another row does not
open. No value ever leaves this module except as the return of `reveal_secret`: DTOs, audit
rows (names, environments and version numbers only), log lines and error messages carry none.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from sqlalchemy import bindparam, delete, func
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.domain.access import Action, Actor
from portal.domain.errors import Invalid, NotFound
from portal.domain.paging import Page
from portal.domain.secrets import (
    DotenvLineError,
    DotenvPreview,
    DotenvPreviewItem,
    SecretCell,
    SecretChange,
    SecretOrigin,
    SecretPublic,
    SecretRow,
    SecretVersionPublic,
    check_name,
    check_value,
    parse_dotenv,
)
from portal.domain.workspaces import EnvironmentName
from portal.models import Secret, SecretVersion, Workspace
from portal.models._base import utcnow
from portal.services import audit, envelope, keyset, permissions
from portal.services.keyset import Key

_S = Secret.__table__.c
_V = SecretVersion.__table__.c
ENVIRONMENTS = tuple(EnvironmentName)

# One environment's secrets, by name (the API's list).
_BY_NAME = keyset.Keyset("secrets", sorts={"name": Key(_S.name, str)}, tiebreak=Key(_S.id, int))
_IN_ENVIRONMENT = select(Secret).where(
    _S.workspace_id == bindparam("workspace_id", type_=_S.workspace_id.type),
    _S.environment == bindparam("environment"),
)
# The matrix: one row per name, whatever the environments that have it. The names of the
# workspace with the lowest id of each as the tiebreak, paged as one keyset list.
_NAMES = (
    select(_S.name.label("name"), func.min(_S.id).label("id"))
    .where(_S.workspace_id == bindparam("workspace_id", type_=_S.workspace_id.type))
    .group_by(_S.name)
    .subquery("secret_names")
)
_MATRIX = keyset.Keyset(
    "secret-names", sorts={"name": Key(_NAMES.c.name, str)}, tiebreak=Key(_NAMES.c.id, int)
)
_MATRIX_QUERY = select(_NAMES.c.name, _NAMES.c.id)
# A secret's versions, newest first.
_VERSIONS = keyset.Keyset("secret-versions", sorts={"newest": None}, tiebreak=Key(_V.id, int))
_VERSIONS_QUERY = select(SecretVersion).where(_V.secret_id == bindparam("secret_id"))

SecretPage = Page[SecretPublic]
SecretRowPage = Page[SecretRow]
SecretVersionPage = Page[SecretVersionPublic]


def environment_of(value: Any, *, field: str = "environment") -> EnvironmentName:
    """An environment named by the caller (untrusted): dev, staging or prod."""
    if isinstance(value, str):
        try:
            return EnvironmentName(value.strip().lower())
        except ValueError:
            pass
    raise Invalid(f"Choose an environment: {', '.join(ENVIRONMENTS)}.", field=field)


def request_fingerprint(value: str) -> str:
    """What an idempotent API write records of a value to tell one request from another: an
    HMAC under the server's secret key. A plain hash stored beside the key would let anyone
    with the database try guesses at a weak value."""
    secret_key = get_settings().secret_key.get_secret_value().encode()
    message = b"portal secret request v1\x00" + value.encode("utf-8", "surrogatepass")
    return hmac.new(secret_key, message, hashlib.sha256).hexdigest()


def _public(secret: Secret) -> SecretPublic:
    return SecretPublic(
        name=secret.name,
        environment=secret.environment,
        version=secret.version,
        created_at=secret.created_at,
        updated_at=secret.updated_at,
        updated_by=secret.updated_by,
    )


def _associated(workspace_id: uuid.UUID, environment: str, name: str, version: int) -> bytes:
    return envelope.associated_data(
        "portal secret v1", str(workspace_id), environment, name, str(version)
    )


def _find(
    session: Session, workspace: Workspace, environment: str, name: str, *, lock: bool = False
) -> Secret | None:
    query = select(Secret).where(
        Secret.workspace_id == workspace.id,
        Secret.environment == environment,
        Secret.name == name,
    )
    if lock:
        query = query.with_for_update()  # PostgreSQL: one writer per secret at a time
    return session.exec(query).first()


def _existing(
    session: Session, workspace: Workspace, environment: str, name: str, *, lock: bool = False
) -> Secret:
    found = _find(session, workspace, environment, name, lock=lock)
    if found is None:
        raise NotFound(f"There is no secret {name} in {environment}.")
    return found


def _version(session: Session, secret: Secret, number: int) -> SecretVersion:
    found = None
    if type(number) is int and 0 < number < 2**31:
        found = session.exec(
            select(SecretVersion).where(
                SecretVersion.secret_id == secret.id, SecretVersion.version == number
            )
        ).first()
    if found is None:
        raise NotFound(f"{secret.name} has no version {number}.")
    return found


def _value_of(session: Session, workspace: Workspace, secret: Secret, row: SecretVersion) -> str:
    key = envelope.data_key(session, workspace.id, create=False)
    if key is None:
        raise envelope.KeyUnavailable("The workspace has secrets but no data key.")
    associated = _associated(workspace.id, secret.environment, secret.name, row.version)
    return envelope.open_sealed(key, row.value_sealed, associated)


def _current_value(session: Session, workspace: Workspace, secret: Secret) -> str:
    return _value_of(session, workspace, secret, _version(session, secret, secret.version))


def _write(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    environment: str,
    name: str,
    value: str,
    origin: SecretOrigin,
    *,
    secret: Secret | None,
) -> tuple[Secret, SecretChange]:
    """Store `value` as the next version of the secret (made when `secret` is None). A value
    equal to the current one adds no version."""
    if secret is not None and _current_value(session, workspace, secret) == value:
        return secret, SecretChange.UNCHANGED
    now = utcnow()
    change = SecretChange.UPDATED
    if secret is None:
        change = SecretChange.CREATED
        secret = Secret(
            workspace_id=workspace.id,
            environment=environment,
            name=name,
            version=1,
            created_at=now,
        )
    else:
        secret.version += 1
    secret.updated_at = now
    secret.updated_by = actor.email
    session.add(secret)
    session.flush()
    key = envelope.data_key(session, workspace.id, create=True)
    session.add(
        SecretVersion(
            secret_id=secret.id,
            version=secret.version,
            value_sealed=envelope.seal(
                key, value, _associated(workspace.id, environment, name, secret.version)
            ),
            origin=origin.value,
            created_at=now,
            created_by=actor.email,
        )
    )
    session.flush()
    return secret, change


def _record(
    session: Session,
    actor: Actor,
    workspace: Workspace,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    target: str,
) -> None:
    """An audit row of a secret: names, environments and versions, never a value."""
    audit.record(
        session,
        actor=actor,
        action=action,
        target_type="secret",
        target_id=target,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        before=before,
        after=after,
    )


def _facts(secret: Secret) -> dict[str, Any]:
    return {"name": secret.name, "environment": secret.environment, "version": secret.version}


# Reads ----------------------------------------------------------------------------------------


def list_secrets(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    environment: str,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[SecretPublic]:
    """One environment's secrets in name order: names and metadata, never values."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    env = environment_of(environment)
    page = _BY_NAME.page(
        session,
        _IN_ENVIRONMENT,
        sort="name",
        direction="asc",
        limit=limit,
        cursor=cursor,
        params={"workspace_id": workspace.id, "environment": env.value},
    )
    return SecretPage(items=[_public(row[0]) for row in page.rows], next_cursor=page.next_cursor)


def list_secret_names(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[SecretRow]:
    """The matrix: one row per name with the environments that have it and the last change
    in any of them (who, when). Two queries per page whatever its size."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    page = _MATRIX.page(
        session,
        _MATRIX_QUERY,
        sort="name",
        direction="asc",
        limit=limit,
        cursor=cursor,
        params={"workspace_id": workspace.id},
    )
    names = [row[0] for row in page.rows]
    cells: dict[str, dict[str, Secret]] = {name: {} for name in names}
    if names:
        for secret in session.exec(
            select(Secret).where(Secret.workspace_id == workspace.id, col(Secret.name).in_(names))
        ).all():
            cells[secret.name][secret.environment] = secret
    rows = []
    for name in names:
        present = [cells[name][env] for env in ENVIRONMENTS if env in cells[name]]
        latest = max(present, key=lambda secret: (secret.updated_at, secret.id))
        rows.append(
            SecretRow(
                name=name,
                environments=[
                    SecretCell(
                        environment=secret.environment,
                        version=secret.version,
                        updated_at=secret.updated_at,
                        updated_by=secret.updated_by,
                    )
                    for secret in present
                ],
                updated_at=latest.updated_at,
                updated_by=latest.updated_by,
            )
        )
    return SecretRowPage(items=rows, next_cursor=page.next_cursor)


def get_secret(
    *, session: Session, actor: Actor, workspace_id: str, environment: str, name: str
) -> SecretPublic:
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    env = environment_of(environment)
    return _public(_existing(session, workspace, env.value, check_name(name)))


def list_versions(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    environment: str,
    name: str,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[SecretVersionPublic]:
    """A secret's versions, newest first: who made each, when and how; never the values."""
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    env = environment_of(environment)
    secret = _existing(session, workspace, env.value, check_name(name))
    page = _VERSIONS.page(
        session,
        _VERSIONS_QUERY,
        sort="newest",
        direction="desc",
        limit=limit,
        cursor=cursor,
        params={"secret_id": secret.id},
    )
    items = [
        SecretVersionPublic(
            version=row.version,
            origin=SecretOrigin(row.origin),
            created_at=row.created_at,
            created_by=row.created_by,
            current=row.version == secret.version,
        )
        for (row, *_rest) in page.rows
    ]
    return SecretVersionPage(items=items, next_cursor=page.next_cursor)


def reveal_secret(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    environment: str,
    name: str,
    version: int | None = None,
) -> str:
    """One value (the current version's, or `version`'s), for an administrator; audited as
    `secret.revealed` whether or not anyone copies it."""
    workspace = permissions.require(session, actor, Action.REVEAL_SECRETS, workspace_id)
    env = environment_of(environment)
    secret = _existing(session, workspace, env.value, check_name(name))
    row = _version(session, secret, secret.version if version is None else version)
    value = _value_of(session, workspace, secret, row)
    _record(
        session,
        actor,
        workspace,
        "secret.revealed",
        after={"name": secret.name, "environment": secret.environment, "version": row.version},
        target=f"{secret.environment}/{secret.name}",
    )
    return value


# Writes ---------------------------------------------------------------------------------------


def set_secret(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    environment: str,
    name: str,
    value: str,
) -> SecretPublic:
    """Create the secret or store a new version of it; the same value again changes nothing."""
    workspace = permissions.require(session, actor, Action.MANAGE_SECRETS, workspace_id)
    env = environment_of(environment)
    name = check_name(name)
    value = check_value(value)
    existing = _find(session, workspace, env.value, name, lock=True)
    before = _facts(existing) if existing is not None else None
    secret, change = _write(
        session, actor, workspace, env.value, name, value, SecretOrigin.SET, secret=existing
    )
    if change is not SecretChange.UNCHANGED:
        action = "secret.created" if change is SecretChange.CREATED else "secret.updated"
        _record(
            session,
            actor,
            workspace,
            action,
            before=before,
            after=_facts(secret),
            target=f"{env.value}/{name}",
        )
    return _public(secret)


def delete_secret(
    *, session: Session, actor: Actor, workspace_id: str, environment: str, name: str
) -> None:
    """Delete the secret from the environment, with every version of it."""
    workspace = permissions.require(session, actor, Action.MANAGE_SECRETS, workspace_id)
    env = environment_of(environment)
    secret = _existing(session, workspace, env.value, check_name(name), lock=True)
    _record(
        session,
        actor,
        workspace,
        "secret.deleted",
        before=_facts(secret),
        target=f"{env.value}/{name}",
    )
    session.execute(delete(SecretVersion).where(_V.secret_id == secret.id))
    session.execute(delete(Secret).where(_S.id == secret.id))
    session.expunge(secret)


def rollback_secret(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    environment: str,
    name: str,
    version: int,
) -> SecretPublic:
    """Make an earlier version's value current again, as a new version (history is kept)."""
    workspace = permissions.require(session, actor, Action.MANAGE_SECRETS, workspace_id)
    env = environment_of(environment)
    secret = _existing(session, workspace, env.value, check_name(name), lock=True)
    earlier = _version(session, secret, version)
    if earlier.version == secret.version:
        raise Invalid(f"Version {version} is already the current one.", field="version")
    before = _facts(secret)
    value = _value_of(session, workspace, secret, earlier)
    secret, change = _write(
        session, actor, workspace, env.value, name, value, SecretOrigin.ROLLBACK, secret=secret
    )
    if change is not SecretChange.UNCHANGED:
        _record(
            session,
            actor,
            workspace,
            "secret.rolled_back",
            before=before,
            after=_facts(secret) | {"from_version": earlier.version},
            target=f"{env.value}/{name}",
        )
    return _public(secret)


def copy_secret(
    *,
    session: Session,
    actor: Actor,
    workspace_id: str,
    environment: str,
    name: str,
    to_environment: str,
) -> SecretPublic:
    """Copy the secret's current value to another environment (a new version there if the
    name is set there already)."""
    workspace = permissions.require(session, actor, Action.MANAGE_SECRETS, workspace_id)
    env = environment_of(environment)
    target_env = environment_of(to_environment, field="to_environment")
    if target_env is env:
        raise Invalid("Choose another environment to copy to.", field="to_environment")
    source = _existing(session, workspace, env.value, check_name(name))
    value = _current_value(session, workspace, source)
    existing = _find(session, workspace, target_env.value, name, lock=True)
    before = _facts(existing) if existing is not None else None
    copied, change = _write(
        session, actor, workspace, target_env.value, name, value, SecretOrigin.COPY, secret=existing
    )
    if change is not SecretChange.UNCHANGED:
        _record(
            session,
            actor,
            workspace,
            "secret.copied",
            before=before,
            after=_facts(copied) | {"from_environment": env.value, "from_version": source.version},
            target=f"{target_env.value}/{name}",
        )
    return _public(copied)


def _plan(
    session: Session, workspace: Workspace, environment: str, text: Any
) -> tuple[DotenvPreview, list[tuple[Secret | None, str, str]]]:
    if not isinstance(text, str):
        raise Invalid("Paste the contents of a .env file.", field="text")
    parsed = parse_dotenv(text)
    existing = (
        {
            secret.name: secret
            for secret in session.exec(
                select(Secret).where(
                    Secret.workspace_id == workspace.id,
                    Secret.environment == environment,
                    col(Secret.name).in_([entry.name for entry in parsed.entries]),
                )
            ).all()
        }
        if parsed.entries
        else {}
    )
    items, work = [], []
    for entry in parsed.entries:
        secret = existing.get(entry.name)
        if secret is None:
            change = SecretChange.CREATED
        elif _current_value(session, workspace, secret) == entry.value:
            change = SecretChange.UNCHANGED
        else:
            change = SecretChange.UPDATED
        items.append(DotenvPreviewItem(line=entry.line, name=entry.name, change=change))
        if change is not SecretChange.UNCHANGED:
            work.append((secret, entry.name, entry.value))
    preview = DotenvPreview(
        environment=environment,
        items=items,
        errors=[DotenvLineError(line=e.line, message=e.message) for e in parsed.errors],
    )
    return preview, work


def preview_dotenv(
    *, session: Session, actor: Actor, workspace_id: str, environment: str, text: str
) -> DotenvPreview:
    """What importing the `.env` block would do, name by name, and its errors by line.
    Needs MANAGE_SECRETS: whether a value is unchanged says something about the value."""
    workspace = permissions.require(session, actor, Action.MANAGE_SECRETS, workspace_id)
    env = environment_of(environment)
    return _plan(session, workspace, env.value, text)[0]


def import_dotenv(
    *, session: Session, actor: Actor, workspace_id: str, environment: str, text: str
) -> DotenvPreview:
    """Create or update every secret of the `.env` block, all or nothing: a block with any
    error changes nothing. Returns what was done; one audit row names the secrets."""
    workspace = permissions.require(session, actor, Action.MANAGE_SECRETS, workspace_id)
    env = environment_of(environment)
    preview, work = _plan(session, workspace, env.value, text)
    if preview.errors:
        first = preview.errors[0]
        more = len(preview.errors) - 1
        suffix = f" ({more} more)" if more else ""
        raise Invalid(f"Line {first.line}: {first.message}{suffix}", field="text")
    if not preview.items:
        raise Invalid("The block holds no NAME=value line.", field="text")
    for secret, name, value in work:
        if secret is not None:
            session.refresh(secret, with_for_update=True)
        _write(
            session, actor, workspace, env.value, name, value, SecretOrigin.IMPORT, secret=secret
        )
    if work:
        _record(
            session,
            actor,
            workspace,
            "secret.imported",
            after={
                "environment": env.value,
                "created": [i.name for i in preview.items if i.change is SecretChange.CREATED],
                "updated": [i.name for i in preview.items if i.change is SecretChange.UPDATED],
            },
            target=f"{env.value}/*",
        )
    return preview
