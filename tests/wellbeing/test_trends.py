"""Trend rules: minimum group size, complementary suppression (with the attack), open weeks,
free text, participation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellbeing.trends import (
    K6_BUCKETS,
    AggregateRow,
    FreeTextGroup,
    k6_bucket,
    participation,
    participation_rate,
    protect,
    suppress_free_text,
    suppress_trends,
)

WEEK = date(2026, 11, 16)  # a Monday
TODAY = date(2026, 11, 28)  # in the following week, so WEEK is closed


def people(n: int, start: int = 40) -> list[int]:
    """n distinct WHO-5 percentages (so every person can be told apart)."""
    return [(start + 4 * i) % 101 for i in range(n)]


def row_for(team: str | None, scores: list[int], week: date = WEEK, **kw) -> AggregateRow:
    n = len(scores)
    return AggregateRow(
        team=team,
        week=week,
        n_respondents=n,
        who5_mean=(sum(scores) / n) if n else None,
        **kw,
    )


def company(
    teams: dict[str, list[int]], week: date = WEEK, extra: list[int] = ()
) -> list[AggregateRow]:
    """Team rows plus a total row built from the same people (plus ``extra``, in no team)."""
    everyone = [s for scores in teams.values() for s in scores] + list(extra)
    return [row_for(t, s, week) for t, s in teams.items()] + [row_for(None, everyone, week)]


def by_team(cells):
    return {c.team: c for c in cells}


# --- minimum group size ---------------------------------------------------------------------------


def test_n_below_min_is_suppressed_at_min_is_shown():
    cells = by_team(
        suppress_trends([row_for("A", people(4)), row_for("B", people(5))], today=TODAY)
    )
    assert cells["A"].suppressed and cells["A"].reason == "small_group"
    assert cells["A"].notice.ja == "個人が特定されないよう非表示"
    assert cells["A"].n_respondents is None and cells["A"].who5_mean is None
    assert not cells["B"].suppressed
    assert cells["B"].n_respondents == 5
    assert cells["B"].notice is None


def test_min_group_size_is_configurable():
    cells = by_team(
        suppress_trends(
            [row_for("A", people(6)), row_for("B", people(7))], today=TODAY, min_group_size=7
        )
    )
    assert cells["A"].suppressed and not cells["B"].suppressed


def test_suppressed_cells_are_kept_in_input_order():
    rows = [row_for("B", people(2)), row_for("A", people(9)), row_for("C", people(1))]
    out = suppress_trends(rows, today=TODAY)
    assert [c.team for c in out] == ["B", "A", "C"]
    assert [c.suppressed for c in out] == [True, False, True]


# --- anti-differencing ----------------------------------------------------------------------------


def subtraction_attack(cells, min_size=5):
    """What an HR viewer can work out: total minus every shown team.

    Returns (residual n, residual mean) or None when the total is not shown.
    """
    total = next(c for c in cells if c.team is None)
    if total.suppressed:
        return None
    shown = [c for c in cells if c.team is not None and not c.suppressed]
    n = total.n_respondents - sum(c.n_respondents for c in shown)
    if n == 0:
        return 0, None
    s = total.who5_mean * total.n_respondents - sum(c.who5_mean * c.n_respondents for c in shown)
    return n, s / n


def test_subtraction_attack_works_without_complementary_suppression():
    """The attack is real: with only the small-group rule, one person's score leaks."""
    teams = {"A": people(8), "B": people(6, start=20), "C": [12]}  # C: one person, score 12
    rows = company(teams)
    hidden, _ = protect({"A": 8, "B": 6, "C": 1}, None, 5)  # rule 1 only: no total given
    naive = [row_for(r.team, teams[r.team]) if r.team else r for r in rows if r.team not in hidden]
    # emulate a naive page: shown teams + the total, C left out
    total = next(r for r in naive if r.team is None)
    shown = [r for r in naive if r.team is not None]
    leaked_n = total.n_respondents - sum(r.n_respondents for r in shown)
    leaked = (
        total.who5_mean * total.n_respondents - sum(r.who5_mean * r.n_respondents for r in shown)
    ) / leaked_n
    assert leaked_n == 1
    assert leaked == pytest.approx(12)


def test_subtraction_attack_fails_with_complementary_suppression():
    teams = {"A": people(8), "B": people(6, start=20), "C": [12]}
    cells = suppress_trends(company(teams), today=TODAY)
    c = by_team(cells)
    assert c["C"].reason == "small_group"
    # the next-smallest team (B, n=6) is hidden too; the total stays
    assert c["B"].suppressed and c["B"].reason == "complementary"
    assert c["B"].notice.ja == "個人が特定されないよう非表示"
    assert not c["A"].suppressed
    assert not c[None].suppressed
    n, mean = subtraction_attack(cells)
    assert n == 7  # B and C together: at least 5 people, nobody singled out
    assert mean != pytest.approx(12)


def test_two_small_teams_that_together_reach_min_need_no_extra_suppression():
    teams = {"A": people(8), "B": people(3), "C": people(2, start=10)}
    c = by_team(suppress_trends(company(teams), today=TODAY))
    assert c["B"].reason == "small_group" and c["C"].reason == "small_group"
    assert not c["A"].suppressed and not c[None].suppressed


def test_two_small_teams_below_min_together_need_an_extra_team():
    teams = {"A": people(8), "D": people(9), "B": people(2), "C": people(2, start=10)}
    c = by_team(suppress_trends(company(teams), today=TODAY))
    assert c["A"].reason == "complementary"  # A (8) is smaller than D (9)
    assert not c["D"].suppressed


def test_people_in_no_team_are_protected_too():
    # the total includes one person in no team: total minus teams would single them out
    teams = {"A": people(8), "B": people(6)}
    cells = suppress_trends(company(teams, extra=[99]), today=TODAY)
    c = by_team(cells)
    assert c["B"].reason == "complementary"
    n, _ = subtraction_attack(cells)
    assert n >= 5


def test_complementary_ties_break_by_team_name():
    teams = {"Z": people(6), "Y": people(6), "X": [50]}
    c = by_team(suppress_trends(company(teams), today=TODAY))
    assert c["Y"].reason == "complementary" and not c["Z"].suppressed


def test_total_below_min_is_suppressed():
    teams = {"A": people(2), "B": people(2)}
    c = by_team(suppress_trends(company(teams), today=TODAY))
    assert all(cell.suppressed for cell in c.values())
    assert c[None].reason == "small_group"


def test_teams_larger_than_total_is_an_error():
    rows = [row_for("A", people(6)), row_for(None, people(5))]
    with pytest.raises(ValueError, match="more than the total"):
        suppress_trends(rows, today=TODAY)


def test_k6_histogram_has_its_own_minimum_and_differencing():
    # every team is shown, but only a few people answered the K6 this week
    rows = [
        row_for("A", people(8), k6_histogram={"0-4": 5, "5-9": 1}),
        row_for("B", people(7), k6_histogram={"0-4": 2, "13-24": 1}),
        row_for(None, people(15), k6_histogram={"0-4": 7, "5-9": 1, "13-24": 1}),
    ]
    c = by_team(suppress_trends(rows, today=TODAY))
    assert not c["A"].suppressed and not c["B"].suppressed
    assert c["B"].k6_histogram is None and c["B"].k6_reason == "small_group"
    # total K6 minus A's K6 would reveal B's three answers: A's K6 is hidden too
    assert c["A"].k6_histogram is None and c["A"].k6_reason == "complementary"
    assert c[None].k6_histogram == {"0-4": 7, "5-9": 1, "10-12": 0, "13-24": 1}
    assert c["A"].who5_mean is not None  # the rest of A's cell is still shown


def test_k6_bucket_edges():
    assert [k6_bucket(t) for t in (0, 4, 5, 9, 10, 12, 13, 24)] == [
        "0-4",
        "0-4",
        "5-9",
        "5-9",
        "10-12",
        "10-12",
        "13-24",
        "13-24",
    ]
    with pytest.raises(ValueError):
        k6_bucket(25)
    assert K6_BUCKETS == ("0-4", "5-9", "10-12", "13-24")


@settings(max_examples=300)
@given(
    sizes=st.lists(st.integers(0, 14), min_size=1, max_size=6),
    unassigned=st.integers(0, 3),
    k6_share=st.floats(0, 1),
    min_size=st.integers(2, 10),
)
def test_no_view_pair_reveals_a_group_below_min(sizes, unassigned, k6_share, min_size):
    teams = {f"T{i}": people(n, start=3 * i) for i, n in enumerate(sizes)}
    rows = []
    total_k6 = 0
    for t, scores in teams.items():
        k6n = int(len(scores) * k6_share)
        total_k6 += k6n
        rows.append(row_for(t, scores, k6_histogram={"0-4": k6n}))
    everyone = [s for sc in teams.values() for s in sc] + [7] * unassigned
    rows.append(row_for(None, everyone, k6_histogram={"0-4": total_k6}))
    cells = suppress_trends(rows, today=TODAY, min_group_size=min_size)
    assert len(cells) == len(rows)
    for cell in cells:
        if cell.suppressed:
            assert (
                cell.n_respondents is None and cell.who5_mean is None and cell.k6_histogram is None
            )
        else:
            assert cell.n_respondents >= min_size
            if cell.k6_histogram is not None:
                assert sum(cell.k6_histogram.values()) >= min_size
    total = by_team(cells)[None]
    if not total.suppressed:
        residual = total.n_respondents - sum(
            c.n_respondents for c in cells if c.team is not None and not c.suppressed
        )
        assert residual == 0 or residual >= min_size
        if total.k6_histogram is not None:
            residual_k6 = sum(total.k6_histogram.values()) - sum(
                sum(c.k6_histogram.values())
                for c in cells
                if c.team is not None and c.k6_histogram is not None
            )
            assert residual_k6 == 0 or residual_k6 >= min_size


# --- open weeks -----------------------------------------------------------------------------------


def test_current_week_is_hidden_until_it_ends():
    this_week = date(2026, 11, 23)
    rows = company({"A": people(8)}, week=this_week) + company({"A": people(8)}, week=WEEK)
    out = suppress_trends(rows, today=date(2026, 11, 29))  # Sunday of this_week
    for cell in out:
        if cell.week == this_week:
            assert cell.suppressed and cell.reason == "week_open"
            assert cell.notice.ja == "集計期間中のため非表示"
        else:
            assert not cell.suppressed
    out_monday = suppress_trends(rows, today=date(2026, 11, 30))
    assert not any(c.suppressed for c in out_monday)


# --- input validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"week": date(2026, 11, 17)}, "Monday"),
        ({"n_respondents": -1}, "n_respondents"),
        ({"who5_mean": 120.0}, "percentage"),
        ({"share_watch": 1.5}, "share_watch"),
        ({"k6_histogram": {"0-5": 1}}, "unknown K6 bucket"),
        ({"k6_histogram": {"0-4": 9}}, "K6 histogram counts"),
        ({"job_item_means": {"mood": 1.0}}, "unknown job item"),
        ({"job_item_means": {"sleep": 3.5}}, "mean rank"),
        ({"harassment_reports": 9}, "harassment_reports"),
        ({"team": ""}, "team"),
    ],
)
def test_row_validation(kw, message):
    base = {"team": "A", "week": WEEK, "n_respondents": 8, "who5_mean": 60.0}
    with pytest.raises(ValueError, match=message):
        AggregateRow(**{**base, **kw})


def test_duplicate_rows_are_an_error():
    with pytest.raises(ValueError, match="two rows"):
        suppress_trends([row_for("A", people(6)), row_for("A", people(7))], today=TODAY)


def test_rows_may_be_plain_dicts():
    out = suppress_trends(
        [{"team": "A", "week": WEEK, "n_respondents": 6, "who5_mean": 50.0}], today=TODAY
    )
    assert out[0].who5_mean == 50.0
    assert out[0].to_dict()["week"] == "2026-11-16"


def test_min_group_size_validation():
    with pytest.raises(ValueError, match="min_group_size"):
        suppress_trends([], today=TODAY, min_group_size=0)


# --- free text ------------------------------------------------------------------------------------


def test_free_text_needs_ten_respondents():
    groups = [
        FreeTextGroup("A", WEEK, 9, ("助かりました",)),
        FreeTextGroup("B", WEEK, 10, (" 夜の電話がつらい ", "", "相談できてよかった")),
    ]
    c = {cell.team: cell for cell in suppress_free_text(groups, today=TODAY)}
    assert c["A"].suppressed and c["A"].texts is None and c["A"].reason == "small_group"
    assert c["B"].texts == ("夜の電話がつらい", "相談できてよかった")  # sorted, stripped, no blanks
    assert not hasattr(c["B"], "user_id")


def test_free_text_is_sorted_not_in_submission_order():
    groups = [FreeTextGroup("A", WEEK, 12, ("ん", "あ", "か"))]
    (cell,) = suppress_free_text(groups, today=TODAY)
    assert cell.texts == ("あ", "か", "ん")


def test_free_text_subtraction_attack_fails():
    # the company's comments minus team A's comments would be team B's (n=3) comments
    groups = [
        FreeTextGroup("A", WEEK, 12, ("A1", "A2")),
        FreeTextGroup("B", WEEK, 3, ("B-only",)),
        FreeTextGroup("C", WEEK, 11, ("C1",)),
        FreeTextGroup(None, WEEK, 26, ("A1", "A2", "B-only", "C1")),
    ]
    cells = suppress_free_text(groups, today=TODAY)
    shown = [t for c in cells if c.team is not None and not c.suppressed for t in c.texts]
    total = next(c for c in cells if c.team is None)
    assert not total.suppressed
    leaked = set(total.texts) - set(shown)
    assert leaked == {"B-only", "C1"}  # B's text is mixed with C's (n = 14 together)
    assert {c.team: c.reason for c in cells}["C"] == "complementary"


def test_free_text_open_week_hidden():
    (cell,) = suppress_free_text(
        [FreeTextGroup("A", WEEK, 20, ("x",))], today=WEEK + timedelta(days=3)
    )
    assert cell.reason == "week_open"


# --- participation --------------------------------------------------------------------------------


def test_participation_rate():
    assert participation_rate(3, 4) == 0.75
    assert participation_rate(0, 0) is None
    with pytest.raises(ValueError, match="respondents but the team has"):
        participation_rate(5, 4)


def test_participation_per_team_and_company():
    rows = [row_for("A", people(6)), row_for("B", people(3))]
    out = participation(rows, {"A": 8, "B": 10, "C": 6})
    cells = {c.team: c for c in out}
    assert cells[None].team_size == 24 and cells[None].n_respondents == 9
    assert cells[None].rate == pytest.approx(9 / 24)
    assert cells["A"].rate == 0.75
    assert cells["B"].rate == 0.3  # shown: counts are not health data, the team has 10 members
    assert cells["C"].n_respondents == 0 and cells["C"].rate == 0.0  # no row: nobody checked in


def test_participation_hides_tiny_teams_and_protects_them():
    rows = [row_for("A", people(6)), row_for("B", people(2))]
    cells = {c.team: c for c in participation(rows, {"A": 8, "B": 2, "C": 9})}
    assert cells["B"].suppressed and cells["B"].reason == "small_group"
    assert cells["B"].rate is None
    # company minus the shown teams would give B's count: the smallest shown team is hidden too
    assert cells["A"].reason == "complementary"
    assert not cells["C"].suppressed and not cells[None].suppressed


def test_participation_rejects_unknown_team_and_overfull_team():
    with pytest.raises(ValueError, match="missing from team_sizes"):
        participation([row_for("X", people(5))], {"A": 5})
    with pytest.raises(ValueError, match="respondents but the team has"):
        participation([row_for("A", people(7))], {"A": 5})
