"""How a Data Vault value shows outside a reveal: the one place masks are made.

- `secret` fields show `••••••` whatever the value (not even its length);
- `masked` fields keep just enough to recognise a value, never enough to use it:
  an email its first character and domain (`j***@example.com`), a phone number or a number
  its last four digits when it has at least eight (`**** 4242`; shorter ones show `****`, as
  four of seven digits would be most of the value), a date its year (`1990-**-**`), and a
  string its first character (`J***`; `***` under four characters). The masks have a fixed
  length, so they do not tell how long the value is either;
- `public` fields show in clear.
"""

from __future__ import annotations

from portal.domain.vault import FieldType, Sensitivity

SECRET_MASK = "••••••"  # noqa: S105 - what a secret field shows, not a secret
_STARS = "***"
_DIGITS_SHOWN = 4
_DIGITS_BEFORE_SHOWING = 8


def mask_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return _STARS
    return f"{local[0]}{_STARS}@{domain}"


def mask_digits(value: str) -> str:
    """A phone number or a number: the last four digits when there are at least eight."""
    digits = [char for char in value if char.isdigit()]
    if len(digits) < _DIGITS_BEFORE_SHOWING:
        return "****"
    return "**** " + "".join(digits[-_DIGITS_SHOWN:])


def mask_date(value: str) -> str:
    year = value[:4]
    return f"{year}-**-**" if len(value) == 10 and year.isdigit() else "****-**-**"


def mask_string(value: str) -> str:
    return f"{value[0]}{_STARS}" if len(value) >= 4 else _STARS


_MASKS = {
    FieldType.EMAIL: mask_email,
    FieldType.PHONE: mask_digits,
    FieldType.NUMBER: mask_digits,
    FieldType.DATE: mask_date,
    FieldType.STRING: mask_string,
}


def masked(field_type: FieldType, sensitivity: Sensitivity, value: str) -> str:
    """`value` as a field of this type and sensitivity shows it outside a reveal."""
    if sensitivity is Sensitivity.PUBLIC:
        return value
    if sensitivity is Sensitivity.SECRET:
        return SECRET_MASK
    return _MASKS[field_type](value)
