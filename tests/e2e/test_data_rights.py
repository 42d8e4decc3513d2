"""Data rights in the browser: a staff member downloads everything the product holds about them
from わたしのデータ and the archive opens (zip: README, JSON, CSV, audio); an admin erases a
person after a confirmation that names what goes and what stays, and the person can no longer
sign in."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.e2e.conftest import (
    assert_no_exception,
    click,
    go,
    main_area,
    select,
    shot,
)

pytestmark = pytest.mark.e2e
FIRST_START_MS = 600_000  # the first start seeds the demo (Whisper); slow on a busy machine


@pytest.fixture
def warm_app(app, chromium):
    """The app after its first start has finished (migrations, demo seeding), waited for
    with a long timeout once, so the journeys' own waits measure the pages."""
    context = chromium.new_context(base_url=app.url, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_test_id("stForm").wait_for(timeout=FIRST_START_MS)
    finally:
        context.close()
    return app


def test_staff_downloads_their_archive_and_it_opens(warm_app, open_page, tmp_path):
    app = warm_app
    page = open_page(app, user="sato")
    go(page, "わたしのデータ")
    main = main_area(page)
    main.get_by_text("保存しているデータ", exact=True).wait_for()
    text = main.inner_text()
    for kind in ("セルフチェックの回答（自由記述を含む）", "同意とその履歴", "保存期間"):
        assert kind in text, kind
    assert "同意を取り消したとき" in text and "締まった週" in text  # the withdrawal rule

    click(page, main.get_by_role("button", name="アーカイブを作成する"))
    button = main.get_by_test_id("stDownloadButton").first
    button.wait_for()
    assert_no_exception(page)
    with page.expect_download() as info:
        button.get_by_role("button").click()
    download = info.value
    assert download.suggested_filename.startswith("complaint-dojo-sato-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    shot(page, "data_rights_my_data")

    z = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    names = set(z.namelist())
    assert {"README.txt", "data.json", "csv/profile.csv", "csv/checkins.csv",
            "csv/consents.csv"} <= names
    readme = z.read("README.txt").decode("utf-8")
    assert readme.startswith("クレーム対応道場：あなたのデータ") and "Complaint Dojo: your data" in readme
    doc = json.loads(z.read("data.json"))
    assert doc["profile"]["username"] == "sato" and doc["profile"]["display_name"] == "佐藤 優子"
    assert "password_hash" not in doc["profile"]
    assert len(doc["records"]["checkins"]) >= 12  # the demo's 12 weeks and more
    assert {c["kind"] for c in doc["records"]["consents"]} >= {"wellbeing"}
    for rec in doc["records"]["recordings"]:  # every listed audio file is in the archive
        assert rec["file"] in names and z.read(rec["file"])[:4] in (b"RIFF", b"fLaC", b"OggS")
    checkins_csv = z.read("csv/checkins.csv")
    assert checkins_csv.startswith(b"\xef\xbb\xbf")  # Excel opens the Japanese text


def test_admin_erases_a_person_after_a_confirmation(warm_app, open_page):
    app = warm_app
    page = open_page(app, user="admin")
    go(page, "個人データの削除・訂正")
    main = main_area(page)
    select(page, "対象のユーザー", "木村 直樹")
    main.get_by_text("削除されるもの", exact=True).wait_for()
    text = main.inner_text()
    assert "残るもの" in text and "セルフチェックの回答" in text and "監査ログ" in text
    shot(page, "data_rights_confirm")
    form = main.get_by_test_id("stForm").filter(has_text="このユーザーのデータを削除する")

    form.get_by_label("確認のため、ユーザー名「kimura」を入力してください").fill("kimur")
    form.get_by_label("理由（例：本人からの削除依頼、受付日）").fill("本人の依頼（書面、12/1 受付）")
    click(page, form.get_by_role("button", name="このユーザーのデータを削除する"))
    main.get_by_text("確認のため、削除するユーザーのユーザー名を正確に入力してください。").wait_for()

    form.get_by_label("確認のため、ユーザー名「kimura」を入力してください").fill("kimura")
    form.get_by_label("理由（例：本人からの削除依頼、受付日）").fill("本人の依頼（書面、12/1 受付）")
    click(page, form.get_by_role("button", name="このユーザーのデータを削除する"))
    main.get_by_text("削除しました（削除の記録 #").wait_for()
    assert_no_exception(page)
    text = main.inner_text()
    assert "木村 直樹" not in text and "本人の依頼（書面、12/1 受付）" in text
    shot(page, "data_rights_erased")
    page.context.close()

    page = open_page(app)
    form = page.get_by_test_id("stForm")
    form.get_by_label("ユーザー名").fill("kimura")
    form.get_by_label("パスワード").fill("dojo-demo-2026")
    click(page, form.get_by_role("button", name="ログイン"))
    page.get_by_text("ユーザー名またはパスワードが正しくありません。").wait_for()
