"""`python -m portal ...` as an operator runs it, on a temporary SQLite database."""

from __future__ import annotations

import base64
import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, create_engine, select

from portal import cli
from portal.config import ROOT, get_settings
from portal.db import engine_for
from portal.models import Account, User, Workspace, WorkspaceDataKey
from portal.services import demo, envelope, workspace_secrets
from tests import factories
from tests.conftest import sqlite_url, use_database


def _env(url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "SMTP_", "DATABASE_"))
    }
    env["DATABASE_URL"] = url
    env["PYTHONUNBUFFERED"] = "1"
    return env


def portal(url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m portal ARGS` on the database at `url`, with `env` added to its settings."""
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        cwd=ROOT,
        env={**_env(url), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _count(url: str, model) -> int:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(model)).one()
    finally:
        engine.dispose()


def test_help_lists_the_commands(tmp_path, monkeypatch, capsys):
    use_database(monkeypatch, sqlite_url(tmp_path / "unused.db"))
    with pytest.raises(SystemExit) as caught:
        cli.main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for command in ("migrate", "seed-demo", "create-user", "rotate-master-key", "worker"):
        assert command in out
    assert not (tmp_path / "unused.db").exists()


def test_migrate_seed_and_create_user(tmp_path, monkeypatch, capsys):
    """`migrate` and `create-user` as an operator runs them, each in its own process; the
    other commands in this one (a subprocess costs ~2 s)."""
    path = tmp_path / "new-folder" / "portal.db"  # the folder does not exist yet
    url = sqlite_url(path)

    migrated = portal(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "Database is up to date." in migrated.stdout
    assert "Running upgrade  -> 0001" in migrated.stderr
    assert path.exists()
    again = portal(url, "migrate")
    assert again.returncode == 0, again.stderr
    assert "Running upgrade" not in again.stderr

    use_database(monkeypatch, url)
    assert cli.main(["seed-demo"]) == 0
    first = capsys.readouterr().out
    assert "Created demo data" in first
    assert demo.DEMO_EMAIL in first and demo.DEMO_PASSWORD in first
    assert cli.main(["seed-demo"]) == 0
    second = capsys.readouterr().out
    assert "already present" in second
    assert demo.DEMO_EMAIL in second
    assert (_count(url, User), _count(url, Workspace)) == (2, 3)  # + the demo publisher

    # In its own process: what an operator's create-user hashes with, not this suite's cheap
    # parameters.
    created = portal(
        url,
        "create-user",
        "--email",
        "Admin@Example.com",
        "--name",
        "Ada Admin",
        "--password",
        "a long admin password",
        "--platform-admin",
        "--account-name",
        "Platform",
    )
    assert created.returncode == 0, created.stderr
    assert "Created user admin@example.com (platform admin)" in created.stdout

    engine = create_engine(url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == "admin@example.com")).one()
        assert user.is_platform_admin
        # The production parameters: the suite's cheap ones are for its own process only.
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert "Platform" in session.exec(select(Account.name)).all()
    engine.dispose()

    duplicate = cli.main(
        ["create-user", "--email", "admin@example.com", "--name", "X", "--password", "x" * 12]
    )
    assert duplicate == 1
    err = capsys.readouterr().err
    assert "error (email): A user with that email already exists." in err
    assert "Traceback" not in err
    assert _count(url, User) == 3  # demo, publisher, admin
    engine_for(url).dispose()


def _migrated(tmp_path: Path, template: Path) -> str:
    """A copy of the session's migrated database (test_migrate_seed_and_create_user and
    tests/test_migrations.py run the migrations themselves)."""
    shutil.copyfile(template, tmp_path / "portal.db")
    return sqlite_url(tmp_path / "portal.db")


def test_worker_once_runs_housekeeping(tmp_path, migrated_template):
    url = _migrated(tmp_path, migrated_template)
    result = portal(url, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "sessions_purged=0" in result.stderr
    assert "sign_in_attempts_purged=0" in result.stderr


def test_worker_stops_cleanly_on_sigterm(tmp_path, migrated_template):
    url = _migrated(tmp_path, migrated_template)
    process = subprocess.Popen(
        [sys.executable, "-m", "portal", "worker", "--interval", "3600"],
        cwd=ROOT,
        env=_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # readline() blocks until the worker prints: read on a thread, so the deadline can fire.
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=lambda: [lines.put(line) for line in iter(process.stdout.readline, "")],
        daemon=True,
    )
    reader.start()
    output: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while not any("housekeeping:" in line for line in output):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no housekeeping round within 30 s: {output}")
            with contextlib.suppress(queue.Empty):
                output.append(lines.get(timeout=remaining))
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        reader.join(timeout=10)  # the rest of the output, up to end of file
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    while not lines.empty():
        output.append(lines.get_nowait())
    assert process.returncode == 0
    assert "worker stopped" in "".join(output)


# In-process: argument errors, and the password prompt (a subprocess has no terminal).


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main([])
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("interval", ["0", "-5", "soon"])
def test_worker_interval_must_be_a_positive_number(capsys, interval):
    with pytest.raises(SystemExit) as caught:
        cli.main(["worker", "--interval", interval])
    assert caught.value.code == 2
    assert "--interval" in capsys.readouterr().err


def test_worker_once_in_process_reports_the_counts(db, caplog):
    from datetime import timedelta

    from portal.models import SignInAttempt
    from portal.models._base import utcnow

    db.add(SignInAttempt(email="old@example.com", attempted_at=utcnow() - timedelta(hours=1)))
    db.commit()
    caplog.set_level("INFO", logger="portal.worker")

    assert cli.main(["worker", "--once"]) == 0

    assert "sign_in_attempts_purged=1" in caplog.text
    assert db.exec(select(func.count()).select_from(SignInAttempt)).one() == 0


def _answers(monkeypatch, *answers: str) -> list[str]:
    prompts: list[str] = []
    queue = list(answers)

    def fake_getpass(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return queue.pop(0)

    monkeypatch.setattr(cli.getpass, "getpass", fake_getpass)
    return prompts


def test_create_user_prompts_twice_for_the_password(db, monkeypatch, capsys):
    prompts = _answers(monkeypatch, "a prompted password", "a prompted password")

    code = cli.main(["create-user", "--email", "ada@example.com", "--name", "Ada"])

    assert code == 0
    assert len(prompts) == 2
    assert "Created user ada@example.com with id" in capsys.readouterr().out
    user = db.exec(select(User)).one()
    assert not user.is_platform_admin
    assert user.email == "ada@example.com"


def test_create_user_refuses_passwords_that_differ(db, monkeypatch, capsys):
    _answers(monkeypatch, "a prompted password", "a different password")

    code = cli.main(["create-user", "--email", "ada@example.com", "--name", "Ada"])

    assert code == 1
    assert "differ" in capsys.readouterr().err
    assert db.exec(select(func.count()).select_from(User)).one() == 0


@pytest.mark.parametrize(
    ("email", "name", "password", "message"),
    [
        ("not-an-email", "Ada", "x" * 12, "error (email): Enter an email address"),
        ("ada@example.com", " ", "x" * 12, "error (name): Enter your name."),
        ("ada@example.com", "Ada", "short", "error (password): Use at least 10"),
    ],
)
def test_create_user_reports_invalid_input(db, capsys, email, name, password, message):
    args = ["create-user", "--email", email, "--name", name, "--password", password]
    assert cli.main(args) == 1
    assert message in capsys.readouterr().err
    assert db.exec(select(func.count()).select_from(User)).one() == 0


def test_upgrade_creates_the_folder_of_a_sqlite_file(tmp_path):
    path: Path = tmp_path / "a" / "b" / "portal.db"
    cli.upgrade(url=sqlite_url(path))
    assert path.exists()


def test_seed_demo_is_refused_in_production(tmp_path, migrated_template, monkeypatch, capsys):
    """The demo person's password is public (README): production gets no demo data."""
    url = _migrated(tmp_path, migrated_template)
    use_database(monkeypatch, url)
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.test")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a key of this test")
    get_settings.cache_clear()
    try:
        assert cli.main(["seed-demo"]) == 2
    finally:
        get_settings.cache_clear()
    assert "seed-demo refused" in capsys.readouterr().err
    assert _count(url, User) == 0


# rotate-master-key ---------------------------------------------------------------------------


def _secrets_in_two_workspaces(db) -> tuple:
    """Alice's secrets in two workspaces (each with its own data key), committed."""
    alice = factories.make_user(db, name="Alice")
    actor = factories.actor_for(db, alice)
    account = factories.account_of(db, alice.id)
    spaces = [str(factories.make_workspace(db, account, name).id) for name in ("One", "Two")]
    for number, space in enumerate(spaces):
        workspace_secrets.set_secret(
            session=db,
            actor=actor,
            workspace_id=space,
            environment="prod",
            name="DATABASE_URL",
            value=f"rotated-value-{number}",
        )
    db.commit()
    return actor, spaces


def _revealed(db, actor, spaces) -> list[str]:
    db.expire_all()
    values = [
        workspace_secrets.reveal_secret(
            session=db, actor=actor, workspace_id=space, environment="prod", name="DATABASE_URL"
        )
        for space in spaces
    ]
    db.commit()  # the reveals' audit rows: the next command writes too
    return values


def test_rotate_master_key_as_an_operator_runs_it(db, database, capsys):
    """In a separate process, as an operator runs it: every value still decrypts after."""
    actor, spaces = _secrets_in_two_workspaces(db)
    data_dir = get_settings().data_dir
    old = envelope.configured_master_key()
    new_key = data_dir.parent / "new.key"
    new_key.write_text(base64.b64encode(b"N" * 32).decode() + "\n")

    result = portal(
        database, "rotate-master-key", "--new-key-file", str(new_key), PORTAL_DATA_DIR=str(data_dir)
    )

    assert result.returncode == 0, result.stderr
    new = envelope.MasterKey(b"N" * 32)
    assert f"Re-wrapped 2 data key(s) with master key {new.id} (was {old.id})" in result.stdout
    assert envelope.configured_master_key().id == new.id
    assert envelope.read_key_file(data_dir / f"master.key.retired-{old.id}").id == old.id
    assert {row.master_key_id for row in db.exec(select(WorkspaceDataKey)).all()} == {new.id}
    assert _revealed(db, actor, spaces) == ["rotated-value-0", "rotated-value-1"]
    assert "rotated-value" not in result.stdout + result.stderr

    # Again, with a generated key: the values still decrypt.
    assert cli.main(["rotate-master-key"]) == 0
    assert envelope.configured_master_key().id not in (old.id, new.id)
    assert _revealed(db, actor, spaces) == ["rotated-value-0", "rotated-value-1"]
    assert "Back up the new key" in capsys.readouterr().out


def test_rotate_master_key_refuses_a_bad_key_file(db, tmp_path, capsys):
    actor, spaces = _secrets_in_two_workspaces(db)
    bad = tmp_path / "bad.key"
    bad.write_text("not base64 of 32 bytes\n")
    assert cli.main(["rotate-master-key", "--new-key-file", str(bad)]) == 1
    assert "does not hold base64 of 32 bytes" in capsys.readouterr().err
    assert cli.main(["rotate-master-key", "--new-key-file", str(tmp_path / "missing")]) == 1
    assert "No such file" in capsys.readouterr().err
    assert not envelope.next_key_file().exists()  # nothing staged, nothing changed
    assert _revealed(db, actor, spaces) == ["rotated-value-0", "rotated-value-1"]
