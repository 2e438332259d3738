"""Settings: every INTERFACE.md variable, `.env`, clear errors, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ConfigError, WorkerMode, load_settings


def test_defaults_match_the_interface() -> None:
    settings = load_settings(env_file=None)
    assert settings.connect_host == "0.0.0.0"
    assert settings.connect_port == 5001
    assert settings.connect_debug is False
    assert settings.connect_log_level == "INFO"
    assert settings.connect_worker is WorkerMode.ON
    assert settings.database_url == "sqlite:///./connect.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.github_api_url == "https://api.github.com"
    assert settings.slack_allowed_channels == frozenset()
    assert not settings.slack_configured
    assert not settings.socket_mode


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECT_PORT", "8080")
    monkeypatch.setenv("CONNECT_WORKER", "off")
    monkeypatch.setenv("CONNECT_LOG_LEVEL", "debug")
    monkeypatch.setenv("SLACK_ALLOWED_CHANNELS", "C01, C02,,")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("JIRA_BASE_URL", "https://example.atlassian.net/")
    settings = load_settings(env_file=None)
    assert settings.connect_port == 8080
    assert settings.connect_worker is WorkerMode.OFF
    assert settings.connect_log_level == "DEBUG"
    assert settings.slack_allowed_channels == frozenset({"C01", "C02"})
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.jira_base_url == "https://example.atlassian.net"


def test_dotenv_file_is_read_and_empty_means_unset(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=\nCONNECT_PORT=6000\n")
    settings = load_settings(env_file=env)
    assert settings.connect_port == 6000
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-dotenv"
    assert settings.slack_signing_secret is None
    assert not settings.slack_configured


def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECT_PORT", "abc")
    with pytest.raises(ConfigError, match=r"CONNECT_PORT: .*integer.*'abc'"):
        load_settings(env_file=None)


def test_several_invalid_values_are_all_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNECT_PORT", "70000")
    monkeypatch.setenv("CONNECT_WORKER", "sometimes")
    with pytest.raises(ConfigError, match=r"CONNECT_PORT.*CONNECT_WORKER"):
        load_settings(env_file=None)


def test_secrets_are_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "gh-very-secret")
    settings = load_settings(env_file=None)
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "very-secret" not in shown


def test_an_invalid_secret_is_not_echoed_in_the_error() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=None, connect_api_token=["not", "a", "string", "hunter2"])
    assert "CONNECT_API_TOKEN" in str(raised.value)
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("postgres://app@db/connect", "postgresql+psycopg://app@db/connect"),
        ("postgresql://app@db/connect", "postgresql+psycopg://app@db/connect"),
        ("mysql://root@db/connect", "mysql+pymysql://root@db/connect"),
        ("sqlite:///./x.db", "sqlite:///./x.db"),
    ],
)
def test_database_urls_get_the_shipped_drivers(given: str, stored: str) -> None:
    assert load_settings(env_file=None, database_url=given).database_url == stored


@pytest.mark.parametrize(
    "url", ["nonsense", "postgresql://app:pw-123@db:notaport/x", "oracle://a@b/c", "foo://x"]
)
def test_a_bad_database_url_is_one_clear_error_without_the_password(url: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL") as raised:
        load_settings(env_file=None, database_url=url)
    assert "pw-123" not in str(raised.value)


def test_the_database_url_is_not_printed() -> None:
    settings = load_settings(env_file=None, database_url="postgresql://app:hunter2@db/connect")
    assert "hunter2" not in repr(settings) + str(settings) + settings.model_dump_json()
