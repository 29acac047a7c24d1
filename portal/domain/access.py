"""What a page or an event handler needs before it may run."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Requirement(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    DEVELOPER_TERMS = "developer_terms"  # signed in and the current terms accepted
    PLATFORM_ADMIN = "platform_admin"


class Permission(StrEnum):
    READ = "read"
    ADMINISTER = "administer"


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as the server saw it."""

    ip_address: str = ""
    user_agent: str = ""


class ActorKind(StrEnum):
    USER = "user"  # a person in the browser (a session)
    TOKEN = "token"  # noqa: S105 - a personal access token on the /v1 API


@dataclass(frozen=True)
class Actor:
    """Who is acting, resolved on the server from a session or a token. Never built from
    client input. `client` is where the request came from, for the audit trail."""

    user_id: int
    email: str
    name: str
    is_platform_admin: bool
    session_id: int | None = None
    kind: ActorKind = ActorKind.USER
    token_id: int | None = None
    token_name: str = ""
    client: ClientInfo = field(default_factory=ClientInfo)
