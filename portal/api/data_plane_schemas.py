"""Request and response models of the data-plane API (organizations, end users, sign-ins)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from portal.api.schemas import FreeText
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
# What a person's email may be at most; the service checks its form.
Email = FreeText(320, required=True)


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
    password: str | None = Field(default=None, min_length=1, max_length=256)


class EndUserUpdate(_Input):
    name: FreeText(120, required=False) | None = None  # type: ignore[valid-type]
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=256)


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
