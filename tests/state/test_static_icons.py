"""No page asks for an icon by a Var: one `rx.icon(<Var>)` makes Reflex render a DynamicIcon,
and the build then ships the whole Lucide set (about 1,700 chunks). Icons that depend on state
are written as rx.cond(flag, rx.icon("a"), rx.icon("b"))."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex_components_lucide.icon import DynamicIcon

import portal.portal  # noqa: F401 - registers every page
from portal import layout


def test_the_check_catches_a_dynamic_icon(monkeypatch):
    made = []
    monkeypatch.setattr(DynamicIcon, "create", classmethod(lambda cls, *a, **k: made.append(k)))
    flag = rx.Var.create(True).to(bool)
    rx.icon(rx.cond(flag, "arrow-up", "arrow-down"))
    assert made


@pytest.mark.parametrize("registered", layout.REGISTERED, ids=lambda r: r.route)
def test_no_page_renders_an_icon_named_by_a_var(monkeypatch, registered):
    made = []
    monkeypatch.setattr(DynamicIcon, "create", classmethod(lambda cls, *a, **k: made.append(k)))
    registered.component()
    assert made == [], f"{registered.route} builds rx.icon with a Var name: {made}"
