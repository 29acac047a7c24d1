"""Request and response models of the data-plane API (organizations, end users, sign-ins)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from portal.api.schemas import FreeText, _one_line
from portal.domain import text as free_text
from portal.domain.apps import OrganizationRole, SignInMethod
from portal.domain.dto import (
    EndUserPublic,
    MemberOfOrganization,
    OrganizationPublic,
)
from portal.services import organizations

OrganizationSort = Literal["name", "created_at"]
EndUserSort = Literal["email", "created_at"]
Role = Literal[tuple(role.value for role in OrganizationRole)]  # type: ignore[valid-type]
Method = Literal[tuple(method.value for method in SignInMethod)]  # type: ignore[valid-type]
# The service's own rule for an address (something@something.tld), as JSON Schema.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[
    str,
    AfterValidator(_one_line),
    Field(
        max_length=320,
        pattern=EMAIL_PATTERN,
        # Written out: with a validator after it, pydantic leaves the pattern out of the
        # schema. No control characters (the free-text rule), and the address's form.
        json_schema_extra=free_text.json_schema(required=False) | {"pattern": EMAIL_PATTERN},
    ),
]
# Every app's policy allows at least this; an app's own (a longer minimum, character classes)
# may ask for more: a 422 naming `password`.
NewPassword = Annotated[
    str,
    Field(
        min_length=8,
        max_length=128,
        pattern=r"\S",
        description="At least 8 characters (the app's policy may ask for more).",
    ),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganizationCreate(_Input):
    name: FreeText(organizations.NAME_MAX, required=True)  # type: ignore[valid-type]


class OrganizationUpdate(_Input):
    name: FreeText(organizations.NAME_MAX, required=True)  # type: ignore[valid-type]


class MemberSet(_Input):
    role: Role = "member"  # type: ignore[valid-type]


class EndUserCreate(_Input):
    email: Email  # type: ignore[valid-type]
    name: FreeText(120, required=False) = ""  # type: ignore[valid-type]
    password: NewPassword | None = None


class EndUserUpdate(_Input):
    name: FreeText(120, required=False) | None = None  # type: ignore[valid-type]
    disabled: bool | None = None
    password: NewPassword | None = None


class SignInCreate(_Input):
    method: Method  # type: ignore[valid-type]
    password: str | None = Field(default=None, max_length=256)
    totp_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")


class MagicLinkRedeem(_Input):
    token: str = Field(min_length=1, max_length=200)
    totp_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")


class OrganizationListPublic(BaseModel):
    items: list[OrganizationPublic]
    next_cursor: str | None = None


class MemberListPublic(BaseModel):
    items: list[MemberOfOrganization]
    next_cursor: str | None = None


class EndUserListPublic(BaseModel):
    items: list[EndUserPublic]
    next_cursor: str | None = None
