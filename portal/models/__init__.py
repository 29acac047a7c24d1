"""SQLModel tables, one module per aggregate. Importing this package registers them all."""

from portal.models.account import Account, PermissionGrant
from portal.models.api_token import IdempotencyRecord, PersonalAccessToken
from portal.models.app import (
    App,
    AppActivity,
    AppApiKey,
    AppIdempotencyRecord,
    AppVisit,
    EndUser,
    EndUserToken,
    Organization,
    OrganizationMember,
    WebhookEndpoint,
)
from portal.models.audit import AuditEvent
from portal.models.auth import PasswordReset, SignInAttempt, SignUpRequest, UserSession
from portal.models.developer_app import (
    DeveloperAccessToken,
    DeveloperApp,
    DeveloperAppAllowlistEntry,
    DeveloperAppIcon,
    DeveloperAppInstallation,
    DeveloperAppInvitation,
    DeveloperAppMember,
    DeveloperAppVersion,
    DeveloperClientSecret,
    DeveloperDistributionRequest,
    DeveloperInstallLink,
)
from portal.models.developer_terms import DeveloperTermsAcceptance, DeveloperTermsVersion
from portal.models.email import SentEmail
from portal.models.environment import Environment
from portal.models.event import OutboxEvent
from portal.models.file import FileVersion, WorkspaceFile
from portal.models.invitation import Invitation
from portal.models.process import Process, ProcessStep
from portal.models.secret import Secret, SecretVersion, WorkspaceDataKey
from portal.models.user import User
from portal.models.vault import VaultBlindIndex, VaultCollection, VaultRecord
from portal.models.webhook import WebhookAttempt, WebhookDelivery
from portal.models.workspace import Workspace
from portal.models.workspace_pick import WorkspacePick

__all__ = [
    "App",
    "WebhookAttempt",
    "WebhookDelivery",
    "AppActivity",
    "AppApiKey",
    "AppIdempotencyRecord",
    "AppVisit",
    "EndUser",
    "EndUserToken",
    "Organization",
    "OrganizationMember",
    "Account",
    "DeveloperApp",
    "DeveloperAccessToken",
    "DeveloperClientSecret",
    "DeveloperAppAllowlistEntry",
    "DeveloperAppIcon",
    "DeveloperAppInvitation",
    "DeveloperDistributionRequest",
    "DeveloperAppInstallation",
    "DeveloperInstallLink",
    "DeveloperTermsVersion",
    "DeveloperAppMember",
    "DeveloperAppVersion",
    "AuditEvent",
    "Environment",
    "FileVersion",
    "IdempotencyRecord",
    "Invitation",
    "OutboxEvent",
    "PersonalAccessToken",
    "Process",
    "ProcessStep",
    "DeveloperTermsAcceptance",
    "PasswordReset",
    "PermissionGrant",
    "Secret",
    "SecretVersion",
    "SentEmail",
    "SignInAttempt",
    "SignUpRequest",
    "User",
    "UserSession",
    "WebhookEndpoint",
    "Workspace",
    "WorkspacePick",
    "WorkspaceDataKey",
    "VaultBlindIndex",
    "VaultCollection",
    "VaultRecord",
    "WorkspaceFile",
]
