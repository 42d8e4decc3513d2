"""The one settings object.

Every setting comes from an environment variable with the prefix ``DOJO_`` (or a ``.env`` file in
the working directory). ``get_settings()`` builds it once per process; tests call
``get_settings.cache_clear()`` after changing the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from analysis.resolve import DEFAULT_ENGINE, Engine


class SupportContact(BaseModel):
    """One place a person in distress can turn to (shown at once on an urgent check-in)."""

    name: str
    phone: str = ""
    url: str = ""
    hours: str = ""


DEFAULT_SUPPORT_CONTACTS = [
    SupportContact(
        name="社内相談窓口（人事部）",
        phone="内線 0000",
        hours="平日 9:00–18:00",
    ),
    SupportContact(
        name="働く人の「こころの耳相談」（厚生労働省）",
        phone="0120-565-455",
        url="https://kokoro.mhlw.go.jp/tel-soudan/",
        hours="月・火 17:00–22:00／土・日 10:00–16:00",
    ),
]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DOJO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Storage
    data_dir: Path = Field(default=Path("data"), description="Recordings, caches, SQLite file.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty: SQLite at <data_dir>/dojo.sqlite3. "
        "PostgreSQL: postgresql+psycopg://user:pass@host:5432/dbname",
    )

    # Whisper
    whisper_engine: Engine = DEFAULT_ENGINE  # the engine list lives in analysis.resolve
    whisper_model_dir: Path | None = Field(
        default=None,
        description="A faster-whisper model directory or an openai-whisper .pt checkpoint of "
        "your own. Empty: the bundled base model, assembled into <data_dir>/models.",
    )
    whisper_threads: int = Field(default=0, description="CPU threads; 0 = all cores.")
    whisper_beam_size: int = 1
    max_recording_seconds: float = 300.0

    # Demo
    demo_mode: bool = Field(default=False, description="Seed demo data into an empty database.")
    demo_password: str = "dojo-demo-2026"

    # Privacy
    min_group_size: int = Field(default=5, description="HR reports hide smaller groups.")
    min_group_size_free_text: int = 10

    # Login
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    sso_enabled: bool = Field(
        default=False, description="Offer single sign-on via st.login (configure secrets.toml)."
    )

    # People to turn to
    support_contacts: list[SupportContact] = Field(default_factory=lambda: DEFAULT_SUPPORT_CONTACTS)

    # UI
    default_language: Literal["ja", "en"] = "ja"

    # Calendar
    timezone: str = Field(
        default="Asia/Tokyo",
        description="The company's time zone (IANA name): 'today', ISO weeks and shown times.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)  # an unknown name fails at start, not on the first date shown
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {value!r}") from e
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dojo.sqlite3').resolve()}"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def voice_cache_dir(self) -> Path:
        return self.data_dir / "voices"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
