"""The shipped scenarios: enough of them, the required topics, sound graphs, honest model answers."""

from __future__ import annotations

import re

import pytest

from analysis.rubric_match import match_rubric
from scenarios.branching import next_turn, paths
from scenarios.loader import load_catalogue
from scenarios.schema import TAGS

CATALOGUE = load_catalogue()
SCENARIOS = list(CATALOGUE)
IDS = [s.id for s in SCENARIOS]
TURNS = [(s, t) for s in SCENARIOS for t in s.turns]
TURN_IDS = [f"{s.id}/{t.id}" for s, t in TURNS]

REQUIRED_TOPICS = {
    "配送",
    "返金",
    "請求",
    "個人情報",
    "カスハラ",
    "高齢者",
    "ビデオ通話",
    "再発",
    "エスカレーション",
    "接客態度",
    "繰り返しの問い合わせ",
}


def test_no_load_errors():
    assert CATALOGUE.errors == []


def test_at_least_twelve_scenarios():
    assert len(SCENARIOS) >= 12


def test_at_least_six_branch():
    assert sum(s.is_branching for s in SCENARIOS) >= 6


def test_required_topics_are_covered():
    covered = {t for s in SCENARIOS for t in s.tags}
    assert REQUIRED_TOPICS <= covered, REQUIRED_TOPICS - covered
    assert covered <= set(TAGS)


def test_harassment_scenarios_present():
    harassment = [s for s in SCENARIOS if s.harassment]
    assert len(harassment) >= 2
    assert all("カスハラ" in s.tags for s in harassment)


def test_channels_and_difficulties_are_mixed():
    assert {s.channel for s in SCENARIOS} == {"phone", "video"}
    assert {s.difficulty for s in SCENARIOS} == {1, 2, 3}


def test_titles_unique_and_english_title_present():
    assert len({s.title for s in SCENARIOS}) == len(SCENARIOS)
    for s in SCENARIOS:
        assert re.search(r"[A-Za-z]{3}", s.title_en), s.id
        assert s.summary and s.situation.strip()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_file_name_matches_id(scenario):
    assert CATALOGUE.files[scenario.id].stem == scenario.id


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_every_path_reaches_an_end(scenario):
    all_paths = paths(scenario)
    assert all_paths
    for p in all_paths:
        assert p[0] == scenario.start
        assert len(p) == len(set(p)) <= len(scenario.turns)
        assert scenario.turn(p[-1]).can_end()
    # and together they visit every turn
    assert {t for p in all_paths for t in p} == {t.id for t in scenario.turns}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_at_least_two_turns_on_every_path(scenario):
    assert len(scenario.turns) >= 2
    assert min(len(p) for p in paths(scenario)) >= 2


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_a_perfect_answer_follows_a_path(scenario):
    """Answering every turn with everything found and nothing wrong walks a valid path to the end."""
    turn, seen = scenario.start_turn, []
    while True:
        seen.append(turn.id)
        nxt = next_turn(
            turn,
            found={g.id for g in turn.required},
            missed=set(),
            ng_found=set(),
            over_authority=False,
        )
        if nxt is None:
            break
        turn = scenario.turn(nxt)
    assert tuple(seen) in paths(scenario)


@pytest.mark.parametrize(("scenario", "turn"), TURNS, ids=TURN_IDS)
def test_turn_content(scenario, turn):
    assert turn.required, "a turn must ask for something"
    assert turn.hints, "give the trainee at least one hint"
    assert turn.goal and turn.model_answer
    rubric = turn.rubric()
    for group in (*rubric.required, *rubric.ng):
        assert group.phrases and group.label
        assert group.tip, f"{group.id} has no tip"


@pytest.mark.parametrize(("scenario", "turn"), TURNS, ids=TURN_IDS)
def test_model_answer_passes_its_own_rubric(scenario, turn):
    """The model answer must satisfy the scorer the trainee faces: all required groups, no NG
    group, no promised amount above the authority limit (analysis.rubric_match, kana matching)."""
    result = match_rubric(turn.model_answer, turn.rubric())
    missed = [g.id for g in result.required if not g.found]
    hit = [(g.id, g.phrase, g.matched_text) for g in result.ng_found]
    assert not missed, f"model answer misses {missed}"
    assert not hit, f"model answer hits NG {hit}"
    assert not result.over_limit


def test_escalation_scenario_tests_the_authority_limit():
    s = CATALOGUE["beyond_authority"]
    assert any(b.if_over_authority for t in s.turns for b in t.branches)
    t = s.turn("t2_when")
    assert {"escalation", "next_step", "callback"} <= {g.id for g in t.required}
    assert t.max_refund_yen == 5000
    assert (
        next_turn(t, found=set(), missed=set(), ng_found=set(), over_authority=True)
        == "t3_promised"
    )


def test_personal_data_requires_identity_check_and_privacy():
    s = CATALOGUE["personal_data"]
    groups = {g.id for t in s.turns for g in t.required}
    assert {"identity_check", "privacy"} <= groups


def test_video_scenario_handles_the_connection():
    s = CATALOGUE["video_bad_connection"]
    assert s.channel == "video"
    assert "connection" in {g.id for g in s.start_turn.required}
    assert any("callback" in {g.id for g in t.required} for t in s.turns)


def test_elderly_scenario_is_slow_and_plain():
    s = CATALOGUE["elderly_subscription"]
    assert s.persona.speed <= 0.85
    assert all("jargon" in {g.id for g in t.ng} for t in s.turns)


def test_recurrence_scenario_asks_for_prevention():
    s = CATALOGUE["recurrence"]
    assert any("prevention" in {g.id for g in t.required} for t in s.turns)
    assert all("absolute_promise" in {g.id for g in t.ng} for t in s.turns)


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.harassment], ids=lambda s: s.id)
def test_harassment_scenarios_set_boundaries_and_end_the_call(scenario):
    required = {g.id for t in scenario.turns for g in t.required}
    assert required & {"boundary", "refuse_clearly"}
    assert "warning" in required
    assert "record" in required
    # never reward giving in: every turn lists the give_in NG group
    assert all("give_in" in {g.id for g in t.ng} for t in scenario.turns)
    # whatever happens, the scenario ends with the trainee ending (or handing over) the call
    for p in paths(scenario):
        last = scenario.turn(p[-1])
        assert "end_call" in {g.id for g in last.required}, p
    # no NG list in a harassment scenario forbids stating company policy
    assert not any("rules" in {g.id for g in t.ng} for t in scenario.turns)


def test_non_harassment_scenarios_do_not_end_the_call_on_the_customer():
    for s in SCENARIOS:
        if not s.harassment:
            assert not any("end_call" in {g.id for g in t.required} for t in s.turns), s.id
