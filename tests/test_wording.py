"""Sentences around names: "Welcome to Acme Inc." ends with one period, not two; audit codes
read as words."""

from __future__ import annotations

import pytest

from portal.domain.wording import action_phrase, action_prefix, sentence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Welcome to Acme Inc.", "Welcome to Acme Inc."),
        ("Welcome to Acme", "Welcome to Acme."),
        ("Welcome to Yahoo!", "Welcome to Yahoo!"),
        ("Welcome to Acme Inc. ", "Welcome to Acme Inc."),
    ],
)
def test_sentence_ends_with_one_full_stop(text, expected):
    assert sentence(text) == expected


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("workspace.frozen", "Workspace frozen"),
        ("invitation.accepted", "Invitation accepted"),
        ("environment.ready", "Environment ready"),
        ("workspace.export_started", "Workspace export started"),
        ("grant.created", "Grant created"),
        ("token.revoked", "API token revoked"),
        ("something_new.happened_today", "Something new happened today"),
    ],
)
def test_audit_actions_read_as_words(code, words):
    assert action_phrase(code) == words


@pytest.mark.parametrize(
    "code",
    ["workspace.frozen", "workspace.export_started", "token.created", "grant.removed"],
)
def test_the_words_a_feed_shows_filter_back_to_their_code(code):
    words = action_phrase(code)
    assert action_prefix(words) == code
    assert code.startswith(action_prefix(words[: len(words) - 3]))  # typed part way
    assert action_prefix(words.upper()) == code


@pytest.mark.parametrize(
    ("typed", "prefix"),
    [("workspace.", "workspace."), ("  Workspace   export ", "workspace.export"), ("", "")],
)
def test_a_typed_code_or_part_of_one_stays_a_prefix(typed, prefix):
    assert action_prefix(typed) == prefix
