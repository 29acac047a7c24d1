"""Public documents for developer apps: the manifest's JSON Schema (what a manifest must
satisfy, for editors and CI to check one before it reaches Portal: the same schema Portal
validates drafts with) and the scope catalog (what an app may ask for, and the /v1 routes each
scope opens to its installation's token), and the event catalog (every event type Portal
emits, its categories, the data it carries and an example payload)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from portal.api import problems
from portal.domain.developer import SCOPES, manifest_schema
from portal.domain.events import EVENT_CATALOG

router = APIRouter(tags=["schemas"])
# The same for every caller and changed only by a new Portal release: caches may keep them.
PUBLIC_DOCUMENT = {"Cache-Control": "public, max-age=300"}


@router.get(
    "/v1/schemas/manifest.json",
    summary="The developer app manifest's JSON Schema (2020-12)",
    response_class=JSONResponse,
    responses={
        200: {"content": {"application/schema+json": {"schema": {"type": "object"}}}},
        **problems.responses(422),
    },
)
def manifest() -> JSONResponse:
    return JSONResponse(
        manifest_schema(),
        media_type="application/schema+json",
        headers=PUBLIC_DOCUMENT,
    )


class ScopeRoute(BaseModel):
    method: str
    path: str


class ScopePublic(BaseModel):
    name: str
    description: str
    routes: list[ScopeRoute]


class ScopeCatalog(BaseModel):
    items: list[ScopePublic]


@router.get(
    "/v1/scopes",
    summary="The scope catalog: what a developer app may ask for, and the /v1 routes each opens",
    response_model=ScopeCatalog,
    responses=problems.responses(422),
)
def scopes() -> JSONResponse:
    catalog = ScopeCatalog(
        items=[
            ScopePublic(
                name=info.name,
                description=info.says,
                routes=[ScopeRoute(method=method, path=path) for method, path in info.routes],
            )
            for info in sorted(SCOPES.values(), key=lambda info: info.name)
        ]
    )
    return JSONResponse(catalog.model_dump(), headers=PUBLIC_DOCUMENT)


class EventTypePublic(BaseModel):
    type: str
    category: str  # the manifest event category a developer app declares to receive it
    endpoint_category: str | None  # the category an app's webhook endpoint takes, if any
    data_types: list[str]
    description: str
    example: dict[str, Any]  # a whole payload: type, timestamp, data


class EventTypeCatalog(BaseModel):
    items: list[EventTypePublic]


@router.get(
    "/v1/event-types",
    summary="The event catalog: each event type, its categories, data types and an example",
    response_model=EventTypeCatalog,
    responses=problems.responses(422),
)
def event_types() -> JSONResponse:
    catalog = EventTypeCatalog(
        items=[
            EventTypePublic(
                type=info.type.value,
                category=info.category,
                endpoint_category=info.endpoint_category.value if info.endpoint_category else None,
                data_types=list(info.data_types),
                description=info.description,
                example=info.example_payload(),
            )
            for info in EVENT_CATALOG.values()
        ]
    )
    return JSONResponse(catalog.model_dump(), headers=PUBLIC_DOCUMENT)
