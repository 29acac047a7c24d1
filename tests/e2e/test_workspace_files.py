"""Files in the browser: upload two files with the file chooser (a bar each, then the rows),
enter a folder, search, download (the bytes), a new version and the earlier one's download,
rename with its clash at the field, delete after the question; at 1440 px light and 390 px
dark for the screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.models import User
from portal.services import files
from portal.services.file_storage import LocalStorage
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import open_page, settle
from tests.factories import account_of, actor_for, create_workspace

pytestmark = pytest.mark.e2e

NOTES = b"Meeting notes, version one.\n"
NOTES_2 = b"Meeting notes, version two: decisions added.\n"
SHEET = b"month,calls\n2026-01,10\n" * 20_000  # ~0.5 MB: a bar with something to show


def _workspace_with_a_folder(server, email: str) -> str:
    """The person's workspace, with reports/2026/plan.txt already in it."""
    with server.db() as session:
        user = session.exec(select(User).where(User.email == email)).one()
        actor = actor_for(session, user)
        workspace = create_workspace(session, actor, account_of(session, user.id), "Cabinet")
        files.upload_file(
            session=session,
            actor=actor,
            workspace_id=str(workspace.id),
            path="reports/2026/plan.txt",
            chunks=[b"the plan"],
            storage=LocalStorage(Path(server.env["PORTAL_DATA_DIR"]) / "files"),
        )
        return str(workspace.id)


def _choose(page: Page, *chosen: tuple[str, str, bytes]) -> None:
    page.locator("input[type=file]").set_input_files(
        [{"name": name, "mimeType": kind, "buffer": data} for name, kind, data in chosen]
    )


def _row(page: Page, name: str):
    return page.locator(".file-row").filter(has=page.get_by_text(name, exact=True))


def test_upload_browse_download_version_rename_and_delete(
    page: Page, server, signed_in, shot
) -> None:
    email = signed_in(name="Fay Files")
    workspace_id = _workspace_with_a_folder(server, email)
    open_page(page, f"/workspaces/{workspace_id}/files")
    expect(page.get_by_text("Drop files here")).to_be_visible()

    # Two files at once: a bar each, then their rows.
    _choose(page, ("notes.txt", "text/plain", NOTES), ("usage.csv", "text/csv", SHEET))
    uploads = page.locator(".upload-row")
    expect(uploads).to_have_count(2)
    expect(uploads.get_by_role("progressbar")).to_have_count(2)
    expect(page.locator(".upload-row[data-status=done]")).to_have_count(2, timeout=30_000)
    expect(_row(page, "notes.txt")).to_contain_text("28 bytes")
    expect(_row(page, "usage.csv")).to_contain_text("KB")
    expect(_row(page, "notes.txt")).to_contain_text("text/plain")
    expect(page.get_by_role("button", name="Open folder reports")).to_be_visible()
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1440, "height": 900})
        settle(page)
        shot("files-1440-light")

    # Into a folder and back by the breadcrumbs.
    page.get_by_role("button", name="Open folder reports").click()
    expect(page.get_by_role("button", name="Open folder 2026")).to_be_visible()
    expect(page.get_by_role("navigation", name="Folder")).to_contain_text("reports")
    expect(_row(page, "notes.txt")).to_have_count(0)
    page.get_by_role("navigation", name="Folder").get_by_role("button", name="All files").click()
    expect(_row(page, "notes.txt")).to_be_visible()

    # Search looks in the folders too.
    page.get_by_label("Search files by name").fill("plan")
    expect(page.locator(".file-row")).to_have_count(1)
    expect(_row(page, "plan.txt")).to_contain_text("in reports/2026/")
    page.get_by_label("Search files by name").fill("")
    expect(_row(page, "notes.txt")).to_be_visible()

    # Download through the session: the bytes uploaded.
    with page.expect_download() as got:
        page.get_by_role("link", name="Download notes.txt").click()
    assert Path(got.value.path()).read_bytes() == NOTES
    assert got.value.suggested_filename == "notes.txt"

    # The same name again is a new version; the earlier one stays downloadable.
    page.get_by_role("button", name="Clear").click()
    _choose(page, ("notes.txt", "text/plain", NOTES_2))
    expect(page.locator(".upload-row[data-status=done]")).to_have_count(1, timeout=30_000)
    expect(_row(page, "notes.txt").locator("td[data-label=Versions]")).to_have_text("2")
    page.get_by_role("button", name="Versions of notes.txt").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("tbody tr")).to_have_count(2)
    expect(dialog).to_contain_text("current")
    with page.expect_download() as earlier:
        dialog.get_by_role("link", name="Download version 1").click()
    assert Path(earlier.value.path()).read_bytes() == NOTES
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # Rename: a clash shows at the field; a free path moves it into a new folder.
    page.get_by_role("button", name="Rename notes.txt").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("New path").fill("usage.csv")
    dialog.get_by_role("button", name="Rename file").click()
    expect(dialog.locator("#new_path-error")).to_contain_text("already a file at usage.csv")
    dialog.get_by_label("New path").fill("minutes/notes.txt")
    dialog.get_by_role("button", name="Rename file").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Open folder minutes")).to_be_visible()
    expect(_row(page, "notes.txt")).to_have_count(0)

    # Delete asks first, saying what goes.
    page.get_by_role("button", name="Delete usage.csv").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text("Delete usage.csv?")
    expect(question).to_contain_text("all 1 of its versions")
    question.get_by_role("button", name="Delete file").click()
    expect(_row(page, "usage.csv")).to_have_count(0)
    expect(page.locator(".file-row")).to_have_count(2)  # the folders minutes/ and reports/

    if SCREENSHOTS:
        page.get_by_role("button", name="Open folder reports").click()
        page.get_by_role("button", name="Open folder 2026").click()
        expect(_row(page, "plan.txt")).to_be_visible()
        page.emulate_media(color_scheme="dark")
        page.set_viewport_size({"width": 390, "height": 844})
        settle(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot("files-390-dark")
