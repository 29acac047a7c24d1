"""Sentences around names: "Welcome to Acme Inc." ends with one period, not two."""

from __future__ import annotations

import pytest

from portal.domain.wording import sentence


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
