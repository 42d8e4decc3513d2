"""Load the scenario catalogue from TOML files.

One broken file never hides the others: each problem becomes a :class:`LoadError` naming the file
and the field (the pydantic location, e.g. ``turns[2].branches[0].goto``), and every valid
scenario still loads.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .schema import (
    DEFAULT_PHRASES_FILE,
    PACKAGE_DIR,
    PhraseLibrary,
    Scenario,
    parse_phrase_library,
)

DEFAULT_DIRECTORY = PACKAGE_DIR / "data"


@dataclass(frozen=True)
class LoadError:
    file: Path
    field: str  # "" when the problem is the file as a whole (unreadable, bad TOML)
    message: str
    turn: str = ""  # the turn id the problem is in, when it is in one
    path: str = ""  # the way through the scenario that shows it (presuppositions)

    def __str__(self) -> str:
        where = f"{self.file.name}: {self.field}" if self.field else self.file.name
        if self.turn:
            where += f" (turn {self.turn})"
        return f"{where}: {self.message}"


@dataclass
class Catalogue:
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    errors: list[LoadError] = field(default_factory=list)
    phrases: PhraseLibrary = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # scenario id -> file it came from

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)

    def __getitem__(self, scenario_id: str) -> Scenario:
        return self.scenarios[scenario_id]

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios.values())

    def __len__(self) -> int:
        return len(self.scenarios)

    def filter(
        self,
        *,
        tag: str | None = None,
        difficulty: int | None = None,
        max_difficulty: int | None = None,
        channel: str | None = None,
        harassment: bool | None = None,
    ) -> list[Scenario]:
        """Scenarios matching every given criterion, easiest first (then by id)."""
        out = [
            s
            for s in self.scenarios.values()
            if (tag is None or tag in s.tags)
            and (difficulty is None or s.difficulty == difficulty)
            and (max_difficulty is None or s.difficulty <= max_difficulty)
            and (channel is None or s.channel == channel)
            and (harassment is None or s.harassment == harassment)
        ]
        return sorted(out, key=lambda s: (s.difficulty, s.id))

    def by_tag(self, tag: str) -> list[Scenario]:
        return self.filter(tag=tag)

    def by_difficulty(self, difficulty: int) -> list[Scenario]:
        return self.filter(difficulty=difficulty)

    def tags(self) -> list[str]:
        """The tags used by the loaded scenarios, in the order of ``schema.TAGS``."""
        from .schema import TAGS

        used = {t for s in self.scenarios.values() for t in s.tags}
        return [t for t in TAGS if t in used]


def format_loc(loc: tuple[Any, ...]) -> str:
    """``("turns", 2, "branches", 0, "goto")`` -> ``"turns[2].branches[0].goto"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _read_toml(path: Path, errors: list[LoadError]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        errors.append(LoadError(path, "", f"invalid TOML: {e}"))
    except (OSError, UnicodeDecodeError) as e:
        errors.append(LoadError(path, "", f"cannot read: {e}"))
    return None


def _turn_of(loc: tuple[Any, ...], data: Any) -> str:
    """The id of the turn a ``turns[i]…`` location points into (from the raw file data)."""
    if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int) and isinstance(data, dict):
        turns = data.get("turns")
        if isinstance(turns, list) and 0 <= loc[1] < len(turns) and isinstance(turns[loc[1]], dict):
            tid = turns[loc[1]].get("id")
            return tid if isinstance(tid, str) else ""
    return ""


def _validation_errors(path: Path, exc: ValidationError, data: Any = None) -> list[LoadError]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        out.append(
            LoadError(
                path,
                format_loc(loc),
                err["msg"],
                turn=str(ctx.get("turn") or _turn_of(loc, data)),
                path=str(ctx.get("path") or ""),
            )
        )
    return out


def load_phrases(path: Path | None = None) -> tuple[PhraseLibrary, list[LoadError]]:
    """Read a shared phrase-group file (default: the package's ``phrases.toml``)."""
    path = Path(path) if path is not None else DEFAULT_PHRASES_FILE
    errors: list[LoadError] = []
    data = _read_toml(path, errors)
    if data is None:
        return {}, errors
    try:
        return parse_phrase_library(data), errors
    except ValidationError as e:
        return {}, errors + _validation_errors(path, e)


def load_scenario(path: Path, phrases: PhraseLibrary) -> tuple[Scenario | None, list[LoadError]]:
    """Load one scenario file; on failure return ``None`` and its errors."""
    errors: list[LoadError] = []
    data = _read_toml(path, errors)
    if data is None:
        return None, errors
    try:
        return Scenario.model_validate(data, context={"phrases": phrases}), errors
    except ValidationError as e:
        return None, _validation_errors(path, e, data)


def load_catalogue(directory: Path | None = None, *, phrases_file: Path | None = None) -> Catalogue:
    """Load every ``*.toml`` in ``directory`` (default: ``scenarios/data/`` in this package).

    ``phrases_file`` is the shared phrase-group library (default: ``scenarios/phrases.toml``).
    """
    directory = Path(directory) if directory is not None else DEFAULT_DIRECTORY
    phrases, errors = load_phrases(phrases_file)
    cat = Catalogue(phrases=phrases, errors=errors)
    if not directory.is_dir():
        cat.errors.append(LoadError(directory, "", "scenario directory not found"))
        return cat
    for path in sorted(directory.glob("*.toml")):
        if path.name.startswith((".", "_")):
            continue
        scenario, errs = load_scenario(path, phrases)
        cat.errors.extend(errs)
        if scenario is None:
            continue
        if scenario.id in cat.scenarios:
            cat.errors.append(
                LoadError(
                    path,
                    "id",
                    f"scenario id {scenario.id!r} is already used by {cat.files[scenario.id].name}",
                )
            )
            continue
        cat.scenarios[scenario.id] = scenario
        cat.files[scenario.id] = path
    return cat
