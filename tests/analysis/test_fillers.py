"""analysis.fillers / analysis.measures: filler variants and the counts of a transcript."""

from __future__ import annotations

import pytest

from analysis import fillers as F
from analysis import measures as M


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "えーと、あのー、あの人は来ました。",
            {"えーと": 1, "あのー": 1},
        ),  # あの人 = demonstrative
        ("その件につきましては", {}),
        ("その、えっと、確認します", {"その": 1, "えっと": 1}),
        ("あの、すみません", {"あの": 1}),
        ("まあまあです", {}),  # reduplication is a word
        ("まあ、そうですね", {"まあ": 1}),
        ("えーーと、えーっと、ええと", {"えーと": 1, "えーっと": 1, "ええと": 1}),
        ("エート、アノー", {"えーと": 1, "あのー": 1}),  # katakana spelling counts
        ("なんか変です", {}),
        ("なんか、違うんです", {"なんか": 1}),
        ("うーん、そうですね。あー、はい", {"うーん": 1, "あー": 1}),
        ("えー、本日は", {"えー": 1}),
        ("ええ、そうです", {}),  # ええ = yes, not a filler
        ("", {}),
    ],
)
def test_fillers_by_variant(text, expected):
    assert M.measure_text(text).fillers == expected


def test_filler_spans_and_ratio():
    text = "えーと、申し訳ございません。あのー、すぐ確認します。"
    tm = M.measure_text(text)
    assert [text[s:e] for s, e in tm.filler_spans] == ["えーと", "あのー"]
    assert tm.filler_count == 2
    assert tm.filler_ratio == pytest.approx(2 / tm.words, abs=1e-4)
    assert 6 <= tm.words <= 12


def test_fillers_is_one_list_with_every_documented_variant():
    for v in (
        "えー",
        "えーと",
        "えっと",
        "えーっと",
        "あのー",
        "あの",
        "あー",
        "まあ",
        "その",
        "なんか",
        "うーん",
    ):
        assert v in F.FILLERS
    assert len(set(F.FILLERS)) == len(F.FILLERS)
    assert F.AMBIGUOUS_FILLERS <= set(F.FILLERS)
