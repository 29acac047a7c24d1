"""Files of a workspace and their versions.

The bytes are in the file store (portal/services/file_storage.py: the data directory or an
S3-compatible bucket) under each version's `stored_as`; the rows hold what a list and a
download need: path, size, content type read from the bytes, SHA-256, who uploaded it and
when. A file's row carries its current version's facts, so a list reads one table.
"""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models._base import EXTEND, utcnow

_FACTS = ("size", "content_type", "sha256")


class WorkspaceFile(SQLModel, table=True):
    """A path in a workspace's Files; `version` is its current version."""

    __tablename__ = "files"
    # The unique key is also the list's order (path) within a workspace.
    __table_args__ = (UniqueConstraint("workspace_id", "path"), EXTEND)
    __not_secret__ = (
        "id",
        "workspace_id",
        "path",
        "name",
        "version",
        *_FACTS,
        "created_at",
        "updated_at",
        "updated_by",
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    path: str = Field(max_length=512)  # room beyond domain.files.PATH_MAX_CHARS
    name: str = Field(max_length=512)  # the path's last part, for search
    version: int = 1
    size: int = Field(sa_type=BigInteger)
    content_type: str = Field(max_length=127)
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=320)  # the actor's label


class FileVersion(SQLModel, table=True):
    """Every content a file has had; an upload to an existing path adds one."""

    __tablename__ = "file_versions"
    __table_args__ = (UniqueConstraint("file_id", "version"), EXTEND)
    __not_secret__ = (
        "id",
        "file_id",
        "version",
        *_FACTS,
        "stored_as",
        "created_at",
        "created_by",
    )

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="files.id", ondelete="CASCADE")
    version: int
    size: int = Field(sa_type=BigInteger)
    content_type: str = Field(max_length=127)
    sha256: str = Field(max_length=64)
    # Where the bytes are in the file store: "<workspace id>/<random hex>", never reused.
    stored_as: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(default="", max_length=320)
