"""Issue 11, items 4 and 10 (exposure): no tracebacks in the browser outside development, a
Japanese error page with an error id (traceback in the server log), ``make run`` on 127.0.0.1
unless a setting opens it, and the demo password shown only on this computer."""

from __future__ import annotations

import logging
import re
import subprocess
import tomllib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.safety import is_local_address

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_config_hides_error_details():
    """Before: showErrorDetails at its default showed a psycopg.DataError with the SQL."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def _page_that_fails():
    import streamlit as st

    from ui.safety import run_guarded

    def page():
        st.write("before")
        raise RuntimeError("SELECT secret FROM user WHERE password = 'x' -- /srv/app/core/db.py")

    run_guarded(page, friendly=True, lang="ja")


def test_a_failing_page_shows_a_japanese_message_with_an_error_id(app_env, caplog):
    at = AppTest.from_function(_page_that_fails, default_timeout=30)
    with caplog.at_level(logging.ERROR, logger="dojo.errors"):
        at.run()
    assert not at.exception  # no traceback element reaches the browser
    (error,) = at.error
    assert "問題が起きました" in error.value
    error_id = re.search(r"「([0-9A-F]{8})」", error.value).group(1)
    shown = " ".join(str(e.value) for e in (*at.markdown, *at.error))
    assert "SELECT" not in shown and "db.py" not in shown
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info and "SELECT secret" in str(logged[0].exc_info[1])


def test_run_script_binds_to_localhost_unless_the_setting_opens_it(tmp_path):
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert '--server.address "$BIND"' in script and "bind_address" in script
    probe = ("from core.config import get_settings as g; s = g()\n"
             "print(s.bind_address, 'full' if s.environment == 'development' else 'none')")
    python = str(ROOT / ".venv" / "bin" / "python")

    def run(**env: str) -> str:
        import os

        full = {k: v for k, v in os.environ.items() if not k.startswith("DOJO_")} | env
        out = subprocess.run([python, "-c", probe], cwd=tmp_path, env=full | {
            "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
        return out.stdout.strip()

    assert run() == "127.0.0.1 none"
    assert run(DOJO_BIND_ADDRESS="0.0.0.0", DOJO_ENVIRONMENT="development") == "0.0.0.0 full"


def test_only_a_visitor_on_this_computer_counts_as_local():
    assert is_local_address(None)
    assert is_local_address("127.0.0.1") and is_local_address("::1")
    assert not is_local_address("192.168.1.20")
    assert not is_local_address(None, {"X-Forwarded-For": "203.0.113.5"})  # via a proxy


def test_demo_password_is_not_shown_outside_demo_mode(app_test, make_user):
    at = app_test()
    text = " ".join(str(e.value) for e in (*at.info, *at.markdown, *at.caption))
    assert "dojo-demo-2026" not in text
