"""How Data Vault values show outside a reveal (portal/domain/masking.py), and the value
rules and search normalisation they rely on (portal/domain/vault.py)."""

from __future__ import annotations

import pytest

from portal.domain.errors import Invalid
from portal.domain.masking import SECRET_MASK, masked
from portal.domain.vault import (
    FieldType,
    Sensitivity,
    VaultField,
    check_value,
    check_values,
    search_form,
)

MASKED, SECRET, PUBLIC = Sensitivity.MASKED, Sensitivity.SECRET, Sensitivity.PUBLIC


@pytest.mark.parametrize(
    ("field_type", "value", "shown"),
    [
        (FieldType.EMAIL, "jane@example.com", "j***@example.com"),
        (FieldType.EMAIL, "j@example.com", "j***@example.com"),  # no hint of the length
        (FieldType.EMAIL, "a.b@c@example.com", "a***@example.com"),  # the last @ splits
        (FieldType.PHONE, "+1 (415) 555-4242", "**** 4242"),
        (FieldType.PHONE, "415 555 42", "**** 5542"),  # 8 digits: the last four
        (FieldType.PHONE, "555-4242", "****"),  # 7: four would be most of it, none show
        (FieldType.NUMBER, "4242424242424242", "**** 4242"),
        (FieldType.NUMBER, "-12.5", "****"),
        (FieldType.DATE, "1990-05-17", "1990-**-**"),
        (FieldType.STRING, "Jane Doe", "J***"),
        (FieldType.STRING, "Amy", "***"),  # short strings show nothing
        (FieldType.STRING, "Émile", "É***"),
    ],
)
def test_masked_fields_keep_just_enough_to_recognise_a_value(field_type, value, shown):
    assert masked(field_type, MASKED, value) == shown
    assert masked(field_type, SECRET, value) == SECRET_MASK == "••••••"
    assert masked(field_type, PUBLIC, value) == value


def test_masks_never_hold_more_than_four_digits_of_a_number():
    card = "4111111111111111"
    shown = masked(FieldType.NUMBER, MASKED, card)
    assert sum(char.isdigit() for char in shown) == 4


@pytest.mark.parametrize(
    ("field_type", "value", "stored"),
    [
        (FieldType.EMAIL, "  Jane@Example.com ", "Jane@Example.com"),
        (FieldType.PHONE, "+44 20 7946 0958", "+44 20 7946 0958"),
        (FieldType.DATE, "2024-02-29", "2024-02-29"),
        (FieldType.NUMBER, "-0012.50", "-0012.50"),
        (FieldType.STRING, "any text", "any text"),
    ],
)
def test_values_are_stored_trimmed(field_type, value, stored):
    assert check_value(field_type, value) == stored


@pytest.mark.parametrize(
    ("field_type", "value"),
    [
        (FieldType.EMAIL, "no-at-sign"),
        (FieldType.EMAIL, "two@@example.com"),
        (FieldType.EMAIL, "jane@localhost"),
        (FieldType.PHONE, "12345"),  # too few digits
        (FieldType.PHONE, "1234567890123456"),  # more than E.164's 15
        (FieldType.PHONE, "call 555 4242"),
        (FieldType.DATE, "2023-02-29"),
        (FieldType.DATE, "17/05/1990"),
        (FieldType.NUMBER, "1e5"),
        (FieldType.NUMBER, "12,5"),
        (FieldType.STRING, "two\nlines"),
        (FieldType.STRING, "   "),
        (FieldType.STRING, "x" * 1025),
    ],
)
def test_invalid_values_are_refused_without_being_quoted(field_type, value):
    with pytest.raises(ValueError) as refused:
        check_value(field_type, value)
    assert value.strip() not in str(refused.value) or not value.strip()


def test_search_form_normalises_what_people_type_differently():
    assert search_form(FieldType.EMAIL, "Jane@Example.COM") == "jane@example.com"
    assert search_form(FieldType.PHONE, "+1 (415) 555-4242") == "14155554242"
    assert search_form(FieldType.NUMBER, "0042.50") == search_form(FieldType.NUMBER, "42.5")
    assert search_form(FieldType.NUMBER, "-0") == "0"
    assert search_form(FieldType.STRING, "Case Matters") != search_form(
        FieldType.STRING, "case matters"
    )


def test_every_invalid_value_is_reported_by_field():
    fields = [
        VaultField(name="email", type=FieldType.EMAIL),
        VaultField(name="born", type=FieldType.DATE),
    ]
    with pytest.raises(Invalid) as refused:
        check_values(fields, {"email": "x", "born": "y"})
    assert [field for field, _ in refused.value.errors] == ["values.email", "values.born"]
    assert refused.value.message.endswith("(1 more)")
    assert check_values(fields, {"born": None}, partial=True) == {"born": None}
    with pytest.raises(Invalid):
        check_values(fields, {"born": None})
