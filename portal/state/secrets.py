"""Secrets shown once (a personal access token today; API keys, client secrets, webhook signing
secrets tomorrow): the one way a handler gives one to the browser.

The rule, for every secret the UI shows exactly once:

- It is never assigned to a state var, backend-only `_vars` included. Reflex keeps every
  state on the server between events (memory, pickles under `.states/`, or Redis keys) and
  sends base vars to the browser in every delta; a secret in any of them outlives the moment
  it was shown.
- The handler that creates it returns `show_secret_once(secret, ...)`: the secret travels to
  this one browser once, inside the event's return, and lives only in the toast that shows
  it. Closing the toast (its close button, or Copy; it never times out) removes the secret
  from the page. Nothing else in the browser keeps it: no cookie, no local or session storage.
- The server keeps a hash (services/tokens.py); a list shows the prefix at most.

tests/state/test_settings.py checks a handler against every serialized state;
tests/e2e/test_secrets_shown_once.py checks the running server's state files and Redis keys.
"""

from __future__ import annotations

import reflex as rx


def show_secret_once(
    secret: str, *, title: str, toast_id: str, class_name: str = "secret-once-toast"
) -> rx.event.EventSpec:
    """Return this from the event handler that made `secret` (never store the secret).

    A toast that stays until the person closes it, with `title` ("Copy your new token now:
    it is shown only once."), the secret and a Copy button. `toast_id` names it for tests
    and replaces an earlier toast of the same kind."""
    return rx.toast.success(
        title,
        description=secret,
        id=toast_id,
        duration=24 * 3600 * 1000,
        close_button=True,
        # Sonner ignores its close button on a toast that is not dismissible: with False the
        # secret stayed on the page until Copy was pressed (or for 24 hours).
        dismissible=True,
        position="top-center",
        action={"label": "Copy", "on_click": rx.set_clipboard(secret)},
        class_name=class_name,
    )
