"""Issue 11, item 8: one review per attempt (a unique index and an upsert) and a clean update
for simultaneous check-ins of one week — parallel threads, each with its own session, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from core.access import viewer_for
from core.models import Attempt, AttemptStatus, CheckIn, ConsentKind, Review, Role, Team, User

TODAY = date(2026, 11, 25)


@pytest.fixture
def db(any_db_env):
    from core.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def _team_people(s: Session):
    team = Team(name="東京")
    s.add(team)
    s.flush()
    staff = User(username="sato", display_name="佐藤", role=Role.staff, team_id=team.id)
    trainer = User(username="trainer", display_name="指導", role=Role.trainer, team_id=team.id)
    s.add_all([staff, trainer])
    s.commit()
    return staff, trainer


def test_parallel_review_saves_leave_one_review(db, in_threads):
    """Before: 8 simultaneous saves of a review on one attempt made 3 review rows."""
    from services.review import save_review

    staff, trainer = _team_people(db)
    attempt = Attempt(user_id=staff.id, audio_path="x.wav", status=AttemptStatus.done, score=60,
                      scenario_id="late_delivery", turn_id="t1")
    db.add(attempt)
    db.commit()
    viewer = viewer_for(db, trainer)

    def save(i: int, s: Session):
        save_review(s, viewer, attempt.id, score_override=50 + i, reason=f"理由 {i}")
        s.commit()

    for _ in range(2):
        in_threads(8, save)
    reviews = db.exec(select(Review).where(Review.attempt_id == attempt.id)).all()
    assert len(reviews) == 1
    assert reviews[0].score_override in range(50, 58)


def test_the_database_refuses_a_second_review_row(db):
    staff, trainer = _team_people(db)
    attempt = Attempt(user_id=staff.id, audio_path="x.wav", status=AttemptStatus.done)
    db.add(attempt)
    db.commit()
    db.add(Review(attempt_id=attempt.id, trainer_id=trainer.id))
    db.commit()
    db.add(Review(attempt_id=attempt.id, trainer_id=trainer.id))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_parallel_checkins_of_one_week_become_one_clean_update(db, in_threads):
    """Before: simultaneous check-ins for the same week raised an uncaught IntegrityError."""
    from services import checkin as wd
    from services import consent as cs

    staff, _ = _team_people(db)
    viewer = viewer_for(db, staff)
    cs.give_consent(db, viewer, ConsentKind.wellbeing)
    db.commit()
    k6_due = wd.checkin_state(db, viewer, TODAY).k6_due

    def save(i: int, s: Session):
        answers = {"who5": [i % 6] * 5, "k6": [1] * 6 if k6_due else None,
                   "job": {"free_text": f"週のふりかえり {i}"}}
        wd.save_checkin(s, viewer, answers, TODAY, scenario_ids=frozenset())
        s.commit()

    in_threads(6, save)
    n = db.exec(select(func.count()).select_from(CheckIn).where(CheckIn.user_id == staff.id)).one()
    assert n == 1
    row = db.exec(select(CheckIn).where(CheckIn.user_id == staff.id)).one()
    assert row.free_text.startswith("週のふりかえり")
