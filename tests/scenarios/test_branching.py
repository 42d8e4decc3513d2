from __future__ import annotations

import pytest

from scenarios.branching import find_cycle, next_turn, paths, reachable
from scenarios.schema import Branch, Scenario, Turn


def _turn(branches, required=("apology", "empathy", "proposal"), ng=("blame", "but"), limit=5000):
    return Turn.model_validate(
        {
            "id": "t1",
            "customer": "テストです。",
            "goal": "テスト",
            "model_answer": "テスト",
            "required": list(required),
            "ng": list(ng),
            "max_refund_yen": limit,
            "branches": branches,
        }
    )


def _next(turn, found=(), missed=(), ng=(), over=False):
    return next_turn(
        turn, found=set(found), missed=set(missed), ng_found=set(ng), over_authority=over
    )


RULES = [
    {"if_over_authority": True, "goto": "over"},
    {"if_ng": True, "goto": "ng_any"},
    {"if_missing": ["apology"], "goto": "no_apology"},
    {"if_found": ["empathy", "proposal"], "goto": "calm"},
    {"otherwise": True, "goto": "neutral"},
]


def test_no_branches_ends():
    assert _next(_turn([]), found={"apology"}) is None


def test_first_matching_rule_wins():
    t = _turn(RULES)
    # over authority beats everything after it
    assert _next(t, missed={"apology"}, ng={"blame"}, over=True) == "over"
    assert _next(t, missed={"apology"}, ng={"blame"}) == "ng_any"
    assert _next(t, missed={"apology"}, found={"empathy", "proposal"}) == "no_apology"
    assert _next(t, found={"apology", "empathy", "proposal"}) == "calm"
    assert _next(t, found={"apology", "empathy"}, missed={"proposal"}) == "neutral"


def test_if_missing_matches_when_any_listed_group_is_missing():
    t = _turn(
        [{"if_missing": ["apology", "empathy"], "goto": "a"}, {"otherwise": True, "goto": "b"}]
    )
    assert _next(t, found={"apology"}, missed={"empathy"}) == "a"
    assert _next(t, found={"apology", "empathy"}) == "b"


def test_if_found_needs_every_listed_group():
    t = _turn([{"if_found": ["apology", "empathy"], "goto": "a"}, {"otherwise": True, "goto": "b"}])
    assert _next(t, found={"apology"}, missed={"empathy"}) == "b"
    assert _next(t, found={"apology", "empathy"}) == "a"


def test_group_neither_found_nor_missed_matches_neither_condition():
    t = _turn(
        [
            {"if_missing": ["proposal"], "goto": "missing"},
            {"if_found": ["proposal"], "goto": "found"},
            {"otherwise": True, "goto": "unknown"},
        ]
    )
    assert _next(t) == "unknown"


def test_if_ng_list_only_counts_listed_groups():
    t = _turn([{"if_ng": ["blame"], "goto": "a"}, {"otherwise": True, "goto": "b"}])
    assert _next(t, ng={"but"}) == "b"
    assert _next(t, ng={"blame", "but"}) == "a"


def test_conditions_in_one_rule_are_combined_with_and():
    t = _turn(
        [
            {"if_found": ["proposal"], "if_ng": True, "goto": "both"},
            {"otherwise": True, "goto": "other"},
        ]
    )
    assert _next(t, found={"proposal"}) == "other"
    assert _next(t, ng={"blame"}) == "other"
    assert _next(t, found={"proposal"}, ng={"blame"}) == "both"


def test_end_rule_returns_none():
    t = _turn([{"if_ng": True, "end": True}, {"otherwise": True, "goto": "next"}])
    assert _next(t, ng={"but"}) is None
    assert _next(t) == "next"


def test_branch_matches_is_pure():
    b = Branch(if_missing=("apology",), goto="x")
    found, missed = {"empathy"}, {"apology"}
    assert b.matches(found=found, missed=missed, ng_found=set(), over_authority=False)
    assert found == {"empathy"} and missed == {"apology"}


def test_find_cycle_and_reachable():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    cycle = find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]})
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert find_cycle({"a": ["a"]}) == ["a", "a"]
    assert find_cycle({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}) is None  # diamond
    assert reachable({"a": ["b"], "b": [], "c": ["a"]}, "a") == {"a", "b"}


def test_paths_of_a_small_scenario(raw):
    s = Scenario.model_validate(raw)
    assert sorted(paths(s)) == [("t1", "t2_angry", "t2_calm"), ("t1", "t2_calm")]


def test_paths_include_early_end(raw):
    raw["turns"][0]["branches"].insert(0, {"if_ng": True, "end": True})
    s = Scenario.model_validate(raw)
    assert sorted(paths(s)) == [("t1",), ("t1", "t2_angry", "t2_calm"), ("t1", "t2_calm")]


def test_paths_limit(raw):
    s = Scenario.model_validate(raw)
    with pytest.raises(ValueError):
        paths(s, limit=1)


def test_walk_every_path_with_next_turn(raw):
    """Feeding next_turn the outcome that picks each edge reproduces paths()."""
    s = Scenario.model_validate(raw)
    t1 = s.turn("t1")
    assert _next(t1, missed={"apology"}) == "t2_angry"
    assert _next(t1, found={"apology", "repeat_back"}) == "t2_calm"
    assert _next(s.turn("t2_angry")) == "t2_calm"
    assert _next(s.turn("t2_calm"), found={"next_step"}) is None


# --------------------------------------------------------------------------- every shipped turn

_CATALOGUE = None


def _shipped_turns():
    from scenarios.loader import load_catalogue

    global _CATALOGUE
    _CATALOGUE = _CATALOGUE or load_catalogue()
    return [(s, t) for s in _CATALOGUE for t in s.turns]


@pytest.mark.parametrize(
    ("scenario", "turn"), _shipped_turns(), ids=lambda x: getattr(x, "id", str(x))
)
def test_next_turn_is_total_on_shipped_turns(scenario, turn):
    """Whatever the scorer reports, next_turn returns a turn of the scenario, or None only
    where the scenario may end."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    req = sorted(g.id for g in turn.required)
    ng = sorted(g.id for g in turn.ng)
    ids = {t.id for t in scenario.turns}

    @settings(max_examples=60, deadline=None)
    @given(
        found=st.sets(st.sampled_from(req)) if req else st.just(set()),
        ng_found=st.sets(st.sampled_from(ng)) if ng else st.just(set()),
        over=st.booleans(),
    )
    def check(found, ng_found, over):
        nxt = next_turn(
            turn,
            found=found,
            missed=set(req) - found,
            ng_found=ng_found,
            over_authority=over,
        )
        if nxt is None:
            assert turn.can_end()
        else:
            assert nxt in ids and nxt in turn.targets()

    check()


# --- the branch an analysed answer takes (the rubric result itself) --------------------------


def _answer(found=(), missed=(), ng=(), promised_yen=None, limit=5000):
    from analysis.amounts import YenAmount
    from analysis.rubric_match import GroupResult, RubricResult

    amounts = []
    if promised_yen is not None:
        amounts = [YenAmount(promised_yen, f"{promised_yen}円", (0, 5), promised=True,
                             over_limit=promised_yen > limit)]
    return RubricResult(
        required=[GroupResult(g, g, True) for g in found] + [GroupResult(g, g, False) for g in missed],
        ng=[GroupResult(g, g, True) for g in ng] + [GroupResult("but", "but", False)],
        amounts=amounts, max_refund_yen=limit,
    )


def test_next_turn_after_reads_the_rubric_result():
    from scenarios.branching import next_turn_after

    t = _turn(RULES)
    assert next_turn_after(t, _answer(missed=["apology"], promised_yen=8000)) == "over"
    assert next_turn_after(t, _answer(found=["apology"], promised_yen=3000, ng=["blame"])) == "ng_any"
    assert next_turn_after(t, _answer(found=["empathy", "proposal"], missed=["apology"])) == "no_apology"
    assert next_turn_after(t, _answer(found=["apology", "empathy", "proposal"])) == "calm"
    assert next_turn_after(t, _answer(found=["apology", "empathy"], missed=["proposal"])) == "neutral"
    assert next_turn_after(_turn([]), _answer(found=["apology"])) is None
