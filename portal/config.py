"""Settings from the environment: the one place Portal reads its configuration.

Typed with pydantic-settings: every variable is parsed once, by `get_settings()`, and a bad
value stops Portal at start with a message naming the variable (`PORTAL_SESSION_IDLE_MINUTES
='abc': Input should be a valid integer ...`) instead of a traceback from deep inside a
request later. The variable names and defaults are the README's table; an empty variable
counts as unset.

Secrets are `SecretStr` (`smtp_password`, `coderunner_token`): the repr, str and logs of the
settings show `**********`, and the one place that sends a secret calls
`.get_secret_value()` there. The password in a `DATABASE_URL` or `REDIS_URL` is masked in the
repr too, and no error message repeats a secret's value.

Development and production. `mode` is `production` under `reflex run --env prod`
(REFLEX_ENV_MODE=prod) or with PORTAL_ENV=production (say so for `python -m portal worker` and
`migrate`, which Reflex does not start), else `development`; PORTAL_ENV=development on a
production build is an explicit opt-out, for a production build on loopback. In production
Portal refuses to start

- with a *default secret*: a secret setting still at a value written in this repository, which
  every installation that forgot to set it would share and anyone who reads the code knows.
  The rule is mechanical: any `SecretStr` setting declared with a non-empty default is refused
  in production while it holds that default, so a future secret given a development default (a
  signing key, say) is covered without more code. PORTAL_SECRET_KEY (which seals webhook
  signing secrets and OAuth client secrets at rest) is one: production needs a key of its
  own. SMTP_PASSWORD and PORTAL_CODERUNNER_TOKEN default to unset, which turns the feature
  off or sends no credential, never a known one;
- with an `http://` PORTAL_PUBLIC_URL on a host other than loopback: the session cookie is
  marked Secure only for an `https://` public URL, and the links Portal mails carry
  password-reset and invitation tokens, so both would cross the network in clear text.

(The demo data's published password, `seed-demo`, is data, not a setting: the CLI owns it.)
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

Mode = Literal["development", "production"]


class SettingsError(RuntimeError):
    """The environment holds settings Portal cannot start with; the message names them."""


def _mode_from_reflex() -> Mode:
    return "production" if os.environ.get("REFLEX_ENV_MODE") == "prod" else "development"


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _http_url(value: str) -> str:
    """An absolute http(s) URL without its trailing slash."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("use an absolute http:// or https:// URL")
    return value


def _mask_password(url: str | None) -> str | None:
    """`scheme://user:***@host/...` for a repr; the URL unchanged when it has no password."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        if not parts.password:
            return url
        host = parts.netloc.rpartition("@")[2]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return "<unparsable URL>"


def _env(variable: str, default: Any = None, **constraints: Any) -> Any:
    """A setting read from `variable` (the name is the README's, not derived from the field)."""
    if callable(default):
        return Field(default_factory=default, validation_alias=variable, **constraints)
    return Field(default, validation_alias=variable, **constraints)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,
        env_ignore_empty=True,  # `FOO=` means unset, as before
        populate_by_name=True,  # Settings(session_idle_minutes=5) in tests
    )

    # Declared first: defaults below (dev_outbox) depend on it.
    mode: Mode = _env("PORTAL_ENV", _mode_from_reflex)
    database_url: str = _env("DATABASE_URL", lambda: f"sqlite:///{ROOT / 'data' / 'portal.db'}")
    redis_url: str | None = _env("REDIS_URL")
    public_url: str = _env("PORTAL_PUBLIC_URL", "http://localhost:3000")
    # Sessions: idle expiry and absolute expiry (OWASP session management defaults).
    session_idle_minutes: int = _env("PORTAL_SESSION_IDLE_MINUTES", 30, ge=1)
    session_absolute_hours: int = _env("PORTAL_SESSION_ABSOLUTE_HOURS", 12, ge=1)
    # Sign-in throttle: this many failures in the window refuse further attempts.
    throttle_max_failures: int = _env("PORTAL_THROTTLE_MAX_FAILURES", 10, ge=1)
    throttle_window_minutes: int = _env("PORTAL_THROTTLE_WINDOW_MINUTES", 15, ge=1)
    password_reset_minutes: int = _env("PORTAL_PASSWORD_RESET_MINUTES", 60, ge=1)
    # Email: SMTP when a host is set, else the dev outbox page.
    smtp_host: str | None = _env("SMTP_HOST")
    smtp_port: int = _env("SMTP_PORT", 587, ge=1, le=65535)
    smtp_username: str | None = _env("SMTP_USERNAME")
    smtp_password: SecretStr | None = _env("SMTP_PASSWORD")
    smtp_starttls: bool = _env("SMTP_STARTTLS", True)
    mail_from: str = _env("PORTAL_MAIL_FROM", "Portal <no-reply@portal.localhost>")
    developer_terms_version: str = _env("PORTAL_DEVELOPER_TERMS_VERSION", "2026-11")
    # Run background loops inside the web app (one-process setups); off when a separate
    # `python -m portal worker` runs them.
    embedded_workers: bool = _env("PORTAL_EMBEDDED_WORKERS", True)
    # Show unsent mail on the public /dev/outbox page (it holds password-reset links). On by
    # default in development; production needs PORTAL_DEV_OUTBOX=1 to publish mail that
    # anyone could read.
    dev_outbox: bool = _env("PORTAL_DEV_OUTBOX", lambda data: data.get("mode") != "production")
    # GET /_probe/tab-states answers how many tab states the server holds, for the memory
    # figure of bench/compare.py. Off unless asked for: it tells anyone how busy the server is.
    tab_state_probe: bool = _env("PORTAL_TAB_STATE_PROBE", False)
    # Files Portal writes (export archives) live under here.
    data_dir: Path = _env("PORTAL_DATA_DIR", lambda: ROOT / "data")
    # Workspaces: the regions offered at creation (the first is the default), the
    # hard-delete window after offboarding, when provisioning counts as stuck, invitations.
    # A comma-separated list in the environment (NoDecode: not JSON).
    regions: Annotated[tuple[str, ...], NoDecode] = _env(
        "PORTAL_REGIONS", ("eu-central", "us-east")
    )
    offboarding_days: int = _env("PORTAL_OFFBOARDING_DAYS", 30, ge=1)
    provisioning_stuck_minutes: int = _env("PORTAL_PROVISIONING_STUCK_MINUTES", 10, ge=1)
    invitation_days: int = _env("PORTAL_INVITATION_DAYS", 7, ge=1)
    # The coderunner integration; the workspace detail lists runners only when it is set.
    coderunner_url: str | None = _env("PORTAL_CODERUNNER_URL")
    coderunner_token: SecretStr | None = _env("PORTAL_CODERUNNER_TOKEN")
    # How often each web process writes the data-plane activity it counted (seconds).
    activity_flush_seconds: float = _env("PORTAL_ACTIVITY_FLUSH_SECONDS", 5.0, gt=0)
    # Seals the secrets Portal must read back (webhook signing secrets, OAuth client secrets):
    # portal/services/sealing.py. The development default is refused in production.
    secret_key: SecretStr = _env(
        "PORTAL_SECRET_KEY", SecretStr("portal-development-secret-key-not-for-production")
    )
    # The master key of Secrets (portal/services/envelope.py): base64 of 32 random bytes. It
    # wraps each workspace's data key. Unset: a key file generated on first use under the
    # data directory (master.key, mode 0600), which must be backed up with the database.
    master_key: SecretStr | None = _env("PORTAL_MASTER_KEY")
    # Files (portal/services/file_storage.py): the largest upload, in MB; and an S3-compatible
    # store, which several Portal servers can share, when PORTAL_FILES_S3_BUCKET is set (else
    # the data directory, under files/). Unset keys: boto3's own chain (environment, profile).
    files_max_mb: int = _env("PORTAL_FILES_MAX_MB", 100, ge=1, le=1024 * 1024)
    files_s3_bucket: str | None = _env("PORTAL_FILES_S3_BUCKET")
    files_s3_endpoint_url: str | None = _env("PORTAL_FILES_S3_ENDPOINT_URL")
    files_s3_region: str | None = _env("PORTAL_FILES_S3_REGION")
    files_s3_access_key_id: str | None = _env("PORTAL_FILES_S3_ACCESS_KEY_ID")
    files_s3_secret_access_key: SecretStr | None = _env("PORTAL_FILES_S3_SECRET_ACCESS_KEY")
    # Hosts webhooks may reach though they are (or resolve to) loopback, private or other
    # internal addresses: the SSRF guard's exceptions (portal/workers/guarded_http.py), e.g.
    # a receiver on this machine in tests and development. Comma-separated host names or IP
    # addresses, matched exactly (no wildcards); empty by default: none.
    webhook_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = _env(
        "PORTAL_WEBHOOK_ALLOWED_HOSTS", ()
    )
    # Days a webhook endpoint may fail with no success before Portal disables it and tells
    # its owners (a success resets the clock).
    webhook_disable_after_days: float = _env("PORTAL_WEBHOOK_DISABLE_AFTER_DAYS", 5.0, gt=0)
    # How many deliveries one delivery worker has in flight at once.
    webhook_concurrency: int = _env("PORTAL_WEBHOOK_CONCURRENCY", 100, gt=0, le=1000)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("coderunner_url")
    @classmethod
    def _coderunner_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip().rstrip("/"):
            return None
        return _http_url(value)

    @field_validator("files_s3_endpoint_url")
    @classmethod
    def _files_s3_endpoint_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip().rstrip("/"):
            return None
        return _http_url(value)

    @field_validator("master_key")
    @classmethod
    def _master_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(value.get_secret_value().strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            # Never repeats the value: _describe leaves SecretStr inputs out.
            raise ValueError(
                "use base64 of 32 random bytes, e.g. the output of `openssl rand -base64 32`"
            )
        return value

    @field_validator("regions", mode="before")
    @classmethod
    def _split_regions(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(str(region).strip() for region in value if str(region).strip())
        return value

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(str(host).strip() for host in value if str(host).strip())
        return value

    @field_validator("webhook_allowed_hosts")
    @classmethod
    def _plain_hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        hosts = []
        for host in value:
            name = host.lower()
            if name.startswith("[") and name.endswith("]"):
                name = name[1:-1]  # [::1]
            if not name or any(c in name for c in "/@*?#") or (":" in name and not _is_ip(name)):
                raise ValueError(
                    f"{host!r} is not a host name or IP address; list hosts without scheme, "
                    "port or wildcard, e.g. localhost,127.0.0.1"
                )
            hosts.append(name)
        return tuple(hosts)

    @field_validator("regions")
    @classmethod
    def _some_region(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one region, e.g. eu-central,us-east")
        return value

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if not self.is_production:
            return self
        problems = [
            f"{field.validation_alias} is still its development default; set a secret of your own"
            for name, field in type(self).model_fields.items()
            if isinstance(field.default, SecretStr)
            and field.default.get_secret_value()
            and isinstance(getattr(self, name), SecretStr)
            and getattr(self, name).get_secret_value() == field.default.get_secret_value()
        ]
        public = urlsplit(self.public_url)
        if public.scheme == "http" and not _is_loopback(public.hostname or ""):
            problems.append(
                f"PORTAL_PUBLIC_URL={self.public_url!r} is http:// in production: session "
                "cookies and the reset and invitation links in mail would travel in clear "
                "text; use the https:// address people open"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def __repr_args__(self):
        for name, value in super().__repr_args__():
            yield name, _mask_password(value) if name in ("database_url", "redis_url") else value

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    @property
    def dev_outbox_enabled(self) -> bool:
        return self.dev_outbox and not self.smtp_host

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _describe(exc: ValidationError) -> str:
    """One line per problem, naming the variable; secret values are never repeated."""
    fields = Settings.model_fields
    variables = {name: str(field.validation_alias) for name, field in fields.items()}
    secret_variables = {
        variables[name] for name, field in fields.items() if "SecretStr" in repr(field.annotation)
    }
    lines = []
    for error in exc.errors(include_url=False):
        if error["type"] == "default_factory_not_called":
            continue  # a default that depends on a setting already reported above
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:
            lines.append(f"- {message}")
            continue
        variable = variables.get(str(error["loc"][0]), str(error["loc"][0]))  # by name too
        shown = "" if variable in secret_variables else f"={error.get('input')!r}"
        lines.append(f"- {variable}{shown}: {message}")
    return "Portal cannot start with these settings:\n" + "\n".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (`overrides` by field name win); SettingsError if bad."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        # `from None`: the ValidationError would print the raw input, secrets included.
        raise SettingsError(_describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
