"""Envelope encryption of workspace data (Secrets; the Data Vault will use it too).

Three layers:

- the **master key** (32 bytes): PORTAL_MASTER_KEY (base64), or, when that is unset, the key
  file `<data dir>/master.key` (mode 0600), generated on first use. Losing it loses every
  secret: back it up with the database, but not in the same place;
- a **data key** per workspace (32 random bytes), stored wrapped by the master key
  (AES-256-GCM, the workspace id as associated data) in `workspace_data_keys`, with the id of
  the master key that wrapped it (a fingerprint, never the key);
- each **value**, sealed with the workspace's data key (AES-256-GCM, a random 96-bit nonce);
  the caller's associated data (a secret's workspace, environment, name and version) is bound
  to the ciphertext, so a ciphertext copied into another row does not open.

Master-key rotation (`python -m portal rotate-master-key`, `rotate_master_key` below) re-wraps
the data keys only; no value is touched. It is resumable at every step:

1. the new key is written first, durably, to `<data dir>/master.key.next`. From then on new
   data keys are wrapped with it, and every process can open keys wrapped by either key;
2. the data keys are re-wrapped in small committed batches; a row says which key wraps it,
   so a rerun picks up where an interrupted one stopped;
3. in key-file mode, the old key is kept as `master.key.retired-<id>`, and `master.key.next`
   then atomically replaces `master.key`. With PORTAL_MASTER_KEY, the operator sets it to the
   new key and restarts; `master.key.next` keeps the data readable until then.

A key stays readable as long as its file is there: retired keys can be deleted once the
backups taken before the rotation have expired.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Session, col, select

from portal.config import get_settings
from portal.models import WorkspaceDataKey
from portal.models._base import utcnow

KEY_BYTES = 32
NONCE_BYTES = 12
_VERSION = "v1:"
KEY_FILE = "master.key"
NEXT_KEY_FILE = "master.key.next"
RETIRED_PREFIX = "master.key.retired-"
REWRAP_BATCH = 100


class KeyUnavailable(RuntimeError):
    """A data key wrapped by a master key this server does not have. A server fault (the
    operator's to fix), never the user's; the message names the key's id only."""


class Undecryptable(RuntimeError):
    """A sealed value that does not open: tampered with, or moved to another row."""


@dataclass(frozen=True)
class MasterKey:
    material: bytes = field(repr=False)

    @property
    def id(self) -> str:
        """A fingerprint that names the key in the database without revealing it."""
        return hashlib.sha256(b"portal master key id v1\x00" + self.material).hexdigest()[:16]


# Master keys --------------------------------------------------------------------------------


def _data_dir() -> Path:
    return get_settings().data_dir


def key_file() -> Path:
    return _data_dir() / KEY_FILE


def next_key_file() -> Path:
    return _data_dir() / NEXT_KEY_FILE


def _decode(text: str, where: str) -> MasterKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyUnavailable(f"{where} does not hold base64 of {KEY_BYTES} bytes.")
    return MasterKey(raw)


def read_key_file(path: Path) -> MasterKey:
    return _decode(path.read_text(encoding="ascii"), str(path))


def write_key_file(path: Path, key: MasterKey, *, replace: bool = False) -> None:
    """Write `key` to `path` (mode 0600), durably: a temporary file, fsynced, then linked
    into place (refused if `path` exists, unless `replace`), and the folder fsynced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(handle, base64.b64encode(key.material) + b"\n")
        os.fsync(handle)
    finally:
        os.close(handle)
    try:
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # atomic; FileExistsError when another process won
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be fsynced
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def configured_master_key(*, generate: bool = False) -> MasterKey | None:
    """PORTAL_MASTER_KEY, else the key file; None when there is neither (the key file is
    made, when `generate`, by the first data key)."""
    configured = get_settings().master_key
    if configured is not None:
        return _decode(configured.get_secret_value(), "PORTAL_MASTER_KEY")
    path = key_file()
    if not path.exists():
        if not generate:
            return None
        with contextlib.suppress(FileExistsError):  # two processes at once: one file wins
            write_key_file(path, MasterKey(secrets.token_bytes(KEY_BYTES)))
    return read_key_file(path)


def wrapping_key(session: Session) -> MasterKey:
    """The key a new data key is wrapped with: a rotation's new key while one is under way,
    else the configured one. The key file is generated only while no data key exists: one
    missing after that was lost, and a fresh key would hide that until a restore from backup
    had two keys to reconcile."""
    staged = next_key_file()
    if staged.exists():
        return read_key_file(staged)
    current = configured_master_key()
    if current is not None:
        return current
    if session.exec(select(WorkspaceDataKey.id).limit(1)).first() is not None:
        raise KeyUnavailable(
            f"The master key file ({key_file()}) is missing but workspaces have data keys: "
            "restore it from a backup, or set PORTAL_MASTER_KEY."
        )
    return configured_master_key(generate=True)


def known_master_keys() -> dict[str, MasterKey]:
    """Every master key this server can open data keys with, by id: the configured one, a
    rotation's new one, and retired ones still kept."""
    current = configured_master_key()
    keys = [current] if current is not None else []
    folder = _data_dir()
    paths = [next_key_file()]
    if folder.is_dir():
        paths += sorted(folder.glob(RETIRED_PREFIX + "*"))
    keys += [read_key_file(path) for path in paths if path.is_file()]
    return {key.id: key for key in keys}


# AES-256-GCM ----------------------------------------------------------------------------------


def _seal(key: bytes, plaintext: bytes, associated: bytes) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext, associated)
    return _VERSION + base64.b64encode(nonce + sealed).decode("ascii")


def _open(key: bytes, sealed: str, associated: bytes) -> bytes:
    if not sealed.startswith(_VERSION):
        raise Undecryptable("not a sealed value")
    try:
        raw = base64.b64decode(sealed[len(_VERSION) :], validate=True)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated)
    except (InvalidTag, binascii.Error, ValueError):
        # `from None`: nothing of the ciphertext or the key in the chain.
        raise Undecryptable("the sealed value does not open with this key and row") from None


def _workspace_bytes(workspace_id: uuid.UUID) -> bytes:
    return b"portal data key v1\x00" + str(workspace_id).encode()


def wrap(data_key: bytes, master: MasterKey, workspace_id: uuid.UUID) -> str:
    return _seal(master.material, data_key, _workspace_bytes(workspace_id))


def unwrap(wrapped: str, master: MasterKey, workspace_id: uuid.UUID) -> bytes:
    return _open(master.material, wrapped, _workspace_bytes(workspace_id))


def associated_data(*parts: str) -> bytes:
    """Associated data from the row's identity: parts joined unambiguously."""
    return b"\x00".join(part.encode("utf-8") for part in parts)


def seal(data_key: bytes, plaintext: str, associated: bytes) -> str:
    return _seal(data_key, plaintext.encode("utf-8"), associated)


def open_sealed(data_key: bytes, sealed: str, associated: bytes) -> str:
    return _open(data_key, sealed, associated).decode("utf-8")


# Data keys ------------------------------------------------------------------------------------


def _row(session: Session, workspace_id: uuid.UUID) -> WorkspaceDataKey | None:
    return session.exec(
        select(WorkspaceDataKey).where(WorkspaceDataKey.workspace_id == workspace_id)
    ).first()


def _unwrap_row(row: WorkspaceDataKey, keys: dict[str, MasterKey]) -> bytes:
    master = keys.get(row.master_key_id)
    if master is None:
        raise KeyUnavailable(
            f"The workspace's data key is wrapped by master key {row.master_key_id}, which "
            "this server does not have: set PORTAL_MASTER_KEY or restore the key file "
            f"({KEY_FILE}) from a backup."
        )
    return unwrap(row.wrapped_key, master, row.workspace_id)


def data_key(session: Session, workspace_id: uuid.UUID, *, create: bool) -> bytes | None:
    """The workspace's data key, unwrapped; made (and stored wrapped) on first use when
    `create`, else None when the workspace has none yet."""
    row = _row(session, workspace_id)
    if row is None:
        if not create:
            return None
        key = secrets.token_bytes(KEY_BYTES)
        master = wrapping_key(session)
        session.add(
            WorkspaceDataKey(
                workspace_id=workspace_id,
                wrapped_key=wrap(key, master, workspace_id),
                master_key_id=master.id,
            )
        )
        session.flush()
        return key
    return _unwrap_row(row, known_master_keys())


# Rotation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rotation:
    new_key_id: str
    old_key_id: str
    rewrapped: int
    key_file: Path | None  # where the new key now is (key-file mode)
    retired_file: Path | None  # where the old key is kept (key-file mode)
    pending_file: Path | None  # PORTAL_MASTER_KEY mode: the new key, until the operator sets it


class RotationRefused(RuntimeError):
    """The rotation cannot start as asked; the message says why and what to do."""


def _stage(new: MasterKey | None) -> MasterKey:
    """The rotation's new key, written to master.key.next before any data key changes: the
    one an interrupted rotation left there, or `new`, or a fresh random key."""
    staged = next_key_file()
    if staged.exists():
        pending = read_key_file(staged)
        if new is not None and new.id != pending.id:
            raise RotationRefused(
                f"A rotation to master key {pending.id} is under way ({staged}). Run "
                "rotate-master-key without --new-key-file to finish it first."
            )
        return pending
    new = new or MasterKey(secrets.token_bytes(KEY_BYTES))
    write_key_file(staged, new)
    return new


def rewrap_all(
    new: MasterKey,
    *,
    transaction: Callable[[], contextlib.AbstractContextManager[Session]],
    keys: dict[str, MasterKey],
) -> int:
    """Re-wrap every data key not yet wrapped by `new`, REWRAP_BATCH per transaction."""
    done = 0
    while True:
        with transaction() as session:
            rows = session.exec(
                select(WorkspaceDataKey)
                .where(WorkspaceDataKey.master_key_id != new.id)
                .order_by(col(WorkspaceDataKey.id))
                .limit(REWRAP_BATCH)
            ).all()
            for row in rows:
                plain = _unwrap_row(row, keys)
                row.wrapped_key = wrap(plain, new, row.workspace_id)
                row.master_key_id = new.id
                row.rewrapped_at = utcnow()
                session.add(row)
            done += len(rows)
        if len(rows) < REWRAP_BATCH:
            return done


def rotate_master_key(
    *,
    transaction: Callable[[], contextlib.AbstractContextManager[Session]],
    new: MasterKey | None = None,
) -> Rotation:
    """Re-wrap every workspace's data key with a new master key (`new`, or a fresh one);
    see the module's docstring for the steps and why an interruption loses nothing."""
    old = configured_master_key()
    if old is None:
        raise RotationRefused(
            f"There is no master key yet (neither PORTAL_MASTER_KEY nor {key_file()}): "
            "Portal makes one with the first secret, and there is nothing to re-wrap."
        )
    if new is not None and new.id == old.id:
        raise RotationRefused("That is the current master key; give a new one.")
    new = _stage(new)
    keys = known_master_keys()
    rewrapped = rewrap_all(new, transaction=transaction, keys=keys)
    if get_settings().master_key is not None:
        # The operator owns the setting: until it holds the new key, the staged file serves.
        return Rotation(new.id, old.id, rewrapped, None, None, next_key_file())
    retired = _data_dir() / f"{RETIRED_PREFIX}{old.id}"
    if old.id != new.id and not retired.exists():
        write_key_file(retired, old)
    os.replace(next_key_file(), key_file())  # atomic: master.key is always one whole key
    _sync_folder(_data_dir())
    return Rotation(new.id, old.id, rewrapped, key_file(), retired, None)
