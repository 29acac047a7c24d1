"""The Data Vault: collections with a declared schema, and the rules their records' values obey.

A collection names its fields; each field has a type (string, email, phone, date, number), a
sensitivity (how a list shows it: `public` in clear, `masked` partly, `secret` not at all) and
a `searchable` flag (exact-match search through a keyed blind index). A record is a set of
values of its collection's fields, every one optional, at least one given.

Values are checked here, field by field, with messages that never quote the value: a message
can end up in a log line, a problem document or a browser's state.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import Field

from portal.domain.dto import DTO
from portal.domain.errors import Invalid, NotFound

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
NAME_MAX = 64
FIELDS_MAX = 50
VALUE_MAX = 1024  # characters, any type
EMAIL_MAX = 254
PHONE_DIGITS = (7, 15)  # E.164 allows at most 15 digits
NUMBER_MAX = 40  # characters of a number
TOKEN_PREFIX = "tok_"  # noqa: S105 - a prefix, not a secret
TOKEN_BYTES = 24  # 192 random bits, base64url: 32 characters after the prefix
TOKEN_PATTERN = r"^tok_[A-Za-z0-9_-]{32}$"  # noqa: S105 - a pattern, not a secret
_NAME = re.compile(NAME_PATTERN)
_TOKEN = re.compile(TOKEN_PATTERN)
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE = re.compile(r"\+?[0-9 ().-]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


class FieldType(StrEnum):
    STRING = "string"
    EMAIL = "email"
    PHONE = "phone"
    DATE = "date"
    NUMBER = "number"


class Sensitivity(StrEnum):
    """How a record's value shows outside a reveal."""

    PUBLIC = "public"  # in clear
    MASKED = "masked"  # partly: j***@example.com, **** 4242
    SECRET = "secret"  # not at all: ••••••  # noqa: S105


class VaultField(DTO):
    """One field of a collection's schema."""

    name: str = Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)
    type: FieldType
    sensitivity: Sensitivity = Sensitivity.MASKED
    searchable: bool = False


class VaultCollectionPublic(DTO):
    name: str
    fields: list[VaultField]
    record_count: int
    created_at: datetime
    updated_at: datetime
    updated_by: str


class VaultRecordPublic(DTO):
    """A record as a list shows it: each value masked as its field's sensitivity says, except
    the fields named in `revealed` (an audited reveal)."""

    token: str
    collection: str
    values: dict[str, str]
    revealed: list[str] = []
    created_at: datetime
    updated_at: datetime
    updated_by: str


class SchemaChange(StrEnum):
    """What a new schema does to one field (see services/vault.py, update_collection)."""

    ADDED = "added"
    REMOVED = "removed"
    RETYPED = "retyped"
    CHANGED = "changed"  # sensitivity or searchable


# Names ----------------------------------------------------------------------------------------


def check_name(value: object, *, field: str = "name", what: str = "collection") -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(f"Give the {what} a name, e.g. customers.", field=field)
    if len(value) > NAME_MAX:
        raise Invalid(f"A {what} name has at most {NAME_MAX} characters.", field=field)
    if not _NAME.fullmatch(value):
        raise Invalid(
            "Use lowercase letters, digits and underscores, starting with a letter "
            "(e.g. card_holders).",
            field=field,
        )
    return value


def check_token(value: object) -> str:
    """A record token as the caller gave it (untrusted): anything not of the form is a
    record that does not exist."""
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise NotFound("Record not found.")
    return value


def check_fields(value: Any) -> list[VaultField]:
    """A schema: a non-empty list of fields with distinct names."""
    if not isinstance(value, list | tuple) or not value:
        raise Invalid("Declare at least one field.", field="fields")
    if len(value) > FIELDS_MAX:
        raise Invalid(f"A collection has at most {FIELDS_MAX} fields.", field="fields")
    fields: list[VaultField] = []
    for index, item in enumerate(value):
        where = f"fields.{index}"
        if isinstance(item, VaultField):
            field = item
        else:
            if not isinstance(item, dict):
                raise Invalid("Each field has a name, a type and a sensitivity.", field=where)
            check_name(item.get("name"), field=f"{where}.name", what="field")
            try:
                field = VaultField.model_validate(item)
            except ValueError:
                raise Invalid(
                    "Choose a type (string, email, phone, date, number) and a sensitivity "
                    "(public, masked, secret).",
                    field=where,
                ) from None
        check_name(field.name, field=f"{where}.name", what="field")
        if any(other.name == field.name for other in fields):
            raise Invalid(f"There are two fields named {field.name}.", field=f"{where}.name")
        fields.append(field)
    return fields


# Values ---------------------------------------------------------------------------------------


def _digits(value: str) -> str:
    return "".join(char for char in value if char.isdigit())


def check_value(field_type: FieldType, value: object) -> str:
    """The value as stored (trimmed; a date in ISO form), or ValueError with a message that
    says what is expected and never quotes the value."""
    if not isinstance(value, str):
        raise ValueError("Enter the value as text.")
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise ValueError("Enter a value, or leave the field out.")
    if len(text) > VALUE_MAX:
        raise ValueError(f"A value has at most {VALUE_MAX} characters.")
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in text):
        raise ValueError("A value cannot hold line breaks, tabs or control characters.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("The value is not valid text.") from None
    if field_type is FieldType.EMAIL:
        if len(text) > EMAIL_MAX or not _EMAIL.fullmatch(text):
            raise ValueError("Enter an email address, e.g. jane@example.com.")
    elif field_type is FieldType.PHONE:
        low, high = PHONE_DIGITS
        if not _PHONE.fullmatch(text) or not low <= len(_digits(text)) <= high:
            raise ValueError(
                f"Enter a phone number of {low} to {high} digits (spaces, dashes, "
                "brackets and a leading + are fine)."
            )
    elif field_type is FieldType.DATE:
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            text = date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD, e.g. 1990-05-17.") from None
    elif field_type is FieldType.NUMBER and (len(text) > NUMBER_MAX or not _NUMBER.fullmatch(text)):
        raise ValueError("Enter a number: digits, an optional sign and decimal point.")
    return text


def search_form(field_type: FieldType, value: str) -> str:
    """What the blind index is computed over: the value normalised so that an exact search
    finds it however it was typed (an email in any case, a phone number with or without
    spaces, a number with or without leading zeros)."""
    if field_type is FieldType.EMAIL:
        return value.casefold()
    if field_type is FieldType.PHONE:
        return _digits(value)
    if field_type is FieldType.NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:  # not reachable for a checked value
            return value
        return format(number.normalize(), "f") if number else "0"
    return value


def check_values(
    fields: list[VaultField], values: Any, *, partial: bool = False
) -> dict[str, str | None]:
    """The record's values checked against the schema, every problem reported at once
    (Invalid with `errors`, one per field: `values.<name>`). With `partial` (an update), a
    None value removes the field's value."""
    if not isinstance(values, dict):
        raise Invalid("Give the values as an object of field name to value.", field="values")
    by_name = {field.name: field for field in fields}
    checked: dict[str, str | None] = {}
    errors: list[tuple[str, str]] = []
    for name, value in values.items():
        where = f"values.{name}" if isinstance(name, str) and len(name) <= NAME_MAX else "values"
        field = by_name.get(name) if isinstance(name, str) else None
        if field is None:
            errors.append((where, "The collection has no such field."))
            continue
        if value is None and partial:
            checked[name] = None
            continue
        try:
            checked[name] = check_value(field.type, value)
        except ValueError as exc:
            errors.append((where, str(exc)))
    if not errors and not partial and not checked:
        errors.append(("values", "Give a value for at least one field."))
    if errors:
        first_field, first_message = errors[0]
        named = first_field.removeprefix("values.")
        more = f" ({len(errors) - 1} more)" if len(errors) > 1 else ""
        raise Invalid(f"{named}: {first_message}{more}", field=first_field, errors=tuple(errors))
    return checked
