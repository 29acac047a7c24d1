"""Make sure the browser tests have a Chromium: Debian's when present, else Playwright's own.

Exits non-zero with a message that says what to do when neither can be had.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def system_chromium() -> str | None:
    configured = os.environ.get("PORTAL_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def playwright_chromium() -> str | None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        path = p.chromium.executable_path
    return path if path and Path(path).exists() else None


def main() -> int:
    found = system_chromium()
    if found:
        print(f"Browser tests use {found}")
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
        "  - Debian/Ubuntu: sudo apt-get install -y chromium\n"
        "  - with internet: .venv/bin/playwright install chromium\n"
        "  - or point PORTAL_CHROMIUM at a Chromium/Chrome binary.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
