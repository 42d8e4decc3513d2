"""CSV exports that a spreadsheet cannot turn into formulas: the one helper every export uses.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK("http://…","click")``, DDE). Such a cell
is written with a leading apostrophe, as OWASP advises ("CSV injection"); numbers stay numbers
(a negative score is still ``-3``). Files are UTF-8 with BOM and CRLF, as Excel in Japan opens
them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV cell: None → "", formula-like text → ``'`` + text."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None,
              *, bom: bool = True) -> bytes:
    """CSV bytes of ``rows`` (dicts) with ``columns`` as the header (default: the first row's
    keys); every header and cell goes through :func:`safe_cell`."""
    rows = list(rows)
    columns = list(columns) if columns is not None else (list(rows[0].keys()) if rows else [])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
