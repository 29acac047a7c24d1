"""One rule for free text (portal.domain.text): every service that takes a person's text
refuses what a name refuses, and the API documents it as the pattern it amounts to."""

from __future__ import annotations

import re

import pytest

from portal.domain import text
from portal.domain.errors import Invalid
from portal.services import api_tokens, auth, workspaces
from tests.factories import account_of, actor_for, make_user, make_workspace

REFUSED = ["\x1b[31mred", "tab\there", "line\nbreak", "nul\x00", "del\x7f", "\u202eevil", "\u2028"]


@pytest.mark.parametrize("value", REFUSED)
def test_clean_refuses_control_and_invisible_characters(value):
    with pytest.raises(Invalid) as error:
        text.clean(value, field="name", max_length=120)
    assert error.value.field == "name"


def test_clean_collapses_spaces_and_keeps_what_people_write():
    assert text.clean("  Acme \u00a0  Dev ", field="name", max_length=120) == "Acme Dev"
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 Café 北京"  # a ZWJ emoji sequence
    assert text.clean(family, field="name", max_length=120) == family
    assert text.clean("   ", field="reason", max_length=10) == ""
    with pytest.raises(Invalid, match="Enter a name"):
        text.clean("   ", field="name", max_length=10, required="Enter a name.")
    with pytest.raises(Invalid, match="at most 3"):
        text.clean("abcd", field="name", max_length=3)


def test_the_documented_schema_says_what_clean_does():
    """Every character below U+3100 (and a few beyond): the schema accepts it alone exactly
    when clean() does, and the spaces it names are what clean() collapses."""
    forbidden = re.compile(text.FORBIDDEN_CHARACTER)
    visible = re.compile(text.VISIBLE_CHARACTER)
    assert text.json_schema(required=True) == {
        "not": {"pattern": text.FORBIDDEN_CHARACTER},
        "pattern": text.VISIBLE_CHARACTER,
    }
    for code in [*range(0x3100), 0xFEFF, 0xFFFD, 0x1F600]:
        char = chr(code)
        refused = text.refusal(char) is not None
        assert bool(forbidden.search(char)) is refused, hex(code)
        blank = not refused and not char.split()
        assert bool(visible.search(char)) is (not refused and not blank), hex(code)
    assert text.refusal("\ud800") is not None  # lone surrogate: not UTF-8


@pytest.fixture
def owner(db):
    return make_user(db, email="owner@example.com", name="Olivia", account_name="Acme")


def test_a_freeze_reason_refuses_what_a_name_refuses(db, owner):
    actor = actor_for(db, owner)
    workspace = make_workspace(db, account_of(db, owner.id))
    for value in REFUSED:
        with pytest.raises(Invalid) as error:
            workspaces.freeze(session=db, actor=actor, workspace_id=str(workspace.id), reason=value)
        assert error.value.field == "reason"
        with pytest.raises(Invalid):
            workspaces.rename_workspace(
                session=db, actor=actor, workspace_id=str(workspace.id), name=value
            )
    frozen = workspaces.freeze(
        session=db, actor=actor, workspace_id=str(workspace.id), reason="  Incident \u00a0 42 "
    )
    assert frozen.status == "frozen"


@pytest.mark.parametrize("value", REFUSED)
def test_token_and_person_names_follow_the_same_rule(db, owner, value):
    actor = actor_for(db, owner)
    with pytest.raises(Invalid):
        api_tokens.create_token(session=db, actor=actor, name=value)
    with pytest.raises(Invalid):
        auth.create_user(
            session=db, email="x@example.com", name=value, password="a long password 1"
        )
    with pytest.raises(Invalid) as error:
        auth.create_user(
            session=db,
            email="y@example.com",
            name="Yan",
            password="a long password 1",
            account_name=value,
        )
    assert error.value.field == "account_name"


def test_search_terms_follow_the_rule(db, owner):
    actor = actor_for(db, owner)
    with pytest.raises(Invalid):
        workspaces.list_workspaces(session=db, actor=actor, name_contains="\x1b")
    workspace = make_workspace(db, account_of(db, owner.id))
    with pytest.raises(Invalid):
        workspaces.list_activity(
            session=db, actor=actor, workspace_id=str(workspace.id), action_filter="\x1b"
        )
