"""/v1/processes/{process_id}: a background process (an export, a provisioning saga), for
following the progress of what a write started (the Location of POST .../export)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from portal.api import problems
from portal.api.auth import Token
from portal.api.schemas import INT32_MAX, WireInteger
from portal.api.threads import as_actor
from portal.domain.processes import ProcessPublic
from portal.services import processes

router = APIRouter(prefix="/v1/processes", tags=["processes"])


@router.get(
    "/{process_id}",
    response_model=ProcessPublic,
    responses=problems.responses(401, 404, 422),
    operation_id="get_process",
    summary="One process with its steps and progress (read on its workspace)",
)
async def get_process(
    token: Token, process_id: Annotated[int, Path(ge=1, le=INT32_MAX), WireInteger]
) -> ProcessPublic:
    return await as_actor(
        token,
        lambda session, actor: processes.get_process(
            session=session, actor=actor, process_id=process_id
        ),
    )
