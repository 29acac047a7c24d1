"""Public documents for developer apps: the manifest's JSON Schema (what a manifest must
satisfy, for editors and CI to check one before it reaches Portal: the same schema Portal
validates drafts with) and the scope catalog (what an app may ask for, and the /v1 routes each
scope opens to its installation's token)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from portal.api import problems
from portal.domain.developer import SCOPES, manifest_schema

router = APIRouter(tags=["schemas"])


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
        headers={"Cache-Control": "public, max-age=300"},
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
    return JSONResponse(catalog.model_dump(), headers={"Cache-Control": "public, max-age=300"})
