"""scripts/web_cache.py: a new checkout's .web from the saved one with the same packages."""

from __future__ import annotations

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
