"""The FastAPI app mounted beside Reflex (rx.App(api_transformer=...)) under /v1."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from portal.api import (
    browser_session,
    data_plane,
    developer_icons,
    downloads,
    files,
    oauth,
    problems,
    processes,
    query,
    schemas_route,
    secrets,
    vault,
    workspaces,
)


def create_api() -> FastAPI:
    api = FastAPI(
        title="Portal API",
        version="1",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        dependencies=[Depends(query.known_parameters_only)],
    )
    problems.install(api)
    api.include_router(browser_session.router)
    api.include_router(downloads.router)
    api.include_router(developer_icons.router)
    api.include_router(workspaces.router)
    api.include_router(files.router)
    api.include_router(files.links_router)
    api.include_router(secrets.router)
    api.include_router(vault.router)
    api.include_router(processes.router)
    api.include_router(data_plane.router)
    api.include_router(schemas_route.router)
    api.include_router(oauth.router)

    @api.get(
        "/v1/health", tags=["meta"], summary="Liveness check", responses=problems.responses(422)
    )
    def health() -> dict[str, str]:
        return {"status": "ok"}

    problems.install_fallback(api)  # last: it takes what no route above did
    return api
