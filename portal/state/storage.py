"""Where Reflex keeps each tab's state on the server, readable by Portal's own user only.

Without Redis, Reflex 0.10 keeps states in memory and pickles them under `.states/`
(`reflex.istate.manager.disk.StateManagerDisk`, the default `state_manager_mode`), one file per
tab and state class, written with the process umask: mode 0644 in a 0755 directory on most
machines. Those pickles hold whatever the states hold, and Reflex's router data, which carries
the websocket handshake's headers, cookie included. So Portal's states are kept in a
directory only its own user can enter (0700), in files only it can read (0600):
`PrivateStateManagerDisk` is StateManagerDisk with those modes, put in place by
`use_private_state_files(app)` right after `rx.App(...)` is made (Reflex creates its state
manager inside `App.__post_init__` and has no setting for a state manager class or file mode).

A process-wide `os.umask(0o077)` would do the same for state files but also for everything
else the process writes (the frontend build a web server may have to read), so it is not used.

With Redis (REDIS_URL), states live in Redis under expiring keys and nothing is written here.
Secrets shown once never reach any of these places: see portal/state/secrets.py.
"""

from __future__ import annotations

import os
from pathlib import Path, PosixPath

from reflex.istate.manager.disk import StateManagerDisk
from reflex.istate.manager.token import StateToken

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


class _PrivateFile(PosixPath):
    """A state file that is created 0600 (and made 0600 if an older one was not)."""

    def write_bytes(self, data) -> int:  # type: ignore[override]
        fd = os.open(self, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), FILE_MODE)
            return file.write(data)


def protect(directory: Path) -> None:
    """Make `directory` 0700 and every file in it 0600 (state files written before)."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, DIRECTORY_MODE)
    for path in directory.iterdir():
        if path.is_file():
            os.chmod(path, FILE_MODE)


class PrivateStateManagerDisk(StateManagerDisk):
    """Reflex's disk state manager, with its directory 0700 and its files 0600."""

    def __post_init__(self):
        super().__post_init__()
        protect(self.states_directory)

    def token_path(self, token: StateToken) -> Path:
        return _PrivateFile(super().token_path(token))

    async def set_state_for_substate(self, token, substate):
        if not self.states_directory.exists():
            protect(self.states_directory)  # deleted while running: made again, 0700
        await super().set_state_for_substate(token, substate)


def use_private_state_files(app) -> None:
    """Swap the app's disk state manager for the private one (before it serves a request).

    Memory and Redis state managers are left alone: they write no files."""
    manager = app._state_manager
    if type(manager) is StateManagerDisk:
        app._state_manager = PrivateStateManagerDisk(token_expiration=manager.token_expiration)
