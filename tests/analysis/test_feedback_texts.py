"""Feedback texts derived from the numbers they describe (issue 13, item 4)."""

from __future__ import annotations

import pytest

from analysis.rubric_match import GroupResult, RubricResult
from analysis.score import score


@pytest.mark.parametrize(("drop", "named", "lost"), [
    (-18.3, "大きく下がっています", True),
    (-4.0, "かなり低め", True),
    (-1.0, "いつもと同じか少し低め", False),
])
def test_a_large_drop_below_the_usual_voice_is_named_as_such(drop, named, lost):
    """Issue 13: −18.3 semitones was praised as 「いつもと同じか少し低めで、落ち着いています」."""
    from analysis.score import Baseline, score

    base = Baseline(f0_median_hz=220.0, morae_per_s_span=6.0)
    s = score({"f0_median_hz": 220.0 * 2 ** (drop / 12), "morae_per_s_span": 6.0}, baseline=base)
    d = next(i for i in s.items if i.key == "pitch_vs_usual")
    assert named in d.explanation_ja and f"{drop:+.1f}" in d.explanation_ja
    assert (d.points > 0) is lost
    assert d.explanation_en


def test_a_garbled_match_is_quoted_with_the_intended_phrase():
    """Issue 13: the matched phrase was quoted as garbled recognition (「前田をし」)."""
    rr = RubricResult(required=[GroupResult(id="repeat_back", label="復唱・要約", found=True,
                                            phrase="承りました", matched_text="前田をし",
                                            distance=1.0, layer="phrase")])
    d = next(i for i in score({}, rr).items if i.key == "required:repeat_back")
    assert "「前田をし」" in d.explanation_ja and "「承りました」" in d.explanation_ja
    assert "heard as 「承りました」" in d.explanation_en
    exact = RubricResult(required=[GroupResult(id="repeat_back", label="復唱・要約", found=True,
                                               phrase="承りました", matched_text="承りました",
                                               distance=0.0, layer="phrase")])
    d = next(i for i in score({}, exact).items if i.key == "required:repeat_back")
    assert d.explanation_ja == "「復唱・要約」を伝えられています（「承りました」）。"
