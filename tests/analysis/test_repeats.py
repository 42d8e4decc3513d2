"""analysis.repeats: Whisper repetition loops collapsed."""

from __future__ import annotations

from analysis import repeats as RP


def test_collapse_repeats():
    assert (
        RP.collapse_repeats("確認します。お前は、お前は、お前は、お前は、お前は")[0]
        == "確認します。お前は、"
    )
    same = "はいはい、申し訳ございません申し訳ございません"
    assert RP.collapse_repeats(same) == (same, 0)
