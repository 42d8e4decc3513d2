"""Trainer: the review queue → the staff member's recorded attempt → a score override with a
reason and a comment at a time in the recording → the staff member sees the review as new."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_exception, click, go, main_area, select, shot
from tests.e2e.journeys import staff_attempt

pytestmark = pytest.mark.e2e

STAFF, STAFF_NAME = "takahashi", "高橋 美穂"
REASON = "お詫びは丁寧ですが、ご家族で使いたかったお気持ちへの共感が足りません。"
COMMENT = "ここで「今夜ご家族で」と言葉にすると、共感が伝わります。"


def test_trainer_overrides_and_comments_and_staff_sees_it_new(app, open_page):
    attempt_id = staff_attempt(app, open_page, STAFF)

    page = open_page(app, user="trainer")
    main = main_area(page)
    assert main.get_by_role("heading", name="レビュー", level=1).is_visible()
    main.get_by_text("レビュー待ちの一覧").first.wait_for()
    main.get_by_test_id("stMetric").filter(has_text="未レビュー").wait_for()
    main.get_by_test_id("stDataFrame").first.wait_for()
    select(page, "開く録音", STAFF_NAME)
    click(page, main.get_by_role("button", name="レビューする"))
    assert_no_exception(page)
    main.get_by_text(re.compile(f"{STAFF_NAME} さん — ")).first.wait_for()
    text = main.inner_text()
    assert "お届けの遅れ" in text
    assert "申し訳" in text, "the trainer sees the transcript of the spoken apology"
    recording = main.locator("audio").first
    recording.wait_for(state="attached")  # the recording can be played
    assert recording.get_attribute("src")
    assert f"attempt={attempt_id}" in page.url, page.url  # the one recorded in the browser

    # Override with a reason.
    override = main.get_by_label("点数を修正（0〜100、空欄なら修正なし）")
    override.fill("72")
    main.get_by_label("理由（点数を修正するときは必須）").fill(REASON)
    click(page, main.get_by_role("button", name="評価を保存してレビュー済みにする"))
    main.get_by_text("評価を保存しました。スタッフの「わたしの成長」に表示されます。").wait_for()
    assert_no_exception(page)

    # A comment at 2.5 s into the recording.
    at = main.get_by_label("録音の位置（秒）")
    at.fill("2.5")
    main.get_by_label("コメント", exact=True).fill(COMMENT)
    click(page, main.get_by_role("button", name="コメントを追加"))
    main.get_by_text("コメントを追加しました。").wait_for()
    assert_no_exception(page)
    assert COMMENT in main.inner_text()
    assert main.get_by_role("button", name=re.compile(r"▶ 0?:?0?2")).count() >= 1 or re.search(
        r"▶ \S*2", main.inner_text()
    ), "the comment carries its time in the recording"
    shot(page, "review-saved")

    # The staff member sees it on their progress page, marked new.
    staff = open_page(app, user=STAFF)
    go(staff, "わたしの成長")
    smain = main_area(staff)
    smain.get_by_text("トレーナーからのフィードバック").first.wait_for()
    text = smain.inner_text()
    assert re.search(r"新着 \d+ 件", text), "the heading counts new feedback"
    assert "🆕 新着" in text
    assert "指導 健一 さんのレビュー" in text
    assert "トレーナーの採点: 72 点" in text
    assert REASON in text
    assert re.search(r"2(\.5)? 秒付近", text), "the comment's time is shown"
    assert COMMENT in text
    shot(staff, "progress-feedback-new")
