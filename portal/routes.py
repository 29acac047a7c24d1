"""Route constants, URL builders and the nav registry with each page's requirement.

The requirement here is what the page guard enforces; services enforce it again on every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from portal.domain.access import Requirement

SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
RESET_PASSWORD = "/reset-password"  # noqa: S105 - a route, not a secret
DEV_OUTBOX = "/dev/outbox"
# Reflex serves its "404" page for every unknown path (its route id is "404").
NOT_FOUND = "/404"
DASHBOARD = "/"
WORKSPACES = "/workspaces"
APPS = "/apps"
DEVELOPER = "/developer"
DEVELOPER_TERMS = "/developer/terms"
DEVELOPER_EVENTS = "/developer/events"
SETTINGS = "/settings"
PLATFORM_REVIEWS = "/platform/reviews"
PLATFORM_TERMS = "/platform/terms"
PLATFORM_MAIL = "/platform/mail"
# The picked workspace's Process Log; /workspaces/{uuid}/... pages name the workspace.
PROCESS_LOG = "/process-log"
WORKSPACE_DETAIL = "/workspaces/[workspace_uuid]"
WORKSPACE_PROCESS_LOG = "/workspaces/[workspace_uuid]/process-log"
# The picked workspace's Secrets, and a workspace's.
SECRETS = "/secrets"  # noqa: S105 - a route, not a secret
WORKSPACE_SECRETS = "/workspaces/[workspace_uuid]/secrets"  # noqa: S105 - a route
# The picked workspace's Files, and a workspace's.
FILES = "/files"
WORKSPACE_FILES = "/workspaces/[workspace_uuid]/files"
# The picked workspace's Data Vault, and a workspace's.
VAULT = "/vault"
WORKSPACE_VAULT = "/workspaces/[workspace_uuid]/vault"

# The browser's session: an HttpOnly cookie set and cleared only by these backend routes
# (portal/api/browser_session.py), read by the server from each request and from the
# websocket handshake (portal/state/session.py). Page JavaScript never sees it.
SESSION_COOKIE = "portal_session"
# What Reflex state sees instead: the event websocket's handshake carries the cookie's SHA-256
# under this name (api/browser_session.SessionCookieHashing), never the token.
SESSION_COOKIE_HASH = "portal_session_sha256"
AUTH_SESSION = "/auth/session"  # POST handoff, next: sets the cookie
AUTH_SIGN_OUT = "/auth/sign-out"  # POST: ends the session, clears the cookie


# An open app's pages: /workspaces/{uuid}/apps/{app_slug}/{page}, page an AppPage.
APP_OVERVIEW = "/workspaces/[workspace_uuid]/apps/[app_slug]/overview"
APP_AUTH = "/workspaces/[workspace_uuid]/apps/[app_slug]/auth"
APP_EMAIL = "/workspaces/[workspace_uuid]/apps/[app_slug]/email"
APP_API_KEYS = "/workspaces/[workspace_uuid]/apps/[app_slug]/api-keys"
APP_ORGANIZATIONS = "/workspaces/[workspace_uuid]/apps/[app_slug]/organizations"
APP_END_USERS = "/workspaces/[workspace_uuid]/apps/[app_slug]/end-users"
APP_AUDIT = "/workspaces/[workspace_uuid]/apps/[app_slug]/audit"
APP_WEBHOOKS = "/workspaces/[workspace_uuid]/apps/[app_slug]/webhooks"
# One endpoint of the Webhooks tab: its delivery health and message log.
APP_WEBHOOK_ENDPOINT = "/workspaces/[workspace_uuid]/apps/[app_slug]/webhooks/[endpoint_id]"
APP_PAGES = (
    APP_OVERVIEW,
    APP_AUTH,
    APP_EMAIL,
    APP_ORGANIZATIONS,
    APP_END_USERS,
    APP_API_KEYS,
    APP_WEBHOOKS,
    APP_WEBHOOK_ENDPOINT,
    APP_AUDIT,
)


# A developer app's pages (the developer portal): /developer/apps/{slug}/{tab}.
DEVELOPER_APP_GENERAL = "/developer/apps/[app_slug]/general"
DEVELOPER_APP_VERSIONS = "/developer/apps/[app_slug]/versions"
DEVELOPER_APP_SECURITY = "/developer/apps/[app_slug]/security"
DEVELOPER_APP_WEBHOOKS = "/developer/apps/[app_slug]/webhooks"
# Each tab: its URL's last segment and its label, in the tabs' order.
DEVELOPER_APP_TABS = (
    ("general", "General"),
    ("versions", "Versions"),
    ("security", "Security"),
    ("webhooks", "Webhooks"),
)


# An invitation to a developer app's team: the link mailed to the invited email.
DEVELOPER_INVITATION = "/developer/invitations/[invite_token]"


def developer_app_url(app_slug: str, tab: str = "general") -> str:
    """A developer app's tab ("general", "versions", "security", "webhooks")."""
    return f"/developer/apps/{app_slug}/{tab}"


def app_base_url(workspace_id: str, app_slug: str) -> str:
    return f"/workspaces/{workspace_id}/apps/{app_slug}"


def app_url(workspace_id: str, app_slug: str, page: str = "overview") -> str:
    """An app page's URL; `page` an AppPage value ("overview", "auth", "email", "api-keys")."""
    return f"{app_base_url(workspace_id, app_slug)}/{page}"


def app_webhook_endpoint_url(workspace_id: str, app_slug: str, endpoint_id: int | str) -> str:
    return f"{app_base_url(workspace_id, app_slug)}/webhooks/{endpoint_id}"


def apps_url(*, state: str = "", search: str = "") -> str:
    """The portfolio, filtered (the dashboard's counts open it this way)."""
    params = {k: v for k, v in (("state", state), ("search", search)) if v}
    return f"{APPS}?{urlencode(params)}" if params else APPS


def app_audit_csv_url(workspace_id: str, app_slug: str, **filters: str) -> str:
    """The app's audit log as CSV (served by the backend, authenticated by the cookie)."""
    query = urlencode({k: v for k, v in filters.items() if v})
    path = f"/downloads/apps/{workspace_id}/{app_slug}/audit.csv"
    return f"{path}?{query}" if query else path


def workspace_url(workspace_id: str) -> str:
    return f"/workspaces/{workspace_id}"


def workspace_process_log_url(workspace_id: str) -> str:
    return f"/workspaces/{workspace_id}/process-log"


def workspace_secrets_url(workspace_id: str) -> str:
    return f"/workspaces/{workspace_id}/secrets"


def workspace_files_url(workspace_id: str) -> str:
    return f"/workspaces/{workspace_id}/files"


def workspace_vault_url(workspace_id: str) -> str:
    return f"/workspaces/{workspace_id}/vault"


ACCOUNTS = "/accounts"
ACCOUNT_DETAIL = "/accounts/[account_id]"
INVITATION = "/invitations/[invitation_token]"
INSTALL = "/install/[install_token]"
# The app directory: public apps to browse; an app's page there is the consent page (the same
# one an install link opens), installing the app's newest published version.
DIRECTORY = "/directory"
DIRECTORY_APP = "/directory/[app_slug]"


def directory_app_url(app_slug: str) -> str:
    return f"/directory/{app_slug}"


def account_url(account_id: int | str) -> str:
    return f"/accounts/{account_id}"


# Served by the API app beside the pages; authenticated by the session cookie.
EXPORT_DOWNLOAD = "/downloads/exports/{process_id}"


def export_download_url(process_id: int) -> str:
    return EXPORT_DOWNLOAD.format(process_id=process_id)


# A workspace file's content (the current version, or ?version=N), for anyone who can read it.
FILE_DOWNLOAD = "/downloads/files/{workspace_id}/{path}"


def file_download_url(workspace_id: str, path: str, version: int | None = None) -> str:
    url = FILE_DOWNLOAD.format(workspace_id=workspace_id, path=quote(path, safe="/"))
    return f"{url}?{urlencode({'version': version})}" if version is not None else url


@dataclass(frozen=True)
class PageSpec:
    route: str
    title: str
    requirement: Requirement
    show_title: bool = True  # False where the page heads itself (a workspace's name)
    # The sidebar entry the page belongs to, when that is not the page's own route ("" for
    # none: the accounts pages live in the user menu).
    nav: str | None = None


PAGES: dict[str, PageSpec] = {
    spec.route: spec
    for spec in (
        PageSpec(SIGN_IN, "Sign in", Requirement.PUBLIC),
        PageSpec(SIGN_UP, "Sign up", Requirement.PUBLIC),
        PageSpec(RESET_PASSWORD, "Reset password", Requirement.PUBLIC),
        PageSpec(DEV_OUTBOX, "Dev outbox", Requirement.PUBLIC),
        # Public: a signed-out visitor with a broken link learns it is broken, not to sign in.
        PageSpec(NOT_FOUND, "Page not found", Requirement.PUBLIC),
        PageSpec(DASHBOARD, "Dashboard", Requirement.SIGNED_IN),
        PageSpec(WORKSPACES, "Workspaces", Requirement.SIGNED_IN),
        PageSpec(APPS, "Apps", Requirement.SIGNED_IN),
        PageSpec(DEVELOPER, "Developer portal", Requirement.DEVELOPER_TERMS),
        PageSpec(DEVELOPER_TERMS, "Developer terms", Requirement.SIGNED_IN, nav=DEVELOPER),
        # A developer app's tabs head themselves (the app's name) and belong to the portal.
        *(
            PageSpec(route, title, Requirement.DEVELOPER_TERMS, show_title=False, nav=DEVELOPER)
            for route, title in (
                (DEVELOPER_APP_GENERAL, "General"),
                (DEVELOPER_APP_VERSIONS, "Versions"),
                (DEVELOPER_APP_SECURITY, "Security"),
                (DEVELOPER_APP_WEBHOOKS, "Webhooks"),
            )
        ),
        # Signed in, not the developer terms: the invited person may not have accepted them
        # yet (the app's tabs ask for them next). It heads itself (the app's name).
        PageSpec(
            DEVELOPER_INVITATION,
            "Team invitation",
            Requirement.SIGNED_IN,
            show_title=False,
            nav=DEVELOPER,
        ),
        PageSpec(SETTINGS, "Account settings", Requirement.SIGNED_IN),
        PageSpec(PLATFORM_REVIEWS, "Distribution reviews", Requirement.PLATFORM_ADMIN),
        PageSpec(PLATFORM_TERMS, "Developer terms versions", Requirement.PLATFORM_ADMIN),
        # Each /{page} opens that page of the picked workspace (workspaces.workspace_to_open).
        PageSpec(SECRETS, "Secrets", Requirement.SIGNED_IN),
        PageSpec(WORKSPACE_SECRETS, "Secrets", Requirement.SIGNED_IN, nav=SECRETS),
        PageSpec(FILES, "Files", Requirement.SIGNED_IN),
        PageSpec(WORKSPACE_FILES, "Files", Requirement.SIGNED_IN, nav=FILES),
        PageSpec(VAULT, "Data Vault", Requirement.SIGNED_IN),
        PageSpec(WORKSPACE_VAULT, "Data Vault", Requirement.SIGNED_IN, nav=VAULT),
        PageSpec(PROCESS_LOG, "Process Log", Requirement.SIGNED_IN),
        # After the Process Log: the walk's halves alternate (tests/e2e/every_page.py).
        PageSpec(PLATFORM_MAIL, "Mail outbox", Requirement.PLATFORM_ADMIN),
        PageSpec(ACCOUNTS, "Accounts", Requirement.SIGNED_IN, nav=""),
        PageSpec(ACCOUNT_DETAIL, "Account", Requirement.SIGNED_IN, show_title=False, nav=""),
        # Public: the invited person may not have signed in (or signed up) yet.
        PageSpec(INVITATION, "Invitation", Requirement.PUBLIC),
        PageSpec(INSTALL, "Install an app", Requirement.SIGNED_IN),
        PageSpec(DIRECTORY, "App directory", Requirement.SIGNED_IN),
        PageSpec(DIRECTORY_APP, "Install an app", Requirement.SIGNED_IN, nav=DIRECTORY),
        PageSpec(
            WORKSPACE_DETAIL, "Workspace", Requirement.SIGNED_IN, show_title=False, nav=WORKSPACES
        ),
        PageSpec(WORKSPACE_PROCESS_LOG, "Process Log", Requirement.SIGNED_IN, nav=PROCESS_LOG),
        # An app's pages head themselves (the app's name) and belong to Apps.
        PageSpec(APP_OVERVIEW, "Overview", Requirement.SIGNED_IN, show_title=False, nav=APPS),
        PageSpec(APP_AUTH, "Auth settings", Requirement.SIGNED_IN, show_title=False, nav=APPS),
        PageSpec(APP_EMAIL, "Email settings", Requirement.SIGNED_IN, show_title=False, nav=APPS),
        PageSpec(APP_API_KEYS, "API keys", Requirement.SIGNED_IN, show_title=False, nav=APPS),
        PageSpec(
            APP_ORGANIZATIONS, "Organizations", Requirement.SIGNED_IN, show_title=False, nav=APPS
        ),
        PageSpec(APP_END_USERS, "End users", Requirement.SIGNED_IN, show_title=False, nav=APPS),
        PageSpec(APP_AUDIT, "Audit log", Requirement.SIGNED_IN, show_title=False, nav=APPS),
        PageSpec(APP_WEBHOOKS, "Webhooks", Requirement.SIGNED_IN, show_title=False, nav=APPS),
        PageSpec(
            APP_WEBHOOK_ENDPOINT,
            "Webhook endpoint",
            Requirement.SIGNED_IN,
            show_title=False,
            nav=APPS,
        ),
        # Last: tests/e2e/every_page.py splits the walk by position.
        PageSpec(DEVELOPER_EVENTS, "Event catalog", Requirement.SIGNED_IN, nav=DEVELOPER),
    )
}

# Pages for people who are signed out; a signed-in visitor is sent to the dashboard.
SIGNED_OUT_ONLY = frozenset({SIGN_IN, SIGN_UP})


def page_key(route_id: str) -> str:
    """Reflex's route id ("index", "/settings", "developer/terms/") as a PAGES key."""
    stripped = (route_id or "").strip("/")
    return "/" if stripped in ("", "index") else f"/{stripped}"


def requirement_for(route: str) -> Requirement:
    """Unknown routes need a session: authenticated by default, public only where declared."""
    spec = PAGES.get(page_key(route))
    return spec.requirement if spec else Requirement.SIGNED_IN


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    icon: str
    section: str = ""
    platform_admin_only: bool = False


NAV: tuple[NavItem, ...] = (
    NavItem("Dashboard", DASHBOARD, "layout-dashboard", section="Overview"),
    NavItem("Workspaces", WORKSPACES, "boxes", section="Overview"),
    NavItem("Process Log", PROCESS_LOG, "list-checks", section="Overview"),
    NavItem("Secrets", SECRETS, "key-round", section="Overview"),
    NavItem("Files", FILES, "folder", section="Overview"),
    NavItem("Data Vault", VAULT, "shield", section="Overview"),
    NavItem("Apps", APPS, "app-window"),
    NavItem("App directory", DIRECTORY, "store"),
    NavItem("Developer portal", DEVELOPER, "code-xml"),
    NavItem("Settings", SETTINGS, "settings"),
    NavItem("Distribution reviews", PLATFORM_REVIEWS, "shield-check", platform_admin_only=True),
    NavItem("Terms versions", PLATFORM_TERMS, "scroll-text", platform_admin_only=True),
    NavItem("Mail outbox", PLATFORM_MAIL, "mail", platform_admin_only=True),
)


def nav_route(route: str) -> str:
    """The route of the sidebar entry a page belongs to ("" for none)."""
    spec = PAGES.get(route)
    if spec is not None and spec.nav is not None:
        return spec.nav
    return route if any(item.route == route for item in NAV) else ""


def safe_next(target: str | None, default: str = DASHBOARD) -> str:
    """A post-sign-in destination from the URL, kept on this site (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if target.split("?")[0] in SIGNED_OUT_ONLY:
        return default
    return target


def sign_in_url(
    *, next_path: str | None = None, reason: str | None = None, email: str | None = None
) -> str:
    params = {}
    if next_path and safe_next(next_path, default=""):
        params["next"] = next_path
    if reason:
        params["reason"] = reason
    if email:
        params["email"] = email
    return f"{SIGN_IN}?{urlencode(params)}" if params else SIGN_IN


def developer_terms_url(*, next_path: str | None = None) -> str:
    if next_path and safe_next(next_path, default=""):
        return f"{DEVELOPER_TERMS}?{urlencode({'next': next_path})}"
    return DEVELOPER_TERMS
