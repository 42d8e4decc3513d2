"""A whole call (one run through a scenario's turns): its turns, its score, its pass, the two
most useful improvements; and the calls per scenario that progress counts. No streamlit.

The rule is ``analysis.call`` reading ``bands.toml`` ``[call]``; a turn counts with the trainer's
score when one was given (``services.review.effective_score``). Answering a turn again replaces
the earlier answer of that turn in the call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session

from analysis.call import CallVerdict, Improvement, judge_call, top_improvements
from analysis.result import AnalysisResult
from core.access import Viewer
from core.models import Attempt, AttemptKind, AttemptStatus, Review
from scenarios.schema import Branch, Scenario, Turn
from services import catalogue as scenario_catalogue
from services.analysis_result import read
from services.practice import own_attempts
from services.review import latest_reviews

ANALYSED = (AttemptStatus.done, AttemptStatus.no_speech)


@dataclass(frozen=True)
class CallTurn:
    """One answered turn of a call, with what the customer did next and why."""

    step: int
    attempt: Attempt
    turn: Turn | None  # None when the scenario no longer has this turn
    result: AnalysisResult | None
    auto_score: int | None
    reviewed_score: int | None  # the trainer's score, when given
    rule: Branch | None  # the branch the answer took (None: the turn ended the call)

    @property
    def score(self) -> int | None:
        """The score that counts: the trainer's when given, else the automatic one."""
        return self.reviewed_score if self.reviewed_score is not None else self.auto_score

    @property
    def analysed(self) -> bool:
        return self.attempt.status in ANALYSED

    def why(self, lang: str = "ja") -> str:
        """Why the customer reacted as they did next ("" when the branch says nothing)."""
        if self.rule is None:
            return ""
        return (self.rule.why_en if lang == "en" else "") or self.rule.why


@dataclass(frozen=True)
class CallSummary:
    run_id: str
    scenario: Scenario | None
    turns: list[CallTurn]
    verdict: CallVerdict
    improvements: list[Improvement] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.verdict.complete

    @property
    def hung_up(self) -> bool:
        return bool(self.turns) and bool(self.turns[-1].rule and self.turns[-1].rule.hangs_up)


def rule_taken(turn: Turn | None, result: AnalysisResult | None) -> Branch | None:
    """The branch rule an analysed answer took at ``turn`` (its ``why`` says how the customer
    reacts); None when the turn ends the call or the answer has no rubric result."""
    if turn is None or result is None or result.rubric is None:
        return None
    r = result.rubric
    return turn.branch_for(
        found={g.id for g in r.required if g.found},
        missed={g.id for g in r.required if not g.found},
        ng_found={g.id for g in r.ng_found},
        over_authority=bool(r.over_limit),
    )


def _latest_per_turn(attempts: Iterable[Attempt]) -> list[Attempt]:
    """The last answer of each turn, in the order the turns were first reached."""
    order: list[str] = []
    last: dict[str, Attempt] = {}
    for a in sorted(attempts, key=lambda a: (a.created_at, a.id or 0)):
        key = a.turn_id or ""
        if key not in last:
            order.append(key)
        last[key] = a
    return [last[k] for k in order]


def summarise(attempts: list[Attempt], reviews: dict[int, Review]) -> CallSummary:
    """The summary of one call from its attempts (any order) and their reviews."""
    kept = _latest_per_turn(attempts)
    scenario = scenario_catalogue.scenario(kept[0].scenario_id) if kept else None
    turns: list[CallTurn] = []
    for step, a in enumerate(kept, start=1):
        turn = scenario_catalogue.turn(a.scenario_id, a.turn_id)
        result = read(a.result) if a.status in ANALYSED else None
        review = reviews.get(a.id) if a.id is not None else None
        reviewed = review.score_override if review is not None else None
        auto = a.score if a.status in ANALYSED else None
        turns.append(CallTurn(step, a, turn, result, auto, reviewed, rule_taken(turn, result)))
    last = turns[-1] if turns else None
    complete = bool(last and last.analysed and last.attempt.next_turn_id is None)
    hung_up = bool(last and last.rule is not None and last.rule.hangs_up)
    scores = [t.score if t.analysed else None for t in turns]
    v = judge_call(scores, complete=complete, hung_up=hung_up)
    improvements = top_improvements([t.result.score if t.result else None for t in turns])
    return CallSummary(kept[0].run_id if kept else "", scenario, turns, v, improvements)


def call_summary(session: Session, viewer: Viewer, run_id: str) -> CallSummary | None:
    """The viewer's own call ``run_id`` (None when they have no answer in it)."""
    attempts = [a for a in own_attempts(session, viewer, kind=AttemptKind.practice)
                if a.run_id == run_id]
    if not attempts:
        return None
    reviews = latest_reviews(session, [a.id for a in attempts if a.id is not None])
    return summarise(attempts, reviews)


@dataclass
class CallStats:
    """The viewer's calls of one scenario: finished calls, passed calls, best call score."""

    calls: int = 0
    passed: int = 0
    best_score: int | None = None
    last: CallSummary | None = None

    @property
    def done(self) -> bool:
        return self.passed > 0


def calls_by_scenario(session: Session, viewer: Viewer) -> dict[str, CallStats]:
    """``{scenario id: CallStats}`` over the viewer's finished calls (open calls not counted)."""
    attempts = own_attempts(session, viewer, kind=AttemptKind.practice)
    reviews = latest_reviews(session, [a.id for a in attempts if a.id is not None])
    runs: dict[str, list[Attempt]] = {}
    for a in attempts:
        if a.run_id and a.scenario_id:
            runs.setdefault(a.run_id, []).append(a)
    out: dict[str, CallStats] = {}
    for run in runs.values():
        summary = summarise(run, reviews)
        if not summary.complete or summary.scenario is None:
            continue
        stats = out.setdefault(summary.scenario.id, CallStats())
        stats.calls += 1
        stats.passed += int(bool(summary.verdict.passed))
        s = summary.verdict.score
        if s is not None and (stats.best_score is None or s > stats.best_score):
            stats.best_score = s
        stats.last = summary
    return out


__all__ = ["CallStats", "CallSummary", "CallTurn", "call_summary", "calls_by_scenario",
           "rule_taken", "summarise"]
