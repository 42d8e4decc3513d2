"""Demo check-ins (hook of :mod:`demo.seed`): 12 weeks of answers for the demo staff, saved
through :func:`services.checkin.save_checkin` like a person's own, so flags, the one-on-one
queue and HR trends show real content."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from core.access import viewer_for
from core.clock import local_today
from core.models import ConsentKind, Role, User
from services.checkin import checkin_state, save_checkin
from services.consent import give_consent
from wellbeing.instruments import JOB_ITEMS, week_start

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
    """12 weeks of check-ins for the demo staff (hook of ``demo.seed``): some people trending
    down, one with a flag shared by standing consent (suzuki), one with an unshared urgent flag
    (takahashi), a small team (福岡サポート, 3 people) that trends must hide, a one-on-one
    request. Flushes, never commits."""
    rng = random.Random(2026)
    today = today or local_today()
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
    session.flush()
