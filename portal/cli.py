"""`python -m portal ...`: the operator's commands.

    migrate       bring the database schema up to date (alembic upgrade head)
    seed-demo     create the demo person, account and workspaces if they are missing
    create-user   create a person and their first account (optionally a platform admin)
    rotate-master-key
                  re-wrap every workspace's data key (Secrets) with a new master key
    worker        run background work until stopped: provisioning sagas, exports and purges of
                  offboarded workspaces, queued mail and webhook deliveries (every few
                  seconds), and housekeeping (purge ended sessions, old sign-in attempts)

The database is the one DATABASE_URL names (portal.config). Nothing here imports Reflex.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from portal.config import ROOT, get_settings
from portal.db import transaction
from portal.domain.errors import Invalid
from portal.services import auth, demo, demo_apps, envelope
from portal.workers import deliveries as deliveries_worker
from portal.workers import housekeeping as housekeeping_worker
from portal.workers import mail as mail_worker
from portal.workers import processes as processes_worker

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("portal.cli")

ALEMBIC_INI = ROOT / "alembic.ini"


# --- migrations ----------------------------------------------------------------------------


def alembic_config(url: str | None = None) -> Config:
    """Alembic's Config for Portal's alembic.ini; `url` overrides DATABASE_URL."""
    from alembic.config import Config  # imported when needed: half the CLI's start-up time

    config = Config(str(ALEMBIC_INI))
    # Logging belongs to whoever called us (this CLI, pytest), not to alembic.ini.
    config.attributes["configure_logger"] = False
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _ensure_sqlite_folder(url: str) -> None:
    """A fresh checkout has no data/ folder; SQLite would refuse to create the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def upgrade(revision: str = "head", *, url: str | None = None) -> None:
    """Apply migrations up to `revision`: what `python -m portal migrate` runs."""
    from alembic import command

    _ensure_sqlite_folder(url or get_settings().database_url)
    command.upgrade(alembic_config(url), revision)


def downgrade(revision: str, *, url: str | None = None) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


# --- commands ------------------------------------------------------------------------------


def _redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    url = get_settings().database_url
    print(f"Migrating {_redact(url)} to {args.revision} ...")
    upgrade(args.revision)
    print("Database is up to date.")
    return 0


def _progress(what: str, done: int, total: int) -> None:
    """One line redrawn in place: `end users [######......]  412,000 / 1,000,000`."""
    width = 30
    filled = width * done // total if total else width
    end = "\n" if done >= total else ""
    bar = "#" * filled + "." * (width - filled)
    print(f"\r  {what:<14} [{bar}] {done:,} / {total:,}", end=end, flush=True)


def cmd_seed_demo(args: argparse.Namespace) -> int:
    # The demo person's password is in the README: in production it would be a way in.
    if get_settings().mode == "production":
        print(
            "seed-demo refused: PORTAL_ENV is production, and the demo person's password is "
            "public. Create real people with `python -m portal create-user`.",
            file=sys.stderr,
        )
        return 2
    with transaction() as session:
        created = demo.seed_demo(session=session)
    if created:
        print(f"Created demo data: 1 user, 1 account, {len(demo.DEMO_WORKSPACES)} workspaces.")
    else:
        print("Demo data already present; nothing created.")
    if args.scale:
        with transaction() as session:
            workspace = demo.scale_workspace(session)
            print(f"Adding {args.scale:,} apps to the workspace {workspace.name} ...")
            demo_apps.seed_scale(session, workspace, apps=args.scale, progress=_progress)
    print(f"Sign in as {demo.DEMO_EMAIL} with password {demo.DEMO_PASSWORD}")
    return 0


def _prompt_password() -> str | None:
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password (again): ")
    if first != second:
        return None
    return first


def cmd_create_user(args: argparse.Namespace) -> int:
    password = args.password
    if password is None:
        password = _prompt_password()
        if password is None:
            print("error: the two passwords differ; nothing was created.", file=sys.stderr)
            return 1
    try:
        with transaction() as session:
            user = auth.create_user(
                session=session,
                email=args.email,
                name=args.name,
                password=password,
                account_name=args.account_name or "",
                is_platform_admin=args.platform_admin,
            )
    except Invalid as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"error{where}: {exc.message}", file=sys.stderr)
        return 1
    role = " (platform admin)" if user.is_platform_admin else ""
    print(f"Created user {user.email}{role} with id {user.id}.")
    return 0


def cmd_rotate_master_key(args: argparse.Namespace) -> int:
    """The steps and why an interruption loses nothing: portal/services/envelope.py."""
    new = None
    try:
        if args.new_key_file is not None:
            new = envelope.read_key_file(args.new_key_file)
        rotation = envelope.rotate_master_key(transaction=transaction, new=new)
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return 1
    except (envelope.RotationRefused, envelope.KeyUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"Re-wrapped {rotation.rewrapped} data key(s) with master key {rotation.new_key_id} "
        f"(was {rotation.old_key_id}); no secret was touched."
    )
    if rotation.pending_file is not None:
        print(
            f"Now set PORTAL_MASTER_KEY to the key in {rotation.pending_file} and restart every "
            "Portal process; delete that file only after that. Keep the old key until backups "
            "taken before now have expired."
        )
    else:
        print(
            f"The new key is in {rotation.key_file}; the old one is kept in "
            f"{rotation.retired_file} for backups taken before now. Back up the new key."
        )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    if args.once:
        housekeeping_worker.run_once()
        processes_worker.run_once()
        mail_worker.run_once()
        deliveries_worker.run_once()
        return 0

    stop = threading.Event()

    def _on_sigterm(signum, _frame):
        log.info("received signal %s; stopping", signum)
        stop.set()

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    # Processes (sagas, exports, purges) in a thread of their own, on a short interval.
    process_loop = threading.Thread(
        target=processes_worker.run_until,
        args=(stop, args.process_interval),
        name="portal-processes",
        daemon=True,
    )
    process_loop.start()
    # Queued mail in another, so a slow SMTP server never holds up the processes.
    mail_loop = threading.Thread(
        target=mail_worker.run_until,
        args=(stop, mail_worker.DEFAULT_INTERVAL_SECONDS),
        name="portal-mail",
        daemon=True,
    )
    mail_loop.start()
    # Webhook deliveries: an event loop of their own in a third thread (many requests in flight).
    delivery_loop = threading.Thread(
        target=deliveries_worker.run_until, args=(stop,), name="portal-deliveries", daemon=True
    )
    delivery_loop.start()
    try:
        housekeeping_worker.run_until(stop, args.interval)
    except KeyboardInterrupt:
        log.info("interrupted; stopping")
    finally:
        stop.set()
        process_loop.join(timeout=30)
        mail_loop.join(timeout=30)
        delivery_loop.join(timeout=30)
        signal.signal(signal.SIGTERM, previous)
    return 0


# --- parser --------------------------------------------------------------------------------


def _positive_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {raw!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m portal",
        description="Portal's operator commands. The database is the one DATABASE_URL names.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = sub.add_parser("migrate", help="apply database migrations (alembic upgrade)")
    migrate.add_argument(
        "--revision", default="head", help="migrate up to this revision (default: head)"
    )
    migrate.set_defaults(handler=cmd_migrate)

    seed = sub.add_parser("seed-demo", help="create the demo user, account and workspaces")
    seed.add_argument(
        "--scale",
        type=int,
        default=0,
        metavar="N",
        help="also add N apps (each with 100 organizations and 1,000 end users) to the "
        "workspace Acme Scale",
    )
    seed.set_defaults(handler=cmd_seed_demo)

    create = sub.add_parser("create-user", help="create a user and their first account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument(
        "--password", help="the password (prompted twice when left out, which is safer)"
    )
    create.add_argument(
        "--platform-admin", action="store_true", help="may review distribution requests"
    )
    create.add_argument("--account-name", help="name of the user's first account")
    create.set_defaults(handler=cmd_create_user)

    rotate = sub.add_parser(
        "rotate-master-key",
        help="re-wrap every workspace's data key (Secrets) with a new master key",
        description="Re-wrap every workspace's data key with a new master key; the secrets "
        "themselves are not touched. The new key is generated unless --new-key-file gives it. "
        "It is written to <data dir>/master.key.next before anything changes, so an "
        "interrupted rotation is finished by running the command again.",
    )
    rotate.add_argument(
        "--new-key-file",
        type=Path,
        metavar="PATH",
        help="a file holding the new key: base64 of 32 random bytes (e.g. openssl rand -base64 32)",
    )
    rotate.set_defaults(handler=cmd_rotate_master_key)

    worker = sub.add_parser(
        "worker",
        help="run processes (sagas, exports, purges), queued mail, webhook deliveries and "
        "housekeeping until stopped",
    )
    worker.add_argument("--once", action="store_true", help="run one round and exit")
    worker.add_argument(
        "--interval",
        type=_positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="seconds between housekeeping rounds (default: 300)",
    )
    worker.add_argument(
        "--process-interval",
        type=_positive_seconds,
        default=processes_worker.DEFAULT_INTERVAL_SECONDS,
        metavar="SECONDS",
        help="seconds between rounds of due processes "
        f"(default: {processes_worker.DEFAULT_INTERVAL_SECONDS:g})",
    )
    worker.set_defaults(handler=cmd_worker)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    return args.handler(args)
