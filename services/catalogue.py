"""The one scenario catalogue every screen reads, cached.

Loading parses every TOML file of the scenario folder, so the catalogue is kept in memory and
reloaded only when a file of the folder (or the shared phrase library) changes: an operator's
edit shows on the next page run, without a restart. ``SCENARIOS_DIR`` None means the scenarios
package's own data folder (tests point it elsewhere).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from scenarios.loader import DEFAULT_DIRECTORY, Catalogue, load_catalogue
from scenarios.schema import DEFAULT_PHRASES_FILE, Scenario, Turn

SCENARIOS_DIR: Path | None = None


def _signature(folder: Path) -> tuple:
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                 for p in [*files, DEFAULT_PHRASES_FILE] if p.is_file())


@lru_cache(maxsize=4)
def _load(folder: Path, signature: tuple) -> Catalogue:
    return load_catalogue(folder)


def catalogue() -> Catalogue:
    """The scenario catalogue (``scenarios.loader.Catalogue``); broken files become ``errors``.

    The same object is returned until a file changes: do not modify it.
    """
    folder = Path(SCENARIOS_DIR) if SCENARIOS_DIR is not None else DEFAULT_DIRECTORY
    return _load(folder, _signature(folder))


def harassment_scenarios(of: Catalogue | None = None) -> list[Scenario]:
    """The customer-harassment (カスハラ) role-plays of ``of`` (default: :func:`catalogue`):
    the one reading behind the check-in's role-play count and the training record."""
    return list((of if of is not None else catalogue()).filter(harassment=True))


def scenario(scenario_id: str | None) -> Scenario | None:
    return catalogue().get(scenario_id) if scenario_id else None


def turn(scenario_id: str | None, turn_id: str | None) -> Turn | None:
    """The turn ``turn_id`` of a scenario, None when either no longer exists."""
    s = scenario(scenario_id)
    if s is None or turn_id is None:
        return None
    try:
        return s.turn(turn_id)
    except KeyError:
        return None


def title(scenario_id: str | None, lang: str = "ja") -> str:
    """A scenario's title in ``lang`` (its id when it no longer exists)."""
    s = scenario(scenario_id)
    if s is None:
        return scenario_id or ""
    return s.title if lang == "ja" else s.title_en


def _group_english(of: Catalogue) -> dict[str, str]:
    """Japanese label/tip of every phrase group (shared library, scenario-wide and per turn)
    → its English, where the group has one."""
    out: dict[str, str] = {}
    groups = [*of.phrases.values()]
    for s in of:
        groups += [*s.ng, *(g for t in s.turns for g in (*t.required, *t.ng))]
    for g in groups:
        for ja, en in ((g.label, g.label_en), (g.tip, g.tip_en)):
            if ja and en:
                out.setdefault(ja, en)
    return out


_ENGLISH: dict[int, dict[str, str]] = {}


def group_english(text: str | None) -> str:
    """The English of a phrase group's Japanese label or tip (``label_en`` / ``tip_en`` in the
    scenario catalogue), looked up when shown; ``text`` itself when it has none."""
    if not text:
        return text or ""
    cat = catalogue()
    table = _ENGLISH.get(id(cat))
    if table is None:
        _ENGLISH.clear()
        table = _ENGLISH[id(cat)] = _group_english(cat)
    return table.get(text, text)


def english_group_labels(text: str | None) -> str:
    """An English feedback text with the Japanese group labels it quotes (“label”, (label))
    replaced by their English, as written in the catalogue."""
    out = text or ""
    if not out:
        return out
    group_english("x")  # builds the table of the current catalogue
    for ja, en in _ENGLISH.get(id(catalogue()), {}).items():
        if ja in out:
            out = out.replace(f"“{ja}”", f"“{en}”").replace(f"({ja})", f"({en})")
    return group_english(out)
