"""DTOs services return. No secrets, no ORM rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from portal.domain.workspaces import (
    EnvironmentName,
    EnvironmentStatus,
    TenancyModel,
    WorkspaceStatus,
)


class DTO(BaseModel):
    """The base of every DTO: immutable, and built straight from an ORM row's attributes."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class UserPublic(DTO):
    id: int
    email: str
    name: str
    is_platform_admin: bool
    created_at: datetime


class SignedIn(DTO):
    """A new session. `token` goes to the browser once; the server keeps only its hash.

    From the sign-in page it is a one-time handoff, which the browser trades for its
    HttpOnly session cookie at /auth/session (services/sessions.py)."""

    token: str
    user: UserPublic


class SessionPublic(DTO):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str
    user_agent: str
    is_current: bool = False


class AccountSummary(DTO):
    id: int
    name: str
    permission: str  # the strongest the actor holds on it


class AccountWithoutCreate(DTO):
    """An account where the actor may read but not create workspaces, and who can grant it."""

    id: int
    name: str
    administrators: list[str]  # emails of the members holding administer on the account


class WorkspaceCreation(DTO):
    """Where the actor may create a workspace (administer), and where not, with whom to ask."""

    accounts: list[AccountSummary]
    without_create: list[AccountWithoutCreate]


class WorkspaceSummary(DTO):
    id: str  # the workspace UUID
    name: str
    slug: str
    account_id: int
    account_name: str
    status: WorkspaceStatus


class EmailPublic(DTO):
    id: int
    to_address: str
    subject: str
    body: str
    sent_at: datetime


class DeveloperTermsStatus(DTO):
    current_version: str
    accepted_version: str | None
    accepted_at: datetime | None
    changes: str = ""  # what the current version changed ("" for the one Portal ships)

    @property
    def accepted(self) -> bool:
        return self.accepted_version == self.current_version

    @property
    def needs_reacceptance(self) -> bool:
        """An earlier version accepted, the current one not yet."""
        return self.accepted_version is not None and not self.accepted


# Workspaces -----------------------------------------------------------------------------


class WorkspacePublic(DTO):
    """One workspace, as a create or an action returns it."""

    id: str  # the workspace UUID
    name: str
    slug: str
    account_id: int
    account_name: str
    tenancy_model: TenancyModel
    region: str
    status: WorkspaceStatus  # deleted is never shown
    created_at: datetime
    frozen_at: datetime | None = None
    offboarding_started_at: datetime | None = None
    purge_after: datetime | None = None  # end of the hard-delete window


class WorkspaceRow(DTO):
    """A row of the workspace list."""

    id: str
    name: str
    slug: str
    account_id: int
    account_name: str
    tenancy_model: TenancyModel
    status: WorkspaceStatus
    region: str
    created_at: datetime


class EnvironmentPublic(DTO):
    name: EnvironmentName
    status: EnvironmentStatus
    error: str | None = None
    created_at: datetime
    ready_at: datetime | None = None


class CoderunnerPublic(DTO):
    """A runner of the coderunner integration, as its API reports it."""

    id: str
    name: str
    status: str
    last_seen_at: datetime | None = None


class CoderunnerList(DTO):
    """The workspace's runners, or why they could not be listed."""

    runners: list[CoderunnerPublic] = []
    error: str | None = None


class AppLink(DTO):
    """An app of the workspace, for the detail page's Apps section."""

    id: str
    name: str
    slug: str = ""
    state: str = ""  # an AppState


class WorkspaceDetail(WorkspacePublic):
    """The detail page: the workspace plus what the page shows beside it."""

    environments: list[EnvironmentPublic]
    purge_days_left: int | None = None  # whole days left in the hard-delete window
    can_administer: bool = False
    administrators: list[str] = []  # emails of the account's administrators, to ask
    provisioning_stuck: bool = False  # provisioning for longer than the configured minutes
    provisioning_process_id: int | None = None  # the latest provisioning saga, for its log
    coderunners_enabled: bool = False  # show the Coderunners section only when True
    apps: list[AppLink] = []  # the first few by name
    app_count: int = 0


class AuditEventPublic(DTO):
    id: int
    created_at: datetime
    account_id: int | None
    workspace_id: str | None
    actor_type: str  # user, token, system
    actor_id: str
    actor_label: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    ip_address: str = ""
    user_agent: str = ""
    # What a person recognises as the target ("staging environment of Orbit", "invitation to
    # ana@example.com"), set by audit.label_targets for the feeds; "" where not resolved.
    target_label: str = ""


# Accounts and members -------------------------------------------------------------------


class WorkspaceGrantPublic(DTO):
    workspace_id: str
    workspace_name: str
    permission: str


class MemberPublic(DTO):
    """Someone with a grant on the account or on one of its workspaces."""

    user_id: int
    email: str
    name: str
    account_permission: str | None  # read, administer, or None (workspace grants only)
    workspace_grants: list[WorkspaceGrantPublic] = []


class InvitationPublic(DTO):
    id: int
    account_id: int
    account_name: str
    workspace_id: str | None  # set for an invitation to one workspace
    workspace_name: str | None
    email: str
    permission: str
    invited_by: str  # the inviter's name and email, or "" if they are gone
    created_at: datetime
    expires_at: datetime
    state: str  # pending, accepted, declined, revoked, expired


class InvitationCreated(DTO):
    """A new invitation. `link` (which holds the token) goes to the inviter once, and by mail
    to the invited email; the server keeps only the token's hash."""

    invitation: InvitationPublic
    link: str


class GrantPublic(DTO):
    user_id: int
    account_id: int
    workspace_id: str | None
    permission: str


class AccountDetail(DTO):
    id: int
    name: str
    created_at: datetime
    permission: str  # the strongest the actor holds on the account
    can_administer: bool
    members: list[MemberPublic]
    invitations: list[InvitationPublic]  # pending ones (accepted ones are members now)
    workspaces: list[WorkspaceSummary]


class WorkspaceChoice(DTO):
    """A workspace as the top-bar picker offers it: enough to tell two of one name apart."""

    id: str  # the workspace UUID
    name: str
    account_name: str
    status: str
    slug: str = ""  # unique in its account: tells two of one name and status apart there
    pinned: bool = False
    recent: bool = False  # picked lately (among the person's last picks)


class PickerResults(DTO):
    items: list[WorkspaceChoice]
    more: bool  # more workspaces match than the picker shows: type to narrow


# Apps -------------------------------------------------------------------------------------


class NextAction(DTO):
    """What to do next about an app, and the app page where it is done."""

    label: str  # "Set an email sender"
    page: str  # an AppPage: "email"


class AppBlocker(DTO):
    kind: str  # a BlockerKind
    message: str  # "API key Billing expires in 3 days"
    page: str  # an AppPage


class AppCard(DTO):
    """One app in the portfolio (counts are of the prod environment)."""

    id: int
    name: str
    slug: str
    state: str  # an AppState
    organizations: int
    end_users: int
    created_at: datetime
    next_action: NextAction | None = None
    blockers: list[AppBlocker] = []


class AppSummary(DTO):
    id: int
    workspace_id: str
    name: str
    slug: str
    created_at: datetime


class AppChoice(DTO):
    """An app as the app switcher offers it."""

    name: str
    slug: str


class PossibleDuplicate(DTO):
    """An existing app a new one may duplicate: same slug, or a close name."""

    name: str
    slug: str
    same_slug: bool


class BaselineItem(DTO):
    gap: str  # a Gap
    label: str  # "An email sender set"
    done: bool
    action: str  # "Set an email sender"
    page: str  # an AppPage


class AuthSettings(DTO):
    sign_in_methods: list[str]  # the enabled SignInMethods
    password_min_length: int
    password_require_uppercase: bool
    password_require_lowercase: bool
    password_require_digit: bool
    password_require_symbol: bool
    session_lifetime_minutes: int
    mfa_required: bool
    redirect_urls: list[str]
    google_client_id: str = ""
    google_secret_set: bool = False
    github_client_id: str = ""
    github_secret_set: bool = False


class EmailSettings(DTO):
    sender_name: str
    sender_address: str
    reply_to: str


class AppDetail(DTO):
    """An open app: what its pages show about it, and what the reader may do."""

    id: int
    workspace_id: str
    workspace_name: str
    name: str
    slug: str
    created_at: datetime
    state: str
    baseline: list[BaselineItem]
    blockers: list[AppBlocker]
    next_action: NextAction | None = None
    organizations: int
    end_users: int
    auth: AuthSettings
    email: EmailSettings
    can_administer: bool
    # Why writes are refused now ("Acme is frozen: ..."), "" when they are not.
    read_only_reason: str = ""


class AppKeyPublic(DTO):
    id: int
    environment: str
    name: str
    scope: str
    key_prefix: str  # "sk_prod_4gYh"
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class AppKeyCreated(DTO):
    """A new key: `secret` is shown once and never stored (only its SHA-256 is)."""

    secret: str
    key: AppKeyPublic


class ActionItem(DTO):
    """One line of the dashboard's Need action: what is wrong with which app, and the fix.
    An empty app_slug is about the workspace itself (frozen)."""

    app_name: str
    app_slug: str
    problem: str
    action: str
    page: str  # an AppPage; "" for the workspace's own page
    blocker: bool


class RecentApp(DTO):
    name: str
    slug: str
    state: str
    visited_at: datetime


class Dashboard(DTO):
    workspace_id: str
    workspace_name: str
    apps: int
    live_organizations: int
    need_action: int
    needs_attention: int
    operational: int
    action_items: list[ActionItem]
    recent: list[RecentApp]


# An app's organizations and end users ---------------------------------------------------------


class OrganizationPublic(DTO):
    id: int
    name: str
    environment: str
    created_at: datetime
    last_active_at: datetime | None = None
    members: int = 0
    admins: int = 0


class MemberOfOrganization(DTO):
    end_user_id: int
    email: str
    name: str
    role: str
    added_at: datetime


class EndUserPublic(DTO):
    id: int
    email: str
    name: str
    environment: str
    created_at: datetime
    disabled_at: datetime | None = None
    last_sign_in_at: datetime | None = None
    has_password: bool = False
    has_totp: bool = False
    organizations: list[str] = []  # the organizations they belong to, by name (in lists)


class TotpEnrollment(DTO):
    """Shown once: the end user's authenticator app takes the URI (or the secret typed)."""

    secret: str
    uri: str


class EndUserSession(DTO):
    """A new end-user session: `token` is shown once; Portal keeps its SHA-256."""

    token: str
    end_user_id: int
    expires_at: datetime


class MagicLinkSent(DTO):
    end_user_id: int
    sent_to: str
    expires_at: datetime


class ActivityDay(DTO):
    day: date
    api_calls: int
    sign_ins: int


class WebhookEndpointPublic(DTO):
    id: int
    environment: str
    url: str
    description: str
    categories: list[str]
    enabled: bool
    disabled_reason: str | None = None
    secret_rotated_at: datetime | None = None
    created_at: datetime


class WebhookEndpointCreated(DTO):
    """A new endpoint and its signing secret, shown now (it can be revealed again)."""

    secret: str
    endpoint: WebhookEndpointPublic


class WebhookMessage(DTO):
    """One message to one endpoint (a delivery) with its event, for the endpoint's log."""

    id: int  # the delivery's
    message_id: str  # the event's webhook-id: the same on a replay
    event_type: str
    status: str  # a DeliveryStatus
    attempts: int
    last_status_code: int | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime


class WebhookAttemptPublic(DTO):
    attempt: int
    attempted_at: datetime
    outcome: str  # an Outcome
    status_code: int | None = None
    latency_ms: int | None = None
    cause: str | None = None  # a FailureCause
    error: str | None = None
    response_headers: dict[str, Any] = {}
    response_body: str = ""


class RecoverCount(DTO):
    """How many failed messages a recovery since a time would send again (at most `limit`)."""

    count: int
    limit: int
    capped: bool  # more failed than `limit`: the oldest beyond it stay failed


class HealthBucket(DTO):
    start: datetime
    succeeded: int = 0
    failed: int = 0
    causes: dict[str, int] = {}  # FailureCause -> failed attempts


class DeliveryHealth(DTO):
    """Attempts of one subscriber over a window: figures, buckets, the next retry."""

    window: str  # a HealthWindow
    attempts: int
    succeeded: int
    success_rate: float | None = None  # 0..1; None without attempts
    p50_ms: int | None = None
    p95_ms: int | None = None
    buckets: list[HealthBucket]
    next_retry_at: datetime | None = None


class EndpointHealth(DTO):
    endpoint: WebhookEndpointPublic
    state: str  # an EndpointState
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    health: DeliveryHealth
