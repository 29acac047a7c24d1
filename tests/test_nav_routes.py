"""Which sidebar entry a page belongs to (routes.nav_route)."""

from __future__ import annotations

import pytest

from portal import routes


@pytest.mark.parametrize(
    ("route", "entry"),
    [
        (routes.WORKSPACE_PROCESS_LOG, routes.PROCESS_LOG),
        (routes.PROCESS_LOG, routes.PROCESS_LOG),
        (routes.WORKSPACE_FILES, routes.FILES),
        (routes.FILES, routes.FILES),
        (routes.WORKSPACE_VAULT, routes.VAULT),
        (routes.VAULT, routes.VAULT),
        (routes.WORKSPACE_DETAIL, routes.WORKSPACES),
        (routes.WORKSPACES, routes.WORKSPACES),
        (routes.DEVELOPER_TERMS, routes.DEVELOPER),
        (routes.DEVELOPER_EVENTS, routes.DEVELOPER),
        (routes.DEVELOPER_APP_GENERAL, routes.DEVELOPER),
        (routes.DEVELOPER_APP_VERSIONS, routes.DEVELOPER),
        (routes.DEVELOPER_APP_SECURITY, routes.DEVELOPER),
        (routes.DEVELOPER_APP_WEBHOOKS, routes.DEVELOPER),
        (routes.DASHBOARD, routes.DASHBOARD),
        (routes.ACCOUNT_DETAIL, ""),
        (routes.SIGN_IN, ""),
    ],
)
def test_a_page_belongs_to_one_sidebar_entry(route, entry):
    assert routes.nav_route(route) == entry


def test_every_nav_target_is_a_sidebar_entry():
    entries = {item.route for item in routes.NAV}
    for spec in routes.PAGES.values():
        assert spec.nav in (None, "") or spec.nav in entries, spec
