"""Settings from the environment: the one place Portal reads its configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    public_url: str
    # Sessions: idle expiry and absolute expiry (OWASP session management defaults).
    session_idle_minutes: int
    session_absolute_hours: int
    # Sign-in throttle: this many failures in the window refuse further attempts.
    throttle_max_failures: int
    throttle_window_minutes: int
    password_reset_minutes: int
    # Email: SMTP when a host is set, else the dev outbox page.
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    developer_terms_version: str
    # Run background loops inside the web app (one-process setups); off when a separate
    # `python -m portal worker` runs them.
    embedded_workers: bool

    # Show unsent mail on the public /dev/outbox page (it holds password-reset links).
    dev_outbox: bool
    # Files Portal writes (export archives) live under here.
    data_dir: Path
    # Workspaces: the regions offered at creation (the first is the default), the
    # hard-delete window after offboarding, when provisioning counts as stuck, invitations.
    regions: tuple[str, ...]
    offboarding_days: int
    provisioning_stuck_minutes: int
    invitation_days: int
    # The coderunner integration; the workspace detail lists runners only when it is set.
    coderunner_url: str | None
    coderunner_token: str | None

    @property
    def dev_outbox_enabled(self) -> bool:
        return self.dev_outbox and not self.smtp_host

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ.get
    return Settings(
        database_url=env("DATABASE_URL") or f"sqlite:///{ROOT / 'data' / 'portal.db'}",
        redis_url=env("REDIS_URL") or None,
        public_url=(env("PORTAL_PUBLIC_URL") or "http://localhost:3000").rstrip("/"),
        session_idle_minutes=_int("PORTAL_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int("PORTAL_SESSION_ABSOLUTE_HOURS", 12),
        throttle_max_failures=_int("PORTAL_THROTTLE_MAX_FAILURES", 10),
        throttle_window_minutes=_int("PORTAL_THROTTLE_WINDOW_MINUTES", 15),
        password_reset_minutes=_int("PORTAL_PASSWORD_RESET_MINUTES", 60),
        smtp_host=env("SMTP_HOST") or None,
        smtp_port=_int("SMTP_PORT", 587),
        smtp_username=env("SMTP_USERNAME") or None,
        smtp_password=env("SMTP_PASSWORD") or None,
        smtp_starttls=(env("SMTP_STARTTLS") or "1") != "0",
        mail_from=env("PORTAL_MAIL_FROM") or "Portal <no-reply@portal.localhost>",
        developer_terms_version=env("PORTAL_DEVELOPER_TERMS_VERSION") or "2026-11",
        embedded_workers=(env("PORTAL_EMBEDDED_WORKERS") or "1") != "0",
        # On by default in development; a production server (`reflex run --env prod`) needs
        # PORTAL_DEV_OUTBOX=1 to publish mail that anyone could read.
        dev_outbox=(env("PORTAL_DEV_OUTBOX") or ("0" if env("REFLEX_ENV_MODE") == "prod" else "1"))
        == "1",
        data_dir=Path(env("PORTAL_DATA_DIR") or ROOT / "data"),
        regions=tuple(
            r.strip()
            for r in (env("PORTAL_REGIONS") or "eu-central,us-east").split(",")
            if r.strip()
        ),
        offboarding_days=_int("PORTAL_OFFBOARDING_DAYS", 30),
        provisioning_stuck_minutes=_int("PORTAL_PROVISIONING_STUCK_MINUTES", 10),
        invitation_days=_int("PORTAL_INVITATION_DAYS", 7),
        coderunner_url=(env("PORTAL_CODERUNNER_URL") or "").rstrip("/") or None,
        coderunner_token=env("PORTAL_CODERUNNER_TOKEN") or None,
    )
