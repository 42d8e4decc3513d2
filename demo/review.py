"""Demo review content: a trainer's review with an override and comments on demo attempts.
Called by :mod:`demo.seed` after :mod:`demo.practice` (flush, no commit)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from core.access import viewer_for
from core.models import Attempt, AttemptStatus, User
from services.review import add_comment, mark_reviewed, save_review, visible_attempts_stmt


def seed_demo(session: Session, people: Mapping[str, User]) -> None:
    """A couple of demo reviews and comments on demo attempts, if there are any (flush only)."""
    trainer = people.get("trainer")
    if trainer is None:
        return
    viewer = viewer_for(session, trainer)
    rows = session.exec(
        visible_attempts_stmt(viewer).where(Attempt.status == AttemptStatus.done,
                                             Attempt.score.is_not(None))
        .order_by(Attempt.created_at, Attempt.id)
    ).all()
    attempts = [a for a, _ in rows]
    if not attempts:
        return
    first = attempts[0]
    override = max(0, min(100, (first.score or 0) + 8))
    save_review(session, viewer, first.id, score_override=override,
                reason="最後まで落ち着いた声で対応できており、自動採点より少し高く評価します。",
                rubric_corrections=None)
    add_comment(session, viewer, first.id, at_seconds=0.5,
                text="出だしの声のトーンが落ち着いていて良いです。")
    if len(attempts) > 1:
        second = attempts[-1]
        add_comment(session, viewer, second.id, at_seconds=None,
                    text="語尾が少し速くなっています。句点で一拍おきましょう。")
        mark_reviewed(session, viewer, second.id)
    session.flush()
