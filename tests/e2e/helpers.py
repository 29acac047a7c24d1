"""What a person does in the browser, as small steps the tests share."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def ready(page: Page) -> None:
    """Wait until the page's guard has run and the page is live."""
    page.wait_for_selector("[data-hydrated='true']", state="attached", timeout=30_000)


# A watcher in the page: when the document last changed, and how many times the page has
# finished hydrating (Reflex sets data-hydrated to true at the end of each page's load event,
# after the page's own data; a client-side navigation sets it false, then true again).
_WATCH = """() => {
  if (!window.__portalWatch) {
    const watch = window.__portalWatch = {changed: performance.now(), hydrations: 0};
    new MutationObserver((records) => {
      watch.changed = performance.now();
      for (const r of records) {
        if (r.attributeName === 'data-hydrated'
            && r.target.getAttribute('data-hydrated') === 'true') {
          watch.hydrations += 1;
        }
      }
    }).observe(document.documentElement,
               {subtree: true, childList: true, attributes: true, characterData: true});
  }
  return window.__portalWatch.hydrations;
}"""

# How long the document must stay unchanged to count as drawn: longer than the gap between
# a load event's reply and a chained event's (both on the open websocket, where Playwright's
# "network idle" does not look).
QUIET_MS = 250


def settle(page: Page) -> None:
    """Wait until the page is hydrated and its document has stopped changing (what loads after
    the guard: chained events, lists, React drawing them)."""
    ready(page)
    page.evaluate(_WATCH)
    page.wait_for_function(
        f"() => performance.now() - window.__portalWatch.changed > {QUIET_MS}",
        polling=50,
        timeout=15_000,
    )


def navigate(page: Page, path: str) -> None:
    """Go to `path` as a link does (React Router, no reload) and wait until its load has run
    and it has settled."""
    open_page(page, path)
    settle(page)


def use_scheme(page: Page, scheme: str) -> None:
    """Emulate the light or dark colour scheme and wait until the page has switched (Reflex's
    colour mode follows the system's: it sets the `dark` class on the document)."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function(
        "dark => document.documentElement.classList.contains('dark') === dark",
        arg=scheme == "dark",
        polling=20,
        timeout=5_000,
    )
    next_frame(page)


def choose_option(page: Page, scope, label: str, option: str) -> None:
    """Pick `option` in the select named `label` within `scope` (a Radix select: its options
    open in a portal on the page)."""
    scope.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def next_frame(page: Page) -> None:
    """Wait for the browser to draw twice (a new viewport's layout, a colour scheme's styles)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def open_page(page: Page, path: str, *, reload: bool = False) -> None:
    """Open `path` and wait until its guard has run. On a live Portal page it goes there as a
    link does (a full load costs the browser about a second of CPU: the bundle parsed and
    compiled again); from a blank page, the same path again, or with `reload`, it loads it."""
    if not reload and _live_portal_page(page) and _here(page) != path:
        before = page.evaluate(_WATCH)
        _push(page, path)
        page.wait_for_function(
            "n => window.__portalWatch.hydrations > n", arg=before, polling=50, timeout=30_000
        )
        return
    page.goto(path)
    ready(page)


def _live_portal_page(page: Page) -> bool:
    """A hydrated Portal page this test has been using (a tab handed over from the last test,
    tests/e2e/conftest.py, is not: its connection still carries that test's cookie)."""
    return page.url.startswith("http") and page.evaluate(
        "() => !window.__portalHandedOver"
        " && document.querySelector(\"[data-hydrated='true']\") !== null"
    )


def _here(page: Page) -> str:
    return page.evaluate("() => location.pathname + location.search")


def _push(page: Page, path: str) -> None:
    page.evaluate(
        "path => { history.pushState({}, '', path);"
        " dispatchEvent(new PopStateEvent('popstate')); }",
        path,
    )


def mailed_code(page: Page, email: str) -> str:
    """The sign-up code mailed to `email`, read in the dev outbox in another tab."""
    outbox = page.context.new_page()
    try:
        open_page(outbox, "/dev/outbox")
        mail = outbox.locator(".outbox-mail").filter(has_text=email).filter(has_text="sign-up code")
        expect(mail).to_have_count(1)
        return re.search(r"sign-up code: (\d{6})", mail.inner_text()).group(1)
    finally:
        outbox.close()


def sign_up(
    page: Page,
    *,
    email: str,
    name: str = "Sam Tester",
    password: str = PASSWORD,
    path: str = "/sign-up",
) -> None:
    """Sign up through the form and the code mailed to the dev outbox: signed in after."""
    open_page(page, path)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.get_by_label("Code from the email").fill(mailed_code(page, email))
    page.get_by_role("button", name="Finish signing up").click()
    expect(page.get_by_role("heading", name="Check your email")).to_have_count(0)


def sign_in(page: Page, *, email: str, password: str = PASSWORD, path: str = "/sign-in") -> None:
    open_page(page, path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    """Sign out from the user menu and wait for the sign-in page (the cookie is gone then)."""
    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    ready(page)
