"""Sessions name the browser as a person would: "Chrome on Linux", not the raw header."""

from __future__ import annotations

import pytest

from portal.domain.user_agents import UNKNOWN, describe

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (SAFARI_IPHONE, "Mobile Safari on iOS"),
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        ("curl/8.5.0", "curl"),
        ("", UNKNOWN),
        ("   ", UNKNOWN),
        ("something-unheard-of", UNKNOWN),
    ],
)
def test_describe(header, expected):
    assert describe(header) == expected
