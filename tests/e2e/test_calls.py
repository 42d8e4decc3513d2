"""Browser journeys of issue 13: a call that reacts to what was said and is judged as a whole;
staff read the trainer's verdict where they are sent; HR reopens a one-on-one. Screenshots at
1366×768 and 390×844 of the pages changed (test-output/e2e/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    ROOT,
    assert_no_exception,
    click,
    go,
    main_area,
    record,
    select,
    selected,
    shot,
    wait_ready,
)
from tests.e2e.journeys import SCENARIO

pytestmark = pytest.mark.e2e

SUBMIT = "この応答を提出して採点する"
NEXT = "次の場面へ進む"
DATA_DIR = ROOT / "tests" / "data"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def shots(page, name: str) -> None:
    """The page at desktop and phone size."""
    size = page.viewport_size
    for label, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(500)
        shot(page, f"{name}-{label}")
    page.set_viewport_size(size)


def scored(page) -> None:
    """Wait until the answer just submitted is stored, analysed and shown."""
    main = main_area(page)
    main.get_by_text(re.compile(r"録音を保存しました（受付番号 \d+）")).first.wait_for(timeout=60_000)
    main.get_by_test_id("stMetric").filter(has_text="得点").first.wait_for(timeout=180_000)
    wait_ready(page, timeout=120_000)
    assert_no_exception(page)
    assert "採点できませんでした" not in main.inner_text()


def answer_with_file(page, path: Path) -> None:
    main = main_area(page)
    main.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(path))
    main.get_by_text(path.name[:6]).first.wait_for()  # long names are shortened in the list
    wait_ready(page)
    click(page, main.get_by_role("button", name=SUBMIT), timeout=240_000)
    scored(page)


def answer_aloud(page) -> None:
    """The fake microphone's apology (tests/data/answer_apology.wav)."""
    main = main_area(page)
    record(page, 6.0)
    click(page, main.get_by_role("button", name=SUBMIT), timeout=240_000)
    scored(page)


def entry(page, text: str, *, has):
    """The innermost block holding ``text`` and ``has`` (one bordered entry of a list)."""
    return (main_area(page).locator('[data-testid="stVerticalBlock"]').filter(has_text=text)
            .filter(has=has).last)


@pytest.fixture(scope="module", autouse=True)
def warm(app, chromium):
    """The first start seeds the demo (real analyses): on a busy machine that takes minutes."""
    context = chromium.new_context(base_url=app.url, locale="ja-JP")
    page = context.new_page()
    page.goto("/")
    page.get_by_test_id("stForm").wait_for(timeout=900_000)
    context.close()


def test_a_rude_run_angers_the_customer_and_fails_the_call(app, open_page):
    page = open_page(app, user="ito")
    main = main_area(page)
    select(page, "シナリオ", SCENARIO)
    main.get_by_text("1 回目のお客様の発言").wait_for()
    rude = DATA_DIR / "answer_rude.flac"  # 「でも、規則ですので、それはできません。」
    answer_with_file(page, rude)
    text = main.inner_text()
    assert "規則" in text
    # the customer reacts to what was said: angrier, asking for a supervisor, and why
    assert "責任者の方に代わってください" in text, text[:2000]
    assert "お客様の反応: 規則や配送業者を理由に突き放したため" in text
    shots(page, "call-rude-reaction")
    click(page, main.get_by_role("button", name=NEXT))
    main.get_by_text("2 回目のお客様の発言").wait_for()
    answer_with_file(page, rude)  # still no apology: she hangs up
    main.get_by_text("通話のふりかえり").wait_for()
    text = main.inner_text()
    assert "通話全体では不合格です" in text
    assert "お客様が途中で電話を切り" in text
    assert "次の通話で一番効く改善（2 つ）" in text
    assert "1 回目の応答 —" in text and "2 回目の応答 —" in text
    assert "t2_rebuffed" not in text and "t1:" not in text
    shots(page, "call-rude-summary")


def _say(tmp: Path, text: str, name: str) -> Path:
    """``text`` spoken by the offline TTS (a trainee's answer), as ``<name>.wav``."""
    from scenarios.voice import render_line

    path = tmp / f"{name}.wav"
    path.write_bytes(render_line(text, voice="jm_kumo", speed=1.0, cache_dir=tmp).read_bytes())
    return path


def test_an_over_promise_is_taken_at_its_word(app, open_page, tmp_path_factory):
    promise = _say(tmp_path_factory.mktemp("answers"),
                   "ありがとうございます。大変申し訳ございません。六時までに必ずお届けします。",
                   "promise")
    page = open_page(app, user="watanabe")
    main = main_area(page)
    select(page, "シナリオ", SCENARIO)
    main.get_by_text("1 回目のお客様の発言").wait_for()
    answer_aloud(page)
    assert "注文番号は" in main.inner_text()  # the apology was heard: on to the order number
    click(page, main.get_by_role("button", name=NEXT))
    main.get_by_text("2 回目のお客様の発言").wait_for()
    answer_with_file(page, promise)
    text = main.inner_text()
    assert "六時に必ず届くんですね" in text, text[:3000]
    assert "お客様の反応: 確約できないお届けの時刻を約束したため" in text
    shots(page, "call-over-promise")


def test_staff_reads_the_trainers_verdict_on_the_attempt_page(app, open_page):
    page = open_page(app, user="sato")  # the demo trainer reviewed sato's first attempt
    go(page, "わたしの成長")
    main = main_area(page)
    main.get_by_text("トレーナーからのフィードバック").first.wait_for()
    shots(page, "progress-calls")
    opener = page.get_by_role("button", name="開いて既読にする")
    review = entry(page, "指導 健一 さんのレビュー", has=opener)
    click(page, review.get_by_role("button", name="開いて既読にする"))
    main.get_by_text("トレーナーの判定").wait_for()
    text = main.inner_text()
    assert re.search(r"トレーナーの採点: \d+ 点（自動採点は \d+ 点）", text), text[:1500]
    assert "最後まで落ち着いた声で対応できており" in text
    assert "出だしの声のトーンが落ち着いていて良いです。" in text
    assert main.get_by_role("button", name=re.compile("秒から再生")).count() >= 1
    shots(page, "attempt-trainer-verdict")
    click(page, main.get_by_role("button", name="わたしの成長に戻る"))
    main.get_by_role("heading", name="わたしの成長", level=1).wait_for()
    assert_no_exception(page)


def test_hr_declines_and_reopens_a_one_on_one(app, open_page):
    page = open_page(app, user="hr")
    go(page, "1on1 キュー")
    main = main_area(page)
    tanaka = entry(page, "田中 翔", has=page.get_by_test_id("stForm"))
    tanaka.wait_for()
    status = tanaka.get_by_test_id("stSelectbox").first  # the entry's first field: 状況
    status.locator("input").first.click()
    page.keyboard.type("辞退")
    page.keyboard.press("Enter")
    wait_ready(page)
    assert "辞退" in selected(page, "状況", scope=tanaka)
    click(page, tanaka.get_by_role("button", name="保存"))
    main.get_by_text("保存しました（田中 翔 さん：辞退）").wait_for()
    assert "「完了・辞退も表示」をオンにすると表示されます" in main.inner_text()
    click(page, main.get_by_test_id("stCheckbox").get_by_text("完了・辞退も表示", exact=True))
    closed = entry(page, "田中 翔", has=page.get_by_role("button", name="再開する"))
    click(page, closed.get_by_role("button", name="再開する"))
    main.get_by_text("田中 翔 さんの面談を再開しました").wait_for()
    reopened = entry(page, "田中 翔", has=page.get_by_test_id("stForm"))
    assert "未対応" in reopened.inner_text()
    shots(page, "hr-one-on-one-reopened")
