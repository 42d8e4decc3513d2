"""Steps shared by several journeys (a person doing something through the browser)."""

from __future__ import annotations

import re

from tests.e2e.conftest import (
    assert_no_exception,
    main_area,
    record,
    seen_texts,
    select,
    shot,
    wait_ready,
    watch_texts,
)

# What the practice page shows while it analyses (core/strings/practice.toml).
PROGRESS = ["採点しています…", "文字に起こしています（Whisper）", "採点が終わりました。"]

SCENARIO = "お届けの遅れ — 今夜使いたかった土鍋"
FIRST_LINE = "土鍋のセット"


def practise_once(page, *, screenshot: str | None = None) -> dict:
    """On the practice page: choose the late-delivery scenario, check the customer's voice,
    record an answer, submit it and wait for the score. Returns what the person saw."""
    main = main_area(page)
    select(page, "シナリオ", SCENARIO)
    main.get_by_text("1 回目のお客様の発言").wait_for()
    customer = main.get_by_test_id("stChatMessage").first
    assert FIRST_LINE in customer.inner_text()

    # The customer's voice: an audio element with a source that really plays sound.
    audio = customer.locator("audio").first
    audio.wait_for(state="attached", timeout=120_000)  # first render synthesises the voice
    assert audio.get_attribute("src")
    duration = audio.evaluate(
        """el => new Promise(resolve => {
            if (el.readyState >= 1) return resolve(el.duration);
            el.addEventListener('loadedmetadata', () => resolve(el.duration), {once: true});
            el.load();
        })"""
    )
    assert duration > 2.0, f"customer voice is {duration} s"

    record(page, 6.0)
    submit = main.get_by_role("button", name="この応答を提出して採点する")
    watch_texts(page, PROGRESS)
    submit.click()  # the run stores, then analyses while showing its progress
    stored = main.get_by_text(re.compile(r"録音を保存しました（受付番号 \d+）"))
    stored.first.wait_for(timeout=60_000)
    attempt_id = int(re.search(r"受付番号 (\d+)", stored.first.inner_text()).group(1))
    outcome = (
        main.get_by_test_id("stMetric")
        .or_(main.get_by_text("採点できませんでした。録音は保存されているので"))
        .or_(main.get_by_text("音声が検出できませんでした"))
    )
    outcome.first.wait_for(timeout=180_000)
    wait_ready(page, timeout=120_000)
    assert_no_exception(page)
    seen = seen_texts(page)
    assert "採点しています…" in seen and "文字に起こしています（Whisper）" in seen, (
        f"analysis progress not shown: saw {sorted(seen)}"
    )
    text = main.inner_text()
    assert "音声が検出できませんでした" not in text, "the fake microphone recorded silence"
    assert "採点できませんでした" not in text, "analysis failed: " + text[text.find("理由") :][:300]
    score = main.get_by_test_id("stMetric").filter(has_text="得点").first.inner_text()
    assert re.search(r"\d+ 点", score), score
    assert "文字起こし" in text
    assert "申し訳" in text, "the spoken apology is not in the transcript"
    assert "採点の内訳" in text
    charts = main.get_by_test_id("stVegaLiteChart")
    charts.first.scroll_into_view_if_needed()
    charts.first.wait_for()
    assert charts.count() >= 2, "pitch, pace and pause charts expected"
    main.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    ).first.wait_for()
    if screenshot:
        shot(page, screenshot)
    return {"attempt_id": attempt_id, "score": score}


def staff_attempt(server, open_page, username: str = "takahashi") -> int:
    """The id of an attempt ``username`` recorded through the browser on this server: the one
    the practice journey made, or a new one (another xdist worker ran that journey)."""
    attempts = server.memo.setdefault("attempts", {})
    if username not in attempts:
        page = open_page(server, user=username)
        attempts[username] = practise_once(page)["attempt_id"]
        page.context.close()
    return attempts[username]
