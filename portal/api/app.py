"""The FastAPI app mounted beside Reflex (rx.App(api_transformer=...)) under /v1."""

from __future__ import annotations

from fastapi import FastAPI

from portal.api import problems


def create_api() -> FastAPI:
    api = FastAPI(
        title="Portal API",
        version="1",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    problems.install(api)

    @api.get("/v1/health", tags=["meta"], summary="Liveness check")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return api
