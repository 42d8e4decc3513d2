"""A call judged as a whole (analysis.call, rule in bands.toml [call]) — issue 13, item 2."""

from __future__ import annotations

import pytest

from analysis.call import call_rule, judge_call, top_improvements
from analysis.score import Deduction, Score, load_bands

RULE = call_rule()
TURN_MIN, MEAN_MIN = RULE["turn_min"], RULE["mean_min"]


def test_rule_is_written_in_bands_toml():
    assert load_bands()["call"] is RULE
    assert (TURN_MIN, MEAN_MIN) == (60, 80)
    assert RULE["source"]
    for key in ("passed", "low_turn", "low_mean", "hung_up", "unscored", "unfinished"):
        assert RULE[key] and RULE[f"{key}_en"], key


def test_one_good_turn_does_not_pass_the_call():
    """Issue 13: turns of 25, 30 and 100 showed 合格済み."""
    v = judge_call([25, 30, 100], complete=True)
    assert v.passed is False and v.score == 52
    ja = v.reason_texts()
    assert any("1 回目の応答が 25 点" in r for r in ja) and any("2 回目の応答が 30 点" in r for r in ja)
    assert any("平均が 52 点" in r for r in ja)
    assert any("Answer 1 scored 25" in r for r in v.reason_texts("en"))


@pytest.mark.parametrize(("scores", "passed"), [
    ([80, 80, 80], True),
    ([60, 100, 80], True),  # every turn ≥ 60, mean 80
    ([59, 100, 100], False),  # one turn below 60 although the mean is 86
    ([79, 80, 80], True),  # mean 79.67 rounds to 80
    ([70, 80, 85], False),  # mean 78
])
def test_every_turn_and_the_mean(scores, passed):
    assert judge_call(scores, complete=True).passed is passed


def test_unfinished_or_unscored_call_is_open_but_a_decided_failure_stays():
    assert judge_call([90, 95], complete=False).passed is None
    assert "まだ終わっていません" in judge_call([90], complete=False).reason_texts()[0]
    assert judge_call([90, None], complete=True).passed is None
    assert judge_call([], complete=True).passed is None
    assert judge_call([20, None], complete=False).passed is False  # already failed
    assert judge_call([70, 70], complete=False).passed is None  # the mean waits for the end


def test_hang_up_fails_the_call():
    v = judge_call([95, 90], complete=True, hung_up=True)
    assert v.passed is False and "電話を切り" in v.reason_texts()[0]


def _score(*items: tuple[str, float, str]) -> Score:
    return Score(total=50, passed=False, content=30, delivery=20, content_max=70,
                 delivery_max=30, pass_mark=80,
                 items=[Deduction(key=k, category="content", points=p, max_points=20,
                                  explanation_ja=f"{k} の説明", tip_ja=t, tip_en=f"{k} tip")
                        for k, p, t in items])


def test_the_two_most_useful_improvements_sum_over_the_call():
    s1 = _score(("required:apology", 15, "お詫びを"), ("pace", 5, "ゆっくり"))
    s2 = _score(("ng:rules", 12, "規則を盾にしない"), ("pace", 5, "ゆっくり"))
    s3 = _score(("required:apology", 10, "お詫びを"), ("fillers", 2, "一拍おく"))
    top = top_improvements([s1, None, s2, s3])
    assert [i.key for i in top] == ["required:apology", "ng:rules"]
    assert top[0].points == 25 and top[0].steps == (1, 4)
    assert top[0].tip() == "お詫びを" and top[0].tip("en") == "required:apology tip"
    assert [i.key for i in top_improvements([s1, s2, s3], n=3)][2] == "pace"
    assert top_improvements([None]) == []

