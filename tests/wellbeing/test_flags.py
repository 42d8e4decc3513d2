"""Flag rules at and around each cut-off, validation, kind feedback."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wellbeing import texts
from wellbeing.flags import (
    LEVELS,
    SEVERITY,
    URGENT_CODES,
    WATCH_CODES,
    assess,
    feedback,
    level_of,
    who5_baseline,
    who5_dropped,
)
from wellbeing.instruments import JOB_ITEMS, JobAnswers

FINE = [4, 4, 4, 4, 4]  # raw 20, no item ≤ 1
K6_ZERO = [0, 0, 0, 0, 0, 0]


def who5_with_raw(raw: int) -> list[int]:
    """Five answers, each ≥ 2 where possible, summing to ``raw`` (10 ≤ raw ≤ 25)."""
    assert 10 <= raw <= 25
    answers = [2] * 5
    rest = raw - 10
    for i in range(5):
        add = min(3, rest)
        answers[i] += add
        rest -= add
    assert sum(answers) == raw and min(answers) >= 2
    return answers


def k6_with_total(total: int) -> list[int]:
    answers = [0] * 6
    rest = total
    for i in range(6):
        add = min(4, rest)
        answers[i] = add
        rest -= add
    assert sum(answers) == total
    return answers


def codes(**kw) -> set[str]:
    who5 = kw.pop("who5", FINE)
    return set(assess(who5, **kw).codes)


# --- baseline fine case ---------------------------------------------------------------------------


def test_all_fine_is_none():
    a = assess(FINE, K6_ZERO, JobAnswers())
    assert a.level == "none"
    assert a.reasons == ()
    assert a.who5_raw == 20 and a.who5_pct == 80 and a.k6_total == 0
    assert a.show_support_contacts is False


def test_k6_not_asked_gives_none_total():
    assert assess(FINE).k6_total is None


# --- K6 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, expected_level, has_serious, has_elevated",
    [
        (9, "none", False, False),
        (10, "watch", False, True),
        (12, "watch", False, True),
        (13, "urgent", True, True),
        (24, "urgent", True, True),
    ],
)
def test_k6_cutoffs(total, expected_level, has_serious, has_elevated):
    a = assess(FINE, k6_with_total(total))
    assert a.k6_total == total
    assert a.level == expected_level
    assert ("k6_serious" in a.codes) is has_serious
    assert ("k6_elevated" in a.codes) is has_elevated


# --- WHO-5 raw ------------------------------------------------------------------------------------


def test_who5_raw_7_is_urgent_8_is_watch():
    a7 = assess([2, 2, 1, 1, 1])
    assert a7.who5_raw == 7
    assert a7.level == "urgent"
    assert {"who5_very_low", "who5_low"} <= set(a7.codes)
    a8 = assess([2, 2, 2, 1, 1])
    assert a8.who5_raw == 8
    assert a8.level == "watch"
    assert "who5_very_low" not in a8.codes
    assert "who5_low" in a8.codes


def test_who5_raw_12_is_watch_13_is_none():
    a12 = assess(who5_with_raw(12))
    assert a12.codes == ("who5_low",)
    assert a12.level == "watch"
    a13 = assess(who5_with_raw(13))
    assert a13.codes == ()
    assert a13.level == "none"


def test_who5_item_1_is_watch_item_2_is_not():
    a = assess([5, 5, 5, 5, 1])
    assert a.codes == ("who5_item_low",)
    assert a.level == "watch"
    assert assess([5, 5, 5, 5, 2]).codes == ()
    assert "who5_item_low" in assess([5, 5, 5, 5, 0]).codes


# --- baseline ------------------------------------------------------------------------------------


def test_baseline_needs_four_previous_checkins():
    assert who5_baseline([]) is None
    assert who5_baseline([20, 20, 20]) is None
    assert who5_baseline([20, 20, 20, 20]) == 80.0
    # only the last four count (history is oldest first)
    assert who5_baseline([0, 0, 17, 17, 18, 18]) == 70.0


def test_baseline_drop_float_cutoff():
    assert who5_dropped(60.0, 69.99) is False  # 9.99 points
    assert who5_dropped(60.0, 70.0) is True  # 10 points
    assert who5_dropped(60.01, 70.0) is False  # 9.99 points
    assert who5_dropped(40.0, 70.0) is True
    assert who5_dropped(80.0, 70.0) is False  # a rise
    assert who5_dropped(0.0, None) is False  # no baseline


def test_baseline_drop_via_assess_9_vs_10_points():
    current = who5_with_raw(15)  # 60 %
    # baseline 70 % (sum 70 / 4 × 4): a drop of exactly 10 points
    a = assess(current, history_who5_raw=[17, 17, 18, 18])
    assert a.who5_baseline_pct == 70.0
    assert a.codes == ("who5_drop",)
    assert a.level == "watch"
    # baseline 69 %: a drop of 9 points
    b = assess(current, history_who5_raw=[17, 17, 17, 18])
    assert b.who5_baseline_pct == 69.0
    assert b.codes == ()


def test_baseline_drop_ignored_with_three_previous():
    a = assess(who5_with_raw(13), history_who5_raw=[25, 25, 25])
    assert "who5_drop" not in a.codes
    assert a.who5_baseline_pct is None
    a4 = assess(who5_with_raw(13), history_who5_raw=[25, 25, 25, 25])
    assert "who5_drop" in a4.codes


@pytest.mark.parametrize("history", [[20, 26, 20, 20], [-1], [20, 20.5], ["20"], [True]])
def test_history_validation(history):
    with pytest.raises(ValueError, match="history_who5_raw"):
        assess(FINE, history_who5_raw=history)


# --- harassment, one-on-one -----------------------------------------------------------------------


def test_threat_kind_is_urgent_even_once():
    a = assess(FINE, job=JobAnswers(harassment="once", harassment_kinds={"threats"}))
    assert a.level == "urgent"
    assert a.codes == ("harassment_threat",)
    assert a.show_support_contacts is True


def test_other_kinds_once_are_not_urgent():
    a = assess(
        FINE,
        job=JobAnswers(harassment="once", harassment_kinds={"abusive_language", "long_calls"}),
    )
    assert a.level == "none"


def test_harassment_two_three_is_not_urgent_four_plus_is():
    a = assess(FINE, job=JobAnswers(harassment="two_three"))
    assert a.level == "none"  # one item in the two worst levels is not yet a watch
    b = assess(FINE, job=JobAnswers(harassment="four_plus"))
    assert b.level == "urgent"
    assert set(b.codes) == {"harassment_frequent", "job_item_worst"}


def test_one_on_one_request_is_urgent():
    a = assess(FINE, job=JobAnswers(one_on_one=True))
    assert a.level == "urgent"
    assert a.codes == ("one_on_one_requested",)
    assert assess(FINE, job=JobAnswers(one_on_one=False)).level == "none"


# --- Geppo-style job rules -----------------------------------------------------------------------


@pytest.mark.parametrize("item", [it for it in JOB_ITEMS if it.id != "harassment"])
def test_job_item_worst_level_is_watch(item):
    worst = JobAnswers(**{item.id: item.keys[-1]})
    a = assess(FINE, job=worst)
    assert a.level == "watch"
    assert [(r.code, r.item) for r in a.reasons] == [("job_item_worst", item.id)]
    second_worst = JobAnswers(**{item.id: item.keys[-2]})
    assert assess(FINE, job=second_worst).level == "none"


def test_job_item_reason_text_names_the_item():
    a = assess(FINE, job=JobAnswers(sleep="very_poorly"))
    (r,) = a.reasons
    assert "睡眠" in r.ja and "sleep" in r.en


def test_job_drop_two_levels_vs_one():
    before = JobAnswers(workload="manageable")
    two = assess(FINE, job=JobAnswers(workload="heavy"), previous_job=before)
    assert [(r.code, r.item) for r in two.reasons] == [("job_item_drop", "workload")]
    one = assess(FINE, job=JobAnswers(workload="somewhat_heavy"), previous_job=before)
    assert one.codes == ()
    # one level down into the two worst levels is not yet a drop
    one_into_poor = assess(
        FINE, job=JobAnswers(workload="heavy"), previous_job=JobAnswers(workload="somewhat_heavy")
    )
    assert one_into_poor.codes == ()
    # from level 1 to 3: drop of 2 and the worst level
    three = assess(
        FINE,
        job=JobAnswers(workload="too_heavy"),
        previous_job=JobAnswers(workload="somewhat_heavy"),
    )
    assert set(three.codes) == {"job_item_worst", "job_item_drop"}
    # an improvement is not a drop
    better = assess(
        FINE, job=JobAnswers(workload="manageable"), previous_job=JobAnswers(workload="heavy")
    )
    assert better.codes == ()
    # no previous check-in: no drop rule
    assert assess(FINE, job=JobAnswers(workload="heavy")).codes == ()


def test_two_items_in_two_worst_levels_vs_one():
    one = assess(FINE, job=JobAnswers(workload="heavy"))
    assert one.codes == ()
    two = assess(FINE, job=JobAnswers(workload="heavy", consult="somewhat_disagree"))
    assert two.codes == ("job_items_several_poor",)
    assert two.level == "watch"


# --- role-play load ------------------------------------------------------------------------------


def test_roleplay_load_needs_two_roleplays_and_a_watch_reason():
    low = who5_with_raw(12)  # who5_low (watch)
    assert "roleplay_load" not in assess(low, harassment_roleplays=1).codes
    a = assess(low, harassment_roleplays=2)
    assert set(a.codes) == {"who5_low", "roleplay_load"}
    assert a.level == "watch"
    # no worsening: no reason, however many role-plays
    assert assess(FINE, harassment_roleplays=10).codes == ()
    # a one-on-one request alone is not worsening
    b = assess(FINE, job=JobAnswers(one_on_one=True), harassment_roleplays=3)
    assert b.codes == ("one_on_one_requested",)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True, None])
def test_roleplay_count_validation(bad):
    with pytest.raises(ValueError, match="harassment_roleplays"):
        assess(FINE, harassment_roleplays=bad)


# --- validation -----------------------------------------------------------------------------------


def test_assess_validates_instruments():
    with pytest.raises(ValueError, match="who5: expected 5 answers"):
        assess([4, 4, 4, 4])
    with pytest.raises(ValueError, match="k6: item 1 must be between 0 and 4"):
        assess(FINE, [5, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="JobAnswers"):
        assess(FINE, job={"workload": "heavy"})


# --- every reason listed, level = worst -----------------------------------------------------------


def test_everything_at_once_lists_every_reason():
    a = assess(
        [1, 1, 1, 1, 1],
        [3, 3, 3, 3, 1, 0],
        JobAnswers(
            harassment="four_plus",
            harassment_kinds={"threats"},
            workload="heavy",
            consult="disagree",
            sleep="poorly",
            one_on_one=True,
        ),
        history_who5_raw=[20, 20, 20, 20],
        previous_job=JobAnswers(),
        harassment_roleplays=2,
    )
    assert a.level == "urgent"
    assert set(a.codes) == set(URGENT_CODES) | set(WATCH_CODES)
    # urgent reasons come first
    severities = [r.severity for r in a.reasons]
    assert severities == sorted(severities, key=lambda s: -LEVELS.index(s))
    for r in a.reasons:
        assert r.ja and r.en and r.severity == SEVERITY[r.code]
        assert set(r.to_dict()) >= {"code", "ja", "en"}


def test_reason_texts_exist_for_every_code():
    assert set(texts.REASON_TEXTS) == set(SEVERITY)


job_answers = st.builds(
    JobAnswers,
    harassment=st.sampled_from(JOB_ITEMS[0].keys),
    workload=st.sampled_from(JOB_ITEMS[1].keys),
    consult=st.sampled_from(JOB_ITEMS[2].keys),
    sleep=st.sampled_from(JOB_ITEMS[3].keys),
    one_on_one=st.booleans(),
).map(
    lambda j: (
        j
        if j.harassment == "none"
        else dataclasses.replace(j, harassment_kinds=frozenset({"abusive_language"}))
    )
)


@given(
    who5=st.lists(st.integers(0, 5), min_size=5, max_size=5),
    k6=st.none() | st.lists(st.integers(0, 4), min_size=6, max_size=6),
    job=st.none() | job_answers,
    previous=st.none() | job_answers,
    history=st.lists(st.integers(0, 25), max_size=8),
    roleplays=st.integers(0, 5),
)
def test_properties_of_assess(who5, k6, job, previous, history, roleplays):
    a = assess(
        who5,
        k6,
        job,
        history_who5_raw=history,
        previous_job=previous,
        harassment_roleplays=roleplays,
    )
    assert a.level == level_of(a.reasons)
    assert a.show_support_contacts == (a.level == "urgent")
    assert a.who5_pct == 4 * a.who5_raw
    keys = [(r.code, r.item) for r in a.reasons]
    assert len(keys) == len(set(keys))
    # the fixed cut-offs hold whatever else is answered
    assert ("who5_low" in a.codes) == (sum(who5) < 13)
    assert ("who5_very_low" in a.codes) == (sum(who5) <= 7)
    assert ("who5_item_low" in a.codes) == (min(who5) <= 1)
    if k6 is not None:
        assert ("k6_serious" in a.codes) == (sum(k6) >= 13)
        assert ("k6_elevated" in a.codes) == (sum(k6) >= 10)
    # feedback never fails and agrees on support contacts
    fb = feedback(a, job, roleplays)
    assert fb.show_support_contacts == a.show_support_contacts
    assert 1 <= len(fb.tips) <= 3


@given(
    who5=st.lists(st.integers(0, 5), min_size=5, max_size=5),
    k6=st.lists(st.integers(0, 4), min_size=6, max_size=6),
    i=st.integers(0, 5),
)
def test_higher_k6_answer_never_lowers_level(who5, k6, i):
    if k6[i] == 4:
        return
    worse = list(k6)
    worse[i] += 1
    assert LEVELS.index(assess(who5, worse).level) >= LEVELS.index(assess(who5, k6).level)


@given(who5=st.lists(st.integers(0, 5), min_size=5, max_size=5), i=st.integers(0, 4))
def test_lower_who5_answer_never_lowers_level(who5, i):
    if who5[i] == 0:
        return
    worse = list(who5)
    worse[i] -= 1
    assert LEVELS.index(assess(worse).level) >= LEVELS.index(assess(who5).level)


# --- kind feedback --------------------------------------------------------------------------------

BANNED = [
    "burnout",
    "burn-out",
    "バーンアウト",
    "燃え尽き",
    "うつ",
    "鬱",
    "depress",
    "disorder",
    "障害",
    "病",
    "illness",
    "危険",
    "danger",
    "urgent",
    "緊急",
    "要注意",
]


def _all_person_facing_texts():
    for group in (texts.RESULT_TEXTS, texts.RESULT_ADDENDA, texts.TIPS):
        yield from group.values()


@pytest.mark.parametrize("word", BANNED)
def test_person_facing_texts_use_no_labels(word):
    for t in _all_person_facing_texts():
        assert word.lower() not in t.ja.lower(), t.ja
        assert word.lower() not in t.en.lower(), t.en


def test_urgent_feedback_invites_talk_and_shows_contacts():
    a = assess([1, 1, 1, 1, 1])
    fb = feedback(a)
    assert fb.show_support_contacts is True
    assert "少しお話ししませんか" in fb.message.ja
    assert "talk" in fb.message.en


def test_none_feedback():
    fb = feedback(assess(FINE, job=JobAnswers()), JobAnswers())
    assert fb.show_support_contacts is False
    assert fb.message == texts.RESULT_TEXTS["none"]
    assert fb.tips == (texts.TIPS["general_break"], texts.TIPS["general_boundary"])


def test_threat_only_feedback_thanks_and_addresses_the_incident():
    job = JobAnswers(harassment="once", harassment_kinds={"threats"})
    fb = feedback(assess(FINE, job=job), job)
    assert fb.show_support_contacts is True
    assert fb.message.ja.startswith(texts.RESULT_TEXTS["thanks"].ja)
    assert "あなたのせいではありません" in fb.message.ja
    assert texts.RESULT_ADDENDA["harassment_threat"].ja in fb.message.ja
    assert fb.tips[0] == texts.TIPS["harassment"]


def test_one_on_one_feedback_confirms_the_request():
    job = JobAnswers(one_on_one=True)
    fb = feedback(assess(FINE, job=job), job)
    assert texts.RESULT_ADDENDA["one_on_one_requested"].ja in fb.message.ja


def test_tips_follow_the_answers():
    job = JobAnswers(sleep="poorly", consult="disagree")
    fb = feedback(assess(FINE, job=job), job)
    assert fb.tips[:2] == (texts.TIPS["sleep"], texts.TIPS["consult"])
    fb2 = feedback(assess(who5_with_raw(12)))
    assert fb2.tips[0] == texts.TIPS["mood"]
    assert fb2.message == texts.RESULT_TEXTS["watch"]


def test_harassment_once_does_not_get_keep_it_up():
    job = JobAnswers(harassment="once", harassment_kinds={"abusive_language"})
    fb = feedback(assess(FINE, job=job), job)
    assert fb.show_support_contacts is False
    assert "この調子で" not in fb.message.ja
    assert fb.message.ja.startswith(texts.RESULT_TEXTS["thanks"].ja)
    assert "あなたのせいではありません" in fb.message.ja
