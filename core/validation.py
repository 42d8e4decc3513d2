"""Validation at every entrance: the one module that decides what text may come in.

Every place where a person types or uploads text (login, user create / update / CSV import,
incidents, comments, review reasons, check-in free text) passes it through one of these
functions before it reaches the database or another person's screen:

- :func:`username` — Unicode NFKC, lower case, ASCII letters, digits and ``. _ @ + -`` only, so
  that look-alikes (full-width ``ａｄｍｉｎ`` becomes ``admin``; Cyrillic ``аdmin`` is refused)
  can never stand beside an existing name;
- :func:`name` — a one-line name (display name, team): NFKC, no control, format or bidi
  characters, inner white space collapsed;
- :func:`text` — free text (incident, comment, reason, check-in): NFC, no NUL or control
  characters except tab and newline, at most ``max_chars``;
- :func:`csv_rows` — an uploaded CSV: size limit, field limit, each bad row reported by its line
  number and skipped while the good rows are kept (never an uncaught ``_csv.Error``).

Limits match the database columns (``core/models.py``). Refusals are
:class:`core.errors.Refusal` (or the caller's subclass, ``error=``) with keys of
``core/strings/security.toml`` (``valid.*``), so every page shows a Japanese message.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from core.errors import Refusal
from core.i18n import Key

# Column limits (core/models.py) and free-text limits, in characters.
USERNAME_MAX = 100
DISPLAY_NAME_MAX = 100
TEAM_NAME_MAX = 100
PASSWORD_MAX = 256  # argon2 takes any length; a bound keeps hashing cheap
INCIDENT_KIND_MAX = 40
INCIDENT_TEXT_MAX = 5000
INCIDENT_ACTIONS_MAX = 5000
COMMENT_MAX = 2000
REVIEW_REASON_MAX = 2000
CHECKIN_FREE_TEXT_MAX = 2000
ONE_ON_ONE_NOTES_MAX = 5000

# CSV uploads.
CSV_MAX_BYTES = 1_000_000
CSV_MAX_FIELD_CHARS = 1000
CSV_MAX_ROWS = 5000

_NUL_MARK = "\ue000"  # stands for NUL while the csv module reads
# Bidi controls and zero-width characters: invisible, and able to disguise a name.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
              *(chr(c) for c in range(0x202A, 0x202F)), *(chr(c) for c in range(0x2066, 0x206A))}


class ValidationError(Refusal):
    """Input refused at the entrance; ``key`` is a ``valid.*`` i18n key."""


def _is_control(ch: str, *, keep_newlines: bool) -> bool:
    if keep_newlines and ch in "\n\t":
        return False
    if ch in _INVISIBLE:
        return True
    cat = unicodedata.category(ch)
    return cat in ("Cc", "Cs") or (cat == "Cf" and ch not in "\u200d")


def strip_controls(value: str, *, keep_newlines: bool = False) -> str:
    """``value`` without NUL, control, surrogate, bidi and zero-width characters."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if not _is_control(ch, keep_newlines=keep_newlines))


def _as_str(value: object, error: type[Refusal], field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise error("valid.not_text", field=field)
    return value


def username(value: object, *, error: type[Refusal] = ValidationError) -> str:
    """The canonical form of a username, or a refusal (``valid.username_*``).

    NFKC folds full-width and other compatibility forms (``ａｄｍｉｎ`` → ``admin``), then lower
    case. Letters and digits of any script (Japanese names too) and ``. _ @ + -`` are allowed,
    1–100 characters, but Latin may not be mixed with Cyrillic or Greek (``аdmin`` with a
    Cyrillic ``а`` is refused); :func:`skeleton` catches a name made only of look-alikes.
    """
    raw = _as_str(value, error, "username")
    value = unicodedata.normalize("NFKC", raw).strip().lower()  # controls: refused below
    if not value:
        raise error("valid.username_empty")
    if len(value) > USERNAME_MAX:
        raise error("valid.too_long", field=_field("username"), n=USERNAME_MAX)
    if not value[0].isalnum() or not all(ch.isalnum() or ch in "._@+-" for ch in value):
        raise error("valid.username_chars")
    scripts = {unicodedata.name(ch, "?").split()[0] for ch in value if ch.isalpha()}
    if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK"}:
        raise error("valid.username_chars")
    return value


# Cyrillic and Greek letters that look like Latin ones (lower case, after NFKC).
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "α": "a", "β": "b", "ε": "e", "η": "n",
    "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y",
})


def skeleton(name: str) -> str:
    """What a (canonical) username looks like: look-alike letters mapped to Latin, so two names
    that a person cannot tell apart have the same skeleton (``оrder`` vs ``order``)."""
    return name.translate(_LOOKALIKES)


def login_name(value: object) -> str | None:
    """The canonical username for a login attempt, or None when it cannot be anyone's
    (the login then fails like any wrong username: no refusal reveals the rule)."""
    try:
        return username(value)
    except Refusal:
        return None


def name(value: object, *, field: str = "display_name", max_chars: int = DISPLAY_NAME_MAX,
         required: bool = True, error: type[Refusal] = ValidationError) -> str:
    """A one-line name (display name, team name): NFKC, no control or invisible characters,
    inner white space collapsed to one space, at most ``max_chars``."""
    raw = _as_str(value, error, field)
    value = unicodedata.normalize("NFKC", raw)
    value = " ".join(strip_controls(value).split())
    if required and not value:
        raise error("valid.empty", field=_field(field))
    if len(value) > max_chars:
        raise error("valid.too_long", field=_field(field), n=max_chars)
    return value


def text(value: object, *, field: str, max_chars: int, required: bool = False,
         error: type[Refusal] = ValidationError) -> str:
    """Free text: NFC, NUL and control characters removed (tab and newline kept), trimmed,
    at most ``max_chars``. ``required`` refuses an empty text (``valid.empty``)."""
    raw = _as_str(value, error, field)
    value = strip_controls(unicodedata.normalize("NFC", raw), keep_newlines=True).strip()
    if required and not value:
        raise error("valid.empty", field=_field(field))
    if len(value) > max_chars:
        raise error("valid.too_long", field=_field(field), n=max_chars)
    return value


def password(value: object, *, error: type[Refusal] = ValidationError) -> str:
    """A password as typed: a string of at most ``PASSWORD_MAX`` characters without NUL (the
    policy itself is :mod:`core.passwords`). Never normalised: the hash sees what was typed."""
    raw = _as_str(value, error, "password")
    if "\x00" in raw:
        raise error("valid.password_nul")
    if len(raw) > PASSWORD_MAX:
        raise error("valid.too_long", field=_field("password"), n=PASSWORD_MAX)
    return raw


def _field(key: str) -> Key:
    """The i18n key naming a field in messages (``valid.field_<key>``), translated by ``t``."""
    return Key(f"valid.field_{key}")


# --- CSV uploads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvRow:
    """One data row of an uploaded CSV: its line number (1 = header), the cells by header name,
    and the refusal when the row cannot be read (then ``cells`` is empty)."""

    line: int
    cells: dict[str, str]
    error: tuple[str, dict] | None = None


def decode_upload(data: bytes | str, *, max_bytes: int = CSV_MAX_BYTES,
                  error: type[Refusal] = ValidationError) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), else Shift_JIS (Excel in
    Japan); refuses a file over ``max_bytes`` (``valid.csv_too_big``) or undecodable
    (``valid.csv_encoding``)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise error("valid.csv_too_big", n=max_bytes // 1000)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise error("valid.csv_encoding")


def csv_rows(data: bytes | str, *, required: tuple[str, ...], max_bytes: int = CSV_MAX_BYTES,
             max_field: int = CSV_MAX_FIELD_CHARS, max_rows: int = CSV_MAX_ROWS,
             error: type[Refusal] = ValidationError) -> Iterator[CsvRow]:
    """Rows of an uploaded CSV with a header line, each standing alone.

    Refuses the whole file (raises) only when it is too big, cannot be decoded or lacks a
    ``required`` column. A row that cannot be parsed (an unterminated quote, a field longer
    than ``max_field``, NUL), or that has a cell over ``max_field``, is yielded with ``error``
    set and the rows after it are still read. Cells are stripped of control characters and
    surrounding space; empty lines are skipped.
    """
    content = decode_upload(data, max_bytes=max_bytes, error=error)
    content = content.replace("\x00", _NUL_MARK)  # the csv module cannot read NUL
    lines = io.StringIO(content, newline="")
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise error("valid.csv_header", columns=", ".join(required)) from None
    header = [strip_controls(h).strip().lower() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise error("valid.csv_header", columns=", ".join(missing))
    base, n = 0, 0  # lines read by earlier readers (a new reader follows an unreadable row)
    while True:
        line = base + reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # The parser gave up on this record: report it, go on from the next line.
            yield CsvRow(line=line, cells={}, error=("valid.csv_row_unreadable", {}))
            base += reader.line_num
            reader = csv.reader(lines)
            continue
        if not any(c.strip() for c in cells):
            continue
        n += 1
        if n > max_rows:
            yield CsvRow(line=line, cells={}, error=("valid.csv_too_many_rows", {"n": max_rows}))
            return
        if any(_NUL_MARK in c for c in cells):
            yield CsvRow(line=line, cells={}, error=("valid.csv_row_unreadable", {}))
            continue
        if any(len(c) > max_field for c in cells):
            yield CsvRow(line=line, cells={}, error=("valid.csv_field_long", {"n": max_field}))
            continue
        row = {h: strip_controls(c).strip() for h, c in zip(header, cells, strict=False) if h}
        yield CsvRow(line=line, cells=row)
