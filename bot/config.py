"""Settings from the environment or a ``.env`` file, validated once at start-up.

Every setting is documented line by line in ``.env.example``. ``load_settings`` turns a bad
value into ``ConfigError`` whose lines each name the variable and say what is expected, so the
CLI can print them and exit with status 2 instead of a traceback.
"""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import LANGUAGES
from storage.database import UnsupportedDatabase, normalise_url

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")


class ConfigError(Exception):
    """One or more settings are missing or malformed; each line names a variable."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram allows in secret_token


class Settings(BaseSettings):
    """Everything an operator can set. Names match the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    telegram_api_file_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///preceptor.db"
    coordinator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_timezone: str = "UTC"
    default_language: str = "en"
    default_programme_name: str = Field(default="Preceptor mentorship", min_length=1)
    log_level: str = "INFO"
    # Seconds before a message whose send timed out (or was cut off by a crash) is resent.
    outbox_resend_pause_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Seconds between sweeps for what is due (check-ins, reminders, scheduled broadcasts).
    sweep_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Webhook mode (production): Telegram POSTs updates to WEBHOOK_URL, which a TLS reverse
    # proxy forwards to WEBHOOK_LISTEN:WEBHOOK_PORT; every POST must carry WEBHOOK_SECRET.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # GET /health on this port (both modes); unset: no health endpoint.
    health_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.match(value.get_secret_value()):
            raise ValueError("must look like 123456789:ABCdef… (the token @BotFather gave you)")
        return value

    @field_validator("telegram_api_base_url", "telegram_api_file_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL, e.g. https://api.telegram.org/bot")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("must be the public https URL Telegram posts to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("1-256 characters: letters, digits, _ and - (Telegram's rule)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        try:
            return normalise_url(value).render_as_string(hide_password=False)
        except UnsupportedDatabase as exc:
            raise ValueError(str(exc)) from None
        except Exception:
            raise ValueError(
                "must be a URL like sqlite+aiosqlite:///preceptor.db or "
                "postgresql+asyncpg://user:password@host/dbname"
            ) from None

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[\s,;]+", value.strip()) if p]
            if not all(re.fullmatch(r"\d{1,20}", p) for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 12345,67890")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA timezone such as UTC or America/Lima") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        value = value.lower()
        if value not in LANGUAGES:
            raise ValueError("must be one of: " + ", ".join(LANGUAGES))
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    def token(self) -> str:
        """The bot token, or ConfigError when it is needed and missing."""
        if self.telegram_bot_token is None:
            raise ConfigError(
                ["TELEGRAM_BOT_TOKEN: missing — set it to the token @BotFather gave you"]
            )
        return self.telegram_bot_token.get_secret_value()

    def webhook(self) -> tuple[str, str]:
        """The webhook URL and secret, or ConfigError naming what is missing."""
        problems = []
        if self.webhook_url is None:
            problems.append("WEBHOOK_URL: missing — the public https URL Telegram posts to")
        if self.webhook_secret is None:
            problems.append("WEBHOOK_SECRET: missing — a random string only you and Telegram know")
        if problems:
            raise ConfigError(problems)
        assert self.webhook_url is not None and self.webhook_secret is not None
        return self.webhook_url, self.webhook_secret.get_secret_value()


def load_settings(env_file: str | None = ".env") -> Settings:
    """Read and validate the settings.

    Raises:
        ConfigError: naming each variable that is missing or malformed.
    """
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "SETTINGS"
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise ConfigError(lines) from None
