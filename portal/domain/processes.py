"""What the Process Log shows: recorded background processes (sagas, exports, purges)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from portal.domain.dto import DTO


class ProcessKind(StrEnum):
    PROVISION = "provision"
    EXPORT = "export"
    PURGE = "purge"


class ProcessStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def duration_seconds(started_at: datetime | None, finished_at: datetime | None) -> float | None:
    """Seconds from start to finish; None until both are known."""
    if started_at is None or finished_at is None:
        return None
    return round((finished_at - started_at).total_seconds(), 3)


class ProcessStepPublic(DTO):
    position: int
    name: str
    status: str  # pending, running, succeeded, failed
    attempts: int
    next_attempt_at: datetime | None  # set while a retry (or a paused step) waits
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    # The last failure's cause; on a pending step, why it waits (e.g. workspace frozen).
    error: str | None


class ProcessPublic(DTO):
    id: int
    kind: str  # provision, export, purge
    status: str  # pending, running, succeeded, failed
    subject: str
    account_id: int
    workspace_id: str | None  # null for a purge: its workspace is gone
    progress: int  # percent of steps finished
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    steps: list[ProcessStepPublic]
    # Export: entity -> number of rows in the archive; purge: table -> rows deleted.
    counts: dict[str, int] | None = None
    can_retry: bool = False  # failed; an administrator may re-queue it
    downloadable: bool = False  # a finished export whose archive can be downloaded
