"""App secret keys (portal/domain/app_keys.py): `sk_<env>_<random><checksum>`; a leaked key
names its environment and a typo is refused before any lookup."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain import app_keys
from portal.domain.app_keys import MalformedKey
from portal.domain.workspaces import EnvironmentName

ENVIRONMENTS = st.sampled_from(list(EnvironmentName))


@given(ENVIRONMENTS)
def test_a_new_key_names_its_environment_and_parses_back(environment):
    key = app_keys.new_key(environment)
    assert re.fullmatch(rf"sk_{environment.value}_[0-9A-Za-z]{{38}}", key), key
    assert app_keys.parse(key).environment is environment


def test_keys_are_random():
    keys = {app_keys.new_key("prod") for _ in range(200)}
    assert len(keys) == 200


@given(ENVIRONMENTS, st.data())
def test_any_one_character_changed_is_refused(environment, data):
    key = app_keys.new_key(environment)
    start = len(f"sk_{environment.value}_")
    at = data.draw(st.integers(min_value=start, max_value=len(key) - 1))
    other = data.draw(st.sampled_from([c for c in app_keys._BASE62 if c != key[at]]))
    with pytest.raises(MalformedKey):
        app_keys.parse(key[:at] + other + key[at + 1 :])


@given(ENVIRONMENTS, st.integers(min_value=1, max_value=37))
def test_a_truncated_key_is_refused(environment, cut):
    key = app_keys.new_key(environment)
    with pytest.raises(MalformedKey):
        app_keys.parse(key[:-cut])


@given(st.text(max_size=60))
def test_arbitrary_text_is_refused_or_is_a_key(text):
    try:
        parsed = app_keys.parse(text)
    except MalformedKey:
        return
    assert parsed.key == text  # only a well-formed key with a matching checksum gets here


@pytest.mark.parametrize(
    "text",
    ["", "pat_abc", "sk_", "sk_live_" + "a" * 38, "sk_prod", "sk_prod_" + "!" * 38, None],
)
def test_not_keys(text):
    with pytest.raises(MalformedKey):
        app_keys.parse(text)


def test_another_environments_checksum_does_not_carry_over():
    key = app_keys.new_key("dev")
    moved = key.replace("sk_dev_", "sk_prod_", 1)
    with pytest.raises(MalformedKey, match="checksum"):
        app_keys.parse(moved)


def test_the_display_prefix_tells_keys_apart_without_being_usable():
    key = app_keys.new_key("staging")
    shown = app_keys.display_prefix(key)
    assert key.startswith(shown) and shown.startswith("sk_staging_")
    assert len(shown) == len("sk_staging_") + 4
