"""Request and response models of the /v1 API (XCreate / XUpdate / XPublic), and the text type
every string input goes through."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from portal.domain.dto import AuditEventPublic, EnvironmentPublic, WorkspacePublic, WorkspaceRow
from portal.domain.workspaces import VISIBLE_STATUSES
from portal.domain.workspaces import TenancyModel as Tenancy
from portal.services import workspaces

INT32_MAX = 2**31 - 1


def _storable(value: str) -> str:
    """Refuse what no database column can hold: NUL characters (PostgreSQL) and lone
    surrogates (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]

# The OpenAPI enums are the domain's values: the tenancy models, and the statuses a list can be
# filtered by (a deleted workspace is never listed).
TenancyModel = Literal[tuple(model.value for model in Tenancy)]  # type: ignore[valid-type]
WorkspaceStatus = Literal[tuple(status.value for status in VISIBLE_STATUSES)]  # type: ignore[valid-type]
WorkspaceSort = Literal[workspaces.SORTS]  # type: ignore[valid-type]
Direction = Literal[workspaces.DIRECTIONS]  # type: ignore[valid-type]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceCreate(_Input):
    account_id: int = Field(ge=1, le=INT32_MAX, description="The account the workspace is in.")
    name: Annotated[Text, Field(max_length=500)]
    tenancy_model: TenancyModel | None = Field(
        default=None, description=f"Default: {Tenancy.SHARED.value}."
    )
    region: Annotated[Text, Field(max_length=64)] | None = Field(
        default=None, description="One of the configured regions; default: the first."
    )


class WorkspaceUpdate(_Input):
    name: Annotated[Text, Field(max_length=500)]


class WorkspaceFreeze(_Input):
    reason: Annotated[Text, Field(max_length=500)] = Field(
        default="", description="Why, for the audit trail."
    )


class WorkspaceOffboard(_Input):
    confirm_name: Annotated[Text, Field(max_length=500)] = Field(
        description="The workspace's name, typed exactly."
    )


class WorkspaceDetailPublic(WorkspacePublic):
    """One workspace with its environments."""

    environments: list[EnvironmentPublic]


class WorkspaceListPublic(BaseModel):
    items: list[WorkspaceRow]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class EnvironmentListPublic(BaseModel):
    items: list[EnvironmentPublic]


class AuditEventListPublic(BaseModel):
    items: list[AuditEventPublic]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )
