"""One settings object, read from environment variables (see README "Configuration")."""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Used only in demo mode, where every registration is fictitious.
DEMO_SECRET = "demo-secret-not-for-production"


class ConfigError(Exception):
    """A missing or malformed setting; the message names the variable in one line."""


def default_data_dir() -> Path:
    """The user's data folder for the assistant (created when missing)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    folder = base / "admissions-assistant"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_db_url() -> str:
    """SQLite file in the user's data folder, so every command works from any directory."""
    return f"sqlite+aiosqlite:///{default_data_dir() / 'admissions.db'}"


def _parse_quiet_hours(value: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ValueError("expected HH:MM-HH:MM, e.g. 22:00-08:00") from exc
    return start, end


class Settings(BaseSettings):
    """Everything configurable, from environment variables."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    admissions_db_url: str = Field(default_factory=default_db_url)
    admissions_secret: str | None = None
    admissions_demo: bool = False
    timezone: str = "Asia/Taipei"

    telegram_bot_token: str | None = None
    telegram_api_base: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    staff_telegram_ids: str = ""
    staff_chat_id: int | None = None
    telegram_global_rate: float = Field(30.0, gt=0)
    telegram_chat_rate: float = Field(1.0, gt=0)
    telegram_webhook_listen: str = "0.0.0.0:8080"
    # Seconds to wait before each getUpdates call (polling): under load one call then brings several updates.
    telegram_poll_pause: float = Field(0.005, ge=0, le=1)
    # Updates handled at once: bounds memory and store contention under a burst (the rest wait their turn).
    telegram_concurrency: int = Field(32, gt=0)
    # Pin `assistant serve` (its store threads included) to one CPU: the interpreter uses one core anyway, and
    # hand-offs to the store's threads cost less when they never wake another core (measured in bench/bot.py).
    serve_cpu: int | None = Field(None, ge=0)
    redis_url: str | None = None

    imap_host: str | None = None
    imap_port: int = 993
    imap_user: str | None = None
    imap_password: str | None = None
    imap_folder: str = "INBOX"
    imap_ssl: bool = True
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str | None = None
    mail_reply_address: str | None = None
    staff_email: str | None = None
    letters_dir: Path = Field(default_factory=lambda: default_data_dir() / "letters")

    quiet_hours: str = "22:00-08:00"
    reminder_rules: Path | None = None  # REMINDER_RULES: the office's own rules file instead of the bundled one

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet_hours(cls, value: str) -> str:
        _parse_quiet_hours(value)
        return value

    @field_validator("staff_telegram_ids")
    @classmethod
    def _check_staff_ids(cls, value: str) -> str:
        for part in value.replace(";", ",").split(","):
            if part.strip() and not part.strip().lstrip("-").isdigit():
                raise ValueError("expected comma-separated numeric Telegram user ids")
        return value

    @property
    def staff_ids(self) -> frozenset[int]:
        """Telegram user ids of the office staff."""
        parts = self.staff_telegram_ids.replace(";", ",").split(",")
        return frozenset(int(p) for p in parts if p.strip())

    @property
    def quiet_window(self) -> tuple[time, time]:
        """Start and end of quiet hours, local time."""
        return _parse_quiet_hours(self.quiet_hours)

    def secret_key(self) -> bytes:
        """The key for hashing national IDs and one-time codes; required outside demo mode."""
        if self.admissions_secret:
            return self.admissions_secret.encode()
        if self.admissions_demo:
            return DEMO_SECRET.encode()
        raise ConfigError(
            "ADMISSIONS_SECRET is not set: it is required outside demo mode "
            "(set ADMISSIONS_DEMO=1 to run on fictitious demo data)."
        )


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a malformed value becomes one ConfigError line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "setting"
        raise ConfigError(f"{name}: {first['msg']}") from None
