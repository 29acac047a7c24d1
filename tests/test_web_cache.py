"""scripts/web_cache.py: a new checkout's .web from the saved one with the same packages."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from scripts import web_cache


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout whose .web has installed packages, a build and the app's compiled pages."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "one"
    (root / "reflex.lock").mkdir(parents=True)
    (root / "reflex.lock" / "package-lock.json").write_text('{"lockfileVersion": 3}')
    web = root / ".web"
    (web / "node_modules" / "react").mkdir(parents=True)
    (web / "node_modules" / "react" / "index.js").write_text("module.exports = 1")
    (web / "node_modules" / ".package-lock.json").write_text('{"packages": {}}')
    (web / "build").mkdir()
    (web / "build" / "index.html").write_text("<html>")
    (web / "app").mkdir()
    (web / "app" / "page.js").write_text("page")
    (web / "package.json").write_text("{}")
    return root


def _new_checkout_of(root: Path, name: str) -> Path:
    other = root.parent / name
    (other / "reflex.lock").mkdir(parents=True)
    for path in (root / "reflex.lock").iterdir():
        (other / "reflex.lock" / path.name).write_bytes(path.read_bytes())
    return other


def test_a_saved_web_fills_a_new_checkout_with_linked_packages(checkout):
    assert web_cache.save(checkout)
    assert not web_cache.save(checkout)  # kept once
    other = _new_checkout_of(checkout, "two")
    assert web_cache.restore(other)
    web = other / ".web"
    package = web / "node_modules" / "react" / "index.js"
    assert package.read_text() == "module.exports = 1"
    assert package.stat().st_ino == (checkout / ".web/node_modules/react/index.js").stat().st_ino
    # npm rewrites its record in place: each checkout has its own.
    record = web / "node_modules" / ".package-lock.json"
    assert record.read_text() == '{"packages": {}}' and record.stat().st_nlink == 1
    assert (web / "app" / "page.js").read_text() == "page"
    assert (web / "app" / "page.js").stat().st_nlink == 1  # copied: Reflex rewrites it
    assert not (web / "build").exists()  # built again on every start
    assert {p.name for p in other.iterdir()} == {"reflex.lock", ".web"}  # no staging left


def test_restore_leaves_an_existing_web_and_other_packages_alone(checkout):
    web_cache.save(checkout)
    assert not web_cache.restore(checkout)  # it has one
    other = _new_checkout_of(checkout, "two")
    (other / "reflex.lock" / "package-lock.json").write_text('{"lockfileVersion": 3, "x": 1}')
    assert not web_cache.restore(other)  # other packages: npm installs them
    assert not (other / ".web").exists()


def test_only_the_newest_saved_copies_are_kept(checkout):
    keys = []
    for number in range(web_cache.KEEP + 1):
        (checkout / "reflex.lock" / "package-lock.json").write_text(f'{{"n": {number}}}')
        assert web_cache.save(checkout)
        keys.append(web_cache.key(checkout))
    kept = {p.name for p in web_cache.cache_root().iterdir()}
    assert kept == set(keys[1:])


def _payload(npm: Path) -> str:
    """The payload of Reflex's record of installed packages, naming `npm` as Reflex does."""
    return f"['react@19'],[],True,[{str(npm)!r}],[('vite', '8.3.4')]"


def _packages_record(root: Path, npm: Path | None = None) -> Path:
    """Reflex's record of what it installed in root/.web, as Reflex writes it (a pickled
    payload and value), naming `npm` (root's own by default)."""
    record = root / ".web" / web_cache.PACKAGES_RECORD
    record.write_bytes(pickle.dumps((_payload(npm or root / ".venv" / "bin" / "npm"), None)))
    return record


def _read_record(root: Path) -> tuple:
    with (root / ".web" / web_cache.PACKAGES_RECORD).open("rb") as file:
        return web_cache._PlainData(file).load()


def test_the_record_of_installed_packages_names_the_new_checkouts_npm(checkout):
    """Otherwise Reflex sees another package manager and installs every package again."""
    _packages_record(checkout)
    web_cache.save(checkout)
    other = _new_checkout_of(checkout, "two")
    assert web_cache.restore(other)
    payload, value = _read_record(other)
    assert payload == _payload(other / ".venv" / "bin" / "npm")
    assert value is None
    assert not (other / ".web" / web_cache.SAVED_FROM).exists()  # beside the copy only
    # The saving checkout's own record is untouched.
    saved, _ = _read_record(checkout)
    assert str(checkout / ".venv/bin/npm") in saved


def test_a_record_that_is_not_plain_data_is_left_for_reflex(checkout):
    """A record naming a class is never loaded (no code runs from it): Reflex, finding it
    stale, installs again as it would without the cache."""
    record = checkout / ".web" / web_cache.PACKAGES_RECORD
    record.write_bytes(pickle.dumps((Path("/x"), None)))
    web_cache.save(checkout)
    other = _new_checkout_of(checkout, "two")
    assert web_cache.restore(other)
    assert (other / ".web" / web_cache.PACKAGES_RECORD).read_bytes() == record.read_bytes()


def test_an_npm_elsewhere_is_left_as_recorded(checkout):
    outside = checkout.parent / "tools" / "npm"
    _packages_record(checkout, outside)
    web_cache.save(checkout)
    other = _new_checkout_of(checkout, "two")
    assert web_cache.restore(other)
    payload, _ = _read_record(other)
    assert repr(str(outside)) in payload
