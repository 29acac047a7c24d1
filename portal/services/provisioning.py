"""The provisioning saga: every new workspace gets dev, staging and prod environments.

`start` records the saga in the caller's transaction (create_workspace calls it right after
adding the workspace and its three environments); the process worker runs its steps:

    provision dev, provision staging, provision prod, activate workspace

Each step is idempotent (it checks before it writes), so a step rerun after a restart or a
retry changes nothing that is already done. A frozen (or offboarding, read-only) workspace
takes no writes, from workers either: its steps wait (`processes.Paused`) until it is writable
again. A step that keeps failing marks its environment failed with the cause; `retry` in
portal.services.processes re-queues it.
"""

from __future__ import annotations

from sqlmodel import Session, select

from portal.domain.access import Actor
from portal.domain.errors import PortalError
from portal.domain.processes import ProcessKind
from portal.domain.workspaces import EnvironmentName, EnvironmentStatus, WorkspaceStatus
from portal.models import Environment, Process, ProcessStep, Workspace
from portal.services import audit, permissions, processes

KIND = ProcessKind.PROVISION.value
ACTIVATE_STEP = "activate workspace"
_PROVISION_PREFIX = "provision "


def step_names() -> list[str]:
    return [f"{_PROVISION_PREFIX}{name}" for name in EnvironmentName] + [ACTIVATE_STEP]


def start(session: Session, *, workspace: Workspace, actor: Actor | None) -> int:
    """Record a pending provisioning process for `workspace`; returns the process id.

    Runs in the caller's transaction (no commit here). `actor` is who asked for the workspace
    (its creation is audited by the caller); the saga's steps run as the system.
    """
    process = processes.create(
        session,
        kind=KIND,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        subject=workspace.name,
        steps=step_names(),
    )
    return process.id


# --- steps ---------------------------------------------------------------------------------


def _writable_workspace(ctx: processes.StepContext) -> Workspace:
    """The process's workspace, locked for this step's transaction; Paused while it takes no
    writes (frozen, or offboarding and so read-only)."""
    workspace = ctx.session.get(Workspace, ctx.process.workspace_id, with_for_update=True)
    if workspace is None:
        raise RuntimeError("the workspace no longer exists")
    try:
        permissions.require_writable(workspace)
    except PortalError as refused:  # Frozen, ReadOnly
        raise processes.Paused(f"Waiting: {refused.message}") from None
    return workspace


def _environment(session: Session, workspace: Workspace, name: str) -> Environment | None:
    return session.exec(
        select(Environment).where(
            Environment.workspace_id == workspace.id, Environment.name == name
        )
    ).one_or_none()


def _provision(name: str) -> processes.StepFunction:
    def provision_environment(ctx: processes.StepContext) -> None:
        workspace = _writable_workspace(ctx)
        environment = _environment(ctx.session, workspace, name)
        if environment is None:  # created with the workspace; recreate if it went missing
            environment = Environment(workspace_id=workspace.id, name=name)
        if environment.status == EnvironmentStatus.READY:
            return
        environment.status = EnvironmentStatus.READY
        environment.error = None
        environment.ready_at = ctx.now
        ctx.session.add(environment)
        ctx.session.flush()
        audit.record(
            ctx.session,
            actor=None,
            action="environment.ready",
            target_type="environment",
            target_id=environment.id,
            account_id=workspace.account_id,
            workspace_id=workspace.id,
            after={"name": name, "status": EnvironmentStatus.READY},
        )

    provision_environment.__name__ = f"provision_{name}"
    return provision_environment


def activate_workspace(ctx: processes.StepContext) -> None:
    workspace = _writable_workspace(ctx)
    if workspace.status == WorkspaceStatus.PROVISIONING:
        workspace.status = WorkspaceStatus.ACTIVE
        ctx.session.add(workspace)
        audit.record(
            ctx.session,
            actor=None,
            action="workspace.activated",
            target_type="workspace",
            target_id=workspace.id,
            account_id=workspace.account_id,
            workspace_id=workspace.id,
            before={"status": WorkspaceStatus.PROVISIONING},
            after={"status": WorkspaceStatus.ACTIVE},
        )
    elif workspace.status_before == WorkspaceStatus.PROVISIONING and workspace.status in (
        WorkspaceStatus.FROZEN,
        WorkspaceStatus.OFFBOARDING,
    ):
        # Frozen or offboarding meanwhile: unfreeze / restore returns to active. The status
        # itself is never overwritten.
        workspace.status_before = WorkspaceStatus.ACTIVE
        ctx.session.add(workspace)


def _on_failure(session: Session, process: Process, step: ProcessStep, cause: str) -> None:
    """The step gave up: its environment is failed with the cause."""
    if not step.name.startswith(_PROVISION_PREFIX) or process.workspace_id is None:
        return
    workspace = session.get(Workspace, process.workspace_id)
    if workspace is None:
        return
    environment = _environment(session, workspace, step.name.removeprefix(_PROVISION_PREFIX))
    if environment is None:
        return
    before = {"status": environment.status}
    environment.status = EnvironmentStatus.FAILED
    environment.error = cause[:1000]
    session.add(environment)
    audit.record(
        session,
        actor=None,
        action="environment.failed",
        target_type="environment",
        target_id=environment.id,
        account_id=workspace.account_id,
        workspace_id=workspace.id,
        before=before,
        after={
            "name": environment.name,
            "status": EnvironmentStatus.FAILED,
            "error": environment.error,
        },
    )


def _on_retry(session: Session, process: Process, step: ProcessStep) -> None:
    """Retry: a failed environment goes back to provisioning."""
    if process.workspace_id is None:
        return
    for environment in session.exec(
        select(Environment).where(
            Environment.workspace_id == process.workspace_id,
            Environment.status == EnvironmentStatus.FAILED,
        )
    ).all():
        environment.status = EnvironmentStatus.PROVISIONING
        environment.error = None
        session.add(environment)


processes.STEPS[KIND] = {
    **{f"{_PROVISION_PREFIX}{name}": _provision(name) for name in EnvironmentName},
    ACTIVATE_STEP: activate_workspace,
}
processes.ON_FAILURE[KIND] = _on_failure
processes.ON_RETRY[KIND] = _on_retry
