"""The one-time reveal of a value (a secret, a vault field): shown by a script, never by React.

A revealed value must never enter a Reflex state (states are kept on the server, on disk or in
Redis, and base vars go to the browser). So the handler returns `rx.call_script(
reveal_script(box, value, ...))`: the value travels once, inside the event's return, and the
script writes it into `reveal_box(box)`, an element React renders empty and never touches. The
script removes it again at Hide or after `seconds`; `hide_script(box)` removes it at once
(after a write, the value shown is stale).

One reveal at a time per page: the timers are the window's.

    rx.el.div(...), reveal_box("secret-reveal")               # in the page
    return rx.call_script(reveal_script("secret-reveal", value, code_id="secret-revealed-value"))
"""

from __future__ import annotations

import json

import reflex as rx

REVEAL_SECONDS = 30

_BUTTON = "rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button"
# Inline styles: the box's content is made by the script, outside the components' styles.
_CODE_STYLE = (
    "display: block; padding: var(--space-2); border-radius: var(--radius-2); "
    "white-space: pre-wrap; word-break: break-all; font-size: var(--font-size-2)"
)
_ROW_STYLE = "display: flex; gap: var(--space-2); align-items: center; margin-top: var(--space-2)"


def hide_script(box: str) -> str:
    """The script that empties `box` and stops its timers."""
    return (
        "(() => { clearTimeout(window.__portalRevealTimer); "
        "clearInterval(window.__portalRevealTick); "
        f"const box = document.getElementById({json.dumps(box)}); "
        "if (box) box.replaceChildren(); })()"
    )


def reveal_script(
    box: str, value: str, *, code_id: str, caption: str = "", seconds: int = REVEAL_SECONDS
) -> str:
    """The script that shows `value` in `box` (as element `code_id`, under `caption` when
    given), with Copy and Hide, and removes it from the page after `seconds`. The value and
    caption are JSON string literals set as text: no markup, no code."""
    return (
        "((value, caption, seconds) => {"
        f"{hide_script(box)};"
        f"const box = document.getElementById({json.dumps(box)}); if (!box) return;"
        "const hide = () => { clearTimeout(window.__portalRevealTimer);"
        " clearInterval(window.__portalRevealTick); box.replaceChildren(); };"
        'const code = document.createElement("code");'
        f" code.id = {json.dumps(code_id)};"
        'code.className = "rt-reset rt-Code rt-r-size-2 rt-variant-soft"; code.textContent = value;'
        f'code.style.cssText = "{_CODE_STYLE}";'
        'code.setAttribute("data-accent-color", "gray");'
        'const button = (label, onClick) => { const b = document.createElement("button");'
        f' b.type = "button"; b.className = "{_BUTTON}"; b.textContent = label;'
        ' b.setAttribute("data-accent-color", ""); b.addEventListener("click", onClick);'
        " return b; };"
        'const note = document.createElement("span");'
        'note.className = "rt-Text rt-r-size-1"; note.style.color = "var(--gray-11)";'
        "let left = seconds; const say = () => {"
        " note.textContent = `Hides in ${left} s`; }; say();"
        'const row = document.createElement("div");'
        f'row.style.cssText = "{_ROW_STYLE}";'
        'row.append(button("Copy", () => navigator.clipboard &&'
        " navigator.clipboard.writeText(code.textContent)),"
        ' button("Hide", hide), note);'
        "const parts = [code, row];"
        'if (caption) { const label = document.createElement("div");'
        ' label.className = "rt-Text rt-r-size-1"; label.style.color = "var(--gray-11)";'
        ' label.style.marginBottom = "var(--space-1)"; label.textContent = caption;'
        " parts.unshift(label); }"
        "box.replaceChildren(...parts);"
        "window.__portalRevealTick = setInterval(() => { left -= 1; say(); }, 1000);"
        "window.__portalRevealTimer = setTimeout(hide, seconds * 1000);"
        f"}})({json.dumps(value)}, {json.dumps(caption)}, {int(seconds)})"
    )


def hide_revealed(box: str) -> rx.event.EventSpec:
    """Remove a revealed value from the page."""
    return rx.call_script(hide_script(box))


def reveal_box(box: str) -> rx.Component:
    """Where a revealed value is written by the script: React renders it empty and never
    touches it; a screen reader hears what is written there."""
    return rx.el.div(id=box, aria_live="polite", class_name="pt-reveal-box")
