"""AppTest (issue 13 item 7): Streamlit's drop zone speaks English and cannot be translated, so
the answer upload carries the app's own help in the UI's language and the app's size limit."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from services.practice import MAX_UPLOAD_BYTES
from tests.conftest import ROOT
from ui.shell import SESSION_LANG


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_answer_upload_has_help_and_the_apps_limit(make_user, lang):
    staff = make_user("sato", team="東京")
    at = AppTest.from_file(str(ROOT / "app_pages" / "practice.py"), default_timeout=60)
    at.session_state["user_id"] = staff.id
    at.session_state[SESSION_LANG] = lang
    at.run()
    assert not at.exception, at.exception
    uploads = at.get("file_uploader")
    assert uploads, "the practice page offers an upload"
    proto = uploads[0].proto
    mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    assert proto.help == t("upload.audio_help", lang, mb=mb)
    assert proto.max_upload_size_mb == mb
    assert (ROOT / ".streamlit" / "config.toml").read_text("utf-8").count(f"maxUploadSize = {mb}")
