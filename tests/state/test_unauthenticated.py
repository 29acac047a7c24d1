"""Every handler that touches data refuses a browser without a live session, and changes nothing.

The handlers come from the reviewed registry (test_handler_registry.REVIEWED): each one not
marked "public" must appear in ARGS below, called with arguments an attacker would pick (a real
victim's session id, a real workspace's UUID).
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import Session, select

from portal.config import get_settings
from portal.db import engine_for, get_engine
from portal.domain.errors import Unauthenticated
from portal.models import EndUser, Organization, User, UserSession
from portal.pages.developer.terms import DeveloperTermsState
from portal.services import (
    accounts,
    api_tokens,
    app_api_keys,
    client_credentials,
    developer_apps,
    developer_team,
    developer_terms,
    files,
    installations,
    provisioning,
    sessions,
    vault,
    webhook_endpoints,
    workspace_secrets,
)
from portal.services.developer_icons import PNG_MAGIC
from portal.services.tokens import new_token, token_hash
from tests.conftest import sqlite_url, use_database
from tests.factories import CLIENT, account_of, make_app, make_user, make_workspace, sign_in
from tests.state.support import database_snapshot, redirect_path, run
from tests.state.test_handler_registry import REVIEWED, portal_handlers, requirement_of
from tests.webhook_rows import delivery, developer_delivery, failure

PNG_ICON = PNG_MAGIC + b"\x00" * 32

NEEDS_SESSION = sorted(key for key in REVIEWED if requirement_of(key) != "public")

# key -> function(victim) -> the arguments to call the handler with.
ARGS = {
    "portal.state.nav.NavState.load_pick": lambda v: (),
    "portal.state.nav.NavState.open_picker": lambda v: (True,),
    "portal.state.nav.NavState.search_picker": lambda v: ("Secret",),
    "portal.state.nav.NavState.select_workspace": lambda v: (v["workspace_id"],),
    "portal.state.nav.NavState.toggle_pin": lambda v: (v["workspace_id"],),
    "portal.pages.settings.SettingsState.load": lambda v: (),
    "portal.pages.settings.SettingsState.save_profile": lambda v: ({"name": "Mallory"},),
    "portal.pages.settings.SettingsState.change_password": lambda v: (
        {
            "current_password": "guessed password",
            "new_password": "mallory was here 123",
            "confirm_password": "mallory was here 123",
        },
    ),
    "portal.pages.settings.SettingsState.revoke_session": lambda v: (v["session_id"],),
    "portal.pages.settings.SettingsState.revoke_other_sessions": lambda v: (),
    "portal.pages.settings.SettingsState.create_token": lambda v: (
        {"token_name": "mallory", "expires_in_days": "30"},
    ),
    "portal.pages.settings.SettingsState.revoke_token": lambda v: (v["token_id"],),
    "portal.pages.developer.terms.DeveloperTermsState.load": lambda v: (),
    "portal.pages.developer.terms.DeveloperTermsState.accept": lambda v: (
        {"version": get_settings().developer_terms_version},
    ),
    "portal.pages.install.InstallState.load": lambda v: (),
    "portal.pages.install.InstallState.search_workspaces": lambda v: ("Secret",),
    "portal.pages.install.InstallState.approve": lambda v: (),
    "portal.pages.directory.DirectoryState.load": lambda v: (),
    "portal.pages.directory.DirectoryState.search_apps": lambda v: ("Victim",),
    "portal.pages.directory.DirectoryState.next_page": lambda v: ("directory",),
    "portal.pages.directory.DirectoryState.previous_page": lambda v: ("directory",),
    "portal.pages.developer.icon.DeveloperIconState.load": lambda v: (),
    "portal.pages.developer.icon.DeveloperIconState.upload_icon": lambda v: (
        [rx.UploadFile(file=io.BytesIO(PNG_ICON), path=Path("pwned.png"))],
    ),
    "portal.pages.developer.icon.DeveloperIconState.remove_icon": lambda v: (),
    "portal.pages.workspaces.change_version.ChangeVersionState.open_change": lambda v: (
        v["installation_id"],
    ),
    "portal.pages.workspaces.change_version.ChangeVersionState.move_version": lambda v: ({},),
    "portal.pages.platform.terms.PlatformTermsState.load": lambda v: (),
    "portal.pages.platform.terms.PlatformTermsState.publish": lambda v: (
        {"version": "2099-01", "changes": "Mallory's terms"},
    ),
    "portal.pages.platform.reviews.PlatformReviewsState.load": lambda v: (),
    "portal.pages.platform.reviews.PlatformReviewsState.filter_view": lambda v: ("decided",),
    "portal.pages.platform.reviews.PlatformReviewsState.next_page": lambda v: ("reviews",),
    "portal.pages.platform.reviews.PlatformReviewsState.previous_page": lambda v: ("reviews",),
    "portal.pages.platform.reviews.PlatformReviewsState.decide": lambda v: (
        {"note": "Mallory approves"},
    ),
    "portal.pages.platform.reviews.PlatformReviewsState.unlist": lambda v: ({"note": "Mallory"},),
    "portal.pages.platform.mail.PlatformMailState.load": lambda v: (),
    "portal.pages.platform.mail.PlatformMailState.filter_status": lambda v: ("failed",),
    "portal.pages.platform.mail.PlatformMailState.next_page": lambda v: ("mail",),
    "portal.pages.platform.mail.PlatformMailState.previous_page": lambda v: ("mail",),
    # The victim's invitation mail is message 1.
    "portal.pages.platform.mail.PlatformMailState.retry": lambda v: (1,),
    "portal.pages.workspaces.list_page.WorkspacesState.load": lambda v: (),
    "portal.pages.workspaces.list_page.WorkspacesState.filter_by_name": lambda v: ("Sec",),
    "portal.pages.workspaces.list_page.WorkspacesState.filter_by_status": lambda v: ("active",),
    "portal.pages.workspaces.list_page.WorkspacesState.sort_by": lambda v: ("name",),
    "portal.pages.workspaces.list_page.WorkspacesState.next_page": lambda v: ("workspaces",),
    "portal.pages.workspaces.list_page.WorkspacesState.previous_page": lambda v: ("workspaces",),
    "portal.pages.workspaces.list_page.WorkspacesState.create": lambda v: (
        {"account_id": str(v["account_id"]), "name": "Mallory's"},
    ),
    "portal.pages.workspaces.detail.WorkspaceDetailState.load": lambda v: (),
    "portal.pages.workspaces.detail.WorkspaceDetailState.poll_once": lambda v: (),
    "portal.pages.workspaces.detail.WorkspaceDetailState.load_runners": lambda v: (),
    "portal.pages.workspaces.detail.WorkspaceDetailState.filter_activity_by_actor": lambda v: (
        "victim",
    ),
    "portal.pages.workspaces.detail.WorkspaceDetailState.filter_activity_by_action": lambda v: (
        "workspace.",
    ),
    "portal.pages.workspaces.detail.WorkspaceDetailState.next_page": lambda v: ("activity",),
    "portal.pages.workspaces.detail.WorkspaceDetailState.previous_page": lambda v: ("activity",),
    "portal.pages.workspaces.detail.WorkspaceDetailState.freeze": lambda v: (),
    "portal.pages.workspaces.detail.WorkspaceDetailState.unfreeze": lambda v: (),
    "portal.pages.workspaces.detail.WorkspaceDetailState.export": lambda v: (),
    "portal.pages.workspaces.detail.WorkspaceDetailState.retry_provisioning": lambda v: (
        v["process_id"],
    ),
    "portal.pages.workspaces.detail.WorkspaceDetailState.rename": lambda v: ({"name": "Pwned"},),
    "portal.pages.workspaces.detail.WorkspaceDetailState.offboard": lambda v: (
        {"confirm_name": "Secret"},
    ),
    "portal.pages.workspaces.detail.WorkspaceDetailState.restore": lambda v: (),
    "portal.pages.workspaces.detail.WorkspaceDetailState.uninstall": lambda v: (
        v["installation_id"],
    ),
    "portal.pages.workspaces.detail.WorkspaceDetailState.confirm": lambda v: ("freeze",),
    "portal.pages.workspaces.process_log.ProcessLogState.load": lambda v: (),
    "portal.pages.workspaces.process_log.ProcessLogState.refresh": lambda v: (),
    "portal.pages.workspaces.process_log.ProcessLogState.filter_by_kind": lambda v: ("export",),
    "portal.pages.workspaces.process_log.ProcessLogState.poll_once": lambda v: (),
    "portal.pages.workspaces.process_log.ProcessLogState.next_page": lambda v: ("processes",),
    "portal.pages.workspaces.process_log.ProcessLogState.previous_page": lambda v: ("processes",),
    "portal.pages.workspaces.process_log.ProcessLogState.retry": lambda v: (v["process_id"],),
    "portal.pages.workspaces.process_log.PickedProcessLogState.open_picked": lambda v: (),
    "portal.pages.workspaces.secrets.SecretsState.load": lambda v: (),
    "portal.pages.workspaces.secrets.SecretsState.next_page": lambda v: ("secrets",),
    "portal.pages.workspaces.secrets.SecretsState.previous_page": lambda v: ("versions",),
    "portal.pages.workspaces.secrets.SecretsState.add_secret": lambda v: (
        {"name": "PWNED", "value": "mallory", "environment": "prod"},
    ),
    "portal.pages.workspaces.secrets.SecretsState.open_secret": lambda v: ("VICTIM_KEY", "prod"),
    "portal.pages.workspaces.secrets.SecretsState.reveal": lambda v: (),
    "portal.pages.workspaces.secrets.SecretsState.save_value": lambda v: ({"value": "mallory"},),
    "portal.pages.workspaces.secrets.SecretsState.rollback": lambda v: (1,),
    "portal.pages.workspaces.secrets.SecretsState.copy_secret": lambda v: (
        {"to_environment": "dev"},
    ),
    "portal.pages.workspaces.secrets.SecretsState.delete_secret": lambda v: (),
    "portal.pages.workspaces.secrets.SecretsState.paste": lambda v: (
        {"environment": "prod", "text": "VICTIM_KEY=mallory"},
    ),
    "portal.pages.workspaces.secrets.PickedSecretsState.open_picked": lambda v: (),
    "portal.pages.workspaces.vault.VaultState.load": lambda v: (),
    "portal.pages.workspaces.vault.VaultState.next_page": lambda v: ("records",),
    "portal.pages.workspaces.vault.VaultState.previous_page": lambda v: ("records",),
    "portal.pages.workspaces.vault.VaultState.pick_collection": lambda v: ("customers",),
    "portal.pages.workspaces.vault.VaultState.create_collection": lambda v: (
        {"name": "pwned", "field-0-name": "a", "field-0-type": "string"},
    ),
    "portal.pages.workspaces.vault.VaultState.delete_collection": lambda v: (),
    "portal.pages.workspaces.vault.VaultState.search": lambda v: (
        {"field": "email", "value": "ana@victim.example"},
    ),
    "portal.pages.workspaces.vault.VaultState.clear_search": lambda v: (),
    "portal.pages.workspaces.vault.VaultState.add_record": lambda v: (
        {"value-email": "mallory@example.com"},
    ),
    "portal.pages.workspaces.vault.VaultState.open_record": lambda v: (v["vault_token"],),
    "portal.pages.workspaces.vault.VaultState.reveal": lambda v: ("email",),
    "portal.pages.workspaces.vault.VaultState.save_record": lambda v: (
        {"value-email": "mallory@example.com"},
    ),
    "portal.pages.workspaces.vault.VaultState.delete_record": lambda v: (),
    "portal.pages.workspaces.vault.PickedVaultState.open_picked": lambda v: (),
    "portal.pages.workspaces.files.FilesState.load": lambda v: (),
    "portal.pages.workspaces.files.FilesState.open_folder": lambda v: ("reports/",),
    "portal.pages.workspaces.files.FilesState.search_files": lambda v: ("victim",),
    "portal.pages.workspaces.files.FilesState.next_page": lambda v: ("files",),
    "portal.pages.workspaces.files.FilesState.previous_page": lambda v: ("versions",),
    "portal.pages.workspaces.files.FilesState.queue_uploads": lambda v: (
        [{"name": "pwned.txt", "size": 5}],
    ),
    "portal.pages.workspaces.files.FilesState.upload": lambda v: (
        [rx.UploadFile(file=io.BytesIO(b"pwned"), path=Path("reports/victim.txt"))],
    ),
    "portal.pages.workspaces.files.FilesState.open_versions": lambda v: ("reports/victim.txt",),
    "portal.pages.workspaces.files.FilesState.rename": lambda v: ({"new_path": "stolen.txt"},),
    "portal.pages.workspaces.files.FilesState.delete": lambda v: (),
    "portal.pages.workspaces.files.PickedFilesState.open_picked": lambda v: (),
    "portal.pages.accounts.account_list.AccountsState.load": lambda v: (),
    "portal.pages.accounts.detail.state.AccountDetailState.load": lambda v: (),
    "portal.pages.accounts.detail.state.AccountDetailState.next_page": lambda v: ("activity",),
    "portal.pages.accounts.detail.state.AccountDetailState.previous_page": lambda v: ("activity",),
    "portal.pages.accounts.detail.state.AccountDetailState.rename": lambda v: ({"name": "Pwned"},),
    "portal.pages.accounts.detail.state.AccountDetailState.invite": lambda v: (
        {"email": "mallory@example.com", "permission": "administer", "workspace_id": "account"},
    ),
    "portal.pages.accounts.detail.state.AccountDetailState.revoke_invitation": lambda v: (
        str(v["invitation_id"]),
    ),
    "portal.pages.accounts.detail.state.AccountDetailState.set_account_permission": (
        lambda v: (str(v["user_id"]), "read")
    ),
    "portal.pages.accounts.detail.state.AccountDetailState.remove_member": lambda v: (
        str(v["user_id"]),
    ),
    "portal.pages.accounts.detail.state.AccountDetailState.set_workspace_grant": lambda v: (
        {"user_id": str(v["user_id"]), "workspace_id": v["workspace_id"], "permission": "read"},
    ),
    "portal.pages.accounts.detail.state.AccountDetailState.remove_workspace_grant": (
        lambda v: (str(v["user_id"]), v["workspace_id"])
    ),
    "portal.pages.accounts.invitation.InvitationState.accept": lambda v: (),
    "portal.pages.accounts.invitation.InvitationState.decline": lambda v: (),
    "portal.pages.overview.DashboardState.load": lambda v: (),
    "portal.pages.apps.overview.AppOverviewState.load": lambda v: (),
    "portal.pages.apps.organizations_page.OrganizationsState.open_members": lambda v: (
        v["organization_id"],
        "Victim Org",
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.add_member": lambda v: (
        {"email": "ana@victim.example", "role": "admin"},
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.set_role": lambda v: (
        v["end_user_id"],
        "admin",
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.remove_member": lambda v: (
        v["end_user_id"],
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.rename": lambda v: (
        {"name": "Mallory Org"},
    ),
    "portal.pages.apps.auth_settings.AuthSettingsState.save_oauth": lambda v: (
        {"provider": "google", "client_id": "mallory", "client_secret": "stolen"},
    ),
    "portal.pages.apps.auth_settings.AuthSettingsState.remove_oauth": lambda v: ("google",),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.load": lambda v: (),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.set_window": lambda v: ("7d",),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.filter_status": lambda v: ("failed",),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.filter_type": lambda v: (
        "session.created",
    ),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.next_page": lambda v: ("messages",),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.previous_page": lambda v: (
        "messages",
    ),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.show_attempts": lambda v: (
        v["delivery_id"],
    ),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.replay": lambda v: (v["delivery_id"],),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.send_test": lambda v: (),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.ask_recover": lambda v: (
        {"since": "2020-01-01T00:00:00Z"},
    ),
    "portal.pages.apps.webhook_endpoint.WebhookEndpointState.recover": lambda v: (),
    "portal.pages.apps.webhooks_page.WebhooksState.load": lambda v: (),
    "portal.pages.apps.webhooks_page.WebhooksState.switch_environment": lambda v: ("dev",),
    "portal.pages.apps.webhooks_page.WebhooksState.next_page": lambda v: ("endpoints",),
    "portal.pages.apps.webhooks_page.WebhooksState.previous_page": lambda v: ("endpoints",),
    "portal.pages.apps.webhooks_page.WebhooksState.create": lambda v: (
        {"url": "https://evil.example/hook", "category_sign_in": "on"},
    ),
    "portal.pages.apps.webhooks_page.WebhooksState.reveal": lambda v: (v["endpoint_id"],),
    "portal.pages.apps.webhooks_page.WebhooksState.rotate": lambda v: (v["endpoint_id"],),
    "portal.pages.apps.webhooks_page.WebhooksState.set_enabled": lambda v: (
        v["endpoint_id"],
        False,
    ),
    "portal.pages.apps.webhooks_page.WebhooksState.delete": lambda v: (v["endpoint_id"],),
    "portal.pages.apps.audit_log.AppAuditState.load": lambda v: (),
    "portal.pages.apps.audit_log.AppAuditState.filter_actor": lambda v: ("mallory",),
    "portal.pages.apps.audit_log.AppAuditState.filter_action": lambda v: ("app.",),
    "portal.pages.apps.audit_log.AppAuditState.filter_since": lambda v: ("2026-01-01",),
    "portal.pages.apps.audit_log.AppAuditState.filter_until": lambda v: ("2026-12-31",),
    "portal.pages.apps.audit_log.AppAuditState.next_page": lambda v: ("audit",),
    "portal.pages.apps.audit_log.AppAuditState.previous_page": lambda v: ("audit",),
    "portal.pages.apps.portfolio.PortfolioState.load": lambda v: (),
    "portal.pages.apps.portfolio.PortfolioState.search_apps": lambda v: ("Sec",),
    "portal.pages.apps.portfolio.PortfolioState.filter_by_state": lambda v: ("setup",),
    "portal.pages.apps.portfolio.PortfolioState.next_page": lambda v: ("apps",),
    "portal.pages.apps.portfolio.PortfolioState.previous_page": lambda v: ("apps",),
    "portal.pages.apps.portfolio.PortfolioState.create": lambda v: ({"name": "Mallory's app"},),
    "portal.pages.apps.portfolio.PortfolioState.rename": lambda v: ({"name": "Mallory"},),
    "portal.pages.apps.portfolio.PortfolioState.delete": lambda v: (
        {"confirm_name": "Victim App"},
    ),
    "portal.pages.apps.email_settings.EmailSettingsState.load": lambda v: (),
    "portal.pages.apps.email_settings.EmailSettingsState.save": lambda v: (
        {"sender_name": "Mallory", "sender_address": "mallory@evil.example"},
    ),
    "portal.pages.apps.email_settings.EmailSettingsState.send_test": lambda v: (),
    "portal.pages.apps.auth_settings.AuthSettingsState.load": lambda v: (),
    "portal.pages.apps.auth_settings.AuthSettingsState.save": lambda v: (
        {"method_password": "on"},
    ),
    "portal.pages.apps.api_keys.ApiKeysState.load": lambda v: (),
    "portal.pages.apps.api_keys.ApiKeysState.switch_environment": lambda v: ("dev",),
    "portal.pages.apps.api_keys.ApiKeysState.next_page": lambda v: ("keys",),
    "portal.pages.apps.api_keys.ApiKeysState.previous_page": lambda v: ("keys",),
    "portal.pages.apps.api_keys.ApiKeysState.create": lambda v: ({"name": "mallory"},),
    "portal.pages.apps.api_keys.ApiKeysState.revoke": lambda v: (v["app_key_id"],),
    "portal.pages.apps.organizations_page.OrganizationsState.load": lambda v: (),
    "portal.pages.apps.organizations_page.OrganizationsState.search_organizations": lambda v: (
        "Sec",
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.switch_environment": lambda v: (
        "dev",
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.next_page": lambda v: (
        "organizations",
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.previous_page": lambda v: (
        "organizations",
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.create": lambda v: (
        {"name": "Mallory Inc"},
    ),
    "portal.pages.apps.organizations_page.OrganizationsState.delete": lambda v: (
        v["organization_id"],
    ),
    "portal.pages.apps.end_users_page.EndUsersState.load": lambda v: (),
    "portal.pages.apps.end_users_page.EndUsersState.search_end_users": lambda v: ("ana",),
    "portal.pages.apps.end_users_page.EndUsersState.switch_environment": lambda v: ("dev",),
    "portal.pages.apps.end_users_page.EndUsersState.next_page": lambda v: ("end_users",),
    "portal.pages.apps.end_users_page.EndUsersState.previous_page": lambda v: ("end_users",),
    "portal.pages.apps.end_users_page.EndUsersState.create": lambda v: (
        {"email": "mallory@evil.example", "invite": "on"},
    ),
    "portal.pages.apps.end_users_page.EndUsersState.set_disabled": lambda v: (
        v["end_user_id"],
        True,
    ),
    "portal.pages.apps.end_users_page.EndUsersState.delete": lambda v: (v["end_user_id"],),
    "portal.pages.developer.portal_home.DeveloperHomeState.load": lambda v: (),
    "portal.pages.developer.portal_home.DeveloperHomeState.sort_by": lambda v: ("updated_at",),
    "portal.pages.developer.portal_home.DeveloperHomeState.next_page": lambda v: (
        "developer_apps",
    ),
    "portal.pages.developer.portal_home.DeveloperHomeState.previous_page": lambda v: (
        "developer_apps",
    ),
    "portal.pages.developer.portal_home.DeveloperHomeState.create": lambda v: (
        {"name": "Mallory's app", "description": "pwned"},
    ),
    "portal.pages.developer.general.DeveloperGeneralState.load": lambda v: (),
    "portal.pages.developer.general.DeveloperGeneralState.save": lambda v: (
        {"name": "Pwned", "slug": "pwned", "description": "pwned"},
    ),
    "portal.pages.developer.general.DeveloperGeneralState.set_visibility": lambda v: ("unlisted",),
    "portal.pages.developer.general.DeveloperGeneralState.allow": lambda v: (
        {"workspace_id": v["workspace_id"]},
    ),
    "portal.pages.developer.general.DeveloperGeneralState.remove_allowed": lambda v: (
        v["allowlist_entry_id"],
    ),
    "portal.pages.developer.general.DeveloperGeneralState.next_page": lambda v: ("allowlist",),
    "portal.pages.developer.general.DeveloperGeneralState.previous_page": lambda v: ("allowlist",),
    "portal.pages.developer.versions.DeveloperVersionsState.create_link": lambda v: (
        {"version": "1", "expires_in_days": ""},
    ),
    "portal.pages.developer.versions.DeveloperVersionsState.revoke_link": lambda v: (
        v["install_link_id"],
    ),
    "portal.pages.developer.versions.DeveloperVersionsState.load": lambda v: (),
    "portal.pages.developer.versions.DeveloperVersionsState.validate": lambda v: (
        "display:\n  name: Mallory\n",
    ),
    "portal.pages.developer.versions.DeveloperVersionsState.save": lambda v: (
        "display:\n  name: Mallory\n",
    ),
    "portal.pages.developer.versions.DeveloperVersionsState.publish": lambda v: (),
    "portal.pages.developer.versions.DeveloperVersionsState.discard": lambda v: (),
    "portal.pages.developer.versions.DeveloperVersionsState.next_page": lambda v: ("versions",),
    "portal.pages.developer.versions.DeveloperVersionsState.previous_page": lambda v: ("versions",),
    "portal.pages.developer.security.DeveloperSecurityState.load": lambda v: (),
    "portal.pages.developer.security.DeveloperSecurityState.rotate": lambda v: (),
    "portal.pages.developer.security.DeveloperSecurityState.end_overlap": lambda v: (
        v["client_secret_id"],
    ),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.load": lambda v: (),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.reveal_secret": lambda v: (),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.rotate_secret": lambda v: (),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.enable_webhook": lambda v: (),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.set_window": lambda v: ("7d",),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.filter_status": lambda v: ("failed",),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.filter_type": lambda v: (
        "app.updated",
    ),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.next_page": lambda v: ("messages",),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.previous_page": lambda v: ("messages",),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.show_attempts": lambda v: (
        v["dev_delivery_id"],
    ),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.replay": lambda v: (
        v["dev_delivery_id"],
    ),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.send_test": lambda v: (),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.ask_recover": lambda v: (
        {"since": "2020-01-01T00:00:00Z"},
    ),
    "portal.pages.developer.webhooks.DeveloperWebhooksState.recover": lambda v: (),
    "portal.pages.developer.team.DeveloperTeamState.load": lambda v: (),
    "portal.pages.developer.team.DeveloperTeamState.invite": lambda v: (
        {"email": "mallory@example.com", "role": "owner"},
    ),
    "portal.pages.developer.team.DeveloperTeamState.revoke_invitation": lambda v: (
        v["team_invitation_id"],
    ),
    "portal.pages.developer.team.DeveloperTeamState.set_role": lambda v: (v["user_id"], "viewer"),
    "portal.pages.developer.team.DeveloperTeamState.ask_own_role": lambda v: ("viewer",),
    "portal.pages.developer.team.DeveloperTeamState.answer_own_role": lambda v: (False,),
    "portal.pages.developer.team.DeveloperTeamState.confirm_own_role": lambda v: (),
    "portal.pages.developer.team.DeveloperTeamState.remove_member": lambda v: (v["user_id"],),
    "portal.pages.developer.team.DeveloperTeamState.leave": lambda v: (),
    "portal.pages.developer.team.DeveloperTeamState.next_page": lambda v: ("members",),
    "portal.pages.developer.team.DeveloperTeamState.previous_page": lambda v: ("invitations",),
    "portal.pages.developer.invitation.DeveloperInvitationState.load": lambda v: (),
    "portal.pages.developer.invitation.DeveloperInvitationState.accept": lambda v: (),
    "portal.pages.developer.distribution.DeveloperDistributionState.load": lambda v: (),
    "portal.pages.developer.distribution.DeveloperDistributionState.request_listing": lambda v: (
        {"reason": "Mallory wants it listed"},
    ),
    "portal.pages.developer.distribution.DeveloperDistributionState.withdraw_request": lambda v: (),
}

# Where the attacker's browser is when calling a handler: on the victim's workspace pages.
PATHS = {
    "portal.pages.workspaces.detail.": lambda v: f"/workspaces/{v['workspace_id']}",
    "portal.pages.workspaces.process_log.ProcessLogState": (
        lambda v: f"/workspaces/{v['workspace_id']}/process-log"
    ),
    "portal.pages.workspaces.files.FilesState": (
        lambda v: f"/workspaces/{v['workspace_id']}/files"
    ),
    "portal.pages.workspaces.secrets.SecretsState": (
        lambda v: f"/workspaces/{v['workspace_id']}/secrets"
    ),
    "portal.pages.workspaces.vault.VaultState": (
        lambda v: f"/workspaces/{v['workspace_id']}/vault"
    ),
    "portal.pages.accounts.detail.state.": lambda v: f"/accounts/{v['account_id']}",
    "portal.pages.accounts.account_list.": lambda v: "/accounts",
    "portal.pages.accounts.invitation.": lambda v: f"/invitations/{v['invitation_token']}",
    "portal.pages.apps.portfolio.": lambda v: "/apps",
    "portal.pages.apps.webhook_endpoint.": (
        lambda v: f"/workspaces/{v['workspace_id']}/apps/victim-app/webhooks/{v['endpoint_id']}"
    ),
    "portal.pages.apps.": lambda v: f"/workspaces/{v['workspace_id']}/apps/victim-app/overview",
    "portal.pages.overview.": lambda v: "/",
    "portal.pages.install.": lambda v: "/install/1.not-a-signature",
    "portal.pages.directory.": lambda v: "/directory",
    "portal.pages.developer.icon.": lambda v: f"/developer/apps/{v['dev_app_slug']}/general",
    "portal.pages.workspaces.change_version.": lambda v: f"/workspaces/{v['workspace_id']}",
    "portal.pages.developer.portal_home.": lambda v: "/developer",
    "portal.pages.developer.general.": lambda v: f"/developer/apps/{v['dev_app_slug']}/general",
    "portal.pages.developer.versions.": (lambda v: f"/developer/apps/{v['dev_app_slug']}/versions"),
    "portal.pages.developer.security.": (lambda v: f"/developer/apps/{v['dev_app_slug']}/security"),
    "portal.pages.developer.webhooks.": (lambda v: f"/developer/apps/{v['dev_app_slug']}/webhooks"),
    "portal.pages.developer.team.": (lambda v: f"/developer/apps/{v['dev_app_slug']}/security"),
    "portal.pages.developer.invitation.": (
        lambda v: f"/developer/invitations/{v['team_invitation_token']}"
    ),
    "portal.pages.developer.distribution.": (
        lambda v: f"/developer/apps/{v['dev_app_slug']}/general"
    ),
    "portal.pages.platform.reviews.": lambda v: "/platform/reviews",
    "portal.pages.platform.mail.": lambda v: "/platform/mail",
}


def _path_for(key: str, victim) -> str:
    for prefix, path in PATHS.items():
        if key.startswith(prefix):
            return path(victim)
    return "/settings"


def test_every_handler_needing_a_session_is_covered_here():
    missing = sorted(set(NEEDS_SESSION) - set(ARGS))
    stale = sorted(set(ARGS) - set(NEEDS_SESSION))
    assert not missing, f"add these to ARGS in {__file__}: {missing}"
    assert not stale, f"these are no longer reviewed as needing a session: {stale}"


@pytest.fixture(scope="module")
def victim_world(request, tmp_path_factory) -> Iterator[tuple[str, Path, dict]]:
    """One database for the whole module, the victim made in it once: every handler here is
    refused and changes nothing (each test checks), so the tests can share it. A victim per
    handler was two thirds of this module's time."""
    folder = tmp_path_factory.mktemp("unauthenticated")
    with pytest.MonkeyPatch.context() as patch:
        if os.environ.get("PORTAL_TEST_DATABASE") == "postgresql":
            server = request.getfixturevalue("postgres_server")
            name = request.getfixturevalue("postgres_copies").take()
            request.addfinalizer(lambda: server.drop_later(name))
            url = server.url(name)
        else:
            shutil.copyfile(request.getfixturevalue("migrated_template"), folder / "portal.db")
            url = sqlite_url(folder / "portal.db")
        use_database(patch, url)
        patch.setenv("PORTAL_DATA_DIR", str(folder / "data"))
        with Session(get_engine(), expire_on_commit=False) as db:

            def person(**kwargs):
                user = make_user(db, **kwargs)
                token, actor = sign_in(db, user)
                db.commit()
                return user, token, actor

            made = _make_victim(db, person)
        engine_for(url).dispose()
        get_settings.cache_clear()
    yield url, folder, made
    engine_for(url).dispose()
    get_settings.cache_clear()


@pytest.fixture
def database(victim_world, monkeypatch) -> str:
    """This module's shared database (victim_world) in place of a fresh one per test."""
    url, folder, _ = victim_world
    use_database(monkeypatch, url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(folder / "data"))
    return url


@pytest.fixture
def victim(victim_world) -> dict:
    return victim_world[2]


def _make_victim(db, person):
    """A signed-in user with a workspace, and the tokens of two of their dead sessions."""
    user, token, actor = person(name="Victim")
    account_id = account_of(db, user.id)
    workspace = make_workspace(db, account_id, name="Secret")
    process_id = provisioning.start(db, workspace=workspace, actor=None)
    # A secret: what the Secrets handlers would reach (twice: a version to roll back to).
    for value in ("victim value 1", "victim value 2"):
        workspace_secrets.set_secret(
            session=db,
            actor=actor,
            workspace_id=str(workspace.id),
            environment="prod",
            name="VICTIM_KEY",
            value=value,
        )
    # A vault record: what the Data Vault handlers would reach.
    vault.create_collection(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        name="customers",
        fields=[{"name": "email", "type": "email", "searchable": True}],
    )
    vault_token = vault.create_record(
        session=db,
        caller=actor,
        workspace_id=str(workspace.id),
        collection="customers",
        values={"email": "ana@victim.example"},
    ).token
    # A file: what the Files handlers would reach.
    files.upload_file(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        path="reports/victim.txt",
        chunks=[b"victim's content"],
    )
    token_id = api_tokens.create_token(
        session=db, actor=actor, name="victim's token", expires_in_days=None
    ).token.id
    invited = accounts.invite(
        session=db,
        actor=actor,
        account_id=account_id,
        email="friend@example.com",
        permission="read",
    )
    row = db.get(User, user.id)
    revoked_token = sessions.issue(session=db, user=row, client=CLIENT)
    expired_token = sessions.issue(session=db, user=row, client=CLIENT)
    db.flush()
    sessions.revoke_token(session=db, token=revoked_token)
    expired = db.exec(
        select(UserSession).where(UserSession.token_hash == token_hash(expired_token))
    ).one()
    expired.last_seen_at = expired.last_seen_at - timedelta(minutes=31)
    app = make_app(db, actor, workspace.id, "Victim App")
    app_key_id = app_api_keys.create_key(
        session=db, actor=actor, workspace_id=str(workspace.id), app_slug=app.slug, name="k"
    ).key.id
    endpoint_id = webhook_endpoints.create_endpoint(
        session=db,
        actor=actor,
        workspace_id=str(workspace.id),
        app_slug=app.slug,
        url="https://victim.example/hook",
        categories=["sign_in"],
    ).endpoint.id
    developer_terms.accept(session=db, actor=actor, version=get_settings().developer_terms_version)
    dev_app = developer_apps.create_app(session=db, actor=actor, name="Victim Dev App")
    developer_apps.save_draft(
        session=db,
        actor=actor,
        app_id=dev_app.id,
        text=developer_apps.get_draft(session=db, actor=actor, app_id=dev_app.id).text,
    )
    # Version 1 published, an install link, the workspace allowlisted and the app installed:
    # what the install link, allowlist and uninstall handlers would reach.
    developer_apps.publish(session=db, actor=actor, app_id=dev_app.id)
    developer_apps.save_draft(
        session=db,
        actor=actor,
        app_id=dev_app.id,
        text=developer_apps.get_draft(session=db, actor=actor, app_id=dev_app.id).text,
    )
    link = installations.create_link(session=db, actor=actor, app_id=dev_app.id)
    # Two live client secrets: the older one is what end_overlap would reach.
    older_secret = client_credentials.rotate(session=db, actor=actor, app_id=dev_app.id)
    client_credentials.rotate(session=db, actor=actor, app_id=dev_app.id)
    installations.allow(session=db, actor=actor, app_id=dev_app.id, workspace_id=str(workspace.id))
    allowed = installations.list_allowed(session=db, actor=actor, app_id=dev_app.id)
    installed = installations.install(
        session=db,
        actor=actor,
        token=installations.link_token(link.id),
        workspace_id=str(workspace.id),
    )
    # A pending invitation to the developer app's team: what revoke and accept would reach.
    team_invited = developer_team.invite(
        session=db, actor=actor, app_id=dev_app.id, email="friend@example.com", role="owner"
    )
    # A failed message to the endpoint: what replay and its attempts would reach.
    victim_delivery = delivery(db, endpoint_id, status="failed", attempts=[failure()])
    # And one to the developer app, through its installation.
    dev_delivery = developer_delivery(db, installed.id, status="failed", attempts=[failure()])
    org = Organization(app_id=app.id, name="Victim Org")
    person_of_theirs = EndUser(app_id=app.id, email="ana@victim.example")
    db.add_all([org, person_of_theirs])
    db.flush()
    db.commit()
    return {
        "session_id": actor.session_id,
        "dev_app_slug": dev_app.slug,
        "install_link_id": link.id,
        "allowlist_entry_id": allowed.items[0].id,
        "installation_id": installed.id,
        "client_secret_id": older_secret.row.id,
        "app_key_id": app_key_id,
        "endpoint_id": endpoint_id,
        "delivery_id": victim_delivery.id,
        "dev_delivery_id": dev_delivery.id,
        "organization_id": org.id,
        "end_user_id": person_of_theirs.id,
        "workspace_id": str(workspace.id),
        "vault_token": vault_token,
        "account_id": account_id,
        "process_id": process_id,
        "user_id": user.id,
        "invitation_id": invited.invitation.id,
        "invitation_token": invited.link.rsplit("/", 1)[-1],
        "team_invitation_id": team_invited.invitation.id,
        "team_invitation_token": team_invited.link.rsplit("/", 1)[-1],
        "token_id": token_id,
        "tokens": {
            "none": "",
            "forged": new_token(),
            "revoked": revoked_token,
            "expired": expired_token,
        },
    }


def _values(state) -> dict:
    return {name: getattr(state, name) for name in type(state).base_vars}


# One test per handler, the four kinds of dead session in it: the victim (a dozen rows) is
# made once per handler instead of once per call (971 setups were a third of the state tests).
@pytest.mark.parametrize("key", NEEDS_SESSION)
def test_refused_without_a_live_session(browse, victim, key):
    handler = portal_handlers()[key]
    stored = database_snapshot()  # nothing below may change it
    for token_kind in ("none", "forged", "revoked", "expired"):
        client = browse(_path_for(key, victim), token=victim["tokens"][token_kind])
        state = client.state(handler.state)
        if handler.state is DeveloperTermsState:
            state.agreed = True  # client-settable through set_agreed: get past the checkbox
        before = stored, _values(state)

        try:
            events = run(getattr(state, handler.fn.__name__), *ARGS[key](victim))
        except Unauthenticated as refused:
            assert refused.expired is (token_kind == "expired"), token_kind
        else:
            assert (redirect_path(events) or "").startswith("/sign-in"), (
                f"{key} ran with a {token_kind} session and returned {events}"
            )

        assert database_snapshot() == before[0], (
            f"{key} changed the database ({token_kind} session)"
        )
        assert _values(state) == before[1], f"{key} changed its state ({token_kind} session)"
