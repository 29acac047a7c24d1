"""DTOs services return. No secrets, no ORM rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class _DTO(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class UserPublic(_DTO):
    id: int
    email: str
    name: str
    is_platform_admin: bool
    created_at: datetime


class SignedIn(_DTO):
    """A new session. `token` goes to the browser once; the server keeps only its hash."""

    token: str
    user: UserPublic


class SessionPublic(_DTO):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str
    user_agent: str
    is_current: bool = False


class AccountSummary(_DTO):
    id: int
    name: str
    permission: str  # the strongest the actor holds on it


class WorkspaceSummary(_DTO):
    id: str  # the workspace UUID
    name: str
    slug: str
    account_id: int
    account_name: str
    status: str


class EmailPublic(_DTO):
    id: int
    to_address: str
    subject: str
    body: str
    sent_at: datetime


class DeveloperTermsStatus(_DTO):
    current_version: str
    accepted_version: str | None
    accepted_at: datetime | None

    @property
    def accepted(self) -> bool:
        return self.accepted_version == self.current_version
