"""Request and response models of the /v1 API (XCreate / XUpdate / XPublic), and the text type
every string input goes through."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from portal.config import get_settings
from portal.domain import text as free_text
from portal.domain.dto import AuditEventPublic, EnvironmentPublic, WorkspacePublic, WorkspaceRow
from portal.domain.workspaces import VISIBLE_STATUSES
from portal.domain.workspaces import TenancyModel as Tenancy
from portal.services import workspaces

INT32_MAX = 2**31 - 1


def _one_line(value: str) -> str:
    """The domain's free-text rule (portal.domain.text), refused here as a 422 naming the field
    before any service runs."""
    reason = free_text.refusal(value)
    if reason is not None:
        raise ValueError(reason)
    return value


def FreeText(max_length: int, *, required: bool) -> Any:  # noqa: N802 - reads as a type
    """A free-text input: the rule enforced, and documented as the JSON Schema it amounts to
    (required text has a character that is not a space)."""
    return Annotated[
        str,
        AfterValidator(_one_line),
        Field(
            min_length=1 if required else None,
            max_length=max_length,
            json_schema_extra=free_text.json_schema(required=required),
        ),
    ]


# Query filters: the rule as a Query's schema (FastAPI builds query parameters from Query()).
Filter = Annotated[str, AfterValidator(_one_line)]
FILTER_SCHEMA = free_text.json_schema(required=False)


def _configured_region(value: str) -> str:
    regions = get_settings().regions
    if value not in regions:
        raise ValueError(f"Choose a region: {', '.join(regions)}.")
    return value


@dataclass(frozen=True)
class _RegionsEnum:
    """Documents the regions this server is configured with (PORTAL_REGIONS) as the enum."""

    def __get_pydantic_json_schema__(self, core_schema, handler) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["enum"] = list(get_settings().regions)
        return schema


Region = Annotated[str, AfterValidator(_configured_region), _RegionsEnum()]


def _json_integer(value: Any) -> Any:
    """What JSON Schema calls an integer: a number with no fraction (1 and 1.0), not true or
    "1", which pydantic's lax mode would read as 1."""
    if isinstance(value, bool | str):
        raise ValueError("Input should be a valid integer")
    return value


JsonInteger = Annotated[int, BeforeValidator(_json_integer)]


def JsonIntegerIn(low: int, high: int) -> Any:  # noqa: N802 - reads as a type
    """A JsonInteger from low to high, as a type that can be optional (`... | None`): the bounds
    sit before the validator, where the document shows them as its minimum and maximum."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_json_integer)]


def _decimal_integer(value: Any) -> Any:
    """An integer in a path or query string as plain decimal digits ("12", "-3"), not "12\\n",
    " 12", "+12", "012", "1_2" or "12.0", which pydantic's lax mode would all read as 12:
    a client that sent one of those meant something else."""
    if isinstance(value, str) and not re.fullmatch(r"-?(0|[1-9][0-9]*)", value):
        raise ValueError("Input should be a valid integer, in decimal digits")
    return value


# Every integer a path or query parameter carries: Annotated[int, Path(...), WireInteger]
# (after the Path or Query, or the document loses its minimum and maximum).
WireInteger = BeforeValidator(_decimal_integer)
Name = FreeText(workspaces.NAME_MAX, required=True)
Reason = FreeText(workspaces.REASON_MAX, required=False)

# The OpenAPI enums are the domain's values: the tenancy models, and the statuses a list can be
# filtered by (a deleted workspace is never listed).
TenancyModel = Literal[tuple(model.value for model in Tenancy)]  # type: ignore[valid-type]
WorkspaceStatus = Literal[tuple(status.value for status in VISIBLE_STATUSES)]  # type: ignore[valid-type]
WorkspaceSort = Literal[workspaces.SORTS]  # type: ignore[valid-type]
Direction = Literal[workspaces.DIRECTIONS]  # type: ignore[valid-type]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceCreate(_Input):
    account_id: JsonInteger = Field(
        ge=1, le=INT32_MAX, description="The account the workspace is in."
    )
    name: Name
    tenancy_model: TenancyModel | None = Field(
        default=None, description=f"Default: {Tenancy.SHARED.value}."
    )
    region: Region | None = Field(
        default=None, description="One of the configured regions; default: the first."
    )


class WorkspaceUpdate(_Input):
    name: Name


class WorkspaceFreeze(_Input):
    reason: Reason = Field(default="", description="Why, for the audit trail.")


class WorkspaceOffboard(_Input):
    confirm_name: Name = Field(
        description="The workspace's name, typed exactly (409 conflict when it is not its name)."
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
