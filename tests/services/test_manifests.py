"""Checking a developer app's manifest (YAML or JSON) against the published JSON Schema: what
passes, and that every problem names its field and the line it is written on."""

from __future__ import annotations

import json

import pytest

from portal.domain.developer import MANIFEST_MAX_CHARS, SCOPES, STARTER_MANIFEST, ManifestFormat
from portal.services import manifests

# A known scope besides workspace:read (the starter manifest's), whatever the catalog holds.
OTHER_SCOPE = next(name for name in sorted(SCOPES) if name != "workspace:read")

VALID_YAML = """\
display:
  name: Acme Sync
scopes:
  - workspace:read
"""


def problems(text: str) -> list[tuple[str, int | None]]:
    """(path, line) of each problem `text` has, in the document's order."""
    return [(problem.path, problem.line) for problem in manifests.check(text).problems]


def only_problem(text: str) -> manifests.ManifestProblem:
    checked = manifests.check(text)
    assert len(checked.problems) == 1, checked.problems
    return checked.problems[0]


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of `text` holding `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# What passes --------------------------------------------------------------------------------


def test_the_starter_manifest_is_valid_yaml():
    checked = manifests.check(STARTER_MANIFEST.format(name="Acme Sync"))
    assert checked.valid
    assert checked.problems == ()
    assert checked.format is ManifestFormat.YAML
    assert checked.manifest["display"]["name"] == "Acme Sync"
    assert checked.manifest["scopes"] == ["workspace:read"]
    assert checked.manifest["event_categories"] == []


def test_the_same_manifest_written_as_json_is_valid_and_read_as_json():
    text = json.dumps(
        {
            "display": {"name": "Acme Sync", "homepage": "https://acme.example"},
            "redirect_urls": ["https://acme.example/callback"],
            "scopes": ["workspace:read", OTHER_SCOPE],
            "webhook_url": "https://acme.example/hooks",
            "event_categories": ["apps"],
            "data_types": ["workspace_profile"],
        },
        indent=2,
    )
    checked = manifests.check(text)
    assert checked.valid, checked.problems
    assert checked.format is ManifestFormat.JSON
    assert checked.manifest["scopes"] == ["workspace:read", OTHER_SCOPE]


def test_compact_json_on_one_line_is_valid():
    checked = manifests.check('{"display":{"name":"A"},"scopes":["workspace:read"]}')
    assert checked.valid, checked.problems


def test_json_indented_with_tabs_is_valid_json_and_keeps_its_lines():
    text = (
        '{\n\t"display": {"name": "A"},\n\t"scopes": [\n\t\t"workspace:read",\n\t\t"nope"\n\t]\n}'
    )
    json.loads(text)  # valid JSON
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("scopes[1]", 5)


def test_valid_json_the_yaml_reader_refuses_is_still_checked_without_lines():
    # U+FFFE may stand in a JSON string; YAML allows no such character anywhere.
    text = '{\n  "display": {"name": "A", "description": "\ufffe"},\n  "scopes": ["nope"]\n}'
    json.loads(text)  # valid JSON
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("scopes[0]", None)
    assert manifests.check(text.replace('"nope"', f'"{OTHER_SCOPE}"')).valid


def test_a_manifest_with_no_scopes_requested_is_valid():
    assert manifests.check("display:\n  name: A\nscopes: []\n").valid


# Unknown values and fields point at their line --------------------------------------------


def test_an_unknown_scope_in_yaml_points_at_its_item_and_line():
    text = STARTER_MANIFEST.format(name="Acme").replace(
        "  - workspace:read\n", "  - workspace:read\n  - billing:write\n"
    )
    problem = only_problem(text)
    assert problem.path == "scopes[1]"
    assert problem.line == line_of(text, "billing:write")
    assert "'billing:write' is not one of the scopes Portal knows" in problem.message
    assert "workspace:read" in problem.message  # what is known, to pick from
    assert str(problem).startswith(f"line {problem.line} (scopes[1]): ")
    assert not manifests.check(text).valid


def test_an_unknown_scope_in_multi_line_json_points_at_its_item_and_line():
    text = (
        '{\n  "display": {"name": "A"},\n  "scopes": [\n    "workspace:read",\n    "nope"\n  ]\n}'
    )
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("scopes[1]", 5)
    assert manifests.check(text).format is ManifestFormat.JSON


def test_each_of_several_unknown_scopes_is_its_own_problem_in_line_order():
    text = "display:\n  name: A\nscopes:\n  - nope\n  - workspace:read\n  - other\n"
    assert problems(text) == [("scopes[0]", 4), ("scopes[2]", 6)]


def test_an_unknown_event_category_and_data_type_say_which_list_they_are_not_in():
    text = (
        "display:\n  name: A\nscopes: []\nwebhook_url: https://a.example/h\n"
        "event_categories:\n  - weather\ndata_types:\n  - secrets\n"
    )
    first, second = manifests.check(text).problems
    assert (first.path, first.line) == ("event_categories[0]", 6)
    assert "event categories Portal knows" in first.message
    assert (second.path, second.line) == ("data_types[0]", 8)
    assert "data types Portal knows" in second.message


def test_an_unknown_top_level_field_points_at_its_own_line():
    text = "display:\n  name: A\nscopes: []\ncolour: red\n"
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("colour", 4)
    assert "Remove this field" in problem.message


def test_an_unknown_field_inside_display_points_at_its_own_line():
    text = "display:\n  name: A\n  logo: a.png\nscopes: []\n"
    assert problems(text) == [("display.logo", 3)]


def test_an_unknown_field_in_multi_line_json_points_at_its_own_line():
    text = '{\n  "display": {"name": "A"},\n  "scopes": [],\n  "colour": "red"\n}'
    assert problems(text) == [("colour", 4)]


def test_two_unknown_fields_are_two_problems_each_on_its_line():
    text = "colour: red\ndisplay:\n  name: A\nscopes: []\nsize: 3\n"
    assert problems(text) == [("colour", 1), ("size", 5)]


# Required fields ----------------------------------------------------------------------------


def test_a_missing_display_name_is_asked_for_at_display():
    text = "scopes: []\ndisplay:\n  description: Syncs things.\n"
    problem = only_problem(text)
    assert problem.path == "display"
    assert problem.line == 2  # the parent it belongs in, where it is missing
    assert problem.message == "Add name: it is required."


def test_an_empty_display_name_is_refused():
    problem = only_problem('display:\n  name: ""\nscopes: []\n')
    assert (problem.path, problem.line) == ("display.name", 2)


def test_missing_display_and_scopes_are_each_asked_for():
    messages = [p.message for p in manifests.check("data_types: []\n").problems]
    assert sorted(messages) == ["Add display: it is required.", "Add scopes: it is required."]


# Events need a webhook URL ------------------------------------------------------------------


def test_event_categories_without_a_webhook_url_ask_for_it_at_the_event_categories_line():
    text = "display:\n  name: A\nscopes: []\nevent_categories:\n  - apps\n"
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("event_categories", 4)
    assert "Add webhook_url" in problem.message


def test_event_categories_with_a_webhook_url_are_valid():
    text = (
        "display:\n  name: A\nscopes: []\nwebhook_url: https://acme.example/hooks\n"
        "event_categories:\n  - apps\n  - sign_in\n"
    )
    assert manifests.check(text).valid


def test_an_empty_list_of_event_categories_needs_no_webhook_url():
    checked = manifests.check("display:\n  name: A\nscopes: []\nevent_categories: []\n")
    assert checked.valid, checked.problems


def test_no_event_categories_at_all_need_no_webhook_url():
    assert manifests.check("display:\n  name: A\nscopes: []\n").valid


# URLs ---------------------------------------------------------------------------------------


def test_an_http_webhook_url_is_refused():
    text = "display:\n  name: A\nscopes: []\nwebhook_url: http://acme.example/hooks\n"
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("webhook_url", 4)
    assert "https://" in problem.message


def test_an_http_localhost_webhook_url_is_refused_too():
    text = "display:\n  name: A\nscopes: []\nwebhook_url: http://localhost/hooks\n"
    assert problems(text) == [("webhook_url", 4)]


@pytest.mark.parametrize(
    "url",
    ["https://acme.example/callback", "http://localhost/callback", "http://localhost:8080/cb"],
)
def test_a_redirect_url_on_https_or_http_localhost_is_allowed(url):
    text = f"display:\n  name: A\nscopes: []\nredirect_urls:\n  - {url}\n"
    checked = manifests.check(text)
    assert checked.valid, checked.problems


@pytest.mark.parametrize(
    "url",
    [
        "http://acme.example/callback",
        "http://localhost.acme.example/callback",
        "http://localhost",
        "ftp://acme.example/",
    ],
)
def test_a_redirect_url_on_plain_http_elsewhere_is_refused(url):
    text = f"display:\n  name: A\nscopes: []\nredirect_urls:\n  - https://ok.example/\n  - {url}\n"
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("redirect_urls[1]", 6)
    assert "http://localhost/" in problem.message


def test_a_scope_listed_twice_is_refused():
    problem = only_problem("display:\n  name: A\nscopes: [workspace:read, workspace:read]\n")
    assert (problem.path, problem.line) == ("scopes", 3)
    assert problem.message == "List each value once."


def test_a_wrong_type_names_what_was_expected():
    problem = only_problem("display:\n  name: A\nscopes: workspace:read\n")
    assert (problem.path, problem.line) == ("scopes", 3)
    assert problem.message == "Expected a list, not str."


# Texts that cannot be read ------------------------------------------------------------------


def test_invalid_yaml_gives_the_line_it_broke_on():
    checked = manifests.check("display:\n  name: A\n scopes: []\n")
    assert checked.manifest is None
    assert not checked.valid
    (problem,) = checked.problems
    assert problem.path == ""
    assert problem.line == 3
    assert problem.message.startswith("This is not valid YAML")


def test_invalid_json_gives_the_line_it_broke_on():
    checked = manifests.check('{\n  "display": {"name": "A"},\n  "scopes": [],\n}')
    assert checked.format is ManifestFormat.JSON
    assert checked.manifest is None
    (problem,) = checked.problems
    assert problem.line == 4
    assert problem.message.startswith("This is not valid JSON")


def test_json_that_yaml_would_read_is_still_refused_as_json():
    checked = manifests.check("{display: {name: A}, scopes: []}")  # YAML flow, not JSON
    assert checked.format is ManifestFormat.JSON
    assert checked.manifest is None
    assert checked.problems[0].message.startswith("This is not valid JSON")


@pytest.mark.parametrize("text", ["- a\n- b\n", "[1, 2]", "just some words", "42"])
def test_a_document_that_is_not_a_mapping_is_refused(text):
    checked = manifests.check(text)
    assert checked.manifest is None
    assert not checked.valid
    (problem,) = checked.problems
    assert (problem.path, problem.line) == ("", 1)
    assert "mapping" in problem.message


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_an_empty_manifest_is_refused(text):
    checked = manifests.check(text)
    assert not checked.valid
    assert [p.message for p in checked.problems] == ["The manifest is empty."]


def test_a_manifest_over_the_maximum_size_is_refused_unread():
    text = VALID_YAML + "#" * (MANIFEST_MAX_CHARS - len(VALID_YAML) + 1)
    assert len(text) == MANIFEST_MAX_CHARS + 1
    checked = manifests.check(text)
    assert checked.manifest is None
    (problem,) = checked.problems
    assert problem.line is None
    assert "64,000" in problem.message
    assert str(problem).startswith("the manifest: ")


def test_a_manifest_of_exactly_the_maximum_size_is_read():
    text = VALID_YAML + "#" * (MANIFEST_MAX_CHARS - len(VALID_YAML))
    assert len(text) == MANIFEST_MAX_CHARS
    assert manifests.check(text).valid


def test_python_tags_are_refused_not_run():
    checked = manifests.check("display:\n  name: !!python/object/apply:os.getcwd []\nscopes: []\n")
    assert checked.manifest is None
    assert checked.problems[0].line == 2


def test_yaml_values_json_cannot_hold_are_given_back_as_json_would_hold_them():
    # A date is not text: it is a problem, and the manifest given back is still plain JSON.
    checked = manifests.check("display:\n  name: 2026-01-01\nscopes: []\n")
    assert [(p.path, p.line) for p in checked.problems] == [("display.name", 2)]
    assert json.loads(json.dumps(checked.manifest)) == checked.manifest


# Texts built to hurt the reader ---------------------------------------------------------------


def test_a_yaml_alias_is_refused_at_its_line():
    text = "display: &d\n  name: A\nscopes: []\nextra: *d\n"
    checked = manifests.check(text)
    assert checked.manifest is None
    (problem,) = checked.problems
    assert problem.line == 4
    assert "alias" in problem.message


def test_a_self_referencing_alias_is_a_problem_not_a_crash():
    checked = manifests.check("display:\n  name: A\nscopes: &s [*s]\n")
    assert not checked.valid
    assert checked.problems[0].line == 3


def test_aliases_that_multiply_are_refused_before_they_are_expanded():
    # Six levels of ten: a million values once expanded, from a few hundred characters (nine
    # levels, a billion, fit in under a kilobyte).
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 6)]
    checked = manifests.check("\n".join(lines) + "\ndisplay: {name: A}\nscopes: []\n")
    assert checked.manifest is None
    assert [p.line for p in checked.problems] == [2]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5_000 + "]" * 5_000,  # JSON
        "display: " + "[" * 5_000 + "]" * 5_000,  # YAML flow
        "display: {name: A}\nscopes: []\nx: " + "{a: " * 5_000 + "1" + "}" * 5_000,
        "".join(f"{' ' * n}a{n}:\n" for n in range(300)) + " " * 300 + "a: 1\n",  # YAML block
    ],
    ids=["json", "yaml-lists", "yaml-mappings", "yaml-block"],
)
def test_deeply_nested_text_is_a_problem_not_a_crash(text):
    assert len(text) <= MANIFEST_MAX_CHARS
    checked = manifests.check(text)
    assert checked.manifest is None
    assert [p.message for p in checked.problems] == ["The manifest is nested too deeply to read."]


def test_yaml_nested_deeper_than_a_manifest_could_need_is_refused_at_its_line():
    text = "display:\n  name: A\nscopes: []\nx:\n  - " + "[" * 30 + "]" * 30 + "\n"
    problem = only_problem(text)
    assert problem.line == 5
    assert "nested too deeply" in problem.message


# A field written twice --------------------------------------------------------------------


def test_a_yaml_field_written_twice_is_refused_at_the_repeat_with_its_path():
    text = VALID_YAML.replace("  name: Acme Sync\n", "  name: Acme Sync\n  name: Other\n")
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("display.name", line_of(text, "name: Other"))
    assert "written twice (first on line 2)" in problem.message
    assert not manifests.check(text).valid


def test_a_top_level_yaml_field_written_twice_is_refused_among_the_other_problems():
    text = VALID_YAML + "scopes:\n  - nope\n"
    found = problems(text)
    assert ("scopes", 5) in found  # the second `scopes:`
    assert ("scopes[0]", 6) in found  # and the schema's word on the one the readers keep
    assert [line for _path, line in found] == sorted(line for _path, line in found)


def test_json_with_a_field_written_twice_is_refused_too():
    text = '{\n  "display": {"name": "A"},\n  "scopes": [],\n  "scopes": ["workspace:read"]\n}'
    problem = only_problem(text)
    assert (problem.path, problem.line) == ("scopes", 4)


def test_the_same_key_in_two_mappings_is_not_a_repeat():
    text = "display:\n  name: A\nscopes: []\nevent_categories: []\n"
    assert manifests.check(text).valid
