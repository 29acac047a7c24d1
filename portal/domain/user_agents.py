"""A browser's User-Agent header as a person reads it: "Chrome on Linux".

The rules are uap-core's, from the maintained `ua-parser` package (its `ua-parser-builtins`
are updated as browsers change)."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

UNKNOWN = "Unknown browser"


@lru_cache(maxsize=512)
def describe(user_agent: str) -> str:
    """ "Chrome on Linux", "Mobile Safari on iOS", "curl"; UNKNOWN when nothing is known."""
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return UNKNOWN
    parsed = parse(user_agent[:512])
    browser = parsed.user_agent.family if parsed.user_agent else ""
    system = parsed.os.family if parsed.os else ""
    browser = "" if browser == "Other" else browser
    system = "" if system == "Other" else system
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"A browser on {system}"
    return UNKNOWN
