"""Builds the Reflex app: registers every page with its guard and mounts the /v1 API."""

import reflex as rx

from portal import layout
from portal.api.app import create_api
from portal.api.browser_session import SessionCookieHashing
from portal.api.static_delivery import StaticDelivery
from portal.api.upload_limit import UploadLimit
from portal.config import get_settings
from portal.pages import (  # noqa: F401 - importing registers the pages
    directory,
    install,
    not_found,
    overview,
    settings,
)
from portal.pages.accounts import account_list, invitation  # noqa: F401
from portal.pages.accounts import detail as account_detail  # noqa: F401
from portal.pages.apps import (  # noqa: F401
    api_keys,
    audit_log,
    auth_settings,
    email_settings,
    end_users_page,
    organizations_page,
    portfolio,
    webhook_endpoint,
    webhooks_page,
)
from portal.pages.apps import overview as app_overview  # noqa: F401
from portal.pages.auth import dev_outbox, reset_password, sign_in, sign_up  # noqa: F401
from portal.pages.developer import (  # noqa: F401
    events,
    general,
    portal_home,
    security,
    terms,
    versions,
)
from portal.pages.developer import invitation as developer_invitation  # noqa: F401
from portal.pages.developer import webhooks as developer_webhooks  # noqa: F401
from portal.pages.platform import mail as platform_mail  # noqa: F401
from portal.pages.platform import reviews  # noqa: F401
from portal.pages.platform import terms as platform_terms  # noqa: F401
from portal.pages.workspaces import detail, list_page, process_log  # noqa: F401
from portal.pages.workspaces import files as workspace_files_page  # noqa: F401
from portal.pages.workspaces import secrets as workspace_secrets_page  # noqa: F401
from portal.pages.workspaces import vault as workspace_vault_page  # noqa: F401
from portal.state import closed_tabs
from portal.state.errors import handle_backend_exception
from portal.state.session import SessionState
from portal.state.storage import use_private_state_files
from portal.workers import activity as activity_worker
from portal.workers import deliveries as deliveries_worker
from portal.workers import housekeeping
from portal.workers import mail as mail_worker
from portal.workers import processes as process_worker

api = create_api()
app = rx.App(
    # /v1 and the browser routes; then the session cookie's hash in place of the token in
    # the event websocket's handshake (Reflex keeps those headers in state); then the built
    # frontend's assets cached for good and its pages served without a redirect; then no
    # upload larger than an icon (api/upload_limit.py).
    api_transformer=[api, SessionCookieHashing, StaticDelivery, UploadLimit],
    stylesheets=["/portal.css"],
    backend_exception_handler=handle_backend_exception,
    # With no `dir`, sonner's Toaster reads the page's direction with getComputedStyle on
    # each of its renders: a forced style recalculation whenever the page changed (22 ms of a
    # /workspaces load). Portal's pages are left to right.
    toaster=rx.toast.provider(dir="ltr"),
    # assets/ is served at the site's root.
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="48x48"),
    ],
)
# Tab states written to .states/ (no Redis) are readable by Portal's own user only.
use_private_state_files(app)

for registered in layout.REGISTERED:
    app.add_page(
        registered.component,
        route=registered.route,
        title=registered.title,
        on_load=[SessionState.guard],
    )

# A closed tab's state is dropped two minutes after its websocket goes (not 30 minutes).
app.register_lifespan_task(closed_tabs.watch(app))
# Data-plane activity counted by this process, flushed every few seconds.
app.register_lifespan_task(activity_worker.run_in_app)
if get_settings().tab_state_probe:  # bench/compare.py counts the states it frees
    api.add_api_route(
        "/_probe/tab-states", lambda: {"held": closed_tabs.held(app)}, include_in_schema=False
    )

# Background work runs inside the app unless a separate `python -m portal worker` does it:
# housekeeping, processes (provisioning sagas, exports, purges), queued mail and webhook
# deliveries. Each runs its blocking rounds in a thread, off the event loop.
if get_settings().embedded_workers:
    app.register_lifespan_task(housekeeping.run_in_app)
    app.register_lifespan_task(process_worker.run_in_app)
    app.register_lifespan_task(mail_worker.run_in_app)
    app.register_lifespan_task(deliveries_worker.run_in_app)
