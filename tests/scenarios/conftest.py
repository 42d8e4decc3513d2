"""Helpers for the scenario tests: a small valid scenario as a dict, to break on purpose."""

from __future__ import annotations

import copy
from typing import Any

import pytest

BASE: dict[str, Any] = {
    "id": "mini",
    "version": 1,
    "title": "テスト用の小さなシナリオ",
    "title_en": "A tiny test scenario",
    "tags": ["配送"],
    "difficulty": 1,
    "channel": "phone",
    "harassment": False,
    "situation": "テスト用の状況説明です。あなたの権限：5,000円以下の返金。",
    "max_refund_yen": 5000,
    "start": "t1",
    # the careless-answer groups of phrases.toml, checked by every turn
    "ng": ["blame", "but", "rules", "flat_refusal", "not_my_job", "casual"],
    "persona": {"name": "テスト 太郎", "mood": "普通", "voice": "jf_alpha", "speed": 1.0},
    "turns": [
        {
            "id": "t1",
            "customer": "荷物がまだ届かないんです。",
            "goal": "お詫びする。",
            "hints": ["まずお詫び。"],
            "required": ["apology", {"id": "repeat_back", "phrases": ["まだ届かない"]}],
            "ng": ["blame"],
            "model_answer": "申し訳ございません。まだ届かないということですね。",
            "branches": [
                {"if_missing": ["apology"], "goto": "t2_angry"},
                {"otherwise": True, "goto": "t2_calm"},
            ],
        },
        {
            "id": "t2_angry",
            "customer": "まず謝ってください。",
            "goal": "お詫びし直す。",
            "required": ["apology"],
            "model_answer": "大変失礼いたしました。",
            "branches": [{"otherwise": True, "goto": "t2_calm"}],
        },
        {
            "id": "t2_calm",
            "customer": "それで、いつ届くんですか。",
            "goal": "期限を約束する。",
            "required": [
                "next_step",
                {
                    "id": "redelivery",
                    "label": "再配達",
                    "phrases": ["再配達"],
                    "tip": "再配達を提案",
                },
            ],
            "max_refund_yen": 3000,
            "model_answer": "本日中に再配達いたします。",
        },
    ],
}


@pytest.fixture
def raw() -> dict[str, Any]:
    """A deep copy of a small valid scenario (three turns, one branch point)."""
    return copy.deepcopy(BASE)
