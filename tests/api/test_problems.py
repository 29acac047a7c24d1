"""The /v1 app: health, the OpenAPI document, and RFC 9457 problem documents for errors."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from portal.api import problems
from portal.api.app import create_api
from portal.domain.errors import (
    Frozen,
    Invalid,
    NotFound,
    PermissionDenied,
    ReadOnly,
    Throttled,
)
from portal.domain.paging import InvalidCursor


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_api())


def test_health(client: TestClient) -> None:
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_is_served_under_v1(client: TestClient) -> None:
    document = client.get("/v1/openapi.json").json()
    assert document["info"]["title"] == "Portal API"
    assert "/v1/health" in document["paths"]


def test_unknown_route_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (NotFound("Workspace not found."), 404, "not-found"),
        (PermissionDenied("You need administer."), 403, "permission-denied"),
        (Frozen("The workspace is frozen."), 409, "workspace-frozen"),
        (ReadOnly("The workspace is being offboarded."), 409, "workspace-read-only"),
        (Invalid("Enter a name.", field="name"), 422, "invalid"),
        (InvalidCursor(), 400, "invalid-cursor"),
        (Throttled(90), 429, "throttled"),
    ],
)
def test_domain_errors_map_to_problem_documents(error, status, slug) -> None:
    api = FastAPI()
    problems.install(api)

    @api.get("/boom")
    def boom():
        raise error

    response = TestClient(api).get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith(slug)
    assert body["status"] == status
    assert body["detail"] == error.message
    if isinstance(error, Invalid):
        assert body["field"] == error.field
    if isinstance(error, Throttled):
        assert response.headers["retry-after"] == "90"


def test_an_unexpected_error_is_a_500_problem_without_details() -> None:
    api = FastAPI()
    problems.install(api)

    @api.get("/crash")
    def crash():
        raise RuntimeError("database password is hunter2")

    response = TestClient(api, raise_server_exceptions=False).get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "hunter2" not in response.text
