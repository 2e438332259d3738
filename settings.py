"""Configuration from the environment and `.env` (names fixed in INTERFACE.md).

Every variable is read once, validated, and exposed as a typed attribute; secrets are
`SecretStr`, so printing or logging a `Settings` never shows them.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ConfigError(Exception):
    """Raised when the environment holds an invalid value; the message names the variable."""


class WorkerMode(StrEnum):
    ON = "on"
    OFF = "off"


class PlaygroundMode(StrEnum):
    AUTO = "auto"  # `python app.py` without Slack credentials shows the playground
    ON = "on"
    OFF = "off"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        extra="ignore",
        frozen=True,
    )

    # HTTP service
    connect_host: str = "0.0.0.0"
    connect_port: int = Field(default=5001, ge=1, le=65535)
    connect_debug: bool = False
    connect_log_level: str = "INFO"
    connect_worker: WorkerMode = WorkerMode.ON
    connect_api_token: SecretStr | None = None
    connect_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    connect_webhook_max_body_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    connect_public_url: str | None = None
    connect_playground: PlaygroundMode = PlaygroundMode.AUTO

    # Delivery worker (integrations/delivery)
    connect_worker_threads: int = Field(default=4, ge=1, le=64)
    connect_worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    connect_delivery_max_attempts: int = Field(default=8, ge=1, le=100)
    connect_delivery_backoff_seconds: float = Field(default=2.0, gt=0, le=3600)
    connect_delivery_lease_seconds: float = Field(default=20.0, ge=1, le=3600)
    connect_shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=3600)
    connect_slack_channel_posts_per_second: float = Field(default=1.0, ge=0, le=100)
    connect_health_max_pending_age_seconds: float = Field(default=600.0, gt=0, le=86400)
    connect_admins: Annotated[frozenset[str], NoDecode] = frozenset()  # Slack user ids

    # Storage (may hold a password: kept out of repr and dumps)
    database_url: str = Field(default="sqlite:///./connect.db", repr=False, exclude=True)

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_allowed_channels: Annotated[frozenset[str], NoDecode] = frozenset()

    # Jira
    jira_base_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_default_project: str | None = None
    jira_webhook_secret: SecretStr | None = None

    # GitHub
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_webhook_secret: SecretStr | None = None
    github_jira_comments: bool = False  # a PR naming a Jira key also comments on that issue

    @field_validator("connect_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}:
            raise ValueError("must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG")
        return level

    @field_validator("slack_allowed_channels", "connect_admins", mode="before")
    @classmethod
    def _channel_list(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """A URL SQLAlchemy can use with the installed drivers; plain `postgresql://` and
        `mysql://` get the drivers this project ships (psycopg 3, PyMySQL)."""
        from urllib.parse import urlsplit

        from sqlalchemy.engine import make_url  # noqa: TID251 - validation only
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError  # noqa: TID251

        scheme, sep, rest = value.partition("://")
        drivers = {
            "postgres": "postgresql+psycopg",
            "postgresql": "postgresql+psycopg",
            "mysql": "mysql+pymysql",
            "mariadb": "mysql+pymysql",
        }
        if sep and scheme in drivers:
            value = f"{drivers[scheme]}://{rest}"
        try:
            url = make_url(value)
            url.get_dialect()
            if sep:
                urlsplit(value).port  # noqa: B018 - raises ValueError for a bad port
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            reason = "unknown driver" if isinstance(exc, NoSuchModuleError) else "malformed"
            raise ValueError(f"not a usable SQLAlchemy database URL ({reason})") from None
        if url.get_backend_name() not in ("sqlite", "postgresql", "mysql", "mariadb"):
            raise ValueError("use an SQLite, PostgreSQL or MySQL/MariaDB URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_url(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("jira_base_url", "github_api_url", "connect_public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "jira_api_token",
        "jira_webhook_secret",
        "github_token",
        "connect_api_token",
        "jira_email",
        "jira_base_url",
        "jira_default_project",
        "connect_public_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`FOO=` in `.env` means unset, not an empty secret."""
        return None if isinstance(value, str) and not value.strip() else value

    # Derived facts the app asks about -------------------------------------------------

    @property
    def slack_configured(self) -> bool:
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    @property
    def playground(self) -> bool:
        """Whether `python app.py` runs the playground (fake Slack, Jira and GitHub): never
        with real Slack credentials; otherwise unless `CONNECT_PLAYGROUND=off`."""
        return not self.slack_configured and self.connect_playground is not PlaygroundMode.OFF

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def jira_configured(self) -> bool:
        return self.jira_base_url is not None and self.jira_api_token is not None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


# Values never quoted in an error: the secrets, and the database URL (it may hold a password).
_SECRET_FIELDS = {
    name for name, field in Settings.model_fields.items() if "SecretStr" in repr(field.annotation)
} | {"database_url"}


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    """Build `Settings`, turning a validation failure into one `ConfigError` naming the variables.

    The offending value is quoted unless the variable is a secret.
    """
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            shown = "" if name.lower() in _SECRET_FIELDS else f" (got {error.get('input')!r})"
            problems.append(f"{name}: {error['msg']}{shown}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
