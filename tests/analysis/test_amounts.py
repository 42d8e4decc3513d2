"""analysis.amounts: yen amounts in digits and kanji, promised or not."""

from __future__ import annotations

import pytest

from analysis import amounts as A


@pytest.mark.parametrize(
    "said, yen",
    [
        ("5,000円", 5000),
        ("五千円", 5000),
        ("3万円", 30000),
        ("1万2千円", 12000),
        ("3万5000円", 35000),
        ("千円", 1000),
        ("百五十円", 150),
        ("５０００円", 5000),
        ("二万五千円", 25000),
        ("1億2,000万円", 120_000_000),
        ("0円", 0),
    ],
)
def test_yen_amounts(said, yen):
    text = f"はい、{said}をお返しします。"
    amounts = A.find_yen_amounts(text)
    assert [a.yen for a in amounts] == [yen]
    assert text[slice(*amounts[0].span)] == said
    assert amounts[0].promised


def test_no_amount_in_plain_text():
    assert A.find_yen_amounts("円満に解決したいと思います。") == []
