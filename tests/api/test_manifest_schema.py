"""GET /v1/schemas/manifest.json: the schema Portal checks manifests with, for anyone to use."""

from __future__ import annotations

from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from portal.domain.developer import SCOPES, STARTER_MANIFEST
from portal.services import manifests


def test_the_manifest_schema_is_served_without_a_token(client: TestClient) -> None:
    response = client.get("/v1/schemas/manifest.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    schema = response.json()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["scopes"]["items"]["enum"] == sorted(SCOPES)


def test_the_served_schema_is_the_one_drafts_are_checked_with(client: TestClient) -> None:
    validator = Draft202012Validator(client.get("/v1/schemas/manifest.json").json())
    good = manifests.check(STARTER_MANIFEST.format(name="Acme"))
    assert good.valid and list(validator.iter_errors(good.manifest)) == []
    bad = {"display": {"name": "Acme"}, "scopes": ["files:write"]}
    assert list(validator.iter_errors(bad))
    assert not manifests.check('{"display": {"name": "Acme"}, "scopes": ["files:write"]}').valid


def test_the_schema_route_is_in_the_openapi_document(client: TestClient) -> None:
    assert "/v1/schemas/manifest.json" in client.get("/v1/openapi.json").json()["paths"]


def test_the_scope_catalog_names_each_scope_and_the_routes_it_opens(client: TestClient) -> None:
    response = client.get("/v1/scopes")
    assert response.status_code == 200
    catalog = {item["name"]: item for item in response.json()["items"]}
    assert set(catalog) == set(SCOPES)
    for name, info in SCOPES.items():
        assert catalog[name]["description"] == info.says
        assert [(r["method"], r["path"]) for r in catalog[name]["routes"]] == list(info.routes)
    # The schema's description says the same, for editors that show it.
    described = client.get("/v1/schemas/manifest.json").json()["properties"]["scopes"]
    assert "GET /v1/workspaces/{workspace_id}/audit" in described["description"]
