"""Published JSON Schemas: what a developer app's manifest must satisfy, for editors and CI
to check a manifest before it reaches Portal (the same schema Portal validates drafts with)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from portal.api import problems
from portal.domain.developer import manifest_schema

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
