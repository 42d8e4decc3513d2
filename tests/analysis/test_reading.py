"""analysis.reading: kana readings aligned to the text, morae, characters."""

from __future__ import annotations

import pytest

from analysis import reading as R


@pytest.mark.parametrize(
    "word, morae",
    [
        ("きょう", 2),
        ("キャッシュ", 3),
        ("ティッシュ", 3),
        ("申し訳ございません", 11),
        ("至急", 3),
        ("確認", 4),
        ("5,000円", 5),
        ("えーと、あのー", 6),
        ("", 0),
    ],
)
def test_morae(word, morae):
    assert R.count_morae(word) == morae


def test_split_morae_small_kana_join():
    assert R.split_morae("キャッシュ") == ["キャ", "ッ", "シュ"]
    assert R.split_morae("ジョーシ") == ["ジョ", "ー", "シ"]


def test_count_chars_ignores_punctuation_and_spaces():
    assert R.count_chars("はい、申し訳ございません。 ！？「」") == 11
    assert R.count_chars("5,000円") == 5  # 5 0 0 0 円


def test_reading_spans_point_into_the_text():
    text = "その件は、5,000円で至急対応します。"
    r = R.reading(text)
    assert r.kana.startswith("ソノケンワゴセンエンデシキュー")
    assert len(r.kana) == len(r.spans)
    by_kana = {}
    for ch, (s, e) in zip(r.kana, r.spans):
        by_kana.setdefault(text[s:e], "")
        by_kana[text[s:e]] += ch
    assert by_kana["件"] == "ケン"
    assert by_kana["5,000"] == "ゴセン"  # a read-out number maps to its digits
    assert by_kana["至急"] == "シキュー"
