"""A worker's tab goes from test to test (tests/e2e/conftest.py): what one test did in it must
not reach the next. Handed over, a tab has no cookie, no storage and the default looks, it is
not live, and its first visit is a full load: a guarded page then asks to sign in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEFAULT_VIEWPORT, _hand_over
from tests.e2e.helpers import _live_portal_page, open_page

pytestmark = pytest.mark.e2e


def test_a_handed_over_tab_is_signed_out_and_new(page: Page, server, browser_context_args) -> None:
    email = server.person(name="Tess Tabs")
    server.sign_in(page, email)  # on the dashboard
    page.evaluate("() => { localStorage.setItem('left', '1'); sessionStorage.setItem('x', '1'); }")
    token = page.evaluate("() => sessionStorage.getItem('token')")
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    page.context.new_page()  # e.g. a mail read in another tab

    assert _hand_over(page.context, browser_context_args) is page

    assert page.context.cookies() == []
    assert page.context.pages == [page]
    assert page.viewport_size == DEFAULT_VIEWPORT
    assert page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches") is False
    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches") is True
    assert page.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]
    assert not _live_portal_page(page)
    # The next test's first visit loads the page (its websocket no longer carries the cookie
    # of the last test): the guard sends it to sign in, under a new Reflex tab token.
    open_page(page, "/workspaces")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    assert page.evaluate("() => sessionStorage.getItem('token')") not in (None, token)
