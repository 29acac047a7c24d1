"""The words and rules of developer apps (PRODUCT.md, Developer apps; seed 001): visibility,
the team's roles and what each may do, version states, and what a manifest may declare (the
scope catalog, event categories, data types) with the JSON Schema that checks it.

The schema is served at /v1/schemas/manifest.json; services/manifests.py validates drafts
against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NAME_MAX = 80
SLUG_MAX = 64
DESCRIPTION_MAX = 500
MANIFEST_MAX_CHARS = 64_000


class Visibility(StrEnum):
    PRIVATE = "private"  # only allowlisted workspaces or accounts may install
    UNLISTED = "unlisted"  # anyone with an install link
    PUBLIC = "public"  # listed in the directory, once platform staff approve

    @property
    def meaning(self) -> str:
        return _VISIBILITY_MEANING[self]


_VISIBILITY_MEANING = {
    Visibility.PRIVATE: "Only workspaces and accounts on the allowlist can install it.",
    Visibility.UNLISTED: "Anyone with an install link can install it; it is not listed.",
    Visibility.PUBLIC: "Listed in the app directory for every signed-in user.",
}


class TeamRole(StrEnum):
    """A developer app's team, weakest first: each role can do what the weaker ones can."""

    VIEWER = "viewer"
    DEVELOPER = "developer"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def includes(self, needed: TeamRole) -> bool:
        return self.rank >= needed.rank


_ROLE_RANK = {TeamRole.VIEWER: 1, TeamRole.DEVELOPER: 2, TeamRole.OWNER: 3}


@dataclass(frozen=True)
class TeamRule:
    """What a team action needs: a role on the app, and (for creating, publishing and install
    links) the current developer terms accepted. `purpose` ends a refusal."""

    role: TeamRole
    purpose: str
    needs_terms: bool = False


class DeveloperAction(StrEnum):
    """Everything a team member may be allowed to do to a developer app, by name; services
    ask `permissions.require_team(session, actor, action, app_id)`."""

    VIEW_APP = "developer_app.view"
    EDIT_APP = "developer_app.edit"  # name, slug, description, icon
    EDIT_DRAFT = "developer_app.edit_draft"
    PUBLISH_VERSION = "developer_app.publish_version"
    CREATE_INSTALL_LINK = "developer_app.create_install_link"
    REQUEST_DISTRIBUTION = "developer_app.request_distribution"
    MANAGE_INSTALL_LINKS = "developer_app.manage_install_links"  # list and revoke them
    MANAGE_ALLOWLIST = "developer_app.manage_allowlist"
    MANAGE_CREDENTIALS = "developer_app.manage_credentials"  # see and rotate client secrets
    # Reveal and rotate the webhook signing secret, turn a disabled webhook back on.
    MANAGE_WEBHOOKS = "developer_app.manage_webhooks"
    MANAGE_TEAM = "developer_app.manage_team"
    DELETE_APP = "developer_app.delete"

    @property
    def rule(self) -> TeamRule:
        return TEAM_RULES[self]


_VIEWER, _DEVELOPER, _OWNER = TeamRole.VIEWER, TeamRole.DEVELOPER, TeamRole.OWNER

TEAM_RULES: dict[DeveloperAction, TeamRule] = {
    DeveloperAction.VIEW_APP: TeamRule(_VIEWER, "see it"),
    DeveloperAction.EDIT_APP: TeamRule(_DEVELOPER, "change its details"),
    DeveloperAction.EDIT_DRAFT: TeamRule(_DEVELOPER, "edit its draft version"),
    DeveloperAction.PUBLISH_VERSION: TeamRule(_DEVELOPER, "publish a version", needs_terms=True),
    DeveloperAction.CREATE_INSTALL_LINK: TeamRule(
        _DEVELOPER, "generate install links", needs_terms=True
    ),
    DeveloperAction.MANAGE_INSTALL_LINKS: TeamRule(_DEVELOPER, "revoke install links"),
    DeveloperAction.REQUEST_DISTRIBUTION: TeamRule(_OWNER, "request broader distribution"),
    DeveloperAction.MANAGE_ALLOWLIST: TeamRule(_OWNER, "change who may install it"),
    DeveloperAction.MANAGE_CREDENTIALS: TeamRule(_OWNER, "see or rotate its client secrets"),
    DeveloperAction.MANAGE_WEBHOOKS: TeamRule(_DEVELOPER, "manage its webhook"),
    DeveloperAction.MANAGE_TEAM: TeamRule(_OWNER, "change its team"),
    DeveloperAction.DELETE_APP: TeamRule(_OWNER, "delete it"),
}


class VersionState(StrEnum):
    DRAFT = "draft"  # editable; at most one per app
    PUBLISHED = "published"  # immutable, numbered 1, 2, 3...


class TeamInvitationState(StrEnum):
    """Where an invitation to an app's team stands (read from its timestamps, not stored)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"  # withdrawn by an owner
    EXPIRED = "expired"

    @property
    def explained(self) -> str:
        """Why a link in this state no longer works, and what to do ("" while pending)."""
        return _INVITATION_EXPLAINED[self]


_INVITATION_EXPLAINED = {
    TeamInvitationState.PENDING: "",
    TeamInvitationState.ACCEPTED: "This invitation was already accepted. If it was you, open "
    "the app from the developer portal.",
    TeamInvitationState.REVOKED: "This invitation was withdrawn by an owner of the app. Ask "
    "them for a new one if you still need access.",
    TeamInvitationState.EXPIRED: "This invitation has expired. Ask an owner of the app to "
    "send a new one.",
}


class DistributionState(StrEnum):
    """A request for broader distribution (public listing), as platform staff decide it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the developer took it back before a decision
    UNLISTED = "unlisted"  # approved, then platform staff withdrew the public listing


class ManifestFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


# The scope catalog: what an installed app's token may do, each scope mapped to the /v1
# routes it opens (method, path template). A token is refused (403) on any other route.
@dataclass(frozen=True)
class ScopeInfo:
    name: str
    says: str  # in plain words, for the consent page
    routes: tuple[tuple[str, str], ...]


SCOPES: dict[str, ScopeInfo] = {
    info.name: info
    for info in (
        ScopeInfo(
            "workspace:read",
            "See this workspace's name, status and environments",
            (("GET", "/v1/workspaces/{workspace_id}"),),
        ),
        ScopeInfo(
            "audit:read",
            "Read this workspace's audit log",
            (("GET", "/v1/workspaces/{workspace_id}/audit"),),
        ),
        ScopeInfo(
            "environments:read",
            "See the workspace's environments (dev, staging, prod) and their status",
            (("GET", "/v1/workspaces/{workspace_id}/environments"),),
        ),
    )
}

EVENT_CATEGORIES: dict[str, str] = {
    "workspace": "Changes to the workspace: renamed, frozen, unfrozen, offboarded, restored",
    "apps": "Apps created, changed or deleted in the workspace",
    "sign_in": "End users signing in to the workspace's apps",
    "end_users": "End users of the workspace's apps created, changed or deleted",
    "organizations": "Organizations and their members created or removed",
}

DATA_TYPES: dict[str, str] = {
    "workspace_profile": "The workspace's name and status",
    "audit_events": "Who changed what in the workspace, and when",
    "end_user_profiles": "End users' names and email addresses",
    "organizations": "Organizations' names and their members",
}


def manifest_schema() -> dict:
    """The JSON Schema (2020-12) a manifest must satisfy: display info, redirect URLs, the
    scopes it requests (from SCOPES), a webhook URL, event categories and data types."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/v1/schemas/manifest.json",
        "title": "Portal developer app manifest",
        "type": "object",
        "additionalProperties": False,
        "required": ["display", "scopes"],
        "properties": {
            "display": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": NAME_MAX},
                    "description": {"type": "string", "maxLength": DESCRIPTION_MAX},
                    "homepage": {"type": "string", "pattern": "^https://", "maxLength": 500},
                },
            },
            "redirect_urls": {
                "type": "array",
                "maxItems": 10,
                "uniqueItems": True,
                "items": {
                    "type": "string",
                    "pattern": "^(https://|http://localhost(:[0-9]+)?/)",
                    "maxLength": 500,
                },
            },
            "scopes": {
                "type": "array",
                "uniqueItems": True,
                "items": {"enum": sorted(SCOPES)},
                # The catalog in words, for editors (GET /v1/scopes serves it as data).
                "description": "What the app's token may do, from the catalog at /v1/scopes: "
                + "; ".join(
                    f"{info.name} ({', '.join(f'{m} {path}' for m, path in info.routes)})"
                    for info in sorted(SCOPES.values(), key=lambda info: info.name)
                ),
            },
            "webhook_url": {"type": "string", "pattern": "^https://", "maxLength": 500},
            "event_categories": {
                "type": "array",
                "uniqueItems": True,
                "items": {"enum": sorted(EVENT_CATEGORIES)},
            },
            "data_types": {
                "type": "array",
                "uniqueItems": True,
                "items": {"enum": sorted(DATA_TYPES)},
            },
        },
        # Events need somewhere to go.
        "if": {
            "required": ["event_categories"],
            "properties": {"event_categories": {"minItems": 1}},
        },
        "then": {"required": ["webhook_url"]},
    }


STARTER_MANIFEST = """\
# The manifest of your app's next version. Validate, then publish it.
display:
  name: {name}
  description: What your app does for a workspace, in a sentence.
redirect_urls:
  - https://example.com/oauth/callback
scopes:
  - workspace:read
event_categories: []
data_types:
  - workspace_profile
"""
