"""Markup rules checked on the source: no button inside a link (an <a> holding a <button> is
invalid HTML; keyboards reach it twice and screen readers announce it oddly). A link that
looks like a button is components/links.button_link."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[1] / "portal"
BUTTONS = {"button", "icon_button"}


def _name(node: ast.AST) -> str:
    """`rx.link` -> "link"; `rx.el.button` -> "button"; anything else -> ""."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _buttons_in_links(tree: ast.AST) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "link":
            for inner in ast.walk(node):
                if (
                    inner is not node
                    and isinstance(inner, ast.Call)
                    and _name(inner.func) in BUTTONS
                ):
                    found.append(inner.lineno)
    return found


def test_no_button_inside_a_link():
    offenders = [
        f"{path.relative_to(PORTAL.parent)}:{line}"
        for path in sorted(PORTAL.rglob("*.py"))
        for line in _buttons_in_links(ast.parse(path.read_text()))
    ]
    assert offenders == [], "a button inside rx.link (use button_link):\n" + "\n".join(offenders)


def test_the_check_finds_one():
    source = 'rx.link(rx.button("Go"), href="/")\nrx.link(\n    rx.el.button("x"), href="/")'
    assert _buttons_in_links(ast.parse(source)) == [1, 3]
    assert _buttons_in_links(ast.parse('rx.button(rx.link("Go", href="/"), as_child=True)')) == []
