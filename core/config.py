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
    """One place a person in distress can turn to (shown at once on an urgent check-in).

    ``hours`` is the text people read; ``open`` the same hours machine-readable (format in
    ``wellbeing.hours``: ``24h``, ``mon-fri 09:00-18:00; sat 10:00-16:00`` …) so the list can
    show which contacts are open now. Empty ``open``: unknown (never shown as closed).
    """

    name: str
    phone: str = ""
    url: str = ""
    hours: str = ""
    open: str = ""

    @field_validator("open")
    @classmethod
    def _readable_hours(cls, v: str) -> str:
        from wellbeing.hours import HoursError, parse_hours

        if v.strip():
            try:
                parse_hours(v)
            except HoursError as e:
                raise ValueError(f"opening hours {v!r}: {e}") from e
        return v


# Set the company's own list with DOJO_SUPPORT_CONTACTS (JSON, see README). The public lines
# below were written from our knowledge on 2026-12-01, not re-checked against the services'
# pages this session: verify numbers and hours before relying on them.
DEFAULT_SUPPORT_CONTACTS = [
    SupportContact(
        name="社内相談窓口（人事部）",
        phone="内線 0000",
        hours="平日 9:00–18:00",
        open="mon-fri 09:00-18:00",
    ),
    SupportContact(
        name="働く人の「こころの耳相談」（厚生労働省）",
        phone="0120-565-455",
        url="https://kokoro.mhlw.go.jp/tel-soudan/",
        hours="月・火 17:00–22:00／土・日 10:00–16:00",
        open="mon,tue 17:00-22:00; sat,sun 10:00-16:00",
    ),
    # Unverified this session: よりそいホットライン (一般社団法人 社会的包摂サポートセンター),
    # free of charge, 24 hours a day, every day; from Iwate, Miyagi and Fukushima the number is
    # 0120-279-226.
    SupportContact(
        name="よりそいホットライン（24時間・無料）",
        phone="0120-279-338",
        url="https://www.since2011.net/yorisoi/",
        hours="24時間・年中無休（岩手・宮城・福島からは 0120-279-226）",
        open="24h",
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

    storage_dir: Path | None = Field(
        default=None,
        description="Where recordings and rendered voices live. Empty: <data_dir>. Several "
        "machines: one shared directory (NFS/SMB mount) that every web and worker machine sees.",
    )

    # Background jobs (core.jobs, core.queue, core.worker)
    queue_url: str = Field(
        default="",
        description="The job queue. Empty: SQLite file <data_dir>/queue.sqlite3 (one machine). "
        "redis://host:6379/0 for several machines. 'immediate': run each job at once in the "
        "process that enqueues it (tests, AppTest).",
    )
    prerender_voices: bool = Field(default=True, description="Workers render every customer "
                                   "line in the background (at first start, after a scenario "
                                   "file changes).")
    queue_name: str = Field(default="complaint-dojo", description="The queue's name (Redis key "
                            "prefix): several installations may share one Redis.")
    worker_mode: Literal["embedded", "external"] = Field(
        default="embedded",
        description="embedded: the web process starts one worker process beside itself. "
        "external: workers are started separately (python -m core.worker), e.g. on other hosts.",
    )
    worker_concurrency: int = Field(default=1, description="Jobs one worker process runs at once.")
    worker_nice: int = Field(default=10, description="CPU priority of worker processes (Unix "
                             "nice, 0–19): the web process beside them stays responsive.")
    job_lease_seconds: float = Field(
        default=60.0, description="A running job whose worker stops heartbeating is retried "
        "after this long.")
    job_max_attempts: int = Field(default=3, description="Tries before a job is marked failed.")
    job_reap_seconds: float = Field(default=15.0, description="How often workers look for "
                                    "expired leases and lost queue messages.")
    job_redispatch_seconds: float = Field(
        default=600.0, description="A job still queued this long after its dispatch is sent "
        "again (a queue that lost its messages, e.g. Redis without persistence).")

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

    # Retention (services.data_rights.retention_sweep; 0 = keep without limit)
    retention_recording_days: int = Field(
        default=180, description="Audio of practice and calibration recordings is deleted after "
        "this many days (scores, transcripts and reviews are kept).")
    retention_checkin_days: int = Field(
        default=730, description="Check-in answers (and their flags) are deleted after this many "
        "days (closed-week HR totals are kept as sums).")
    retention_free_text_days: int = Field(
        default=365, description="Check-in free text and HR's one-on-one notes are blanked after "
        "this many days.")
    retention_audit_days: int = Field(
        default=1095, description="Audit-log rows are deleted after this many days.")

    # Login
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    login_rate_limit_per_address: int = Field(
        default=30, description="Failed logins from one client address in the window before "
        "further tries from it are refused unchecked (0 = no limit). Behind a reverse proxy "
        "every visitor may share one address: raise it or set 0 and limit at the proxy.")
    login_rate_limit_per_username: int = Field(
        default=10, description="Failed logins for one typed username (existing or not) in the "
        "window before further tries for it are refused unchecked (0 = no limit).")
    login_rate_window_minutes: int = 15
    password_min_length: int = Field(
        default=12, description="Shortest password accepted (NIST SP 800-63B: length, a list "
        "of common passwords, no composition rules).")

    # Exposure
    environment: Literal["production", "development"] = Field(
        default="production", description="development shows error details (tracebacks) in "
        "the browser; production shows a Japanese error page with an error id and logs the "
        "traceback on the server.")
    bind_address: str = Field(
        default="127.0.0.1", description="The address `make run` listens on. 127.0.0.1: this "
        "computer only. 0.0.0.0: every network interface (other computers can connect).")
    session_idle_minutes: int = Field(default=30, description="A login ends after this long "
                                      "without any activity.")
    session_absolute_hours: int = Field(default=12, description="A login ends this long after "
                                        "it started, active or not.")
    cookie_secure: bool = Field(default=False, description="Send the login cookie only over "
                                "HTTPS (set true behind TLS).")
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
    def shared_dir(self) -> Path:
        """Recordings and voices: the shared storage directory, else the data directory."""
        return self.storage_dir if self.storage_dir is not None else self.data_dir

    @property
    def recordings_dir(self) -> Path:
        return self.shared_dir / "recordings"

    @property
    def resolved_queue_url(self) -> str:
        if self.queue_url:
            return self.queue_url
        return f"sqlite:///{(self.data_dir / 'queue.sqlite3').resolve()}"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def voice_cache_dir(self) -> Path:
        return self.shared_dir / "voices"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
