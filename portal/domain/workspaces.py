"""The words of a workspace: its statuses, tenancy models and environments.

StrEnums, so a member is the string stored in the column and sent in JSON ("active" ==
WorkspaceStatus.ACTIVE). Columns stay plain strings; the models' defaults, the services, the
API's schemas, badges and page filters all take their values from here.
"""

from __future__ import annotations

from enum import StrEnum


class WorkspaceStatus(StrEnum):
    PROVISIONING = "provisioning"  # created; its provisioning saga runs
    ACTIVE = "active"
    FROZEN = "frozen"  # reads only, until an administrator unfreezes it
    OFFBOARDING = "offboarding"  # read-only in its hard-delete window
    DELETED = "deleted"  # purged or about to be: gone for everyone


# What lists, filters and the API show; a deleted workspace is never shown.
VISIBLE_STATUSES: tuple[WorkspaceStatus, ...] = (
    WorkspaceStatus.PROVISIONING,
    WorkspaceStatus.ACTIVE,
    WorkspaceStatus.FROZEN,
    WorkspaceStatus.OFFBOARDING,
)


class TenancyModel(StrEnum):
    SHARED = "shared"
    DEDICATED = "dedicated"


class EnvironmentName(StrEnum):
    """Every workspace gets these, provisioned and shown in this order."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class EnvironmentStatus(StrEnum):
    PROVISIONING = "provisioning"
    READY = "ready"
    FAILED = "failed"
