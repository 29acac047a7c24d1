"""The words and rules of an app (PRODUCT.md, Apps): its state, its baseline requirements,
its blockers and the recommended next action.

An app's **baseline**: at least one sign-in method enabled, an email sender set, and at least
one active API key in prod. The first gap is the app's recommended next action, linking to the
app page where it is fixed. **State**: `setup` while a baseline requirement is missing, else
`operating` with data-plane activity in the last 7 days, else `ready`.

Services compute the same rules in SQL for lists and counts (portal/services/app_states.py);
tests hold the two to each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from portal.domain.workspaces import EnvironmentName

# Activity within this window makes an app operating and an organization live.
ACTIVE_WINDOW = timedelta(days=7)
# An API key expiring within this window is a blocker.
KEY_EXPIRY_WARNING = timedelta(days=7)
# A prod webhook endpoint failing this long (or disabled) is a blocker: a blip is not.
WEBHOOK_FAILING_WARNING = timedelta(hours=1)
# The environment an app's baseline, counts and "live" are judged in.
PRODUCTION = EnvironmentName.PROD

NAME_MAX = 80
SLUG_MAX = 64


class AppState(StrEnum):
    SETUP = "setup"  # a baseline requirement is missing
    READY = "ready"  # baseline complete, no activity in the last 7 days
    OPERATING = "operating"  # activity in the last 7 days


class SignInMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a sign-in method's name
    MAGIC_LINK = "magic_link"
    GOOGLE = "google"
    GITHUB = "github"


SIGN_IN_METHOD_LABELS: dict[SignInMethod, str] = {
    SignInMethod.PASSWORD: "Email and password",
    SignInMethod.MAGIC_LINK: "Magic link by email",
    SignInMethod.GOOGLE: "Google",
    SignInMethod.GITHUB: "GitHub",
}


class KeyScope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


KEY_SCOPE_LABELS: dict[KeyScope, str] = {
    KeyScope.READ: "Read",
    KeyScope.READ_WRITE: "Read and write",
}


class AppPage(StrEnum):
    """The pages of an open app: the last part of /workspaces/{uuid}/apps/{slug}/{page}."""

    OVERVIEW = "overview"
    AUTH = "auth"
    EMAIL = "email"
    ORGANIZATIONS = "organizations"
    END_USERS = "end-users"
    API_KEYS = "api-keys"
    WEBHOOKS = "webhooks"
    AUDIT = "audit"


APP_PAGE_LABELS: dict[AppPage, str] = {
    AppPage.OVERVIEW: "Overview",
    AppPage.AUTH: "Auth settings",
    AppPage.EMAIL: "Email settings",
    AppPage.ORGANIZATIONS: "Organizations",
    AppPage.END_USERS: "End users",
    AppPage.API_KEYS: "API keys",
    AppPage.WEBHOOKS: "Webhooks",
    AppPage.AUDIT: "Audit log",
}


class Gap(StrEnum):
    """A missing baseline requirement, in the order they are recommended."""

    SIGN_IN_METHOD = "sign_in_method"
    EMAIL_SENDER = "email_sender"
    API_KEY = "api_key"


@dataclass(frozen=True)
class Requirement:
    gap: Gap
    done_label: str  # the checklist line
    action: str  # the recommended next action, as a link's words
    page: AppPage  # where it is fixed
    missing_label: str  # what the dashboard says is wrong


BASELINE: tuple[Requirement, ...] = (
    Requirement(
        Gap.SIGN_IN_METHOD,
        "At least one sign-in method enabled",
        "Enable a sign-in method",
        AppPage.AUTH,
        "No sign-in method is enabled.",
    ),
    Requirement(
        Gap.EMAIL_SENDER,
        "An email sender set",
        "Set an email sender",
        AppPage.EMAIL,
        "No email sender is set.",
    ),
    Requirement(
        Gap.API_KEY,
        "An active API key in prod",
        "Create a prod API key",
        AppPage.API_KEYS,
        "No active API key in prod.",
    ),
)
REQUIREMENTS: dict[Gap, Requirement] = {r.gap: r for r in BASELINE}


def gaps(*, has_sign_in_method: bool, has_sender: bool, has_active_key: bool) -> list[Gap]:
    """The missing baseline requirements, most important first."""
    present = {
        Gap.SIGN_IN_METHOD: has_sign_in_method,
        Gap.EMAIL_SENDER: has_sender,
        Gap.API_KEY: has_active_key,
    }
    return [r.gap for r in BASELINE if not present[r.gap]]


def state(*, missing: list[Gap], last_active_at: datetime | None, now: datetime) -> AppState:
    if missing:
        return AppState.SETUP
    if last_active_at is not None and last_active_at >= now - ACTIVE_WINDOW:
        return AppState.OPERATING
    return AppState.READY


class BlockerKind(StrEnum):
    WORKSPACE_FROZEN = "workspace_frozen"
    KEY_EXPIRING = "key_expiring"
    WEBHOOK_FAILING = "webhook_failing"  # a prod endpoint disabled, or failing an hour
    ORGANIZATION_WITHOUT_ADMIN = "organization_without_admin"


# Most important first: a frozen workspace stops everything; a key about to expire stops the
# customer's product; a failing webhook loses its events; an organization without an admin
# stops only its own people.
BLOCKER_ORDER: tuple[BlockerKind, ...] = (
    BlockerKind.WORKSPACE_FROZEN,
    BlockerKind.KEY_EXPIRING,
    BlockerKind.WEBHOOK_FAILING,
    BlockerKind.ORGANIZATION_WITHOUT_ADMIN,
)
BLOCKER_PAGES: dict[BlockerKind, AppPage] = {
    BlockerKind.WORKSPACE_FROZEN: AppPage.OVERVIEW,
    BlockerKind.KEY_EXPIRING: AppPage.API_KEYS,
    BlockerKind.WEBHOOK_FAILING: AppPage.WEBHOOKS,
    BlockerKind.ORGANIZATION_WITHOUT_ADMIN: AppPage.ORGANIZATIONS,
}


class OrganizationRole(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class EndUserTokenKind(StrEnum):
    SESSION = "session"
    MAGIC_LINK = "magic_link"


MAGIC_LINK_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class AppPrincipal:
    """Who calls the data-plane API: an app's secret key, resolved on the server. Everything
    it reads or writes is of `app_id` in `environment`; a read key (`scope` read) writes
    nothing."""

    key_id: int
    app_id: int
    workspace_id: str
    account_id: int
    environment: EnvironmentName
    scope: KeyScope
    key_prefix: str

    @property
    def can_write(self) -> bool:
        return self.scope is KeyScope.READ_WRITE


class WebhookCategory(StrEnum):
    """What an app's webhook endpoint can subscribe to."""

    ORGANIZATION = "organization"  # created, renamed, deleted, members changed
    END_USER = "end_user"  # created, updated, disabled, deleted
    SIGN_IN = "sign_in"  # an end user signed in
    API_KEY = "api_key"  # an API key created or revoked


WEBHOOK_CATEGORY_LABELS: dict[WebhookCategory, str] = {
    WebhookCategory.ORGANIZATION: "Organizations",
    WebhookCategory.END_USER: "End users",
    WebhookCategory.SIGN_IN: "Sign-ins",
    WebhookCategory.API_KEY: "API keys",
}
