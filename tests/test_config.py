"""Settings: the README's variables and defaults, errors that name the variable, secrets kept
out of reprs and messages, and what production refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import Field, SecretStr, ValidationError

from portal.config import ROOT, Settings, SettingsError, get_settings, load_settings

_VARIABLES = ("PORTAL_", "SMTP_", "DATABASE_URL", "REDIS_URL", "REFLEX_ENV_MODE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No setting from the developer's shell; the cached settings re-read afterwards."""
    for name in list(os.environ):
        if name.startswith(_VARIABLES):
            monkeypatch.delenv(name)
    # A key of its own, as production needs (test_the_development_sealing_key_... drops it).
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a sealing key of the config tests")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_defaults_are_the_readmes():
    settings = get_settings()
    assert settings.mode == "development" and not settings.is_production
    assert settings.database_url == f"sqlite:///{ROOT / 'data' / 'portal.db'}"
    assert settings.is_sqlite
    assert settings.redis_url is None
    assert settings.public_url == "http://localhost:3000"
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (30, 12)
    assert (settings.throttle_max_failures, settings.throttle_window_minutes) == (10, 15)
    assert settings.password_reset_minutes == 60
    assert settings.smtp_host is None and settings.smtp_port == 587
    assert settings.smtp_username is None and settings.smtp_password is None
    assert settings.smtp_starttls is True
    assert settings.mail_from == "Portal <no-reply@portal.localhost>"
    assert settings.developer_terms_version == "2026-11"
    assert settings.embedded_workers is True
    assert settings.dev_outbox is True and settings.dev_outbox_enabled
    assert settings.data_dir == ROOT / "data"
    assert settings.regions == ("eu-central", "us-east")
    assert settings.offboarding_days == 30
    assert settings.provisioning_stuck_minutes == 10
    assert settings.invitation_days == 7
    assert settings.coderunner_url is None and settings.coderunner_token is None
    assert settings.webhook_allowed_hosts == ()


@pytest.mark.parametrize(
    ("variable", "raw", "attribute", "expected"),
    [
        (
            "DATABASE_URL",
            "postgresql+psycopg://db/portal",
            "database_url",
            "postgresql+psycopg://db/portal",
        ),
        ("REDIS_URL", "redis://127.0.0.1:6379", "redis_url", "redis://127.0.0.1:6379"),
        (
            "PORTAL_PUBLIC_URL",
            "https://portal.example.com/",
            "public_url",
            "https://portal.example.com",
        ),
        ("PORTAL_SESSION_IDLE_MINUTES", "5", "session_idle_minutes", 5),
        ("PORTAL_SESSION_ABSOLUTE_HOURS", "2", "session_absolute_hours", 2),
        ("PORTAL_THROTTLE_MAX_FAILURES", "3", "throttle_max_failures", 3),
        ("PORTAL_THROTTLE_WINDOW_MINUTES", "4", "throttle_window_minutes", 4),
        ("PORTAL_PASSWORD_RESET_MINUTES", "9", "password_reset_minutes", 9),
        ("SMTP_HOST", "smtp.example.com", "smtp_host", "smtp.example.com"),
        ("SMTP_PORT", "2525", "smtp_port", 2525),
        ("SMTP_USERNAME", "portal", "smtp_username", "portal"),
        ("SMTP_STARTTLS", "0", "smtp_starttls", False),
        ("PORTAL_MAIL_FROM", "Ops <ops@example.com>", "mail_from", "Ops <ops@example.com>"),
        ("PORTAL_DEVELOPER_TERMS_VERSION", "2027-03", "developer_terms_version", "2027-03"),
        ("PORTAL_EMBEDDED_WORKERS", "0", "embedded_workers", False),
        ("PORTAL_DEV_OUTBOX", "0", "dev_outbox", False),
        ("PORTAL_DATA_DIR", "/srv/portal", "data_dir", Path("/srv/portal")),
        ("PORTAL_REGIONS", " ap-south, eu-west ,,", "regions", ("ap-south", "eu-west")),
        ("PORTAL_OFFBOARDING_DAYS", "7", "offboarding_days", 7),
        ("PORTAL_PROVISIONING_STUCK_MINUTES", "2", "provisioning_stuck_minutes", 2),
        ("PORTAL_INVITATION_DAYS", "3", "invitation_days", 3),
        (
            "PORTAL_CODERUNNER_URL",
            "https://runners.example/",
            "coderunner_url",
            "https://runners.example",
        ),
        (
            "PORTAL_WEBHOOK_ALLOWED_HOSTS",
            " LocalHost, 127.0.0.1 ,[::1],,hooks.internal",
            "webhook_allowed_hosts",
            ("localhost", "127.0.0.1", "::1", "hooks.internal"),
        ),
        ("PORTAL_ENV", "production", "mode", "production"),
    ],
)
def test_each_variable_sets_its_attribute(clean_environment, variable, raw, attribute, expected):
    clean_environment.setenv(variable, raw)
    assert getattr(get_settings(), attribute) == expected


def test_an_empty_variable_counts_as_unset(clean_environment):
    for variable in ("PORTAL_SESSION_IDLE_MINUTES", "SMTP_PASSWORD", "PORTAL_CODERUNNER_URL"):
        clean_environment.setenv(variable, "")
    settings = get_settings()
    assert settings.session_idle_minutes == 30
    assert settings.smtp_password is None and settings.coderunner_url is None


def test_variable_names_are_case_sensitive(clean_environment):
    clean_environment.setenv("portal_session_idle_minutes", "5")
    assert get_settings().session_idle_minutes == 30


@pytest.mark.parametrize(
    ("variable", "raw", "says"),
    [
        ("PORTAL_SESSION_IDLE_MINUTES", "abc", "valid integer"),
        ("PORTAL_INVITATION_DAYS", "0", "greater than or equal to 1"),
        ("SMTP_PORT", "70000", "less than or equal to 65535"),
        ("SMTP_STARTTLS", "maybe", "valid boolean"),
        ("PORTAL_REGIONS", " , ", "at least one region"),
        ("PORTAL_PUBLIC_URL", "portal.example.com", "http:// or https://"),
        ("PORTAL_CODERUNNER_URL", "ftp://runners.example", "http:// or https://"),
        ("PORTAL_ENV", "staging", "'development' or 'production'"),
        ("PORTAL_WEBHOOK_ALLOWED_HOSTS", "localhost:8080", "without scheme, port or wildcard"),
        ("PORTAL_WEBHOOK_ALLOWED_HOSTS", "https://hooks.internal", "not a host name"),
        ("PORTAL_WEBHOOK_ALLOWED_HOSTS", "*.internal", "not a host name"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(clean_environment, variable, raw, says):
    clean_environment.setenv(variable, raw)
    with pytest.raises(SettingsError) as caught:
        get_settings()
    message = str(caught.value)
    assert f"{variable}={raw!r}" in message
    assert says in message
    assert message.count("\n- ") == 1  # this one problem, and no echo of a derived default


def test_every_bad_value_is_reported_at_once(clean_environment):
    clean_environment.setenv("PORTAL_SESSION_IDLE_MINUTES", "abc")
    clean_environment.setenv("SMTP_PORT", "x")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert "PORTAL_SESSION_IDLE_MINUTES='abc'" in str(caught.value)
    assert "SMTP_PORT='x'" in str(caught.value)


# --- secrets ---------------------------------------------------------------------------------

SMTP_PASSWORD = "smtp-pa55word-value"
CODERUNNER_TOKEN = "crt_token-value"
DATABASE_PASSWORD = "db-pa55word-value"
REDIS_PASSWORD = "redis-pa55word-value"


@pytest.fixture
def secrets_set(clean_environment):
    clean_environment.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
    clean_environment.setenv("PORTAL_CODERUNNER_TOKEN", CODERUNNER_TOKEN)
    clean_environment.setenv(
        "DATABASE_URL", f"postgresql+psycopg://portal:{DATABASE_PASSWORD}@db:5432/portal"
    )
    clean_environment.setenv("REDIS_URL", f"redis://:{REDIS_PASSWORD}@cache:6379/0")
    return clean_environment


def _leaks(text: str) -> list[str]:
    secrets = (SMTP_PASSWORD, CODERUNNER_TOKEN, DATABASE_PASSWORD, REDIS_PASSWORD)
    return [secret for secret in secrets if secret in text]


def test_repr_and_str_of_the_settings_show_no_secret(secrets_set):
    settings = get_settings()
    for text in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        assert _leaks(text) == [], text
    assert "smtp_password=SecretStr('**********')" in repr(settings)
    assert "postgresql+psycopg://portal:***@db:5432/portal" in repr(settings)
    assert "redis://:***@cache:6379/0" in repr(settings)


def test_the_secret_values_are_there_for_the_code_that_sends_them(secrets_set):
    settings = get_settings()
    assert settings.smtp_password.get_secret_value() == SMTP_PASSWORD
    assert settings.coderunner_token.get_secret_value() == CODERUNNER_TOKEN
    # The URLs themselves keep their passwords: the engine and Redis client need them.
    assert DATABASE_PASSWORD in settings.database_url
    assert REDIS_PASSWORD in settings.redis_url


def test_an_error_never_repeats_a_secret(secrets_set):
    secrets_set.setenv("PORTAL_ENV", "production")
    secrets_set.setenv("PORTAL_PUBLIC_URL", "http://portal.example.com")
    secrets_set.setenv("PORTAL_SESSION_IDLE_MINUTES", "abc")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert "PORTAL_SESSION_IDLE_MINUTES" in str(caught.value)
    assert _leaks(str(caught.value)) == []
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# --- development and production --------------------------------------------------------------


def test_reflex_prod_mode_is_production_and_hides_the_outbox(clean_environment):
    clean_environment.setenv("REFLEX_ENV_MODE", "prod")
    settings = get_settings()
    assert settings.is_production and settings.dev_outbox is False
    clean_environment.setenv("PORTAL_DEV_OUTBOX", "1")
    get_settings.cache_clear()
    assert get_settings().dev_outbox is True


def test_portal_env_says_which_mode_whatever_reflex_says(clean_environment):
    clean_environment.setenv("PORTAL_ENV", "production")  # the worker, which Reflex never starts
    assert get_settings().is_production and not get_settings().dev_outbox
    clean_environment.setenv("REFLEX_ENV_MODE", "prod")
    clean_environment.setenv("PORTAL_ENV", "development")  # a production build on loopback
    get_settings.cache_clear()
    assert not get_settings().is_production and get_settings().dev_outbox


@pytest.mark.parametrize(
    "url",
    [
        "https://portal.example.com",
        "http://localhost:3000",
        "http://portal.localhost:3000",
        "http://127.0.0.1:8000",
        "http://[::1]:3000",
    ],
)
def test_production_accepts_https_or_loopback(clean_environment, url):
    clean_environment.setenv("PORTAL_ENV", "production")
    clean_environment.setenv("PORTAL_PUBLIC_URL", url)
    assert get_settings().public_url == url


@pytest.mark.parametrize("url", ["http://portal.example.com", "http://10.0.0.5:3000"])
def test_production_refuses_a_clear_text_public_url(clean_environment, url):
    clean_environment.setenv("REFLEX_ENV_MODE", "prod")
    clean_environment.setenv("PORTAL_PUBLIC_URL", url)
    with pytest.raises(SettingsError, match=r"PORTAL_PUBLIC_URL='http://.*' is http:// in prod"):
        get_settings()
    clean_environment.setenv("PORTAL_ENV", "development")
    get_settings.cache_clear()
    assert get_settings().public_url == url  # development takes any URL


class _WithDevelopmentKey(Settings):
    """A secret with a development default, as a signing key would have."""

    signing_key: SecretStr = Field(
        SecretStr("dev-signing-key"), validation_alias="PORTAL_TEST_SIGNING_KEY"
    )


def test_a_default_secret_is_refused_in_production_only(clean_environment):
    assert _WithDevelopmentKey().signing_key.get_secret_value() == "dev-signing-key"
    clean_environment.setenv("PORTAL_ENV", "production")
    with pytest.raises(ValidationError) as caught:
        _WithDevelopmentKey()
    assert "PORTAL_TEST_SIGNING_KEY is still its development default" in str(caught.value)
    clean_environment.setenv("PORTAL_TEST_SIGNING_KEY", "a-key-of-our-own")
    assert _WithDevelopmentKey().signing_key.get_secret_value() == "a-key-of-our-own"


def test_the_development_sealing_key_is_refused_in_production(clean_environment):
    clean_environment.delenv("PORTAL_SECRET_KEY")
    assert load_settings().secret_key.get_secret_value().startswith("portal-development")
    clean_environment.setenv("PORTAL_ENV", "production")
    with pytest.raises(SettingsError, match="PORTAL_SECRET_KEY is still its development default"):
        load_settings()


def test_no_secret_setting_is_a_plain_string():
    """Settings whose name says secret are SecretStr, so no repr can print them."""
    for name, field in Settings.model_fields.items():
        if name.endswith(("password", "token", "secret", "key")):
            assert "SecretStr" in repr(field.annotation), f"{name} should be a SecretStr"


def test_overrides_by_field_name_for_scripts_and_tests(clean_environment):
    settings = load_settings(session_idle_minutes=5, regions="a,b")
    assert settings.session_idle_minutes == 5 and settings.regions == ("a", "b")
    with pytest.raises(SettingsError, match="PORTAL_SESSION_IDLE_MINUTES"):
        load_settings(session_idle_minutes="abc")


def test_a_refused_secret_is_named_but_not_shown(clean_environment):
    with pytest.raises(SettingsError) as caught:
        load_settings(coderunner_token=[CODERUNNER_TOKEN])
    assert "- PORTAL_CODERUNNER_TOKEN: Input should be a valid string" in str(caught.value)
    assert _leaks(str(caught.value)) == []


def test_cors_and_websocket_origins_are_portals_own(clean_environment):
    """rxconfig.allowed_origins: never "*"; the public URL's origin, plus the dev frontend on
    loopback in development only (issue 8: any origin used to get a credentialed grant)."""
    import rxconfig

    assert rxconfig.allowed_origins() == (
        "http://localhost:3000",
        "http://127.0.0.1:3000",
    )
    clean_environment.setenv("PORTAL_PUBLIC_URL", "https://Portal.Example.com/console/")
    clean_environment.setenv("REFLEX_ENV_MODE", "prod")
    assert rxconfig.allowed_origins() == ("https://portal.example.com",)
    clean_environment.setenv("PORTAL_ENV", "development")
    clean_environment.setenv("REFLEX_FRONTEND_PORT", "3100")
    assert rxconfig.allowed_origins() == (
        "https://portal.example.com",
        "http://localhost:3100",
        "http://127.0.0.1:3100",
    )
    assert "*" not in rxconfig.config.cors_allowed_origins


def test_a_master_key_is_base64_of_32_bytes_and_never_shown(clean_environment):
    import base64

    good = base64.b64encode(b"m" * 32).decode()
    clean_environment.setenv("PORTAL_MASTER_KEY", good)
    assert load_settings().master_key.get_secret_value() == good
    assert good not in repr(load_settings())
    short = base64.b64encode(b"too short").decode()
    clean_environment.setenv("PORTAL_MASTER_KEY", short)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "- PORTAL_MASTER_KEY: use base64 of 32 random bytes" in str(caught.value)
    assert short not in str(caught.value)
