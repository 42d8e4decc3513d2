"""The string catalogue: every user-facing string, Japanese first, English second.

Strings live in ``core/strings/*.toml`` (one file per area so that areas can be edited
independently); together they form one catalogue with flat dotted keys::

    [login]
    title = { ja = "ログイン", en = "Log in" }      # key "login.title"

A key defined twice, or a string missing its Japanese or English text, is an error at load.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("ja", "en")
STRINGS_DIR = Path(__file__).resolve().parent / "strings"


class CatalogueError(ValueError):
    pass


def _flatten(prefix: str, table: dict, out: dict[str, dict[str, str]], source: Path) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict) and set(value) <= set(LANGUAGES) and value:
            missing = [lang for lang in LANGUAGES if not isinstance(value.get(lang), str)]
            if missing:
                raise CatalogueError(f"{source.name}: {key} lacks {', '.join(missing)}")
            if key in out:
                raise CatalogueError(f"{source.name}: {key} is defined twice")
            out[key] = value
        elif isinstance(value, dict):
            _flatten(key, value, out, source)
        else:
            raise CatalogueError(f"{source.name}: {key} must be {{ ja = …, en = … }}")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.toml")):
        with path.open("rb") as f:
            _flatten("", tomllib.load(f), out, path)
    return out


def t(key: str, lang: str = "ja", /, **values: object) -> str:
    """The text of ``key`` in ``lang`` (falls back to Japanese), formatted with ``values``.

    An unknown key raises KeyError: a missing string is a bug, found by the catalogue tests.
    """
    entry = catalogue()[key]
    text = entry.get(lang) or entry["ja"]
    if not values:
        return text
    return text.format(**{k: t(v, lang) if isinstance(v, Key) else v for k, v in values.items()})


class Key(str):
    """A value that is itself a catalogue key: :func:`t` puts its text in ``lang`` in its place
    (e.g. the name of the field in a refusal: ``Refusal("valid.too_long", field=Key(...))``)."""

    __slots__ = ()
