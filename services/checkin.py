"""The weekly check-in in the database, and the flags it raises: saving and re-reading a
person's own check-in, the flag at watch / urgent, sharing one flag with HR. Consent is in
:mod:`services.consent`, the one-on-one queue in :mod:`services.one_on_one`, incidents in
:mod:`services.incidents`, HR trends in :mod:`services.trends`.

What an answer *means* (scores, levels, reasons, kind words, tips) comes from the pure
``wellbeing`` package; who may see what comes from :mod:`core.access`. ISO weeks are weeks of
the company's calendar (``core.clock``). Refusals are :class:`core.errors.Refusal`s (bad
answers from the wellbeing package become :class:`core.errors.WellbeingError`); functions flush,
the caller commits. Demo check-ins are seeded by :mod:`demo.checkin`. No streamlit here.

Sharing model (Japan's Stress Check and APPI: health data is 要配慮個人情報):

* Nothing is collected without ``ConsentKind.wellbeing`` in force.
* A flag (a check-in at watch / urgent) reaches HR only when ``access.flag_is_shared`` says so:
  the person shared this one flag (optionally only some of its reasons), or standing consent
  ``share_flags`` was in force when it was raised and still is.
* Asking for a one-on-one puts a request in HR's queue; the flag's level and reasons still go
  only with consent. HR never sees answers, scores or free text of a person.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, func
from sqlmodel import Session, select

from core import access, audit, validation
from core.access import Viewer
from core.clock import local_day_start
from core.db import insert_ignore
from core.errors import NotAllowed, WellbeingError
from core.models import (
    Attempt,
    AttemptKind,
    CheckIn,
    ConsentKind,
    Flag,
    FlagLevel,
    OneOnOne,
    OneOnOneStatus,
    utcnow,
)
from services.catalogue import harassment_scenarios
from services.one_on_one import queue_entry, request_for
from wellbeing.flags import Assessment, Feedback, assess, feedback
from wellbeing.instruments import HARASSMENT, AnswerError, JobAnswers, k6_due, week_start

# Joins free texts inside one SQL aggregate (HR trends); never kept inside a stored text.
TEXT_SEPARATOR = "\x1e"


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
    shared: bool = False  # the flag reaches HR (access.flag_is_shared)


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
        raise NotAllowed()
    week = week_start(today)
    previous = _own_checkins_before(session, viewer.id, week)
    return CheckInState(
        week=week,
        consented=access.has_consent(session, viewer.id, ConsentKind.wellbeing),
        k6_due=_k6_is_due(previous, week),
        existing=_own_checkin(session, viewer.id, week),
    )


def harassment_scenario_ids() -> frozenset[str]:
    """Ids of the harassment (カスハラ) role-play scenarios in the catalogue."""
    return frozenset(s.id for s in harassment_scenarios())


def harassment_roleplays_in_week(session: Session, user_id: int, week: date,
                                 scenario_ids: Collection[str] | None = None) -> int:
    """Harassment role-plays the person practised in ``week`` (company days, like the
    check-in's week): distinct runs of a harassment scenario (an attempt without a run id
    counts on its own)."""
    ids = harassment_scenario_ids() if scenario_ids is None else frozenset(scenario_ids)
    if not ids:
        return 0
    start, end = local_day_start(week), local_day_start(week + timedelta(days=7))
    run = case((Attempt.run_id != "", Attempt.run_id), else_=cast(Attempt.id, String))
    stmt = select(func.count(func.distinct(run))).where(
        Attempt.user_id == user_id, Attempt.kind == AttemptKind.practice,
        Attempt.scenario_id.in_(sorted(ids)),
        Attempt.created_at >= start, Attempt.created_at < end)
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


@contextmanager
def _answers_checked() -> Iterator[None]:
    """Bad answers (the wellbeing package's AnswerError) become a WellbeingError, same key."""
    try:
        yield
    except AnswerError as e:
        raise WellbeingError(e.key, **e.values) from e


def save_checkin(session: Session, viewer: Viewer, answers: CheckInAnswers | Mapping[str, Any],
                 today: date, *, scenario_ids: Collection[str] | None = None,
                 now: datetime | None = None) -> CheckInResult:
    """Store the viewer's check-in for ``today``'s ISO week (a second save that week edits it).

    The K6 is required when due and refused when not (``checkin.err_k6_due`` /
    ``checkin.err_k6_not_due``); answers are validated by the wellbeing package (its
    ``AnswerError`` becomes a :class:`WellbeingError` with the same catalogue key). A flag is created or updated at watch/urgent; a one-on-one request is queued when asked.
    """
    if not access.can_submit_checkin(viewer):
        raise NotAllowed()
    if not access.has_consent(session, viewer.id, ConsentKind.wellbeing):
        raise WellbeingError("checkin.err_no_consent")
    with _answers_checked():
        answers = CheckInAnswers.coerce(answers)
    now = now or utcnow()
    week = week_start(today)
    due = _k6_is_due(_own_checkins_before(session, viewer.id, week), week)
    if due and answers.k6 is None:
        raise WellbeingError("checkin.err_k6_due")
    if not due and answers.k6 is not None:
        raise WellbeingError("checkin.err_k6_not_due")
    with _answers_checked():
        a, fb, roleplays = _assess(session, viewer.id, week, answers, scenario_ids)
    job = answers.job
    existing = _own_checkin(session, viewer.id, week)
    if existing is None:  # a second save at the same moment updates the row the first made
        row, inserted = _new_checkin(session, viewer, week, now)
        existing = None if inserted else row
    else:
        row = existing
    row.team_id = viewer.team_id
    row.who5 = list(answers.who5)
    row.who5_raw, row.who5_pct = a.who5_raw, a.who5_pct
    row.k6 = None if answers.k6 is None else list(answers.k6)
    row.k6_total = a.k6_total
    row.job = {k: v for k, v in job.to_dict().items() if k not in ("free_text", "one_on_one")}
    row.harassment_count = job.level(HARASSMENT.id)
    row.wants_one_on_one = job.one_on_one
    row.free_text = validation.text(job.free_text.replace(TEXT_SEPARATOR, " "), field="free_text",
                                    max_chars=validation.CHECKIN_FREE_TEXT_MAX,
                                    error=WellbeingError) or None
    row.level = FlagLevel(a.level)
    row.reasons = checkin_reasons(a)
    row.updated_at = now
    session.add(row)
    session.flush()
    if existing is not None:  # a correction of this week's answers (APPI: audited)
        audit.record_by(session, viewer, audit.Action.data_corrected, "checkin", row.id,
                        "own check-in of this week")
    flag = _sync_flag(session, row, [r.to_dict() for r in a.reasons], now)
    one = _sync_request(session, row, flag, now)
    session.flush()
    shared = flag is not None and access.flag_is_shared(session, flag)
    return CheckInResult(row, a, fb, flag, one, roleplays, shared)


def _new_checkin(session: Session, viewer: Viewer, week: date,
                 now: datetime) -> tuple[CheckIn, bool]:
    """This week's row, created when missing. Two saves at once (two tabs, a double click)
    both end on the one row (unique per person and week): the second insert waits for the
    first and does nothing (``core.db.insert_ignore``); both then update it, the last wins."""
    inserted = insert_ignore(session, CheckIn, {
        "user_id": viewer.id, "week_start": week, "team_id": viewer.team_id, "who5": [],
        "who5_raw": 0, "who5_pct": 0, "job": {}, "harassment_count": 0,
        "wants_one_on_one": False, "level": FlagLevel.none.value, "reasons": [],
        "created_at": now, "updated_at": now}, ["user_id", "week_start"])
    row = session.exec(select(CheckIn).where(CheckIn.user_id == viewer.id,
                                             CheckIn.week_start == week)
                       .execution_options(populate_existing=True)).one()
    return row, inserted


def checkin_result(session: Session, viewer: Viewer, checkin: CheckIn, *,
                   scenario_ids: Collection[str] | None = None) -> CheckInResult:
    """The result of a stored check-in of the viewer's own, as shown right after submitting."""
    if not access.can_see_checkin(viewer, checkin):
        raise NotAllowed()
    job = _job_of(checkin)
    job = JobAnswers(**{**_job_fields(job), "one_on_one": checkin.wants_one_on_one,
                        "free_text": checkin.free_text or ""})
    answers = CheckInAnswers(who5=checkin.who5, k6=checkin.k6, job=job)
    a, fb, roleplays = _assess(session, viewer.id, checkin.week_start, answers, scenario_ids)
    flag = session.exec(select(Flag).where(Flag.checkin_id == checkin.id)).first()
    one = request_for(session, flag) if flag else None
    shared = flag is not None and access.flag_is_shared(session, flag)
    return CheckInResult(checkin, a, fb, flag, one, roleplays, shared)


def _job_fields(job: JobAnswers) -> dict[str, Any]:
    return {k: getattr(job, k) for k in ("harassment", "workload", "consult", "sleep",
                                         "harassment_kinds")}


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
        queue_entry(session, flag, now)
    return flag


def _sync_request(session: Session, row: CheckIn, flag: Flag | None, now: datetime):
    one = request_for(session, flag) if flag is not None else None
    if row.wants_one_on_one:
        one = one or queue_entry(session, flag, now)
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


def own_trend(session: Session, viewer: Viewer, limit: int = 26) -> list[dict[str, Any]]:
    """The viewer's own trend as plain points, oldest first: ``{"week": ISO date, "who5": %,
    "k6": total or None}`` (drawn by ``ui.charts.own_checkin_charts``)."""
    return [{"week": c.week_start.isoformat(), "who5": c.who5_pct, "k6": c.k6_total}
            for c in my_checkins(session, viewer, limit)]


def my_checkins(session: Session, viewer: Viewer, limit: int = 26) -> list[CheckIn]:
    """The viewer's own check-ins, oldest first (at most the last ``limit``)."""
    stmt = (select(CheckIn).where(access.checkins_filter(viewer))
            .order_by(CheckIn.week_start.desc()).limit(limit))
    return list(reversed(session.exec(stmt).all()))


# --- sharing a flag ---------------------------------------------------------------------------


def share_flag(session: Session, viewer: Viewer, flag_id: int,
               reason_codes: Collection[str] | None = None, now: datetime | None = None) -> Flag:
    """The person shares this one flag with HR (consent for this flag only).

    ``reason_codes``: the reasons they agree to share (default: all). HR sees the level and
    those reasons, never the answers.
    """
    flag = session.get(Flag, flag_id)
    if flag is None or not access.can_share_flag(viewer, flag):
        raise NotAllowed()
    now = now or utcnow()
    chosen = None if reason_codes is None else set(reason_codes)
    flag.reasons = [{**r, "share": chosen is None or r["code"] in chosen} for r in flag.reasons]
    flag.shared_at = flag.shared_at or now
    session.add(flag)
    queue_entry(session, flag, now)
    # How many reasons, never which: the audit log is read by admins, who see no wellbeing data.
    audit.record_by(session, viewer, audit.Action.consent_changed, "flag", flag.id,
                    f"share flag: {sum(bool(r['share']) for r in flag.reasons)} reason(s)")
    session.flush()
    return flag

