"""The coderunner integration: list a workspace's runners from its HTTP API.

Configured with PORTAL_CODERUNNER_URL (and PORTAL_CODERUNNER_TOKEN, sent as a Bearer token).
Portal calls GET {url}/v1/workspaces/{workspace_id}/runners and expects
{"items": [{"id", "name", "status", "last_seen_at"?}]}. An integration that is down or answers
nonsense is reported on the page, never raised: the rest of the workspace page still works.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from portal.config import get_settings
from portal.domain.access import Action, Actor
from portal.domain.dto import CoderunnerList, CoderunnerPublic
from portal.services import permissions

TIMEOUT_SECONDS = 3.0
# Tests swap in an httpx.MockTransport; None means the network.
transport: httpx.BaseTransport | None = None


class _RunnerPage(BaseModel):
    items: list[CoderunnerPublic]


def list_runners(*, session: Session, actor: Actor, workspace_id: str) -> CoderunnerList:
    """Read on the workspace; an empty list with no error when the integration is not set up.

    The permission check uses the caller's transaction; the HTTP call does not touch it.
    """
    workspace = permissions.require(session, actor, Action.VIEW_WORKSPACE, workspace_id)
    settings = get_settings()
    if not settings.coderunner_url:
        return CoderunnerList()
    headers = {"Accept": "application/json"}
    if settings.coderunner_token:
        headers["Authorization"] = f"Bearer {settings.coderunner_token.get_secret_value()}"
    url = f"{settings.coderunner_url}/v1/workspaces/{workspace.id}/runners"
    try:
        with httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS) as client:
            response = client.get(url, headers=headers)
        response.raise_for_status()
        page = _RunnerPage.model_validate(response.json())
    except httpx.HTTPStatusError as exc:
        return CoderunnerList(
            error=f"The coderunner integration answered {exc.response.status_code}."
        )
    except httpx.HTTPError as exc:
        return CoderunnerList(error=f"The coderunner integration did not answer ({exc}).")
    except (ValueError, ValidationError):
        return CoderunnerList(error="The coderunner integration sent a list Portal cannot read.")
    return CoderunnerList(runners=page.items)
