"""One-on-ones: a person asks for one (optionally about one of their flags), a shared flag puts
its owner in the queue, and HR works the queue (status, assignee, date, notes).

The queue holds one open/scheduled entry per person, moved to their newest flag. HR sees an
entry only when the person asked or the flag is shared (``access.can_see_flag``), and then only
the shared reasons, never answers, scores or free text; every entry shown is audited. Who may
ask and who may work the queue is decided by :mod:`core.access`. Refusals are
:class:`core.errors.Refusal`s; functions flush, the caller commits. No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from core import access, audit, validation
from core.access import Viewer
from core.errors import NotAllowed, NotFound, WellbeingError
from core.models import Flag, OneOnOne, OneOnOneStatus, Role, Team, User, utcnow


def request_for(session: Session, flag: Flag) -> OneOnOne | None:
    """The queue entry linked to ``flag``, if any."""
    return session.exec(select(OneOnOne).where(OneOnOne.flag_id == flag.id)).first()


def queue_entry(session: Session, flag: Flag, now: datetime) -> OneOnOne:
    """The queue entry for ``flag``: one open/scheduled entry per person, moved to the newest
    flag (HR sees the latest state, not one entry per week)."""
    one = request_for(session, flag)
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


# --- the person asks ------------------------------------------------------------------------------


def request_one_on_one(session: Session, viewer: Viewer, flag_id: int | None = None,
                       now: datetime | None = None) -> OneOnOne:
    """The person asks for a one-on-one (optionally about one of their flags). Asking does not
    share the flag's level or reasons."""
    if not access.can_request_one_on_one(viewer):
        raise NotAllowed()
    now = now or utcnow()
    if flag_id is not None:
        flag = session.get(Flag, flag_id)
        if flag is None or not access.can_request_one_on_one(viewer, flag):
            raise NotAllowed()
        one = queue_entry(session, flag, now)
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

def withdraw_from_queue(session: Session, viewer: Viewer, now: datetime | None = None) -> int:
    """On withdrawal of wellbeing consent: none of the person's flags stays shared with HR
    (each flag's own sharing is undone; standing consent is withdrawn by the caller), queue
    entries that exist only because of a flag leave the queue (open or scheduled; done and
    declined ones stay as HR's record, without their flag), and a one-on-one the person asked
    for themself stays, without its flag. Returns the number of entries that left the queue."""
    now = now or utcnow()
    for flag in session.exec(select(Flag).where(Flag.user_id == viewer.id,
                                                Flag.shared_at.is_not(None))).all():
        flag.shared_at = None
        session.add(flag)
    left = 0
    for one in session.exec(select(OneOnOne).where(OneOnOne.user_id == viewer.id)).all():
        if one.requested_by_person or one.status in (OneOnOneStatus.done,
                                                     OneOnOneStatus.declined):
            if one.flag_id is not None:
                one.flag_id, one.updated_at = None, now
                session.add(one)
            continue
        session.delete(one)
        left += 1
    if left:
        audit.record_by(session, viewer, audit.Action.one_on_one_changed, "one_on_one", None,
                        f"consent withdrawn: {left} left the queue")
    session.flush()
    return left


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
        raise NotAllowed()
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
        audit.record_by(session, viewer, audit.Action.view_one_on_one, "one_on_one", one.id)
        if flag is not None:
            audit.record_by(session, viewer, audit.Action.view_flag, "flag", flag.id)
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
        raise NotAllowed()
    one = session.get(OneOnOne, one_id)
    if one is None or not _visible_entry(session, viewer, one)[0]:
        raise NotFound("one_on_one.err_not_found")
    if status is not None and status != one.status:
        if OneOnOneStatus(status) not in TRANSITIONS[OneOnOneStatus(one.status)]:
            raise WellbeingError("one_on_one.err_transition", old=one.status, new=status)
        one.status = OneOnOneStatus(status)
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or not access.may_hold_one_on_ones(assignee.role):
            raise WellbeingError("one_on_one.err_assignee")
        one.assignee_id = assignee_id
    if scheduled_for is not None:
        one.scheduled_for = scheduled_for
    if notes is not None:
        one.notes = validation.text(notes, field="notes", max_chars=validation.ONE_ON_ONE_NOTES_MAX,
                                    error=WellbeingError) or None
    one.updated_at = now or utcnow()
    session.add(one)
    audit.record_by(session, viewer, audit.Action.one_on_one_changed, "one_on_one", one.id,
                    f"status {one.status}")
    session.flush()
    return one


def reopen_one_on_one(session: Session, viewer: Viewer, one_id: int, *,
                      now: datetime | None = None) -> OneOnOne:
    """HR reopens a closed (done or declined) entry: it is open again, its notes and date kept;
    audited. Refused while the person has another open or scheduled entry (one per person)."""
    if not access.can_work_one_on_ones(viewer):
        raise NotAllowed()
    one = session.get(OneOnOne, one_id)
    if one is None or not _visible_entry(session, viewer, one)[0]:
        raise NotFound("one_on_one.err_not_found")
    old = OneOnOneStatus(one.status)
    if old not in (OneOnOneStatus.done, OneOnOneStatus.declined):
        raise WellbeingError("one_on_one.err_not_closed")
    other = session.exec(select(OneOnOne).where(
        OneOnOne.user_id == one.user_id, OneOnOne.id != one.id,
        OneOnOne.status.in_([OneOnOneStatus.open, OneOnOneStatus.scheduled]))).first()
    if other is not None:
        raise WellbeingError("one_on_one.err_other_open")
    one.status, one.updated_at = OneOnOneStatus.open, now or utcnow()
    session.add(one)
    audit.record_by(session, viewer, audit.Action.one_on_one_changed, "one_on_one", one.id,
                    f"reopened ({old} → open)")
    session.flush()
    return one


def hr_people(session: Session) -> list[User]:
    """Active HR users (possible assignees)."""
    stmt = select(User).where(User.role == Role.hr, User.active.is_(True)).order_by(User.username)
    return list(session.exec(stmt).all())

