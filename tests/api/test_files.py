"""/v1/workspaces/{id}/files: streamed uploads and downloads, versions, limits, tenancy,
freeze, idempotency and signed links."""

from __future__ import annotations

import hashlib

import pytest

from portal.services import file_storage, files
from tests.api.conftest import set_status

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


def _files(world) -> str:
    return f"/v1/workspaces/{world.workspace}/files"


def test_put_streams_and_get_downloads_with_its_headers(client, world):
    put = client.put(f"{_files(world)}/reports/logo.txt", content=PNG, headers=world.alice)
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["path"], body["content_type"], body["version"]) == (
        "reports/logo.txt",
        "image/png",
        1,
    )
    got = client.get(f"{_files(world)}/reports/logo.txt", headers=world.reggie)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith('attachment; filename="logo.txt"')
    etag = f'"{hashlib.sha256(PNG).hexdigest()}"'
    assert got.headers["etag"] == etag and got.headers["x-content-type-options"] == "nosniff"
    again = client.get(
        f"{_files(world)}/reports/logo.txt", headers={**world.reggie, "If-None-Match": etag}
    )
    assert again.status_code == 304


def test_versions_multipart_list_move_and_delete(client, world):
    client.put(f"{_files(world)}/a.txt", content=b"one", headers=world.alice)
    form = client.post(
        _files(world),
        files={"file": ("ignored-name.txt", b"two", "image/png")},
        params={"path": "a.txt"},
        headers=world.alice,
    )
    assert form.status_code == 200, form.text
    assert form.json()["version"] == 2 and form.json()["content_type"].startswith("text/plain")
    old = client.get(f"{_files(world)}/a.txt", params={"version": 1}, headers=world.alice)
    assert old.content == b"one"
    versions = client.get(
        f"/v1/workspaces/{world.workspace}/file-versions",
        params={"path": "a.txt"},
        headers=world.alice,
    ).json()
    assert [v["version"] for v in versions["items"]] == [2, 1]
    named = client.post(
        _files(world), files={"file": ("b.txt", b"bee", "text/plain")}, headers=world.alice
    )
    assert named.json()["path"] == "b.txt"
    listed = client.get(_files(world), params={"name": "B"}, headers=world.alice).json()
    assert [f["path"] for f in listed["items"]] == ["b.txt"]
    moved = client.post(
        f"/v1/workspaces/{world.workspace}/file-moves",
        json={"path": "a.txt", "new_path": "docs/a.txt"},
        headers=world.alice,
    )
    assert moved.status_code == 200 and moved.json()["versions"] == 2
    page = client.get(_files(world), params={"prefix": "docs/"}, headers=world.alice).json()
    assert [f["path"] for f in page["items"]] == ["docs/a.txt"]
    assert client.delete(f"{_files(world)}/docs/a.txt", headers=world.alice).status_code == 204
    assert client.get(f"{_files(world)}/docs/a.txt", headers=world.alice).status_code == 404


def test_bad_paths_are_422_naming_the_field(client, world):
    response = client.put(f"{_files(world)}/a/../b", content=b"x", headers=world.alice)
    # The client normalises "..": send it encoded, as a raw path.
    response = client.put(f"{_files(world)}/a%2F..%2Fb", content=b"x", headers=world.alice)
    assert response.status_code == 422
    assert response.json()["field"] == "path"


class _Recording:
    """The configured store, recording the size of every write it receives."""

    def __init__(self, store):
        self.store, self.name, self.writes = store, store.name, []

    def writer(self, key):
        inner, writes = self.store.writer(key), self.writes

        class Writer:
            def write(self, chunk):
                writes.append(len(chunk))
                inner.write(chunk)

            commit, abort = inner.commit, inner.abort

        return Writer()

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_large_upload_reaches_the_store_in_chunks(client, world, monkeypatch):
    recording = _Recording(file_storage.get_storage())
    monkeypatch.setattr(files, "get_storage", lambda: recording)
    size = 12 * 1024 * 1024

    def body():
        block = b"z" * (256 * 1024)
        for _ in range(size // len(block)):
            yield block

    response = client.put(f"{_files(world)}/big.bin", content=body(), headers=world.alice)
    assert response.status_code == 200, response.text
    assert response.json()["size"] == size
    assert sum(recording.writes) == size
    # Never the whole body at once: a megabyte or so at a time.
    assert len(recording.writes) >= 10
    assert max(recording.writes) <= 2 * 1024 * 1024
    got = client.get(f"{_files(world)}/big.bin", headers=world.alice)
    assert len(got.content) == size


def test_over_the_limit_is_413(client, world, monkeypatch):
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_FILES_MAX_MB", "1")
    get_settings.cache_clear()
    declared = client.put(
        f"{_files(world)}/big.bin", content=b"x" * (1024 * 1024 + 1), headers=world.alice
    )
    assert declared.status_code == 413
    assert "at most 1 MB" in declared.json()["detail"]

    def streamed():  # no Content-Length: refused as the body passes the limit
        for _ in range(5):
            yield b"x" * (512 * 1024)

    assert (
        client.put(f"{_files(world)}/big.bin", content=streamed(), headers=world.alice).status_code
        == 413
    )
    form = client.post(
        _files(world),
        files={"file": ("big.bin", b"x" * (1024 * 1024 + 100_000), "x/y")},
        headers=world.alice,
    )
    assert form.status_code == 413
    assert client.get(_files(world), headers=world.alice).json()["items"] == []


def test_tenancy_permissions_and_freeze(client, world, db):
    client.put(f"{_files(world)}/a.txt", content=b"one", headers=world.alice)
    # Another account: 404 on everything, never a hint.
    assert client.get(f"{_files(world)}/a.txt", headers=world.bob).status_code == 404
    assert client.get(_files(world), headers=world.bob).status_code == 404
    assert client.put(f"{_files(world)}/b.txt", content=b"x", headers=world.bob).status_code == 404
    assert client.delete(f"{_files(world)}/a.txt", headers=world.bob).status_code == 404
    # A reader reads, and cannot write.
    assert client.get(f"{_files(world)}/a.txt", headers=world.reggie).status_code == 200
    assert (
        client.put(f"{_files(world)}/b.txt", content=b"x", headers=world.reggie).status_code == 403
    )
    assert client.delete(f"{_files(world)}/a.txt", headers=world.reggie).status_code == 403
    # Frozen: downloads work, writes are 409.
    set_status(db, world.workspace, "frozen")
    assert client.get(f"{_files(world)}/a.txt", headers=world.alice).content == b"one"
    refused = client.put(f"{_files(world)}/b.txt", content=b"x", headers=world.alice)
    assert refused.status_code == 409 and refused.json()["type"].endswith("workspace-frozen")
    assert client.delete(f"{_files(world)}/a.txt", headers=world.alice).status_code == 409
    moved = client.post(
        f"/v1/workspaces/{world.workspace}/file-moves",
        json={"path": "a.txt", "new_path": "c.txt"},
        headers=world.alice,
    )
    assert moved.status_code == 409


def test_an_idempotent_upload_replays_and_keeps_one_copy(client, world):
    headers = {**world.alice, "Idempotency-Key": "upload-1"}
    first = client.put(f"{_files(world)}/a.txt", content=b"one", headers=headers)
    again = client.put(f"{_files(world)}/a.txt", content=b"one", headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again.json()["version"] == 1
    other = client.put(f"{_files(world)}/a.txt", content=b"two", headers=headers)
    assert other.status_code == 409
    store = file_storage.get_storage()
    stored = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(stored) == 1  # the replayed and the refused copies were deleted


@pytest.mark.parametrize("who", ["alice", "reggie"])
def test_a_signed_link_downloads_without_a_token(client, world, who):
    client.put(f"{_files(world)}/a.txt", content=b"one", headers=world.alice)
    made = client.get(
        f"/v1/workspaces/{world.workspace}/file-links",
        params={"path": "a.txt", "expires_in": 60},
        headers=getattr(world, who),
    )
    assert made.status_code == 200, made.text
    url = made.json()["url"]
    got = client.get(url)
    assert got.status_code == 200 and got.content == b"one"
    assert client.get(url[:-3] + "abc").status_code == 404
    assert (
        client.get(
            f"/v1/workspaces/{world.workspace}/file-links",
            params={"path": "a.txt"},
            headers=world.bob,
        ).status_code
        == 404
    )
