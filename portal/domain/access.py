"""What a page or an event handler needs before it may run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Requirement(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    DEVELOPER_TERMS = "developer_terms"  # signed in and the current terms accepted
    PLATFORM_ADMIN = "platform_admin"


class Permission(StrEnum):
    """What a grant gives, weakest first: `administer` implies `read`."""

    READ = "read"
    ADMINISTER = "administer"

    @property
    def rank(self) -> int:
        """The order of the levels: the one place it is written down."""
        return _RANK[self]

    def includes(self, needed: Permission) -> bool:
        return self.rank >= needed.rank


_RANK = {Permission.READ: 1, Permission.ADMINISTER: 2}


def strongest(values: Iterable[str | Permission | None]) -> Permission | None:
    """The strongest permission among grants (None when there is none)."""
    best: Permission | None = None
    for value in values:
        if value is None:
            continue
        permission = Permission(value)
        if best is None or permission.rank > best.rank:
            best = permission
    return best


class Scope(StrEnum):
    """What an action is decided on: the account (workspace grants do not count) or one
    workspace (its own grants and its account's)."""

    ACCOUNT = "account"
    WORKSPACE = "workspace"


@dataclass(frozen=True)
class Rule:
    """What an action needs: a permission on a scope. `writes` marks a write inside the
    workspace, refused while it is frozen or offboarding; `purpose` ends the refusal ("You
    need administer on the workspace Production to freeze it.")."""

    permission: Permission
    scope: Scope
    purpose: str
    writes: bool = False


class Action(StrEnum):
    """Everything a person may be allowed to do to a tenant, by name. Each has one Rule (in
    RULES below); services ask `permissions.require(session, actor, action, target)`, where
    the target is the account's id for an account action and the workspace's for a workspace
    action."""

    # On an account.
    VIEW_ACCOUNT = "account.view"
    CREATE_WORKSPACE = "account.create_workspace"
    MANAGE_ACCOUNT_MEMBERS = "account.manage_members"
    RENAME_ACCOUNT = "account.rename"
    # On a workspace.
    VIEW_WORKSPACE = "workspace.view"
    RENAME_WORKSPACE = "workspace.rename"
    FREEZE_WORKSPACE = "workspace.freeze"
    UNFREEZE_WORKSPACE = "workspace.unfreeze"
    EXPORT_WORKSPACE = "workspace.export"
    OFFBOARD_WORKSPACE = "workspace.offboard"
    RESTORE_WORKSPACE = "workspace.restore"
    RETRY_PROCESS = "workspace.retry_process"
    MANAGE_WORKSPACE_MEMBERS = "workspace.manage_members"
    MANAGE_APPS = "workspace.manage_apps"  # create, edit, delete apps and their settings
    INSTALL_APPS = "workspace.install_apps"  # install, move and uninstall developer apps
    # An app's keys and webhook endpoints: apps live in a workspace. (A developer app's own
    # actions, decided by its team's roles, are domain/developer.py's DeveloperAction.)
    MANAGE_API_KEYS = "workspace.manage_api_keys"
    MANAGE_WEBHOOKS = "workspace.manage_webhooks"  # an app's webhook endpoints
    # Secrets: reading names needs VIEW_WORKSPACE; these two touch values.
    MANAGE_SECRETS = "workspace.manage_secrets"  # set, delete, roll back, copy, import
    REVEAL_SECRETS = "workspace.reveal_secrets"  # read one value (audited)
    # Files: listing and downloading need VIEW_WORKSPACE.
    MANAGE_FILES = "workspace.manage_files"  # upload, rename, delete
    # Data Vault: listing collections and masked records needs VIEW_WORKSPACE.
    MANAGE_VAULT = "workspace.manage_vault"  # collections, and creating/editing/deleting records
    REVEAL_VAULT = "workspace.reveal_vault"  # read one field of one record in clear (audited)

    @property
    def rule(self) -> Rule:
        return RULES[self]

    @property
    def permission(self) -> Permission:
        return RULES[self].permission

    @property
    def scope(self) -> Scope:
        return RULES[self].scope

    @property
    def writes(self) -> bool:
        return RULES[self].writes


_READ, _ADMIN = Permission.READ, Permission.ADMINISTER
_ACCOUNT, _WORKSPACE = Scope.ACCOUNT, Scope.WORKSPACE

# One rule per action. Not workspace writes, so allowed on a frozen or offboarding workspace:
# the state transitions themselves, export and revealing a secret (they only read), retrying
# a process (retrying a provisioning saga writes, and its service checks that itself), and
# membership (an administrator may need to bring someone in to look at a frozen workspace).
RULES: dict[Action, Rule] = {
    Action.VIEW_ACCOUNT: Rule(_READ, _ACCOUNT, "see it"),
    Action.CREATE_WORKSPACE: Rule(_ADMIN, _ACCOUNT, "create a workspace in it"),
    Action.MANAGE_ACCOUNT_MEMBERS: Rule(_ADMIN, _ACCOUNT, "manage its members"),
    Action.RENAME_ACCOUNT: Rule(_ADMIN, _ACCOUNT, "rename it"),
    Action.VIEW_WORKSPACE: Rule(_READ, _WORKSPACE, "see it"),
    Action.RENAME_WORKSPACE: Rule(_ADMIN, _WORKSPACE, "rename it", writes=True),
    Action.FREEZE_WORKSPACE: Rule(_ADMIN, _WORKSPACE, "freeze it"),
    Action.UNFREEZE_WORKSPACE: Rule(_ADMIN, _WORKSPACE, "unfreeze it"),
    Action.EXPORT_WORKSPACE: Rule(_ADMIN, _WORKSPACE, "export it"),
    Action.OFFBOARD_WORKSPACE: Rule(_ADMIN, _WORKSPACE, "offboard it"),
    Action.RESTORE_WORKSPACE: Rule(_ADMIN, _WORKSPACE, "restore it"),
    Action.RETRY_PROCESS: Rule(_ADMIN, _WORKSPACE, "retry its processes"),
    Action.MANAGE_WORKSPACE_MEMBERS: Rule(_ADMIN, _WORKSPACE, "manage its members"),
    Action.MANAGE_APPS: Rule(_ADMIN, _WORKSPACE, "manage its apps", writes=True),
    Action.INSTALL_APPS: Rule(_ADMIN, _WORKSPACE, "install apps in it", writes=True),
    Action.MANAGE_API_KEYS: Rule(_ADMIN, _WORKSPACE, "manage its API keys", writes=True),
    Action.MANAGE_WEBHOOKS: Rule(_ADMIN, _WORKSPACE, "manage its webhooks", writes=True),
    Action.MANAGE_SECRETS: Rule(_ADMIN, _WORKSPACE, "change its secrets", writes=True),
    # A reveal reads: allowed on a frozen workspace, as reads are (its audit row is no write
    # to the workspace's data).
    Action.REVEAL_SECRETS: Rule(_ADMIN, _WORKSPACE, "reveal its secrets"),
    Action.MANAGE_FILES: Rule(_ADMIN, _WORKSPACE, "change its files", writes=True),
    Action.MANAGE_VAULT: Rule(_ADMIN, _WORKSPACE, "change its data vault", writes=True),
    # Like a secret's reveal, a vault reveal reads: allowed on a frozen workspace.
    Action.REVEAL_VAULT: Rule(_ADMIN, _WORKSPACE, "reveal its vault values"),
}


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as the server saw it."""

    ip_address: str = ""
    user_agent: str = ""


class ActorKind(StrEnum):
    USER = "user"  # a person in the browser (a session)
    TOKEN = "token"  # noqa: S105 - a personal access token on the /v1 API
    INSTALLATION = "installation"  # an installed developer app's token (client_credentials)


@dataclass(frozen=True)
class Actor:
    """Who is acting, resolved on the server from a session or a token. Never built from
    client input. `client` is where the request came from, for the audit trail."""

    user_id: int
    email: str
    name: str
    is_platform_admin: bool
    session_id: int | None = None
    kind: ActorKind = ActorKind.USER
    token_id: int | None = None
    token_name: str = ""
    client: ClientInfo = field(default_factory=ClientInfo)
    # An installation's token: the one workspace it may read and its version's scopes.
    installation_workspace_id: str | None = None
    scopes: frozenset[str] = frozenset()
