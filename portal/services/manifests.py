"""Reading and checking a developer app's manifest (YAML or JSON) against the published JSON
Schema (domain/developer.manifest_schema, served at /v1/schemas/manifest.json).

Each problem names the field's path (`scopes[1]`, `display.name`) and the line it is on, so
the editor can point at it. JSON is read as JSON, then composed with the YAML reader too
(JSON is YAML's flow style) for the line numbers of its fields; a text that is JSON by its
first character but not valid JSON is refused as JSON. YAML aliases and nesting deeper than a
manifest needs are refused before anything is built from them. A field written twice in one
mapping (which both readers would take the last of, silently) is refused at each repeat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from portal.domain.developer import (
    DATA_TYPES,
    EVENT_CATEGORIES,
    MANIFEST_MAX_CHARS,
    SCOPES,
    ManifestFormat,
    manifest_schema,
)


@dataclass(frozen=True)
class ManifestProblem:
    path: str  # "display.name", "scopes[1]", "" for the whole document
    line: int | None  # 1-based, where the field (or its parent) is written
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "the manifest"
        field = f" ({self.path})" if self.path else ""
        return f"{where}{field}: {self.message}"


@dataclass(frozen=True)
class CheckedManifest:
    format: ManifestFormat
    manifest: dict[str, Any] | None  # None when it could not be read at all
    problems: tuple[ManifestProblem, ...]

    @property
    def valid(self) -> bool:
        return self.manifest is not None and not self.problems


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = manifest_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def detect_format(text: str) -> ManifestFormat:
    return ManifestFormat.JSON if text.lstrip().startswith(("{", "[")) else ManifestFormat.YAML


def check(text: str) -> CheckedManifest:
    """Read `text` and check it against the schema: every problem, in the order of the
    document's lines."""
    fmt = detect_format(text)
    if len(text) > MANIFEST_MAX_CHARS:
        return CheckedManifest(
            fmt,
            None,
            (
                ManifestProblem(
                    "", None, f"A manifest is at most {MANIFEST_MAX_CHARS:,} characters."
                ),
            ),
        )
    node: yaml.Node | None
    if fmt is ManifestFormat.JSON:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            return CheckedManifest(
                fmt,
                None,
                (ManifestProblem("", error.lineno, f"This is not valid JSON: {error.msg}."),),
            )
        except RecursionError:
            return _too_deep(fmt)
        try:
            # Only for the lines of its fields. In valid JSON a tab is whitespace (never inside
            # a string), which YAML refuses before a token: a space of the same width instead.
            node = yaml.compose(text.replace("\t", " "), Loader=yaml.SafeLoader)
        except (yaml.YAMLError, RecursionError):
            node = None  # valid JSON the YAML reader refuses: its problems, without lines
    else:
        try:
            refused = _unsafe(text)
            if refused is not None:
                return CheckedManifest(fmt, None, (refused,))
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            why = getattr(error, "problem", None) or "it could not be read"
            return CheckedManifest(
                fmt, None, (ManifestProblem("", line, f"This is not valid YAML: {why}."),)
            )
        except RecursionError:
            return _too_deep(fmt)
    if data is None:
        return CheckedManifest(fmt, None, (ManifestProblem("", 1, "The manifest is empty."),))
    if not isinstance(data, dict):
        return CheckedManifest(
            fmt,
            None,
            (ManifestProblem("", 1, "A manifest is a mapping of fields (display, scopes...)."),),
        )
    problems = _duplicates(node, [])
    problems += [
        ManifestProblem(_path(where), _line(node, where), _say(error))
        for error in _validator().iter_errors(data)
        for where in _places(error)
    ]
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return CheckedManifest(fmt, _plain(data), tuple(problems))


_MAX_DEPTH = 20  # a manifest needs 3 levels


def _unsafe(text: str) -> ManifestProblem | None:
    """What YAML may hold that a manifest never needs and that would cost the reader dearly,
    found from the parser's events before anything is built: an alias (it repeats what its
    anchor holds: a few nested expand a short text to billions of values, or to itself,
    endlessly) or deep nesting (reading it costs time by the square of its depth)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            return ManifestProblem(
                "",
                event.start_mark.line + 1,
                "Write the value out: a manifest may not use YAML aliases (*name).",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                return ManifestProblem(
                    "", event.start_mark.line + 1, "The manifest is nested too deeply to read."
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _duplicates(node: yaml.Node | None, path: list) -> list[ManifestProblem]:
    """A field written twice in one mapping (YAML and JSON readers keep the last one
    silently, so what the developer reads is not what Portal would use): each repeat, at its
    own line."""
    found: list[ManifestProblem] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[object, int] = {}
        for key, value in node.value:
            name = getattr(key, "value", None)
            line = key.start_mark.line + 1
            if isinstance(name, str) and name in first:
                found.append(
                    ManifestProblem(
                        _path([*path, name]),
                        line,
                        f"This field is written twice (first on line {first[name]}): keep one.",
                    )
                )
            elif isinstance(name, str):
                first[name] = line
            found += _duplicates(value, [*path, name])
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found += _duplicates(item, [*path, index])
    return found


def _too_deep(fmt: ManifestFormat) -> CheckedManifest:
    return CheckedManifest(
        fmt, None, (ManifestProblem("", None, "The manifest is nested too deeply to read."),)
    )


def _plain(data: Any) -> Any:
    """The manifest as JSON would hold it (YAML may give dates or other types)."""
    return json.loads(json.dumps(data, default=str))


def _places(error) -> list[list]:
    """Where an error is: its path, or for fields the schema does not know, each of them."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        return [[*path, name] for name in error.instance if name not in known] or [path]
    if error.validator == "required" and "'webhook_url'" in error.message:
        return [[*path, "event_categories"]]  # what asks for it
    return [path]


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(node: yaml.Node | None, parts) -> int | None:
    """The line of the deepest node on the path that exists (a missing field: its parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            # The last of a repeated field: the one the readers keep.
            found = next(
                (v for k, v in reversed(node.value) if getattr(k, "value", None) == part), None
            )
            if found is None:
                break
            # A field's line is its key's line (a block value starts on the next one).
            key = next(k for k, v in node.value if v is found)
            line = key.start_mark.line + 1
            node = found
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _say(error) -> str:
    """The schema's complaint in a person's words."""
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a field"
        if missing == "webhook_url":
            return "Add webhook_url: the events you subscribe to are delivered there."
        return f"Add {missing}: it is required."
    if kind == "additionalProperties":
        return "Remove this field: the manifest does not know it."
    if kind == "enum":
        allowed = error.validator_value
        if allowed == sorted(SCOPES):
            known = "scopes"
        elif allowed == sorted(EVENT_CATEGORIES):
            known = "event categories"
        elif allowed == sorted(DATA_TYPES):
            known = "data types"
        else:
            known = "values"
        return f"{error.instance!r} is not one of the {known} Portal knows: {', '.join(allowed)}."
    if kind == "pattern":
        if "https" in str(error.validator_value) and "localhost" in str(error.validator_value):
            return "Use an https:// URL (or http://localhost/ while developing)."
        return "Use an https:// URL."
    if kind == "type":
        return f"Expected {_article(error.validator_value)}, not {type(error.instance).__name__}."
    if kind == "uniqueItems":
        return "List each value once."
    if kind in ("minLength", "maxLength", "maxItems"):
        return error.message.replace("'", "") + "."
    return error.message


def _article(type_name: Any) -> str:
    names = {"string": "text", "array": "a list", "object": "a mapping", "integer": "a number"}
    return names.get(type_name, str(type_name))
