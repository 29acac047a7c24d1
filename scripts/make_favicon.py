"""Render assets/favicon.svg into assets/favicon.ico (16, 32 and 48 px PNGs in one ICO).

    .venv/bin/python scripts/make_favicon.py

Uses Playwright's Chromium (the browser tests' one) to draw the SVG, so no image library is
needed. Run it again after changing the SVG.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SIZES = (16, 32, 48)


def _pngs(svg: str) -> list[bytes]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page()
        images = []
        for size in SIZES:
            page.set_viewport_size({"width": size, "height": size})
            page.set_content(
                "<html><body style='margin:0;background:transparent'>"
                f"<img src='data:image/svg+xml;utf8,{svg}' width='{size}' height='{size}'>"
                "</body></html>"
            )
            images.append(page.screenshot(omit_background=True))
        browser.close()
    return images


def _ico(pngs: list[bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, data = b"", b""
    for size, png in zip(SIZES, pngs, strict=True):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        data += png
    return header + entries + data


def main() -> None:
    svg = (ASSETS / "favicon.svg").read_text().replace("#", "%23").replace("\n", "")
    (ASSETS / "favicon.ico").write_bytes(_ico(_pngs(svg)))
    print(f"wrote {ASSETS / 'favicon.ico'}")


if __name__ == "__main__":
    main()
