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
