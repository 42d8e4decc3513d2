"""Which turn comes next, and every way through a scenario.

Pure functions only: no I/O, no state. ``schema`` uses the graph helpers (``find_cycle``,
``reachable``) on a plain ``{turn id: (target ids, …)}`` mapping, so this module does not import
the models at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from analysis.rubric_match import RubricResult

    from .schema import Scenario, Turn

Graph = Mapping[str, Iterable[str]]


def next_turn(
    turn: Turn,
    *,
    found: set[str],
    missed: set[str],
    ng_found: set[str],
    over_authority: bool,
) -> str | None:
    """The id of the next turn after the trainee answered ``turn``; ``None`` ends the scenario.

    found / missed: ids of the turn's required groups the answer contained / lacked.
    ng_found: ids of the turn's NG groups the answer contained.
    over_authority: the answer promised more money than ``turn.max_refund_yen``.
    Rules are tried in order; the first that matches decides. A turn without rules ends.
    """
    for rule in turn.branches:
        if rule.matches(
            found=found, missed=missed, ng_found=ng_found, over_authority=over_authority
        ):
            return None if rule.end else rule.goto
    return None


def next_turn_after(turn: Turn, answer: RubricResult) -> str | None:
    """The id of the next turn after an answer that met ``turn``'s rubric as ``answer`` says;
    ``None`` ends the scenario.

    The branch rules read the required groups found and missed, the NG groups said, and whether
    an amount above the authority limit was promised (``answer.over_limit``).
    """
    return next_turn(
        turn,
        found={g.id for g in answer.required if g.found},
        missed={g.id for g in answer.required if not g.found},
        ng_found={g.id for g in answer.ng_found},
        over_authority=bool(answer.over_limit),
    )


def find_cycle(graph: Graph) -> list[str] | None:
    """A cycle as a list of ids (first id repeated at the end), or ``None`` if acyclic."""
    white, grey, black = 0, 1, 2
    colour = {node: white for node in graph}
    for root in graph:
        if colour[root] != white:
            continue
        stack: list[tuple[str, list[str]]] = [(root, list(graph.get(root, ())))]
        path = [root]
        colour[root] = grey
        while stack:
            node, todo = stack[-1]
            if not todo:
                colour[node] = black
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop(0)
            state = colour.get(nxt, black)  # unknown ids are reported elsewhere
            if state == grey:
                return path[path.index(nxt) :] + [nxt]
            if state == white:
                colour[nxt] = grey
                path.append(nxt)
                stack.append((nxt, list(graph.get(nxt, ()))))
    return None


def reachable(graph: Graph, start: str) -> set[str]:
    """Ids reachable from ``start`` (including it)."""
    seen = {start}
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def paths(scenario: Scenario, *, limit: int = 10_000) -> list[tuple[str, ...]]:
    """Every distinct sequence of turn ids from the start to an end of the scenario.

    A path stops at a turn without branches or at a turn with an ``end = true`` rule (a turn
    that can both end and continue yields both paths). Raises ``ValueError`` on a cycle or when
    there are more than ``limit`` paths.
    """
    by_id = {t.id: t for t in scenario.turns}
    out: list[tuple[str, ...]] = []

    def walk(path: tuple[str, ...]) -> None:
        turn = by_id[path[-1]]
        if turn.can_end():
            out.append(path)
            if len(out) > limit:
                raise ValueError(f"more than {limit} paths")
        for nxt in turn.targets():
            if nxt in path:
                raise ValueError("cycle: " + " → ".join((*path, nxt)))
            walk((*path, nxt))

    walk((scenario.start,))
    return out
