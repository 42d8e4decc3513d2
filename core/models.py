"""Every table, in one module (as in the SQLModel full-stack template).

``*Base`` classes hold shared fields, ``X(XBase, table=True)`` is the table, and ``XPublic`` is
what may cross into a page (a password hash never does). JSON columns hold plain data produced by
the pure packages (an analysis result, a list of flag reasons).

Any change to a table goes through an Alembic migration in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (every datetime column stores UTC)."""
    return datetime.now(UTC)


class Role(StrEnum):
    staff = "staff"
    trainer = "trainer"
    hr = "hr"
    admin = "admin"


class AttemptStatus(StrEnum):
    stored = "stored"  # audio on disk and row written; not analysed yet
    analysing = "analysing"
    done = "done"
    no_speech = "no_speech"
    failed = "failed"  # analysis raised; the recording is kept and can be retried


class AttemptKind(StrEnum):
    practice = "practice"
    calibration = "calibration"


class FlagLevel(StrEnum):
    none = "none"
    watch = "watch"
    urgent = "urgent"


class ConsentKind(StrEnum):
    wellbeing = "wellbeing"  # collecting check-in answers at all (要配慮個人情報)
    share_flags = "share_flags"  # standing consent: flags reach HR


class OneOnOneStatus(StrEnum):
    open = "open"
    scheduled = "scheduled"
    done = "done"
    declined = "declined"


class IncidentStatus(StrEnum):
    reported = "reported"
    in_progress = "in_progress"
    closed = "closed"


# --- people --------------------------------------------------------------------------------


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)


class TrainerTeam(SQLModel, table=True):
    """A trainer coaches the staff of these teams (a trainer may have several)."""

    trainer_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")


class UserBase(SQLModel):
    username: str = Field(index=True, unique=True, max_length=100)
    display_name: str = Field(max_length=100)
    role: Role = Field(default=Role.staff, sa_type=String(20))
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    active: bool = True
    language: str = Field(default="ja", max_length=5)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(default="", max_length=255)
    failed_logins: int = 0
    locked_until: datetime | None = None
    # A temporary password (an admin's reset) or an admin's request: change it at next login.
    must_change_password: bool = False
    admin_reset_at: datetime | None = None  # the last reset by an admin (told at next login)
    password_changed_at: datetime | None = None  # the person set their own password
    created_at: datetime = Field(default_factory=utcnow)


class UserPublic(UserBase):
    id: int


# --- practice ------------------------------------------------------------------------------


class Attempt(SQLModel, table=True):
    """One recorded answer to one turn (or one calibration recording).

    Everything needed to explain the score later is stored with it: scenario id and version,
    turn, the audio, the full analysis result, engine, model hash and analysis version.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: AttemptKind = Field(default=AttemptKind.practice, sa_type=String(20))
    run_id: str = Field(default="", index=True, max_length=64)  # groups the turns of one call
    scenario_id: str | None = Field(default=None, index=True, max_length=100)
    scenario_version: int | None = None
    turn_id: str | None = Field(default=None, max_length=100)
    audio_path: str = Field(max_length=500)  # relative to the recordings directory
    audio_sha256: str = Field(default="", max_length=64)
    status: AttemptStatus = Field(default=AttemptStatus.stored, index=True, sa_type=String(20))
    error: str | None = Field(default=None, sa_column=Column(Text))
    transcript: str | None = Field(default=None, sa_column=Column(Text))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    score: int | None = None
    passed: bool | None = None
    engine: str | None = Field(default=None, max_length=40)
    model_sha256: str | None = Field(default=None, max_length=64)
    analysis_version: str | None = Field(default=None, max_length=40)
    next_turn_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    analysed_at: datetime | None = None


class Review(SQLModel, table=True):
    """A trainer's judgement, kept beside (never over) the automatic result: one per attempt
    (a unique index; saving again updates it)."""

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True, unique=True, ondelete="CASCADE")
    trainer_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    score_override: int | None = None
    reason: str = Field(default="", sa_column=Column(Text))
    rubric_corrections: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    reviewed_at: datetime = Field(default_factory=utcnow)
    seen_by_trainee_at: datetime | None = None


class Comment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    at_seconds: float | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    seen_by_trainee_at: datetime | None = None


# --- wellbeing -----------------------------------------------------------------------------


class Consent(SQLModel, table=True):
    """A consent given at ``granted_at``; withdrawn when ``withdrawn_at`` is set (rows are kept)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: ConsentKind = Field(sa_type=String(20))
    granted_at: datetime = Field(default_factory=utcnow)
    withdrawn_at: datetime | None = None


class CheckIn(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "week_start"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True, ondelete="SET NULL")
    week_start: date = Field(index=True)
    who5: list[int] = Field(sa_column=Column(JSON, nullable=False))
    who5_raw: int
    who5_pct: int
    k6: list[int] | None = Field(default=None, sa_column=Column(JSON))
    k6_total: int | None = None
    job: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    harassment_count: int = 0  # 0 none, 1 once, 2 = 2–3, 3 = 4+ (level index of the job item)
    wants_one_on_one: bool = False
    free_text: str | None = Field(default=None, sa_column=Column(Text))
    level: FlagLevel = Field(default=FlagLevel.none, sa_type=String(20))
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Flag(SQLModel, table=True):
    """A check-in at watch or urgent level. HR sees it only when ``shared_at`` is set
    (consent for this flag) or the person has standing consent that was valid at creation."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id", ondelete="CASCADE")
    level: FlagLevel = Field(sa_type=String(20))
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    shared_at: datetime | None = None  # consent to share this one flag
    created_at: datetime = Field(default_factory=utcnow)


class OneOnOne(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    flag_id: int | None = Field(default=None, foreign_key="flag.id", ondelete="SET NULL")
    requested_by_person: bool = False
    status: OneOnOneStatus = Field(default=OneOnOneStatus.open, sa_type=String(20))
    assignee_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    scheduled_for: datetime | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text))  # HR only
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Incident(SQLModel, table=True):
    """A customer-harassment (カスハラ) incident: the employer's record under the 2026 duty."""

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    occurred_on: date
    kind: str = Field(max_length=40)
    description: str = Field(sa_column=Column(Text, nullable=False))
    attempt_id: int | None = Field(default=None, foreign_key="attempt.id", ondelete="SET NULL")
    status: IncidentStatus = Field(default=IncidentStatus.reported, sa_type=String(20))
    actions: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- data rights (APPI) --------------------------------------------------------------------


class ErasureRecord(SQLModel, table=True):
    """The tombstone of an erased person: that account number N's data was erased at this time
    by this admin, with the counts of what went. No name, username or content is kept."""

    id: int | None = Field(default=None, primary_key=True)
    former_user_id: int = Field(index=True)  # the erased account's number (the row is gone)
    former_role: str = Field(default="", max_length=20)
    erased_at: datetime = Field(default_factory=utcnow, index=True)
    erased_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    erased_by_name: str = Field(default="", max_length=100)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TrendRollup(SQLModel, table=True):
    """HR-trend sums of one closed ISO week and team (``team_id`` None: people in no team),
    frozen before any check-in of that week is erased, withdrawn or expired, so the numbers HR
    saw for a closed week never change (no subtraction of two reports). Sums only: no person,
    no free text."""

    id: int | None = Field(default=None, primary_key=True)
    week_start: date = Field(index=True)
    team_id: int | None = None
    sums: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    frozen_at: datetime = Field(default_factory=utcnow)


# --- audit ---------------------------------------------------------------------------------


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    actor_name: str = Field(default="", max_length=100)
    action: str = Field(index=True, max_length=60)
    target_type: str | None = Field(default=None, max_length=40)
    target_id: int | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text))


# --- background jobs and login sessions ----------------------------------------------------


class JobState(StrEnum):
    queued = "queued"  # written and sent to the queue; no worker holds it
    running = "running"  # a worker holds its lease (heartbeats extend ``lease_until``)
    done = "done"
    failed = "failed"  # the work failed, or its workers died ``max_attempts`` times


class JobKind(StrEnum):
    analyse = "analyse"  # analyse a stored attempt (practice or calibration)
    rescore = "rescore"  # analyse an analysed attempt again (new model, new rubric)
    voice = "voice"  # render one customer line (payload: scenario_id, turn_id)
    voices = "voices"  # find every customer line not rendered yet and enqueue it
    retention = "retention"  # the data-rights retention sweep


class Job(SQLModel, table=True):
    """The durable state of one background job. The queue (core.queue) only carries its id: a
    job is claimed here, atomically, so it never runs twice at once whatever the transport."""

    id: int | None = Field(default=None, primary_key=True)
    kind: JobKind = Field(sa_type=String(20), index=True)
    target_id: int | None = Field(default=None, index=True)  # the attempt, for analyse/rescore
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    dedupe_key: str | None = Field(default=None, index=True, max_length=200)
    state: JobState = Field(default=JobState.queued, index=True, sa_type=String(20))
    attempts: int = 0
    max_attempts: int = 3
    lease_until: datetime | None = Field(default=None, index=True)
    heartbeat_at: datetime | None = None
    worker_id: str | None = Field(default=None, max_length=120)
    stage: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    dispatched_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """One login. The browser holds a random token in an HttpOnly cookie; only its SHA-256 is
    stored. ``ticket_hash`` is the one-time, short-lived ticket the login form hands to the
    cookie route (core.sessions). ``fingerprint`` ties it to the user's role, password and
    active flag: a change to any of them ends the session."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str | None = Field(default=None, index=True, unique=True, max_length=64)
    ticket_hash: str | None = Field(default=None, index=True, unique=True, max_length=64)
    ticket_expires_at: datetime | None = None
    fingerprint: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str = Field(default="", max_length=300)
