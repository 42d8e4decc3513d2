"""Agreement between the machine and the trainers: per scenario, how often and how far trainers
overrode the automatic score and which rubric groups they corrected, so that a bad rubric rule
or band shows. Aggregates only: no person and no trainer is named. No streamlit here (its chart is
``ui.charts.agreement_chart``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from core import access
from core.access import Viewer
from core.errors import NotAllowed
from core.models import Attempt, AttemptKind, Review
from services.analysis_result import read, rubric_groups


@dataclass(frozen=True)
class AgreementRow:
    scenario_id: str
    reviewed: int  # reviewed attempts that have an automatic score
    overridden: int
    override_rate: float | None  # overridden / reviewed
    mean_abs_diff: float | None  # mean |override − auto| over the overridden attempts
    mean_signed_diff: float | None  # mean (override − auto): > 0 the machine is too strict
    corrected_groups: list[tuple[str, str, int]]  # (group id, label, times corrected), top 5
    corrections: int  # reviews with at least one rubric correction


def agreement_by_scenario(session: Session, viewer: Viewer) -> list[AgreementRow]:
    """Per scenario: how often and by how much trainers overrode the machine, and which rubric
    groups they corrected most often. Aggregates only (no person, no trainer).

    ``viewer`` must be allowed by ``access.can_see_agreement`` (:class:`NotAllowed` else).
    """
    if not access.can_see_agreement(viewer):
        raise NotAllowed()
    rows = session.exec(
        select(Attempt, Review).join(Review, Review.attempt_id == Attempt.id)
        .where(Attempt.kind == AttemptKind.practice, Attempt.score.is_not(None),
               Attempt.scenario_id.is_not(None))
        .order_by(Review.reviewed_at, Review.id)
    ).all()
    latest: dict[int, tuple[Attempt, Review]] = {}
    for a, r in rows:
        latest[a.id] = (a, r)  # one judgement per attempt: the latest review
    by_scenario: dict[str, list[tuple[Attempt, Review]]] = defaultdict(list)
    for a, r in latest.values():
        by_scenario[a.scenario_id].append((a, r))
    out = []
    for sid in sorted(by_scenario):
        pairs = by_scenario[sid]
        diffs = [r.score_override - a.score for a, r in pairs if r.score_override is not None]
        counter: Counter[str] = Counter()
        labels: dict[str, str] = {}
        with_corrections = 0
        for a, r in pairs:
            if r.rubric_corrections:
                with_corrections += 1
                groups = {g.id: g.label for g in rubric_groups(read(a.result))}
                for gid in r.rubric_corrections:
                    counter[gid] += 1
                    labels.setdefault(gid, groups.get(gid, gid))
        out.append(AgreementRow(
            scenario_id=sid,
            reviewed=len(pairs),
            overridden=len(diffs),
            override_rate=len(diffs) / len(pairs) if pairs else None,
            mean_abs_diff=sum(abs(d) for d in diffs) / len(diffs) if diffs else None,
            mean_signed_diff=sum(diffs) / len(diffs) if diffs else None,
            corrected_groups=[(g, labels[g], n) for g, n in
                              sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
            corrections=with_corrections,
        ))
    return out
