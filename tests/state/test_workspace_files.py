"""The Files page state: folders and breadcrumbs, search, typed rows with download links,
upload (copied into the store, a new version on the same name, the limit), versions, rename
with its clash at the field, delete; a reader, a frozen workspace, another account, and
handlers called directly with forged arguments."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import reflex as rx

from portal.config import get_settings
from portal.domain.errors import NotFound
from portal.pages.workspaces.files import EntryRow, FilesState, PickedFilesState, human_size
from portal.services import files, workspaces
from tests.conftest import from_snapshot
from tests.factories import account_of, create_workspace, grant
from tests.state.support import database_snapshot, redirect_path, run, toasts


def _put(db, actor, ws, path, data: bytes):
    files.upload_file(session=db, actor=actor, workspace_id=ws, path=path, chunks=[data])


def _uploads(*named: tuple[str, bytes]) -> list[rx.UploadFile]:
    return [
        rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))
        for name, data in named
    ]


def _content(db, actor, ws, path, version=None) -> bytes:
    found = files.download(session=db, actor=actor, workspace_id=ws, path=path, version=version)
    return b"".join(files.read_content(found))


@pytest.fixture
def site(db, person, browse):
    """Owner's workspace "Docs" with a.txt, reports/q1.txt, reports/2026/plan.txt; Reader
    reads the account; Outsider has an account of their own."""
    made = from_snapshot(db, "files-site", lambda: _site(db, person))
    url, tokens = f"/workspaces/{made['id']}/files", made.pop("tokens")
    return {**made, **{who: browse(url, token=tokens[who]).state(FilesState) for who in tokens}}


def _site(db, person) -> dict:
    owner, owner_token, owner_actor = person(name="Owner", account_name="Owner Co")
    reader, reader_token, _ = person(name="Reader", account_name="Reader Co")
    _, outsider_token, _ = person(name="Outsider", account_name="Outsider Co")
    ws = str(create_workspace(db, owner_actor, account_of(db, owner.id), name="Docs").id)
    grant(db, reader.id, account_id=account_of(db, owner.id), permission="read")
    for path in ("a.txt", "reports/q1.txt", "reports/2026/plan.txt"):
        _put(db, owner_actor, ws, path, f"content of {path}".encode())
    db.commit()
    return {
        "id": ws,
        "actor": owner_actor,
        "tokens": {"owner": owner_token, "reader": reader_token, "outsider": outsider_token},
        "token": owner_token,
    }


def test_the_folder_view_lists_folders_then_its_own_files(site):
    state = site["owner"]
    run(state.load)
    assert state.found and state.workspace_name == "Docs" and state.can_write
    assert state.read_only_reason == "" and state.max_label == "100.0 MB"
    assert [(r.name, r.is_folder) for r in state.entries] == [("reports", True), ("a.txt", False)]
    row = state.entries[1]
    assert isinstance(row, EntryRow)
    assert row.size == "16 bytes" and row.content_type == "text/plain"
    assert row.updated_by == site["actor"].email and row.versions == 1
    assert row.updated_at.endswith("Z")
    assert row.download.endswith(f"/downloads/files/{site['id']}/a.txt")
    assert [c.label for c in state.crumbs] == ["All files"]

    run(state.open_folder, "reports/")
    assert [r.path for r in state.entries] == ["reports/2026/", "reports/q1.txt"]
    assert [(c.label, c.prefix) for c in state.crumbs] == [
        ("All files", ""),
        ("reports", "reports/"),
    ]
    # Search looks below the folder too, and says where a match is.
    run(state.search_files, "PLAN")
    assert [(r.path, r.folder) for r in state.entries] == [
        ("reports/2026/plan.txt", "reports/2026/")
    ]
    run(state.open_folder, "")
    assert state.search == "" and len(state.entries) == 2


def test_a_bad_folder_shows_why_and_the_page_stays(site):
    state = site["owner"]
    run(state.load)
    run(state.open_folder, "reports/")
    run(state.open_folder, "../etc/")
    assert "." in state.error and state.prefix == "reports/"
    run(state.open_folder, "reports")  # not a folder: no trailing /
    assert state.prefix == "reports/" and "folder" in state.error


def test_upload_stores_each_file_and_the_same_name_is_a_new_version(db, site):
    state = site["owner"]
    run(state.load)
    run(state.open_folder, "reports/")
    run(state.queue_uploads, [{"name": "new.txt", "size": 5}, {"name": "q1.txt", "size": 3}])
    assert [u.status for u in state.uploads] == ["sending", "sending"] and state.uploading
    run(state.upload_progress, {"loaded": 4, "total": 8, "progress": 0.5})
    assert [u.progress for u in state.uploads] == [80, 0]
    events = run(state.upload, _uploads(("new.txt", b"hello"), ("q1.txt", b"v2!")))
    assert [u.status for u in state.uploads] == ["done", "done"] and not state.uploading
    assert ("success", "Uploaded 2 files.") in toasts(events)
    assert _content(db, site["actor"], site["id"], "reports/new.txt") == b"hello"
    assert _content(db, site["actor"], site["id"], "reports/q1.txt") == b"v2!"
    q1 = next(r for r in state.entries if r.path == "reports/q1.txt")
    assert q1.versions == 2
    run(state.open_versions, "reports/q1.txt")
    assert state.versions_open
    assert [(v.version, v.current) for v in state.versions] == [(2, True), (1, False)]
    assert state.versions[1].download.endswith(
        f"/downloads/files/{site['id']}/reports/q1.txt?version=1"
    )
    run(state.clear_uploads)
    assert state.uploads == []


def test_an_upload_over_the_limit_is_refused_and_nothing_is_kept(db, site, monkeypatch):
    monkeypatch.setenv("PORTAL_FILES_MAX_MB", "1")
    get_settings.cache_clear()
    state = site["owner"]
    run(state.load)
    big = b"x" * (1024 * 1024 + 1)
    run(state.upload, _uploads(("big.bin", big), ("ok.txt", b"fine")))
    assert [u.status for u in state.uploads] == ["refused", "done"]
    assert "at most 1 MB" in state.uploads[0].message
    assert "Some files were not uploaded" in state.upload_error
    with pytest.raises(NotFound):
        files.get_file(session=db, actor=site["actor"], workspace_id=site["id"], path="big.bin")
    # Undeclared size (a client that lies): refused as the bytes pass the limit.
    run(state.upload, [rx.UploadFile(file=io.BytesIO(big), path=Path("big.bin"))])
    assert state.uploads[0].status == "refused" and "1 MB" in state.upload_error
    # The browser's own check names the file before anything is sent.
    run(
        state.refuse_files,
        [{"file": {"path": "./huge.iso"}, "errors": [{"code": "file-too-large"}]}],
    )
    assert state.upload_error == "Not uploaded (huge.iso): a file may be at most 1.0 MB."


def test_rename_clash_shows_at_the_field_and_a_free_path_moves_it(db, site):
    state = site["owner"]
    run(state.load)
    run(state.ask_rename, "a.txt")
    assert state.rename_open and state.rename_path == "a.txt"
    run(state.rename, {"new_path": "reports/q1.txt"})
    assert "already a file" in state.rename_errors["new_path"] and state.rename_open
    run(state.rename, {"new_path": "archive/a.txt"})
    assert not state.rename_open and state.rename_errors == {}
    assert [r.path for r in state.entries] == ["archive/", "reports/"]
    assert _content(db, site["actor"], site["id"], "archive/a.txt") == b"content of a.txt"


def test_delete_says_what_it_deletes_and_deletes_it_with_its_versions(db, site):
    state = site["owner"]
    run(state.load)
    run(state.upload, _uploads(("a.txt", b"again")))
    run(state.ask_delete, "a.txt")
    assert state.delete_open and state.delete_versions == 2
    events = run(state.delete)
    assert ("success", "Deleted a.txt.") in toasts(events)
    assert [r.path for r in state.entries] == ["reports/"]
    with pytest.raises(NotFound):
        files.get_file(session=db, actor=site["actor"], workspace_id=site["id"], path="a.txt")


def test_a_reader_lists_and_downloads_but_every_write_is_refused(db, site):
    state = site["reader"]
    run(state.load)
    assert state.found and not state.can_write and not state.can_administer
    assert "need administer" in state.read_only_reason
    assert [r.name for r in state.entries] == ["reports", "a.txt"]
    before = database_snapshot(ignore=("sessions", "users"))
    run(state.upload, _uploads(("evil.txt", b"x")))
    assert state.uploads[0].status == "refused"
    state.rename_path = "a.txt"
    run(state.rename, {"new_path": "b.txt"})
    assert state.rename_errors["new_path"]
    state.delete_path = "a.txt"
    run(state.delete)
    assert state.error
    assert database_snapshot(ignore=("sessions", "users")) == before


def test_a_frozen_workspace_lists_and_refuses_writes_with_a_sentence(db, site):
    workspaces.freeze(session=db, actor=site["actor"], workspace_id=site["id"])
    db.commit()
    state = site["owner"]
    run(state.load)
    assert state.can_administer and not state.can_write
    assert "frozen" in state.read_only_reason
    assert len(state.entries) == 2
    run(state.upload, _uploads(("new.txt", b"x")))
    assert state.uploads[0].status == "refused" and "frozen" in state.upload_error
    run(state.ask_delete, "a.txt")
    run(state.delete)
    assert "frozen" in state.error
    run(state.open_versions, "a.txt")  # reading works
    assert [v.version for v in state.versions] == [1]


SECRET_PATH = "reports/q1.txt"
FORGED = [
    ("load", ()),
    ("open_folder", ("reports/",)),
    ("search_files", ("q1",)),
    ("open_versions", (SECRET_PATH,)),
    ("upload", ()),
    ("rename", ({"new_path": "stolen.txt"},)),
    ("delete", ()),
    ("next_page", ("files",)),
]


@pytest.mark.parametrize(("handler", "args"), FORGED, ids=[h for h, _ in FORGED])
def test_another_accounts_person_learns_nothing_and_changes_nothing(site, handler, args):
    """Bob, signed in to his own account, on Owner's Files URL, calling handlers directly with
    Owner's paths: not found, nothing of Owner's in his state, nothing changed."""
    state = site["outsider"]
    state.rename_path = state.delete_path = SECRET_PATH
    if handler == "upload":
        args = (_uploads(("planted.txt", b"x")),)
    before = database_snapshot(ignore=("sessions",))
    events = run(getattr(state, handler), *args)
    assert database_snapshot(ignore=("sessions",)) == before
    assert state.rows == [] and state.folders == [] and state.versions == []
    assert state.workspace_name == ""
    if handler == "load":
        assert not state.found
    shown = " ".join(
        [state.error, state.upload_error, *state.rename_errors.values()]
        + [m for _, m in toasts(events)]
        + [u.message for u in state.uploads]
    )
    assert "q1" not in shown and "Docs" not in shown


def test_the_picked_files_page_redirects_to_the_pick(db, site, browse):
    workspaces.remember_workspace(session=db, actor=site["actor"], workspace_id=site["id"])
    db.commit()
    state = browse("/files", token=site["token"]).state(PickedFilesState)
    assert redirect_path(run(state.open_picked)) == f"/workspaces/{site['id']}/files"


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"), (1536, "1.5 KB"), (5 << 20, "5.0 MB")],
)
def test_sizes_read_as_people_read_them(size, shown):
    assert human_size(size) == shown
