"""Wellbeing in the database: consent, the weekly check-in, flags, the one-on-one queue and
harassment incidents. HR trends are in :mod:`core.wellbeing_trends`.

What an answer *means* (scores, levels, reasons, kind words, tips) comes from the pure
``wellbeing`` package; who may see what comes from :mod:`core.access`. This module stores and
fetches, and records every view of another person's data in the audit log. No streamlit here.

Sharing model (Japan's Stress Check and APPI: health data is 要配慮個人情報):

* Nothing is collected without ``ConsentKind.wellbeing`` in force.
* A flag (a check-in at watch / urgent) reaches HR only when ``access.flag_is_shared`` says so:
  the person shared this one flag (optionally only some of its reasons), or standing consent
  ``share_flags`` was in force when it was raised and still is.
* Asking for a one-on-one puts a request in HR's queue; the flag's level and reasons still go
  only with consent. HR never sees answers, scores or free text of a person.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import String, case, cast, func
from sqlmodel import Session, select

from core import access, audit
from core.access import Viewer
from core.models import (
    Attempt,
    AttemptKind,
    CheckIn,
    Consent,
    ConsentKind,
    Flag,
    FlagLevel,
    Incident,
    IncidentStatus,
    OneOnOne,
    OneOnOneStatus,
    Role,
    Team,
    User,
    utcnow,
)
from wellbeing.flags import Assessment, Feedback, assess, feedback
from wellbeing.instruments import HARASSMENT, JobAnswers, k6_due, week_start

# Joins free texts inside one SQL aggregate (HR trends); never kept inside a stored text.
TEXT_SEPARATOR = "\x1e"


class WellbeingError(ValueError):
    """A refused request; ``key`` is an i18n key of ``core/strings/wellbeing.toml``."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


def _audit(session: Session, viewer: Viewer, action: str, target_type: str, target_id: int | None,
           detail: str | None = None) -> None:
    audit.record(session, action=action, actor_id=viewer.id, actor_name=viewer.username,
                 target_type=target_type, target_id=target_id, detail=detail)


# --- consent ---------------------------------------------------------------------------------


def consent_status(session: Session, user_id: int) -> dict[ConsentKind, bool]:
    """``{kind: in force now}`` for both consent kinds."""
    return {kind: access.has_consent(session, user_id, kind) for kind in ConsentKind}


def give_consent(session: Session, viewer: Viewer, kind: ConsentKind | str,
                 now: datetime | None = None) -> Consent:
    """Record the viewer's own consent (a new row; an existing one in force is returned)."""
    kind = ConsentKind(kind)
    if not access.can_submit_checkin(viewer):
        raise PermissionError("only staff give wellbeing consent")
    if kind == ConsentKind.share_flags and not access.has_consent(session, viewer.id,
                                                                  ConsentKind.wellbeing):
        raise WellbeingError("consent.err_wellbeing_first")
    current = _open_consents(session, viewer.id, kind)
    if current:
        return current[0]
    row = Consent(user_id=viewer.id, kind=kind, granted_at=now or utcnow())
    session.add(row)
    session.flush()
    _audit(session, viewer, audit.Action.consent_changed, "consent", row.id, f"grant {kind.value}")
    return row


def withdraw_consent(session: Session, viewer: Viewer, kind: ConsentKind | str,
                     now: datetime | None = None) -> int:
    """Withdraw the viewer's consent of ``kind`` (rows are kept with ``withdrawn_at``).

    Withdrawing ``wellbeing`` also withdraws ``share_flags``: nothing is collected any more.
    Returns the number of rows closed.
    """
    kind = ConsentKind(kind)
    now = now or utcnow()
    kinds = [kind] + ([ConsentKind.share_flags] if kind == ConsentKind.wellbeing else [])
    closed = 0
    for k in kinds:
        for row in _open_consents(session, viewer.id, k):
            row.withdrawn_at = now
            session.add(row)
            closed += 1
            _audit(session, viewer, audit.Action.consent_changed, "consent", row.id,
                   f"withdraw {k.value}")
    session.flush()
    return closed


def _open_consents(session: Session, user_id: int, kind: ConsentKind) -> list[Consent]:
    stmt = select(Consent).where(Consent.user_id == user_id, Consent.kind == kind,
                                 Consent.withdrawn_at.is_(None))
    return list(session.exec(stmt).all())


# --- the weekly check-in ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInAnswers:
    """What the form collects. ``job`` carries the one-on-one wish and the free text."""

    who5: Sequence[int]
    k6: Sequence[int] | None = None
    job: JobAnswers = field(default_factory=JobAnswers)

    @classmethod
    def coerce(cls, answers: CheckInAnswers | Mapping[str, Any]) -> CheckInAnswers:
        if isinstance(answers, CheckInAnswers):
            return answers
        job = answers.get("job") or {}
        job = job if isinstance(job, JobAnswers) else JobAnswers.from_dict(job)
        return cls(who5=list(answers["who5"]), k6=answers.get("k6"), job=job)


@dataclass(frozen=True)
class CheckInState:
    """What the check-in page needs before showing the form."""

    week: date
    consented: bool
    k6_due: bool
    existing: CheckIn | None


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    assessment: Assessment
    feedback: Feedback
    flag: Flag | None
    one_on_one: OneOnOne | None
    harassment_roleplays: int


def _own_checkins_before(session: Session, user_id: int, week: date) -> list[CheckIn]:
    stmt = (select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.week_start < week)
            .order_by(CheckIn.week_start))
    return list(session.exec(stmt).all())


def _own_checkin(session: Session, user_id: int, week: date) -> CheckIn | None:
    stmt = select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.week_start == week)
    return session.exec(stmt).first()


def _k6_is_due(previous: Sequence[CheckIn], week: date) -> bool:
    last = max((c.week_start for c in previous if c.k6 is not None), default=None)
    return k6_due(last, week)


def checkin_state(session: Session, viewer: Viewer, today: date) -> CheckInState:
    """This week's state for the viewer: consent, whether the K6 is due, this week's answers."""
    if not access.can_submit_checkin(viewer):
        raise PermissionError("only staff check in")
    week = week_start(today)
    previous = _own_checkins_before(session, viewer.id, week)
    return CheckInState(
        week=week,
        consented=access.has_consent(session, viewer.id, ConsentKind.wellbeing),
        k6_due=_k6_is_due(previous, week),
        existing=_own_checkin(session, viewer.id, week),
    )


@lru_cache(maxsize=1)
def harassment_scenario_ids() -> frozenset[str]:
    """Ids of the harassment (カスハラ) role-play scenarios in the catalogue."""
    from scenarios.loader import load_catalogue

    return frozenset(s.id for s in load_catalogue().filter(harassment=True))


def harassment_roleplays_in_week(session: Session, user_id: int, week: date,
                                 scenario_ids: Collection[str] | None = None) -> int:
    """Harassment role-plays the person practised in ``week`` (UTC days): distinct runs of a
    harassment scenario (an attempt without a run id counts on its own)."""
    ids = harassment_scenario_ids() if scenario_ids is None else frozenset(scenario_ids)
    if not ids:
        return 0
    start = datetime.combine(week, time.min, tzinfo=UTC)
    run = case((Attempt.run_id != "", Attempt.run_id), else_=cast(Attempt.id, String))
    stmt = select(func.count(func.distinct(run))).where(
        Attempt.user_id == user_id, Attempt.kind == AttemptKind.practice,
        Attempt.scenario_id.in_(sorted(ids)),
        Attempt.created_at >= start, Attempt.created_at < start + timedelta(days=7))
    return int(session.exec(stmt).one() or 0)


def _job_of(checkin: CheckIn) -> JobAnswers:
    data = dict(checkin.job or {})
    data.pop("one_on_one", None)
    data.pop("free_text", None)
    return JobAnswers.from_dict(data)


def _assess(session: Session, user_id: int, week: date, answers: CheckInAnswers,
            scenario_ids: Collection[str] | None) -> tuple[Assessment, Feedback, int]:
    previous = _own_checkins_before(session, user_id, week)
    roleplays = harassment_roleplays_in_week(session, user_id, week, scenario_ids)
    a = assess(answers.who5, answers.k6, answers.job,
               history_who5_raw=[c.who5_raw for c in previous],
               previous_job=_job_of(previous[-1]) if previous else None,
               harassment_roleplays=roleplays)
    return a, feedback(a, answers.job, roleplays), roleplays


def save_checkin(session: Session, viewer: Viewer, answers: CheckInAnswers | Mapping[str, Any],
                 today: date, *, scenario_ids: Collection[str] | None = None,
                 now: datetime | None = None) -> CheckInResult:
    """Store the viewer's check-in for ``today``'s ISO week (a second save that week edits it).

    The K6 is required when due and refused when not (``checkin.err_k6_due`` /
    ``checkin.err_k6_not_due``); answers are validated by the wellbeing package (ValueError).
    A flag is created or updated at watch/urgent; a one-on-one request is queued when asked.
    """
    if not access.can_submit_checkin(viewer):
        raise PermissionError("only staff check in")
    if not access.has_consent(session, viewer.id, ConsentKind.wellbeing):
        raise WellbeingError("checkin.err_no_consent")
    answers = CheckInAnswers.coerce(answers)
    now = now or utcnow()
    week = week_start(today)
    due = _k6_is_due(_own_checkins_before(session, viewer.id, week), week)
    if due and answers.k6 is None:
        raise WellbeingError("checkin.err_k6_due")
    if not due and answers.k6 is not None:
        raise WellbeingError("checkin.err_k6_not_due")
    a, fb, roleplays = _assess(session, viewer.id, week, answers, scenario_ids)
    job = answers.job
    row = _own_checkin(session, viewer.id, week) or CheckIn(user_id=viewer.id, week_start=week,
                                                           who5=[], who5_raw=0, who5_pct=0,
                                                           created_at=now)
    row.team_id = viewer.team_id
    row.who5 = list(answers.who5)
    row.who5_raw, row.who5_pct = a.who5_raw, a.who5_pct
    row.k6 = None if answers.k6 is None else list(answers.k6)
    row.k6_total = a.k6_total
    row.job = {k: v for k, v in job.to_dict().items() if k not in ("free_text", "one_on_one")}
    row.harassment_count = job.level(HARASSMENT.id)
    row.wants_one_on_one = job.one_on_one
    row.free_text = job.free_text.replace(TEXT_SEPARATOR, " ").strip() or None
    row.level = FlagLevel(a.level)
    row.reasons = checkin_reasons(a)
    row.updated_at = now
    session.add(row)
    session.flush()
    flag = _sync_flag(session, row, [r.to_dict() for r in a.reasons], now)
    one = _sync_request(session, row, flag, now)
    session.flush()
    return CheckInResult(row, a, fb, flag, one, roleplays)


def checkin_result(session: Session, viewer: Viewer, checkin: CheckIn, *,
                   scenario_ids: Collection[str] | None = None) -> CheckInResult:
    """The result of a stored check-in of the viewer's own, as shown right after submitting."""
    if not access.can_submit_checkin(viewer) or checkin.user_id != viewer.id:
        raise PermissionError("a check-in is seen by its owner only")
    job = _job_of(checkin)
    job = JobAnswers(**{**_job_fields(job), "one_on_one": checkin.wants_one_on_one,
                        "free_text": checkin.free_text or ""})
    answers = CheckInAnswers(who5=checkin.who5, k6=checkin.k6, job=job)
    a, fb, roleplays = _assess(session, viewer.id, checkin.week_start, answers, scenario_ids)
    flag = session.exec(select(Flag).where(Flag.checkin_id == checkin.id)).first()
    one = _request_for(session, flag) if flag else None
    return CheckInResult(checkin, a, fb, flag, one, roleplays)


def _job_fields(job: JobAnswers) -> dict[str, Any]:
    return {k: getattr(job, k) for k in ("harassment", "workload", "consult", "sleep",
                                         "harassment_kinds")}


def _request_for(session: Session, flag: Flag) -> OneOnOne | None:
    return session.exec(select(OneOnOne).where(OneOnOne.flag_id == flag.id)).first()


def checkin_reasons(a: Assessment) -> list[dict[str, Any]]:
    """Reasons as kept on the check-in row: codes only (texts are in the wellbeing package and
    on the flag HR may see); keeps the rows narrow, which the trends scan reads."""
    return [{"code": r.code, "severity": r.severity, **({"item": r.item} if r.item else {})}
            for r in a.reasons]


def _sync_flag(session: Session, row: CheckIn, reasons: list[dict[str, Any]],
               now: datetime) -> Flag | None:
    flag = session.exec(select(Flag).where(Flag.checkin_id == row.id)).first()
    if row.level == FlagLevel.none:
        if flag is None:
            return None
        linked = session.exec(select(OneOnOne).where(OneOnOne.flag_id == flag.id)).all()
        if any(o.status != OneOnOneStatus.open for o in linked):
            flag.level, flag.reasons = FlagLevel.none, []  # HR is already working on it
            session.add(flag)
            return flag
        for o in linked:
            if o.requested_by_person:
                o.flag_id = None  # the request stands on its own
                session.add(o)
            else:
                session.delete(o)
        session.delete(flag)
        session.flush()
        return None
    if flag is None:
        flag = Flag(user_id=row.user_id, checkin_id=row.id, level=row.level, reasons=reasons,
                    created_at=now)
    else:
        unshared = {r["code"] for r in flag.reasons or [] if r.get("share") is False}
        for r in reasons:
            if r["code"] in unshared:
                r["share"] = False
        flag.level, flag.reasons = row.level, reasons
    session.add(flag)
    session.flush()
    if access.flag_is_shared(session, flag):
        _queue_entry(session, flag, now)
    return flag


def _queue_entry(session: Session, flag: Flag, now: datetime) -> OneOnOne:
    """The queue entry for ``flag``: one open/scheduled entry per person, moved to the newest
    flag (HR sees the latest state, not one entry per week)."""
    one = _request_for(session, flag)
    if one is not None:
        return one
    stmt = (select(OneOnOne).where(OneOnOne.user_id == flag.user_id, OneOnOne.status.in_(
        [OneOnOneStatus.open, OneOnOneStatus.scheduled])).order_by(OneOnOne.created_at.desc()))
    one = session.exec(stmt).first()
    if one is None:
        one = OneOnOne(user_id=flag.user_id, created_at=now)
    one.flag_id, one.updated_at = flag.id, now
    session.add(one)
    session.flush()
    return one


def _sync_request(session: Session, row: CheckIn, flag: Flag | None, now: datetime):
    one = _request_for(session, flag) if flag is not None else None
    if row.wants_one_on_one:
        one = one or _queue_entry(session, flag, now)
        one.requested_by_person = True
        session.add(one)
    elif one is not None and one.requested_by_person and one.status == OneOnOneStatus.open:
        if access.flag_is_shared(session, flag):
            one.requested_by_person = False
            session.add(one)
        else:
            session.delete(one)
            one = None
    return one


def my_checkins(session: Session, viewer: Viewer, limit: int = 26) -> list[CheckIn]:
    """The viewer's own check-ins, oldest first (at most the last ``limit``)."""
    stmt = (select(CheckIn).where(access.checkins_filter(viewer))
            .order_by(CheckIn.week_start.desc()).limit(limit))
    return list(reversed(session.exec(stmt).all()))


# --- sharing a flag and asking for a one-on-one ------------------------------------------------


def share_flag(session: Session, viewer: Viewer, flag_id: int,
               reason_codes: Collection[str] | None = None, now: datetime | None = None) -> Flag:
    """The person shares this one flag with HR (consent for this flag only).

    ``reason_codes``: the reasons they agree to share (default: all). HR sees the level and
    those reasons, never the answers.
    """
    flag = session.get(Flag, flag_id)
    if flag is None or viewer.role != Role.staff or not access.can_see_flag(session, viewer, flag):
        raise PermissionError("a flag is shared by its owner only")
    now = now or utcnow()
    chosen = None if reason_codes is None else set(reason_codes)
    flag.reasons = [{**r, "share": chosen is None or r["code"] in chosen} for r in flag.reasons]
    flag.shared_at = flag.shared_at or now
    session.add(flag)
    _queue_entry(session, flag, now)
    _audit(session, viewer, audit.Action.consent_changed, "flag", flag.id,
           "share flag: " + ",".join(r["code"] for r in flag.reasons if r["share"]))
    session.flush()
    return flag


def request_one_on_one(session: Session, viewer: Viewer, flag_id: int | None = None,
                       now: datetime | None = None) -> OneOnOne:
    """The person asks for a one-on-one (optionally about one of their flags). Asking does not
    share the flag's level or reasons."""
    if not access.can_submit_checkin(viewer):
        raise PermissionError("only staff ask for a one-on-one")
    now = now or utcnow()
    if flag_id is not None:
        flag = session.get(Flag, flag_id)
        if flag is None or flag.user_id != viewer.id:
            raise PermissionError("not your flag")
        one = _queue_entry(session, flag, now)
    else:
        one = OneOnOne(user_id=viewer.id, created_at=now, updated_at=now)
    one.requested_by_person = True
    one.updated_at = now
    session.add(one)
    session.flush()
    return one


@dataclass(frozen=True)
class MyRequest:
    id: int
    status: str
    scheduled_for: datetime | None
    created_at: datetime


def my_one_on_ones(session: Session, viewer: Viewer) -> list[MyRequest]:
    """The viewer's own requests (status and date only; HR's notes stay with HR)."""
    stmt = (select(OneOnOne).where(OneOnOne.user_id == viewer.id,
                                   OneOnOne.requested_by_person.is_(True))
            .order_by(OneOnOne.created_at.desc()))
    return [MyRequest(o.id, o.status, o.scheduled_for, o.created_at)
            for o in session.exec(stmt).all()]


# --- HR: the one-on-one queue --------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """One entry of HR's queue: who, what they agreed to share, and HR's own working data."""

    id: int
    user_id: int
    person: str
    team: str | None
    requested_by_person: bool
    level: str | None  # None: the flag is not shared (a request only)
    reasons: tuple[dict[str, str], ...]  # shared reasons only: {"code", "ja", "en"}
    flagged_on: datetime | None
    status: str
    assignee_id: int | None
    scheduled_for: datetime | None
    notes: str | None
    created_at: datetime


TRANSITIONS: dict[str, frozenset[str]] = {
    OneOnOneStatus.open: frozenset({OneOnOneStatus.scheduled, OneOnOneStatus.declined}),
    OneOnOneStatus.scheduled: frozenset({OneOnOneStatus.scheduled, OneOnOneStatus.done,
                                         OneOnOneStatus.declined}),
    OneOnOneStatus.done: frozenset(),
    OneOnOneStatus.declined: frozenset(),
}


def _visible_entry(session: Session, viewer: Viewer, one: OneOnOne) -> tuple[bool, Flag | None]:
    flag = session.get(Flag, one.flag_id) if one.flag_id else None
    shared = flag is not None and access.can_see_flag(session, viewer, flag)
    return (one.requested_by_person or shared), (flag if shared else None)


def one_on_one_queue(session: Session, viewer: Viewer, *,
                     include_closed: bool = False) -> list[QueueItem]:
    """HR's queue: explicit requests and consented flags only, open ones first. Every entry
    returned is a view of a person's data and is audited (and its flag, when shown)."""
    if not access.can_work_one_on_ones(viewer):
        raise PermissionError("HR only")
    stmt = select(OneOnOne, User, Team).join(User, User.id == OneOnOne.user_id).outerjoin(
        Team, Team.id == User.team_id)
    if not include_closed:
        stmt = stmt.where(OneOnOne.status.in_([OneOnOneStatus.open, OneOnOneStatus.scheduled]))
    order = {s: i for i, s in enumerate(OneOnOneStatus)}
    items = []
    for one, user, team in session.exec(stmt.order_by(OneOnOne.created_at)).all():
        visible, flag = _visible_entry(session, viewer, one)
        if not visible:
            continue
        _audit(session, viewer, audit.Action.view_one_on_one, "one_on_one", one.id)
        if flag is not None:
            _audit(session, viewer, audit.Action.view_flag, "flag", flag.id)
        reasons = tuple({"code": r["code"], "ja": r["ja"], "en": r["en"]}
                        for r in (flag.reasons if flag else []) if r.get("share", True))
        items.append(QueueItem(
            id=one.id, user_id=user.id, person=user.display_name, team=team.name if team else None,
            requested_by_person=one.requested_by_person,
            level=None if flag is None else str(flag.level), reasons=reasons,
            flagged_on=flag.created_at if flag else None, status=str(one.status),
            assignee_id=one.assignee_id, scheduled_for=one.scheduled_for, notes=one.notes,
            created_at=one.created_at))
    session.flush()
    items.sort(key=lambda i: (order[OneOnOneStatus(i.status)], i.level != "urgent", i.created_at))
    return items


def update_one_on_one(session: Session, viewer: Viewer, one_id: int, *,
                      status: str | None = None, assignee_id: int | None = None,
                      scheduled_for: datetime | None = None, notes: str | None = None,
                      now: datetime | None = None) -> OneOnOne:
    """HR works an entry: status (open → scheduled → done / declined), assignee, date, notes."""
    if not access.can_work_one_on_ones(viewer):
        raise PermissionError("HR only")
    one = session.get(OneOnOne, one_id)
    if one is None or not _visible_entry(session, viewer, one)[0]:
        raise WellbeingError("one_on_one.err_not_found")
    if status is not None and status != one.status:
        if OneOnOneStatus(status) not in TRANSITIONS[OneOnOneStatus(one.status)]:
            raise WellbeingError("one_on_one.err_transition", old=one.status, new=status)
        one.status = OneOnOneStatus(status)
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or assignee.role != Role.hr:
            raise WellbeingError("one_on_one.err_assignee")
        one.assignee_id = assignee_id
    if scheduled_for is not None:
        one.scheduled_for = scheduled_for
    if notes is not None:
        one.notes = notes
    one.updated_at = now or utcnow()
    session.add(one)
    _audit(session, viewer, "one_on_one_changed", "one_on_one", one.id, f"status {one.status}")
    session.flush()
    return one


def hr_people(session: Session) -> list[User]:
    """Active HR users (possible assignees)."""
    stmt = select(User).where(User.role == Role.hr, User.active.is_(True)).order_by(User.username)
    return list(session.exec(stmt).all())


# --- demo content ----------------------------------------------------------------------------------

# (username, WHO-5 level 0–5 per week from 12 weeks ago to last week, share flags, misses)
_DEMO_PROFILES = {
    "sato": ([4] * 12, False, ()),
    "suzuki": ([4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 2, 2], True, ()),  # trending down, shares flags
    "takahashi": ([3, 3, 4, 3, 3, 3, 3, 2, 2, 2, 1, 1], False, (5,)),  # down, does not share
    "tanaka": ([4, 3, 4, 4, 3, 4, 4, 3, 4, 4, 3, 4], False, (2,)),
    "ito": ([3, 4, 3, 4, 3, 4, 3, 4, 3, 4, 3, 3], False, ()),
    "watanabe": ([5, 4, 4, 5, 4, 4, 5, 4, 4, 4, 4, 4], False, (9,)),
    "yamamoto": ([4, 4, 3, 4, 4, 3, 4, 4, 4, 3, 4, 4], False, ()),
    "nakamura": ([4, 4, 4, 3, 3, 3, 3, 2, 3, 2, 2, 2], False, (1,)),  # harassment weeks
    "kobayashi": ([3, 4, 4, 4, 4, 3, 4, 4, 4, 4, 3, 4], False, ()),
    "kimura": ([4, 4, 4, 4, 3, 4, 4, 4, 4, 3, 4, 4], False, ()),
    "hayashi": ([3, 3, 4, 4, 3, 3, 4, 3, 3, 4, 3, 3], False, ()),
    "shimizu": ([5, 4, 5, 4, 4, 5, 4, 4, 5, 4, 4, 4], False, ()),
    "saito": ([4, 3, 3, 4, 4, 4, 3, 4, 4, 4, 4, 3], False, ()),
    "yamaguchi": ([4, 4, 3, 4, 4, 4, 4, 3, 4, 4, 4, 4], False, ()),
    "matsumoto": ([3, 4, 4, 3, 4, 4, 3, 4, 4, 3, 4, 4], False, ()),
    "inoue": ([4, 4, 4, 4, 3, 4, 4, 4, 3, 3, 3, 3], False, ()),
}


def seed_demo(session: Session, people: Mapping[str, User], today: date | None = None) -> None:
    """12 weeks of check-ins for the demo staff (hook of ``core.demo``): some people trending
    down, one with a flag shared by standing consent (suzuki), one with an unshared urgent flag
    (takahashi), a small team (福岡サポート, 3 people) that trends must hide, a one-on-one
    request and two harassment incidents. Flushes, never commits."""
    import random

    from core.access import viewer_for
    from wellbeing.instruments import JOB_ITEMS

    rng = random.Random(2026)
    today = today or date.today()
    this_week = week_start(today)
    first = this_week - timedelta(weeks=12)
    start = datetime.combine(first - timedelta(days=3), time(9), tzinfo=UTC)
    for username, (levels, shares, misses) in _DEMO_PROFILES.items():
        user = people.get(username)
        if user is None or user.role != Role.staff:
            continue
        viewer = viewer_for(session, user)
        give_consent(session, viewer, ConsentKind.wellbeing, now=start)
        if shares:
            give_consent(session, viewer, ConsentKind.share_flags, now=start)
        weeks = [(i, first + timedelta(weeks=i), lv) for i, lv in enumerate(levels)]
        weeks += [(12, this_week, levels[-1])] if username in ("sato", "ito") else []
        for i, week, lv in weeks:
            if i in misses:
                continue
            day = min(week + timedelta(days=2), today)
            who5 = [max(0, min(5, lv + rng.choice((-1, 0, 0, 1)))) for _ in range(5)]
            k6 = None
            if checkin_state(session, viewer, day).k6_due:
                k6 = [max(0, min(4, 4 - lv + rng.choice((-1, 0, 1)))) for _ in range(6)]
            worse = 3 - min(lv, 3)  # 0 good … 2–3 worse, a rank into each job item
            job = {item.id: item.keys[min(item.worst, max(0, worse + rng.choice((-1, 0, 0))))]
                   for item in JOB_ITEMS}
            if username == "nakamura" and i >= 7:
                job["harassment"] = "two_three" if i < 11 else "four_plus"
                job["harassment_kinds"] = ["abusive_language", "long_calls"]
            else:
                job["harassment"] = "none"
            job["one_on_one"] = username == "tanaka" and i == 10
            at = datetime.combine(day, time(10), tzinfo=UTC)
            save_checkin(session, viewer, {"who5": who5, "k6": k6, "job": job}, day,
                         scenario_ids=frozenset(), now=at)

    for username, weeks_ago, kind, text, status, actions in (
        ("nakamura", 2, "abusive_language",
         "配送遅延のお問い合わせで、30分以上にわたり大声で「無能」などと繰り返し言われた。",
         IncidentStatus.in_progress, "上長が通話記録を確認。次回は担当を交代する運用を決定。"),
        ("sato", 5, "repeated_calls",
         "同じお客様から1日に10回以上の電話があり、同じ要求を繰り返された。",
         IncidentStatus.closed, "対応方針を文書で回答し、窓口を一本化した。"),
    ):
        user = people.get(username)
        if user is None:
            continue
        session.add(Incident(reporter_id=user.id, team_id=user.team_id,
                             occurred_on=this_week - timedelta(weeks=weeks_ago, days=-1),
                             kind=kind, description=text, status=status, actions=actions))
    session.flush()
