"""The team-progress table and CSV name completed scenarios by title, never by id (issue 13)."""

from __future__ import annotations

from core.access import viewer_for
from services import catalogue
from services.team_progress import progress_rows, team_progress, visible_teams
from tests.services.test_calls import Caller


def test_completed_scenarios_by_title(session, make_user):
    staff = make_user("sato", team="東京", display_name="佐藤")
    trainer = make_user("coach", role="trainer", team="東京")
    c = Caller(session, staff, "late_delivery", "done")
    while c.say().next_turn_id is not None:
        pass
    viewer = viewer_for(session, trainer)
    team_id = visible_teams(session, viewer)[0][0]
    progress = team_progress(session, viewer, team_id=team_id)
    for lang in ("ja", "en"):
        rows = progress_rows(progress, lang)
        row = next(r for r in rows if "佐藤" in r.values())
        text = " ".join(str(v) for v in row.values())
        assert catalogue.title("late_delivery", lang) in text
        assert "late_delivery" not in text
