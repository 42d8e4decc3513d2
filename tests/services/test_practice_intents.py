"""Feedback shows the recogniser's evidence: each clause with the intents it expressed, and for a
missed group the closest clause said (services.practice.clause_marks / missed_groups)."""

from __future__ import annotations

from analysis.result import AnalysisResult
from analysis.rubric import PhraseGroup, Rubric
from analysis.rubric_match import match_rubric
from services import practice

RUBRIC = Rubric(
    required=(
        PhraseGroup("apology", "お詫び", ("申し訳ございません",)),
        PhraseGroup("escalation", "責任者への引き継ぎ", ("責任者に",)),
        PhraseGroup("next_step", "次の対応と期限", ("本日中にご連絡いたします",)),
    ),
    ng=(PhraseGroup("rules", "規則を盾にする", ("規則ですので",)),),
)


def result_for(text: str) -> AnalysisResult:
    r = AnalysisResult(duration_s=3.0, speech_s=2.5, no_speech=False)
    r.rubric = match_rubric(text, RUBRIC)
    return AnalysisResult.from_dict(r.to_dict())  # as stored and read back


def test_each_clause_shows_its_intents_and_ng_hits():
    r = result_for(
        "大変ご迷惑をおかけいたしました。申し訳ないとは思いますが、規則ですので。明日また電話します。"
    )
    marks = practice.clause_marks(r)
    assert [m.text for m in marks] == [
        "大変ご迷惑をおかけいたしました",
        "申し訳ないとは思いますが",
        "規則ですので",
    ]
    assert marks[0].intents == (("お詫び", "required"),)
    assert marks[2].intents == (("規則を盾にする", "ng"),)


def test_missed_group_names_the_closest_clause():
    r = result_for("大変ご迷惑をおかけいたしました。明日また電話します。")
    missed = {g.label: g.closest for g in practice.missed_groups(r)}
    assert missed["次の対応と期限"] == "明日また電話します"
    assert "お詫び" not in missed
    assert practice.clause_marks(None) == [] and practice.missed_groups(None) == []
