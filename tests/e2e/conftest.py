"""Browser journeys: the real app in a real Chromium, with a fake microphone.

Fixtures
- ``e2e_cache``   a folder that outlives the session (``test-output/e2e-cache``, or
                  ``$DOJO_E2E_CACHE``): the assembled Whisper model and the customer voices, so
                  they are built once for every run and every xdist worker (file lock).
- ``app``         the app on SQLite: ``streamlit run streamlit_app.py`` started from the repo root
                  on a free port with a fresh data directory and DOJO_DEMO_MODE=true; waits for
                  ``/_stcore/health``; stopped by its PID (process group) at the end.
- ``app_pg``      the same on a fresh PostgreSQL database (dropped afterwards).
- ``any_app``     parametrised: once ``sqlite``, once ``postgresql``.
- ``browser``-ish: ``chromium`` (session) launches Debian's /usr/bin/chromium with the fake
                  microphone playing ``tests/data/answer_apology.wav``; ``open_page`` gives a new
                  context (ja-JP, microphone allowed) and page, optionally logged in.

Every test here is marked ``e2e``. Screenshots go to ``test-output/e2e/``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The app is run from here (default: this work tree). Set DOJO_E2E_APP_ROOT to a snapshot, e.g.
# ``git archive HEAD | tar -x -C /tmp/snap``, to test only what is committed.
APP_ROOT = Path(os.environ.get("DOJO_E2E_APP_ROOT") or ROOT).resolve()
VENV_BIN = Path(sys.executable).parent
OUT = ROOT / "test-output" / "e2e"
CACHE = Path(os.environ.get("DOJO_E2E_CACHE") or ROOT / "test-output" / "e2e-cache")
MIC_WAV = ROOT / "tests" / "data" / "answer_apology.wav"
CHROMIUM = os.environ.get("DOJO_E2E_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "dojo-demo-2026"
START_TIMEOUT = 90.0  # s: first start migrates and seeds the demo data
DEFAULT_TIMEOUT_MS = 20_000

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    f"--use-file-for-fake-audio-capture={MIC_WAV}",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


# --------------------------------------------------------------------------- shared cache


def _lock(path: Path):
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path))


@pytest.fixture(scope="session")
def e2e_cache() -> Path:
    """The Whisper model assembled once (``prepare-model``) into ``<cache>/models``; customer
    voices are shared through ``<cache>/voices`` (content-addressed, atomic writes)."""
    (CACHE / "voices").mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    with _lock(CACHE / ".prepare.lock"):
        env = _base_env(CACHE)
        done = subprocess.run(
            [str(VENV_BIN / "python"), "-m", "core.cli", "prepare-model"],
            cwd=APP_ROOT, env=env, capture_output=True, text=True, timeout=600,
        )
        if done.returncode != 0:
            pytest.fail(f"prepare-model failed:\n{done.stdout}\n{done.stderr}")
    return CACHE


def _base_env(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOJO_")}
    env.update(
        DOJO_DATA_DIR=str(data_dir),
        DOJO_DATABASE_URL=database_url,
        DOJO_DEMO_MODE="true",
        DOJO_DEMO_PASSWORD=DEMO_PASSWORD,
        DOJO_DEFAULT_LANGUAGE="ja",
        DOJO_SSO_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    return env


# --------------------------------------------------------------------------- the app server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    name: str
    url: str
    process: subprocess.Popen
    data_dir: Path
    log: Path
    database_url: str = ""
    memo: dict = field(default_factory=dict)  # per-server results shared by journeys

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _start_app(name: str, data_dir: Path, cache: Path, database_url: str = "") -> AppServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    # The fresh data directory borrows the shared caches (model assembled once, voices once).
    for sub in ("models", "voices"):
        link = data_dir / sub
        if not link.exists():
            link.symlink_to(cache / sub, target_is_directory=True)
    port = _free_port()
    log = OUT / f"server-{name}-{os.getpid()}.log"
    env = _base_env(data_dir, database_url)
    with open(log, "wb") as out:
        # The backgrounded command is streamlit itself (cwd=ROOT, no shell), so the PID is its;
        # a new session makes it a process-group leader, so the whole group can be stopped.
        process = subprocess.Popen(
            [
                str(VENV_BIN / "streamlit"), "run", "streamlit_app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.fileWatcherType", "none",  # others edit the tree while we run
                "--browser.gatherUsageStats", "false",
            ],
            cwd=APP_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = AppServer(name, f"http://127.0.0.1:{port}", process, data_dir, log, database_url)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited ({process.returncode}):\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            _stop_app(server)
            raise RuntimeError(f"streamlit not healthy after {START_TIMEOUT}s:\n{server.log_tail()}")
        time.sleep(0.25)


def _stop_app(server: AppServer) -> None:
    pid = server.process.pid
    if server.process.poll() is not None:
        return
    try:
        os.killpg(pid, signal.SIGTERM)  # pgid == pid (start_new_session)
    except ProcessLookupError:
        return
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.process.wait(timeout=5)


@pytest.fixture(scope="session")
def app(e2e_cache, tmp_path_factory) -> Iterator[AppServer]:
    server = _start_app("sqlite", tmp_path_factory.mktemp("app-sqlite"), e2e_cache)
    yield server
    _stop_app(server)


@pytest.fixture(scope="session")
def app_pg(e2e_cache, tmp_path_factory) -> Iterator[AppServer]:
    from sqlalchemy import create_engine, text

    from tests.conftest import PG_ADMIN_DB, PG_SERVER

    admin = create_engine(f"{PG_SERVER}/{PG_ADMIN_DB}", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text("select 1"))
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required for these tests and is not reachable: {e}")
    name = f"dojo_e2e_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        server = _start_app("postgresql", tmp_path_factory.mktemp("app-pg"), e2e_cache,
                            database_url=f"{PG_SERVER}/{name}")
        try:
            yield server
        finally:
            _stop_app(server)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request) -> AppServer:
    return request.getfixturevalue("app" if request.param == "sqlite" else "app_pg")


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if not MIC_WAV.exists():
        pytest.fail(f"{MIC_WAV} is missing (the fake microphone would record silence)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, request) -> Iterator[Callable]:
    """``open_page(server, user=None, path="/")`` → a Playwright page in a fresh context
    (its own Streamlit session), logged in through the login form when ``user`` is given."""
    contexts = []

    def make(server: AppServer, user: str | None = None, path: str = "/"):
        context = chromium.new_context(
            base_url=server.url,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            permissions=["microphone"],
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append((context, server))
        page = context.new_page()
        page.goto(path)
        wait_ready(page, timeout=START_TIMEOUT * 1000)
        if user is not None:
            login(page, user)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    for i, (context, server) in enumerate(contexts):
        if failed is not None and failed.failed:
            for j, pg in enumerate(context.pages):
                try:
                    pg.screenshot(path=str(OUT / f"FAILED-{_safe(request.node.name)}-{i}{j}.png"),
                                  full_page=True)
                except Exception:  # noqa: BLE001
                    pass
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


# --------------------------------------------------------------------------- helpers


def wait_ready(page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until Streamlit has rendered and finished the current script run."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app) return false;
            const state = app.getAttribute('data-test-script-state');
            const main = document.querySelector('[data-testid="stMain"]');
            return state === 'notRunning' && main && main.innerText.trim().length > 0;
        }""",
        timeout=timeout,
    )


def assert_no_exception(page) -> None:
    exc = page.get_by_test_id("stException")
    if exc.count():
        raise AssertionError("the page shows an exception:\n" + exc.first.inner_text()[:2000])


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    form = page.get_by_test_id("stForm")
    form.get_by_label("ユーザー名").fill(username)
    form.get_by_label("パスワード").fill(password)
    form.get_by_role("button", name="ログイン").click()
    page.get_by_test_id("stSidebarNav").wait_for()
    wait_ready(page)


def logout(page) -> None:
    page.get_by_test_id("stSidebar").get_by_role("button", name="ログアウト").click()
    page.get_by_test_id("stForm").wait_for()


def nav_titles(page) -> list[str]:
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for()
    links = nav.locator('[data-testid="stSidebarNavLink"]')
    # A link's text is "<material icon name>\n\n<title>": keep the title.
    return [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts()]


def go(page, title: str) -> None:
    """Open a page through the sidebar menu (same session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    wait_ready(page)
    assert_no_exception(page)
    page.get_by_test_id("stMain").get_by_role("heading", name=title, level=1).wait_for()


def shot(page, name: str) -> Path:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
