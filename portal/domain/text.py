"""The one rule for free text a person types: names, a freeze reason, search terms.

Free text is one line of printable Unicode. Refused: C0 and C1 control characters (NUL, ESC,
tab, line breaks, DEL), the Unicode line and paragraph separators, the invisible marks that
change how text around them reads (zero-width space, left-to-right and right-to-left marks,
bidi embeddings, overrides and isolates, word joiner, byte order mark), and lone surrogates
(not UTF-8). Zero-width joiners stay: emoji sequences and several scripts need them. Runs of
spaces (any Unicode space) become one space and the ends are trimmed; required text must then
not be empty.

Services call `clean()` on every free-text input; the API's schemas enforce `refusal()` and
document the rule as JSON Schema (`json_schema()`), so the OpenAPI document says what the
server enforces.
"""

from __future__ import annotations

import re

from portal.domain.errors import Invalid

# Regex class bodies, written with escapes that read the same in Python's re and in ECMA-262
# (JSON Schema's pattern dialect). Surrogates are refused by clean() but left out of the
# pattern: no UTF-8 text holds one, and not every pattern engine takes them in a class.
_FORBIDDEN = r"\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff"
# The spaces that remain once the forbidden characters are out: what str.split() splits on.
_SPACES = r" \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"

# As JSON Schema says it (patterns search, unanchored: Python's "$" would also match before a
# final line break, ECMA-262's would not): no forbidden character anywhere, and for required
# text at least one character that is neither forbidden nor a space.
FORBIDDEN_CHARACTER = rf"[{_FORBIDDEN}]"
VISIBLE_CHARACTER = rf"[^{_FORBIDDEN}{_SPACES}]"


def json_schema(*, required: bool) -> dict[str, object]:
    """The rule as JSON Schema keywords for a string."""
    schema: dict[str, object] = {"not": {"pattern": FORBIDDEN_CHARACTER}}
    if required:
        schema["pattern"] = VISIBLE_CHARACTER
    return schema


_REFUSED = re.compile(rf"[{_FORBIDDEN}\ud800-\udfff]")

MESSAGE = (
    "Use letters, digits, spaces and punctuation only (no tabs, line breaks or control characters)."
)


def refusal(value: str) -> str | None:
    """Why `value` breaks the rule (before spaces are collapsed), or None."""
    if _REFUSED.search(value):
        return MESSAGE
    return None


def clean(
    value: str | None,
    *,
    field: str,
    max_length: int,
    required: str | None = None,
) -> str:
    """`value` with its spaces collapsed, or Invalid naming `field`.

    `required` is the message for empty text; None makes the text optional ("" when empty).
    `max_length` counts the collapsed text.
    """
    value = value or ""
    reason = refusal(value)
    if reason is not None:
        raise Invalid(reason, field=field)
    value = " ".join(value.split())
    if not value and required is not None:
        raise Invalid(required, field=field)
    if len(value) > max_length:
        raise Invalid(f"Use at most {max_length} characters.", field=field)
    return value


def initials(name: str) -> str:
    """What stands for a name where a picture would (an app without an icon): the first
    letters of its first two words, upper case ("Acme Sync" -> "AS"; "" -> "?")."""
    words = [word for word in str(name or "").split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def unstorable(value: str) -> bool:
    """Holds what no database stores: NUL (PostgreSQL refuses it in text) or a lone surrogate
    (no UTF-8 encodes one; JSON from a hostile client can carry "\\ud800")."""
    return bool(_UNSTORABLE.search(value))


def search_term(value: object, max_length: int) -> str:
    """A search box's text as a query may bind it: a string, trimmed, cut to `max_length`,
    without NUL or lone surrogates (a term holding one would match nothing anyway)."""
    if not isinstance(value, str):
        return ""
    return _UNSTORABLE.sub("", value.strip())[:max_length]
