"""Demo harassment incidents (hook of :mod:`demo.seed`): one being worked, one closed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlmodel import Session

from core.clock import local_today
from core.models import Incident, IncidentStatus, User
from wellbeing.instruments import week_start


def seed_demo(session: Session, people: Mapping[str, User], today: date | None = None) -> None:
    """Two demo incidents (hook of ``demo.seed``): one being worked, one closed. Flushes."""
    this_week = week_start(today or local_today())
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
