"""A developer app's icon, or its initials on a tinted square where it has none: on the
developer dashboard, an app's frame, the consent page and the directory.

The icon is decorative beside the app's name (alt=""); its URL is the one the services hand
out (served at the icon's content hash, cached for good).
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def app_icon(src: Var | str, initials: Var | str, *, size: int = 40) -> rx.Component:
    box = {
        "width": f"{size}px",
        "height": f"{size}px",
        "min_width": f"{size}px",
        "border_radius": "var(--radius-3)",
    }
    return rx.cond(
        src != "",
        rx.el.img(
            src=src,
            alt="",
            width=str(size),
            height=str(size),
            loading="lazy",
            decoding="async",
            class_name="pt-app-icon",
            style={**box, "object_fit": "cover", "background": "var(--gray-a3)"},
        ),
        rx.el.span(
            initials,
            class_name="pt-app-icon pt-app-icon-initials",
            aria_hidden="true",
            style={
                **box,
                "display": "inline-flex",
                "align_items": "center",
                "justify_content": "center",
                "font_weight": "600",
                "font_size": f"{max(11, size * 2 // 5)}px",
                "background": "var(--accent-a4)",
                "color": "var(--accent-11)",
            },
        ),
    )
