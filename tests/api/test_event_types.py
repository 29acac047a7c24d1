"""GET /v1/event-types: the event catalog, public like the scope catalog."""

from __future__ import annotations

from fastapi.testclient import TestClient

from portal.domain.developer import EVENT_CATEGORIES
from portal.domain.events import EVENT_CATALOG, EventType


def test_the_event_catalog_is_served_without_a_token(client: TestClient) -> None:
    response = client.get("/v1/event-types")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    items = response.json()["items"]
    assert [item["type"] for item in items] == [kind.value for kind in EventType]
    by_type = {item["type"]: item for item in items}
    for kind, info in EVENT_CATALOG.items():
        item = by_type[kind.value]
        assert item["category"] == info.category and item["category"] in EVENT_CATEGORIES
        assert item["data_types"] == list(info.data_types)
        assert item["description"] == info.description
        assert item["example"]["type"] == kind.value
        assert item["example"]["data"] == info.example
    assert by_type["session.created"]["endpoint_category"] == "sign_in"
    assert by_type["workspace.frozen"]["endpoint_category"] is None
    # The lifecycle events: workspace-wide ones for installed apps, the TOTP one per app too.
    for kind in ("app.created", "app.deleted", "workspace.offboarded", "workspace.restored"):
        assert by_type[kind]["endpoint_category"] is None, kind
    assert by_type["app.deleted"]["category"] == "apps"
    assert by_type["workspace.restored"]["category"] == "workspace"
    assert by_type["end_user.totp_enrolled"]["category"] == "end_users"
    assert by_type["end_user.totp_enrolled"]["endpoint_category"] == "end_user"


def test_the_event_catalog_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/v1/openapi.json").json()["paths"]
    assert "EventTypeCatalog" in str(paths["/v1/event-types"])
