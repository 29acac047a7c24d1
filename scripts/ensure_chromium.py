"""Make sure the browser tests have a Chromium: Debian's when present, else Playwright's own.

Of Debian's, the old headless shell (`chromium-headless-shell`) comes first: it is what
Playwright itself runs for headless tests, and it spends about 40% less CPU a page load than
the full browser in its new headless mode (measured here: 12.3 s against 20.8 s for the same
sign-ins and page loads), on a suite that keeps both cores busy.

Exits non-zero with a message that says what to do when neither can be had.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# In the order the tests prefer them (tests/e2e/conftest.py asks system_chromium()).
SYSTEM_CHROMIUMS = ("chromium-headless-shell", "chromium", "chromium-browser")


def system_chromium() -> str | None:
    """PORTAL_CHROMIUM, else the first of SYSTEM_CHROMIUMS on PATH or in /usr/bin."""
    configured = os.environ.get("PORTAL_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    for name in SYSTEM_CHROMIUMS:
        found = shutil.which(name)
        if found:
            return found
        if Path(f"/usr/bin/{name}").exists():
            return f"/usr/bin/{name}"
    return None


def playwright_chromium() -> str | None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        path = p.chromium.executable_path
    return path if path and Path(path).exists() else None


def main() -> int:
    found = system_chromium()
    if found:
        print(f"Browser tests use {found}")
        if not found.endswith("headless-shell") and shutil.which("apt-get"):
            print("  (apt-get install chromium-headless-shell makes them cheaper)")
        return 0
    found = playwright_chromium()
    if found:
        print(f"Browser tests use Playwright's Chromium at {found}")
        return 0
    print("No Chromium found; trying `playwright install chromium` ...")
    result = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"])
    if result.returncode == 0 and playwright_chromium():
        return 0
    print(
        "\nThe browser tests need Chromium and none could be had.\n"
        "  - Debian/Ubuntu: sudo apt-get install -y chromium-headless-shell\n"
        "  - with internet: .venv/bin/playwright install chromium\n"
        "  - or point PORTAL_CHROMIUM at a Chromium/Chrome binary.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
