"""The OpenAPI document at /v1/openapi.json, and schemathesis run against it in-process.

Schemathesis generates requests from the document for every operation and checks that none is
a server error and that every response (status, content type, headers, body) is one the
document declares. Each generated request is sent as generated and, where it names a
workspace, once more against a real workspace of the token's owner, so successful responses
are checked too, not only 404s. Kept small (a few examples per operation) to stay fast.

`make test` (SQLite) runs the document's examples and the fuzzing phase. The coverage phase
(every boundary and every invalid value the document implies for each parameter, about 3,000
requests, two thirds of this file's time) runs in the PostgreSQL pass (`make test-postgres`,
which CI runs after `make test`): the API code under test is the same on both databases.
"""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Callable

import schemathesis
import schemathesis.pytest._test_builder as schemathesis_test_builder
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks
from schemathesis.core.parameters import ParameterLocation

from portal.services.api_tokens import IDEMPOTENCY_KEY_MAX
from tests.api_app import shared_api

# Every check schemathesis has (`--checks all`): besides the response's conformance, data the
# document calls valid is accepted and data it calls invalid refused, an undocumented method is
# a 405 with Allow, a missing required header refused, and so on.
load_all_checks()
CHECKS = REGISTERED_CHECKS.get_all()

EXPECTED_OPERATIONS = {
    ("GET", "/v1/workspaces"),
    ("POST", "/v1/workspaces"),
    ("GET", "/v1/workspaces/{workspace_id}"),
    ("PATCH", "/v1/workspaces/{workspace_id}"),
    ("GET", "/v1/workspaces/{workspace_id}/environments"),
    ("GET", "/v1/workspaces/{workspace_id}/audit"),
    ("POST", "/v1/workspaces/{workspace_id}/freeze"),
    ("POST", "/v1/workspaces/{workspace_id}/unfreeze"),
    ("POST", "/v1/workspaces/{workspace_id}/export"),
    ("POST", "/v1/workspaces/{workspace_id}/offboard"),
    ("POST", "/v1/workspaces/{workspace_id}/restore"),
    ("GET", "/v1/workspaces/{workspace_id}/environments/{environment}/secrets"),
    ("PUT", "/v1/workspaces/{workspace_id}/environments/{environment}/secrets/{name}"),
    ("DELETE", "/v1/workspaces/{workspace_id}/environments/{environment}/secrets/{name}"),
    ("POST", "/v1/workspaces/{workspace_id}/environments/{environment}/secrets/{name}/reveal"),
    ("GET", "/v1/workspaces/{workspace_id}/files"),
    ("POST", "/v1/workspaces/{workspace_id}/files"),
    ("PUT", "/v1/workspaces/{workspace_id}/files/{path}"),
    ("GET", "/v1/workspaces/{workspace_id}/files/{path}"),
    ("DELETE", "/v1/workspaces/{workspace_id}/files/{path}"),
    ("POST", "/v1/workspaces/{workspace_id}/file-moves"),
    ("GET", "/v1/workspaces/{workspace_id}/file-versions"),
    ("GET", "/v1/workspaces/{workspace_id}/file-links"),
    ("GET", "/v1/file-links/{token}"),
    ("GET", "/v1/workspaces/{workspace_id}/vault"),
    ("POST", "/v1/workspaces/{workspace_id}/vault"),
    ("GET", "/v1/workspaces/{workspace_id}/vault/{collection}"),
    ("GET", "/v1/workspaces/{workspace_id}/vault/{collection}/records"),
    ("POST", "/v1/workspaces/{workspace_id}/vault/{collection}/records"),
    ("POST", "/v1/workspaces/{workspace_id}/vault/{collection}/search"),
    ("GET", "/v1/workspaces/{workspace_id}/vault/{collection}/records/{token}"),
    ("PATCH", "/v1/workspaces/{workspace_id}/vault/{collection}/records/{token}"),
    ("DELETE", "/v1/workspaces/{workspace_id}/vault/{collection}/records/{token}"),
    ("GET", "/v1/processes/{process_id}"),
    ("GET", "/v1/health"),
    ("GET", "/v1/schemas/manifest.json"),
    ("GET", "/v1/scopes"),
    ("GET", "/v1/event-types"),
    ("POST", "/v1/oauth/token"),
}
# The data plane: an app's secret key, not a person's token.
DATA_PLANE_OPERATIONS = {
    ("GET", "/v1/organizations"),
    ("POST", "/v1/organizations"),
    ("GET", "/v1/organizations/{organization_id}"),
    ("PATCH", "/v1/organizations/{organization_id}"),
    ("DELETE", "/v1/organizations/{organization_id}"),
    ("GET", "/v1/organizations/{organization_id}/members"),
    ("PUT", "/v1/organizations/{organization_id}/members/{end_user_id}"),
    ("DELETE", "/v1/organizations/{organization_id}/members/{end_user_id}"),
    ("GET", "/v1/end-users"),
    ("POST", "/v1/end-users"),
    ("GET", "/v1/end-users/{end_user_id}"),
    ("PATCH", "/v1/end-users/{end_user_id}"),
    ("DELETE", "/v1/end-users/{end_user_id}"),
    ("POST", "/v1/end-users/{end_user_id}/totp"),
    ("POST", "/v1/end-users/{end_user_id}/sign-ins"),
    ("POST", "/v1/sign-ins/magic-link"),
}
DATA_PLANE_PATHS = {path for _, path in DATA_PLANE_OPERATIONS}
VAULT_PATHS = "/v1/workspaces/{workspace_id}/vault"


def test_the_document_lists_exactly_the_api(client):
    document = client.get("/v1/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "put", "delete"}
    }
    assert operations == EXPECTED_OPERATIONS | DATA_PLANE_OPERATIONS
    schemes = document["components"]["securitySchemes"]
    assert schemes["personalAccessToken"]["scheme"] == "bearer"
    assert schemes["appSecretKey"]["scheme"] == "bearer"


def test_every_operation_documents_its_response_and_problems(client):
    document = client.get("/v1/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path in (
                "/v1/health",
                "/v1/schemas/manifest.json",
                "/v1/scopes",
                "/v1/event-types",
                "/v1/oauth/token",
            ):
                # Public documents (no token, no resource to miss), and the OAuth token
                # endpoint, whose errors are RFC 6749's, not problem documents.
                continue
            if path == "/v1/workspaces/{workspace_id}/files/{path}" and method == "get":
                # A download: the file's bytes, not JSON.
                assert "application/octet-stream" in operation["responses"]["200"]["content"]
                assert operation["security"] == [{"personalAccessToken": []}]
                continue
            if path == "/v1/file-links/{token}":
                # A signed link's download: the link is the credential, so no token.
                assert "application/octet-stream" in operation["responses"]["200"]["content"]
                assert "security" not in operation and "404" in operation["responses"]
                continue
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            data_plane = path in DATA_PLANE_PATHS
            if (data_plane or method == "delete") and success == ["204"]:
                assert "content" not in responses["204"], (method, path)
            elif data_plane and path.endswith("/sign-ins"):  # a session (201) or a mail (202)
                assert success == ["201", "202"], (method, path)
            else:
                assert len(success) == 1, (method, path)
                schema = responses[success[0]]["content"]["application/json"]["schema"]
                assert "$ref" in str(schema), (method, path)
            for code in ("401", "404", "422"):
                content = responses[code]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)
                assert content["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
            if data_plane:
                assert operation["security"] == [{"appSecretKey": []}], (method, path)
                if method in ("post", "patch", "put", "delete"):
                    assert {"403", "409"} <= set(responses), (method, path)
                continue
            if path.startswith(VAULT_PATHS) and not (path.endswith("/vault") and method == "post"):
                # The customer's product calls the vault with an app's key, a person with a
                # token (creating a collection is a person's alone).
                assert operation["security"] == [
                    {"personalAccessToken": []},
                    {"appSecretKey": []},
                ], (method, path)
            else:
                assert operation["security"] == [{"personalAccessToken": []}], (method, path)
            if path.endswith("/search"):
                # A search reads (allowed while frozen); its value is in the body, not the URL.
                assert "403" in responses and "409" not in responses, (method, path)
                continue
            if path.endswith("/reveal"):
                # A reveal reads (allowed while frozen: no 409) and its answer holds a value,
                # which is never stored for a replay: no Idempotency-Key.
                assert "403" in responses and "409" not in responses, (method, path)
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" not in names, (method, path)
            elif method in ("post", "patch", "put", "delete"):
                assert {"403", "409"} <= set(responses), (method, path)
                names = [p["name"] for p in operation.get("parameters", [])]
                if method != "delete":  # deleting twice is a 404, nothing to replay
                    assert "Idempotency-Key" in names, (method, path)


# Schemathesis ---------------------------------------------------------------------------------


def _built_when_run(build: Callable) -> Callable:
    """Schemathesis' pytest plugin builds each operation's test as it collects it, and its
    coverage phase draws all of its examples then: about 7 s of each xdist worker's start, in
    every worker, though one runs each test. This builds it when the test runs instead, in the
    worker that runs it, with the same settings, examples and checks."""

    def lazy(**arguments) -> Callable:
        built: list[Callable] = []

        def test(*args, **kwargs):
            if not built:
                built.append(build(**arguments))
                # What the plugin reads back after the run (the operation, the marks for an
                # unsatisfiable or unserializable example) lives on the built test.
                vars(test).update(vars(built[0]))
            return built[0](*args, **kwargs)

        # The fixtures pytest passes in: the test's own arguments but `case`, which
        # hypothesis draws (as on the test the plugin would have built).
        signature = inspect.signature(arguments["test_func"])
        test.__signature__ = signature.replace(
            parameters=[p for name, p in signature.parameters.items() if name != "case"]
        )
        test.__name__ = arguments["test_func"].__name__
        return test

    return lazy


schemathesis_test_builder.build_operation_test = _built_when_run(
    schemathesis_test_builder.build_operation_test
)

# Loading the document needs no database: the app reads DATABASE_URL per request, and each
# test's `world` fixture points it at a fresh one.
schema = schemathesis.openapi.from_asgi("/v1/openapi.json", shared_api())
PHASES = ["examples", "fuzzing"]
if os.environ.get("PORTAL_TEST_DATABASE") == "postgresql":
    PHASES.append("coverage")
schema.config.phases.update(phases=PHASES)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_documented_contract(case, world):
    if case.operation.path in DATA_PLANE_PATHS:
        case.call_and_validate(headers=world.app_key, checks=CHECKS)
        return
    _own_key(case)
    case.call_and_validate(headers=world.alice, checks=CHECKS)
    if "workspace_id" in (case.path_parameters or {}) and not _path_is_negative(case):
        case.path_parameters = {**case.path_parameters, "workspace_id": world.workspace}
        _own_key(case)
        case.call_and_validate(headers=world.alice, checks=CHECKS)


def _path_is_negative(case) -> bool:
    """Whether the case was generated to break its path parameters (e.g. a workspace_id that is
    no UUID): then the real workspace's id would make it a valid request, which its checks
    would still judge as one the server must refuse."""
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    return path is not None and path.mode.is_negative


def _own_key(case) -> None:
    """A valid generated Idempotency-Key made unique to this request, as a client makes one
    per request: the examples share one database, and the same key sent again with another
    request is a 409 conflict (see test_idempotency.py), which would stand in for the
    response this request is meant to check. An invalid key stays as
    generated, so the header's own checks still run."""
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if key and len(key) <= IDEMPOTENCY_KEY_MAX and key.isprintable():
        unique = f"{key[: IDEMPOTENCY_KEY_MAX - 33]}-{uuid.uuid4().hex}"
        case.headers = {**headers, "Idempotency-Key": unique}
