"""Staff: pick a scenario, hear the customer, answer into the microphone, get scored, go on."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import (
    assert_no_exception,
    click,
    go,
    main_area,
    record,
    selected,
    shot,
    wait_ready,
)
from tests.e2e.journeys import practise_once

pytestmark = pytest.mark.e2e


def _turn_heading(main) -> str:
    found = re.search(r"\d+ 回目のお客様の発言", main.inner_text())
    return found.group(0) if found else ""


def test_staff_records_an_answer_and_goes_to_the_next_turn(app, open_page):
    page = open_page(app, user="takahashi")
    main = main_area(page)
    assert main.get_by_role("heading", name="ロールプレイ練習", level=1).is_visible()
    seen = practise_once(page, screenshot="practice-scored")
    app.memo.setdefault("attempts", {})["takahashi"] = seen["attempt_id"]

    # The apology was heard: the branch goes on to the order question, not the angry turn.
    next_line = main.get_by_text("お客様の次の発言")
    next_line.wait_for()
    assert "まず謝るのが筋" not in main.inner_text()
    click(page, main.get_by_role("button", name="次の場面へ進む"))
    assert_no_exception(page)
    shown = selected(page, "シナリオ")
    assert "お届けの遅れ" in shown and "2 回目のお客様の発言" in main.inner_text(), (
        "after 次の場面へ進む the page left the scenario: it shows "
        f"{shown!r} and {_turn_heading(main)!r} (expected 2 回目 of 土鍋)"
    )
    assert main.get_by_test_id("stAudioInput").count() == 1
    shot(page, "practice-next-turn")


def test_staff_calibrates_their_usual_voice(app, open_page):
    page = open_page(app, user="tanaka")  # no baseline in the demo data
    go(page, "声の基準づくり")
    main = main_area(page)
    assert "いつもの落ち着いた声で、次の文を読み上げてください" in main.inner_text()
    main.get_by_text("まだ基準がありません。読み上げて録音してください。").wait_for()
    record(page, 6.0)
    click(page, main.get_by_role("button", name="この録音で基準をつくる"), timeout=180_000)
    main.get_by_text("採点しています…").or_(main.get_by_test_id("stMetric")).first.wait_for(
        timeout=60_000
    )
    pitch = main.get_by_test_id("stMetric").filter(has_text="いつもの声の高さ")
    pitch.wait_for(timeout=180_000)
    wait_ready(page, timeout=120_000)
    assert_no_exception(page)
    assert re.search(r"\d+ Hz", pitch.inner_text()), pitch.inner_text()
    pace = main.get_by_test_id("stMetric").filter(has_text="いつもの速さ").inner_text()
    assert re.search(r"\d+\.\d モーラ/秒", pace), pace
    text = main.inner_text()
    assert "まだ基準がありません" not in text
    assert "測れませんでした" not in text and "音声が検出できませんでした" not in text
    shot(page, "calibration-done")

    # The baseline is what practice and progress compare against.
    go(page, "わたしの成長")
    assert "いつもの声:" in main.inner_text()
