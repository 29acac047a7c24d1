"""Files: the stores (both: the data directory and S3 on moto's server), the service's rules
(paths, versions, limits, permissions, freeze, audit, signed links), the export and the purge.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.domain.errors import Conflict, Frozen, Invalid, NotFound, PermissionDenied
from portal.domain.files import OCTET_STREAM, TEXT, check_path, sniff
from portal.domain.workspaces import WorkspaceStatus
from portal.models import AuditEvent, FileVersion, Workspace, WorkspaceFile
from portal.models._base import utcnow
from portal.services import exports, file_storage, files, purge
from portal.services.file_storage import PART_SIZE, StorageError
from tests.conftest import from_snapshot
from tests.factories import account_of, actor_for, create_workspace, grant, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def _key(workspace_id=None) -> str:
    return f"{workspace_id or uuid.uuid4()}/{uuid.uuid4().hex}"


def _read(store, key) -> bytes:
    return b"".join(store.read(key))


# The stores -----------------------------------------------------------------------------------


def test_a_store_writes_in_chunks_and_reads_back(file_store):
    key = _key()
    writer = file_store.writer(key)
    for _ in range(10):
        writer.write(b"0123456789" * 1000)
    assert not file_store.exists(key)  # nothing is visible before the commit
    writer.commit()
    assert file_store.exists(key)
    assert _read(file_store, key) == b"0123456789" * 10_000


def test_a_store_takes_content_larger_than_one_part(file_store):
    key = _key()
    writer = file_store.writer(key)
    block = bytes(range(256)) * 4096  # 1 MiB
    for _ in range(PART_SIZE // len(block) + 2):  # past one S3 part: a multipart upload
        writer.write(block)
    writer.commit()
    content = _read(file_store, key)
    assert len(content) == PART_SIZE + 2 * len(block)
    assert (
        hashlib.sha256(content).digest()
        == hashlib.sha256(block * (len(content) // len(block))).digest()
    )
    chunks = list(file_store.read(key))
    assert len(chunks) > 1 and max(map(len, chunks)) <= file_storage.CHUNK_SIZE


def test_an_aborted_write_leaves_nothing(file_store, tmp_path):
    key = _key()
    writer = file_store.writer(key)
    writer.write(b"x" * (PART_SIZE + 10))  # S3: a part sent already
    writer.abort()
    writer.abort()  # twice is fine
    assert not file_store.exists(key)
    with pytest.raises(StorageError):
        _read(file_store, key)
    if file_store.name == "local":
        assert list((file_store.root / ".uploads").iterdir()) == []
    else:
        assert (
            file_store._client.list_multipart_uploads(Bucket=file_store.bucket).get("Uploads", [])
            == []
        )


def test_a_store_deletes_keys_and_a_workspace_prefix(file_store):
    mine, other = uuid.uuid4(), uuid.uuid4()
    keys = [_key(mine) for _ in range(3)]
    kept = _key(other)
    for key in [*keys, kept]:
        writer = file_store.writer(key)
        writer.write(b"data")
        writer.commit()
    file_store.delete([keys[0], _key(mine)])  # one that is not there is no error
    assert not file_store.exists(keys[0])
    assert file_store.delete_prefix(f"{mine}/") == 2
    assert not any(file_store.exists(key) for key in keys)
    assert file_store.exists(kept)


def test_a_store_refuses_keys_it_did_not_make(file_store):
    for key in ("../etc/passwd", "a/b", f"{uuid.uuid4()}/../../x", ""):
        with pytest.raises(ValueError):
            file_store.writer(key)
    with pytest.raises(ValueError):
        file_store.delete_prefix("")


# Paths and types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("", "Give the file a path"),
        ("/etc/passwd", "not with /"),
        ("reports/", "ends with the file's name"),
        ("a//b", "empty folder name"),
        ("a/../b", ". or .."),
        ("..", ". or .."),
        ("a\\b", "not \\"),
        ("a\nb", "control characters"),
        ("x" * 361, "at most 360"),
    ],
)
def test_bad_paths_are_refused_with_a_sentence(path, says):
    with pytest.raises(Invalid) as refused:
        check_path(path)
    assert says in refused.value.message and refused.value.field == "path"


def test_paths_are_kept_as_given_in_nfc():
    assert check_path("reports/2026/q1.pdf") == "reports/2026/q1.pdf"
    assert check_path(".env") == ".env"
    assert check_path("cafe\u0301.txt") == "caf\u00e9.txt"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PNG, "image/png"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"PK\x03\x04rest", "application/zip"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"hello, world\n", TEXT),
        (b"<html><script>alert(1)</script>", TEXT),  # never served as HTML
        ("na\u00efve".encode() + b"\xc3", TEXT),  # a character cut at the end
        (b"\x00\x01\x02binary", OCTET_STREAM),
        (b"\xff\xfe\xfd", OCTET_STREAM),
    ],
)
def test_the_type_is_read_from_the_bytes(head, kind):
    assert sniff(head) == kind


# The service ----------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    return from_snapshot(db, "files-people", lambda: _people(db))


def _people(db):
    """Owner administers account A with workspace `ws`; Reader reads A; Outsider has B."""
    owner = make_user(db, name="Owner", account_name="A")
    reader = make_user(db, name="Reader", account_name="R")
    outsider = make_user(db, name="Outsider", account_name="B")
    grant(db, reader.id, account_id=account_of(db, owner.id), permission="read")
    actors = {u.name: actor_for(db, u) for u in (owner, reader, outsider)}
    ws = create_workspace(db, actors["Owner"], account_of(db, owner.id), name="Docs")
    db.commit()
    return actors, str(ws.id)


def _upload(db, actor, ws, path, data: bytes, **kwargs):
    chunks = [data[i : i + 1000] for i in range(0, len(data), 1000)] or [b""]
    return files.upload_file(
        session=db, actor=actor, workspace_id=ws, path=path, chunks=chunks, **kwargs
    )


def _content(db, actor, ws, path, version=None) -> bytes:
    found = files.download(session=db, actor=actor, workspace_id=ws, path=path, version=version)
    return b"".join(files.read_content(found))


def test_an_upload_is_listed_with_its_facts_and_downloads(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    made = _upload(db, owner, ws, "reports/logo.txt", PNG)
    db.commit()
    assert made.path == "reports/logo.txt" and made.name == "logo.txt"
    assert made.folder == "reports/" and made.version == 1 and made.versions == 1
    assert made.content_type == "image/png"  # the bytes, not the name
    assert made.size == len(PNG) and made.sha256 == hashlib.sha256(PNG).hexdigest()
    assert made.updated_by == owner.email
    page = files.list_files(session=db, actor=owner, workspace_id=ws)
    assert [f.path for f in page.items] == ["reports/logo.txt"]
    assert _content(db, actors["Reader"], ws, "reports/logo.txt") == PNG
    (version,) = db.exec(select(FileVersion)).all()
    assert file_store.exists(version.stored_as)


def test_the_same_path_again_is_a_new_version_and_the_old_one_stays(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "notes.txt", b"first")
    second = _upload(db, owner, ws, "notes.txt", b"second")
    db.commit()
    assert second.version == 2 and second.versions == 2
    assert _content(db, owner, ws, "notes.txt") == b"second"
    assert _content(db, owner, ws, "notes.txt", version=1) == b"first"
    versions = files.list_versions(session=db, actor=owner, workspace_id=ws, path="notes.txt")
    assert [(v.version, v.current) for v in versions.items] == [(2, True), (1, False)]
    with pytest.raises(NotFound):
        files.download(session=db, actor=owner, workspace_id=ws, path="notes.txt", version=3)


def test_rename_moves_the_file_with_its_versions(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "a.txt", b"one")
    _upload(db, owner, ws, "a.txt", b"two")
    _upload(db, owner, ws, "taken.txt", b"x")
    with pytest.raises(Conflict) as taken:
        files.rename_file(
            session=db, actor=owner, workspace_id=ws, path="a.txt", new_path="taken.txt"
        )
    assert taken.value.field == "new_path"
    with pytest.raises(Invalid) as bad:
        files.rename_file(session=db, actor=owner, workspace_id=ws, path="a.txt", new_path="../b")
    assert bad.value.field == "new_path"
    moved = files.rename_file(
        session=db, actor=owner, workspace_id=ws, path="a.txt", new_path="archive/b.txt"
    )
    db.commit()
    assert (moved.path, moved.name, moved.versions) == ("archive/b.txt", "b.txt", 2)
    assert _content(db, owner, ws, "archive/b.txt", version=1) == b"one"
    with pytest.raises(NotFound):
        files.get_file(session=db, actor=owner, workspace_id=ws, path="a.txt")


def test_delete_removes_the_file_its_versions_and_their_bytes(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "a.txt", b"one")
    _upload(db, owner, ws, "a.txt", b"two")
    db.commit()
    keys = db.exec(select(FileVersion.stored_as)).all()
    files.delete_file(session=db, actor=owner, workspace_id=ws, path="a.txt")
    assert all(file_store.exists(key) for key in keys)  # not before the commit
    db.commit()
    assert not any(file_store.exists(key) for key in keys)
    assert db.exec(select(WorkspaceFile)).all() == [] and db.exec(select(FileVersion)).all() == []


def test_a_delete_rolled_back_keeps_the_bytes(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "a.txt", b"one")
    db.commit()
    (key,) = db.exec(select(FileVersion.stored_as)).all()
    files.delete_file(session=db, actor=owner, workspace_id=ws, path="a.txt")
    db.rollback()
    db.commit()
    assert file_store.exists(key)
    assert _content(db, owner, ws, "a.txt") == b"one"


def test_an_upload_rolled_back_deletes_its_bytes(db, people, file_store):
    actors, ws = people
    _upload(db, actors["Owner"], ws, "a.txt", b"one")
    (key,) = db.exec(select(FileVersion.stored_as)).all()
    assert file_store.exists(key)
    db.rollback()
    assert not file_store.exists(key)


def test_over_the_limit_is_refused_and_nothing_is_kept(db, people, file_store, monkeypatch):
    from portal.config import get_settings

    monkeypatch.setenv("PORTAL_FILES_MAX_MB", "1")
    get_settings.cache_clear()
    actors, ws = people
    with pytest.raises(files.TooLarge) as refused:
        _upload(db, actors["Owner"], ws, "big.bin", b"x" * (1024 * 1024 + 1))
    assert "at most 1 MB" in refused.value.message
    with pytest.raises(files.TooLarge):  # declared: before any byte
        files.start_upload(
            session=db, actor=actors["Owner"], workspace_id=ws, path="b", size=2 * 1024 * 1024
        )
    assert db.exec(select(WorkspaceFile)).all() == []
    if file_store.name == "local":
        stored = [p for p in file_store.root.rglob("*") if p.is_file()]
    else:
        stored = file_store._client.list_objects_v2(Bucket=file_store.bucket).get("Contents", [])
    assert stored == []
    _upload(db, actors["Owner"], ws, "fits.bin", b"x" * (1024 * 1024))  # exactly the limit


def test_a_reader_reads_but_cannot_write(db, people, file_store):
    actors, ws = people
    _upload(db, actors["Owner"], ws, "a.txt", b"one")
    db.commit()
    reader = actors["Reader"]
    assert _content(db, reader, ws, "a.txt") == b"one"
    with pytest.raises(PermissionDenied):
        _upload(db, reader, ws, "b.txt", b"two")
    with pytest.raises(PermissionDenied):
        files.rename_file(session=db, actor=reader, workspace_id=ws, path="a.txt", new_path="c")
    with pytest.raises(PermissionDenied):
        files.delete_file(session=db, actor=reader, workspace_id=ws, path="a.txt")


def test_another_account_gets_not_found_everywhere(db, people, file_store):
    actors, ws = people
    _upload(db, actors["Owner"], ws, "a.txt", b"one")
    db.commit()
    outsider = actors["Outsider"]
    calls = [
        lambda: files.list_files(session=db, actor=outsider, workspace_id=ws),
        lambda: files.download(session=db, actor=outsider, workspace_id=ws, path="a.txt"),
        lambda: files.list_versions(session=db, actor=outsider, workspace_id=ws, path="a.txt"),
        lambda: _upload(db, outsider, ws, "b.txt", b"x"),
        lambda: files.delete_file(session=db, actor=outsider, workspace_id=ws, path="a.txt"),
        lambda: files.create_link(session=db, actor=outsider, workspace_id=ws, path="a.txt"),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()


def test_a_frozen_workspace_downloads_but_refuses_writes(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "a.txt", b"one")
    row = db.get(Workspace, uuid.UUID(ws))
    row.status = WorkspaceStatus.FROZEN
    db.add(row)
    db.commit()
    assert _content(db, owner, ws, "a.txt") == b"one"
    for write in (
        lambda: _upload(db, owner, ws, "b.txt", b"x"),
        lambda: files.rename_file(
            session=db, actor=owner, workspace_id=ws, path="a.txt", new_path="c"
        ),
        lambda: files.delete_file(session=db, actor=owner, workspace_id=ws, path="a.txt"),
    ):
        with pytest.raises(Frozen):
            write()


def test_writes_are_audited_with_the_path(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "a.txt", b"one")
    _upload(db, owner, ws, "a.txt", b"two")
    files.rename_file(session=db, actor=owner, workspace_id=ws, path="a.txt", new_path="b.txt")
    files.delete_file(session=db, actor=owner, workspace_id=ws, path="b.txt")
    rows = db.exec(
        select(AuditEvent).where(AuditEvent.target_type == "file").order_by(AuditEvent.id)
    ).all()
    assert [r.action for r in rows] == [
        "file.uploaded",
        "file.uploaded",
        "file.renamed",
        "file.deleted",
    ]
    assert rows[1].before["version"] == 1 and rows[1].after["version"] == 2
    assert (rows[2].before, rows[2].after) == ({"path": "a.txt"}, {"path": "b.txt"})
    assert rows[3].before["path"] == "b.txt" and rows[3].before["versions"] == 2


def test_list_filters_by_folder_and_name_and_pages(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    for path in ("b.txt", "reports/2026/q1.pdf", "reports/2026/Q2.pdf", "reports/x.txt", "r%_.txt"):
        _upload(db, owner, ws, path, b"x")

    def paths(**kwargs):
        return [
            f.path
            for f in files.list_files(session=db, actor=owner, workspace_id=ws, **kwargs).items
        ]

    assert paths() == sorted(paths())
    assert paths(prefix="reports/") == [
        "reports/2026/Q2.pdf",
        "reports/2026/q1.pdf",
        "reports/x.txt",
    ]
    assert paths(name="q") == ["reports/2026/Q2.pdf", "reports/2026/q1.pdf"]
    assert paths(name="%_") == ["r%_.txt"]  # wildcards are literal
    assert paths(prefix="r%") == ["r%_.txt"]
    # A folder view: only the files directly in the folder.
    assert paths(subfolders=False) == ["b.txt", "r%_.txt"]
    assert paths(prefix="reports/", subfolders=False) == ["reports/x.txt"]
    assert paths(prefix="reports/2026/", subfolders=False, name="q2") == ["reports/2026/Q2.pdf"]
    first = files.list_files(session=db, actor=owner, workspace_id=ws, limit=2)
    second = files.list_files(
        session=db, actor=owner, workspace_id=ws, limit=2, cursor=first.next_cursor
    )
    assert [f.path for f in first.items + second.items] == paths()[:4]
    assert files.list_folders(session=db, actor=owner, workspace_id=ws) == ["reports/"]
    assert files.list_folders(session=db, actor=owner, workspace_id=ws, prefix="reports/") == [
        "reports/2026/"
    ]
    with pytest.raises(Invalid) as bad:
        files.list_files(session=db, actor=owner, workspace_id=ws, prefix="../")
    assert bad.value.field == "prefix"


def test_a_signed_link_downloads_until_it_expires(db, people, file_store, monkeypatch):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "a.txt", b"one")
    _upload(db, owner, ws, "a.txt", b"two")
    link = files.create_link(session=db, actor=owner, workspace_id=ws, path="a.txt", version=1)
    token = link.url.rsplit("/", 1)[1]
    found = files.download_by_link(session=db, token=token)
    assert (found.version, b"".join(files.read_content(found))) == (1, b"one")
    # Tampered: another version id under the same signature.
    version_id, rest = token.split(".", 1)
    with pytest.raises(NotFound):
        files.download_by_link(session=db, token=f"{int(version_id) + 1}.{rest}")
    with pytest.raises(NotFound):
        files.download_by_link(session=db, token=token[:-2] + "AA")
    later = utcnow() + timedelta(seconds=301)
    monkeypatch.setattr(files, "utcnow", lambda: later)
    with pytest.raises(NotFound):
        files.download_by_link(session=db, token=token)


def test_a_signed_link_dies_with_its_makers_access(db, people, file_store):
    actors, ws = people
    _upload(db, actors["Owner"], ws, "a.txt", b"one")
    link = files.create_link(session=db, actor=actors["Reader"], workspace_id=ws, path="a.txt")
    token = link.url.rsplit("/", 1)[1]
    assert files.download_by_link(session=db, token=token).path == "a.txt"
    from portal.models import PermissionGrant

    for row in db.exec(
        select(PermissionGrant).where(PermissionGrant.user_id == actors["Reader"].user_id)
    ).all():
        db.delete(row)
    db.flush()
    with pytest.raises(NotFound):
        files.download_by_link(session=db, token=token)


def test_the_export_lists_files_without_their_content(db, people, file_store):
    actors, ws = people
    _upload(db, actors["Owner"], ws, "a.txt", b"one")
    db.commit()
    names = [table.name for table in exports.entity_tables()]
    assert "files" in names and "file_versions" in names
    selections = exports.workspace_rows(uuid.UUID(ws))
    from sqlmodel import SQLModel

    rows = exports._rows(db, SQLModel.metadata.tables["files"], selections["files"])
    assert [(r["path"], r["size"], r["sha256"]) for r in rows] == [
        ("a.txt", 3, hashlib.sha256(b"one").hexdigest())
    ]


def test_the_purge_removes_rows_and_stored_bytes(db, people, file_store):
    actors, ws = people
    owner = actors["Owner"]
    _upload(db, owner, ws, "a.txt", b"one")
    _upload(db, owner, ws, "b/c.txt", b"two")
    db.commit()
    keys = db.exec(select(FileVersion.stored_as)).all()
    assert len(keys) == 2 and all(file_store.exists(key) for key in keys)
    workspace = db.get(Workspace, uuid.UUID(ws))
    purge.purge_workspace(db, workspace=workspace, now=utcnow())
    db.commit()
    assert db.exec(select(WorkspaceFile)).all() == [] and db.exec(select(FileVersion)).all() == []
    assert not any(file_store.exists(key) for key in keys)
