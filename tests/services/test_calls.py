"""A call judged as a whole (services.calls): one run through a scenario's turns — issue 13."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analysis.result import AnalysisResult, Metrics, Transcript
from analysis.rubric_match import match_rubric
from analysis.score import score as score_answer
from core.access import viewer_for
from core.models import Attempt, AttemptStatus, Review, utcnow
from scenarios.branching import next_turn_after
from services import calls
from services import catalogue as scenario_catalogue
from services.practice import list_catalogue

GOOD_DELIVERY = {"morae_per_s_span": 6.2, "filler_ratio": 0.0, "long_pause_count": 0,
                 "f0_sd_st": 3.0, "loudness_dbfs": -20.0, "clipping_ratio": 0.0, "snr_db": 30.0}
BLUNT = "いや、でもそれはこちらの規則なので、できません。配送業者に直接言ってください。"


def _result(turn, text: str) -> AnalysisResult:
    rr = match_rubric(text, turn.rubric())
    return AnalysisResult(duration_s=6.0, speech_s=5.0, no_speech=False,
                          transcript=Transcript(text=text), metrics=Metrics(**GOOD_DELIVERY),
                          rubric=rr, score=score_answer(GOOD_DELIVERY, rr))


class Caller:
    """Answers the turns of one call the way the practice screen stores them."""

    def __init__(self, session, user, scenario_id: str, run_id: str, *, minutes_ago: int = 60):
        self.session, self.user, self.run_id = session, user, run_id
        self.scenario = scenario_catalogue.scenario(scenario_id)
        self.turn = self.scenario.start_turn
        self.t = utcnow() - timedelta(minutes=minutes_ago)

    def say(self, text: str | None = None) -> Attempt:
        turn = self.turn
        text = text if text is not None else turn.model_answer
        result = _result(turn, text)
        nxt = next_turn_after(turn, result.rubric)
        self.t += timedelta(seconds=30)
        a = Attempt(user_id=self.user.id, scenario_id=self.scenario.id, scenario_version=1,
                    turn_id=turn.id, run_id=self.run_id, audio_path=f"{self.user.id}/x.wav",
                    status=AttemptStatus.done, transcript=text, result=result.to_dict(),
                    score=round(result.score.total), passed=result.score.passed,
                    next_turn_id=nxt, created_at=self.t)
        self.session.add(a)
        self.session.commit()
        if nxt is not None:
            self.turn = self.scenario.turn(nxt)
        return a


@pytest.fixture
def sato(make_user):
    return make_user("sato", team="東京", display_name="佐藤")


def test_a_model_run_passes_the_call(session, sato):
    c = Caller(session, sato, "late_delivery", "good")
    while True:
        a = c.say()
        if a.next_turn_id is None:
            break
    summary = calls.call_summary(session, viewer_for(session, sato), "good")
    assert [t.turn.id for t in summary.turns] == ["t1", "t2_order", "t3_calm"]
    assert summary.complete and summary.verdict.passed is True
    assert summary.verdict.score >= 80
    assert "合格" in summary.verdict.reason_texts()[0]


def test_a_rude_run_gets_an_angrier_customer_and_fails_the_call(session, sato):
    c = Caller(session, sato, "late_delivery", "rude")
    first = c.say(BLUNT)
    assert first.next_turn_id == "t2_rebuffed"
    c.say("ですから、規則ですので。")  # no apology: the customer hangs up
    summary = calls.call_summary(session, viewer_for(session, sato), "rude")
    assert [t.turn.id for t in summary.turns] == ["t1", "t2_rebuffed"]
    assert summary.turns[0].why().startswith("規則や配送業者を理由に突き放したため")
    assert "supervisor" in summary.turns[0].why("en")
    assert summary.complete and summary.hung_up
    assert summary.verdict.passed is False
    reasons = summary.verdict.reason_texts()
    assert any("電話を切り" in r for r in reasons) and any("1 回目の応答が" in r for r in reasons)
    assert len(summary.improvements) == 2
    assert summary.improvements[0].tip()


def test_an_over_promise_is_taken_at_its_word(session, sato):
    c = Caller(session, sato, "late_delivery", "promise")
    c.say()
    a = c.say("1205-3387でお間違いないでしょうか。申し訳ございません、六時までに必ずお届けします。")
    assert a.next_turn_id == "t3_counting"
    summary = calls.call_summary(session, viewer_for(session, sato), "promise")
    assert "当てに" in summary.turns[-1].why()
    assert not summary.complete
    # the broken promise cost the turn its pass: the call has failed already
    assert summary.verdict.passed is False
    assert any("2 回目の応答が" in r for r in summary.verdict.reason_texts())


def test_answering_a_turn_again_replaces_it_and_the_trainer_score_counts(session, sato, make_user):
    c = Caller(session, sato, "late_delivery", "again")
    weak = c.say("申し訳ございません。ご注文番号をお伺いしてもよろしいでしょうか。")
    c.turn = c.scenario.start_turn  # answer t1 again
    c.say()
    c.say()
    last = c.say()
    assert last.next_turn_id is None
    summary = calls.call_summary(session, viewer_for(session, sato), "again")
    assert [t.step for t in summary.turns] == [1, 2, 3]
    assert weak.id not in [t.attempt.id for t in summary.turns]
    assert summary.verdict.passed is True
    trainer = make_user("trainer", role="trainer", team="東京")
    session.add(Review(attempt_id=last.id, trainer_id=trainer.id, score_override=40,
                       reason="締めの言葉が棒読みでした"))
    session.commit()
    summary = calls.call_summary(session, viewer_for(session, sato), "again")
    assert summary.turns[-1].reviewed_score == 40 and summary.turns[-1].score == 40
    assert summary.turns[-1].auto_score == last.score
    assert summary.verdict.passed is False


def test_progress_counts_calls_not_turns(session, sato):
    """Issue 13: turns of 25, 30 and 100 showed 合格済み."""
    c = Caller(session, sato, "late_delivery", "mixed")
    c.say(BLUNT)
    c.say("大変失礼いたしました。私が責任を持ってお調べいたします。責任者にも共有いたします。"
          "ご注文番号をお伺いしてもよろしいでしょうか。")
    c.say()
    c.say()
    stats = calls.calls_by_scenario(session, viewer_for(session, sato))
    assert stats["late_delivery"].calls == 1 and stats["late_delivery"].passed == 0
    entry = list_catalogue(session, viewer_for(session, sato)).get("late_delivery")
    assert entry.best_score is not None and entry.best_score >= 80  # a good single turn …
    assert not entry.done  # … does not make the scenario passed
    good = Caller(session, sato, "late_delivery", "good", minutes_ago=10)
    while good.say().next_turn_id is not None:
        pass
    assert calls.calls_by_scenario(session, viewer_for(session, sato))["late_delivery"].passed == 1
    assert list_catalogue(session, viewer_for(session, sato)).get("late_delivery").done


def test_open_call_is_not_counted_and_others_calls_are_not_seen(session, sato, make_user):
    c = Caller(session, sato, "late_delivery", "open")
    c.say()
    assert calls.calls_by_scenario(session, viewer_for(session, sato)) == {}
    other = make_user("suzuki", team="東京")
    assert calls.call_summary(session, viewer_for(session, other), "open") is None
