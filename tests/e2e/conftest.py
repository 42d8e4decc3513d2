"""Browser journeys: the real app in a real Chromium, with a fake microphone.

Fixtures
- ``e2e_cache``   the suite's shared ``analysis_cache`` (tests/conftest.py; kept between runs,
                  ``$DOJO_TEST_CACHE``): the Whisper model assembled once by ``prepare-model``
                  and the customer voices the journeys hear, under a file lock (xdist workers).
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

import contextlib
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
def e2e_cache(analysis_cache) -> Path:
    """The Whisper model assembled once (``prepare-model``) into ``<cache>/models``; customer
    voices are shared through ``<cache>/voices`` (content-addressed, atomic writes)."""
    cache = Path(analysis_cache)
    (cache / "voices").mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    with _lock(cache / ".e2e-prepare.lock"):
        _fresh_output()
        env = _base_env(cache)
        done = subprocess.run(
            [str(VENV_BIN / "python"), "-m", "core.cli", "prepare-model"],
            cwd=APP_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"prepare-model failed:\n{done.stdout}\n{done.stderr}")
        # The customer voices the journeys hear: see PRERENDER.
        done = subprocess.run(
            [str(VENV_BIN / "python"), "-c", PRERENDER, VOICE_SCENARIO],
            cwd=APP_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"rendering the customer voices failed:\n{done.stdout}\n{done.stderr}")
    return cache


VOICE_SCENARIO = "late_delivery"
# The practice page renders the shown scenario's line on load: the first of the list (easiest
# first, then id) on arrival, then the journey's scenario and the turns its start branches to.
PRERENDER = """
import sys
from core.config import get_settings
from services.catalogue import catalogue as load_catalogue
from scenarios.voice import render_turn
cache = get_settings().voice_cache_dir
catalogue = load_catalogue()
first = min(catalogue, key=lambda s: (s.difficulty, s.id))
render_turn(first, first.turn(first.start), cache)
journey = catalogue[sys.argv[1]]
start = journey.turn(journey.start)
for turn_id in [start.id, *[b.goto for b in start.branches if b.goto]]:
    render_turn(journey, journey.turn(turn_id), cache)
"""


def _fresh_output() -> None:
    """Drop the failure screenshots and server logs of earlier runs (once per run, whichever
    xdist worker comes first; the journeys' own screenshots are simply overwritten)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    marker = OUT / ".run"
    if marker.exists() and marker.read_text() == run:
        return
    for old in [*OUT.glob("FAILED-*.png"), *OUT.glob("server-*.log")]:
        old.unlink(missing_ok=True)
    marker.write_text(run)


def _base_env(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOJO_")}
    env.update(
        DOJO_DATA_DIR=str(data_dir),
        DOJO_DATABASE_URL=database_url,
        DOJO_DEMO_MODE="true",
        DOJO_DEMO_PASSWORD=DEMO_PASSWORD,
        DOJO_DEFAULT_LANGUAGE="ja",
        DOJO_SSO_ENABLED="false",
        # The journeys analyse in the web process as before (tests/e2e/test_jobs.py runs the
        # app with its background worker: env_extra DOJO_QUEUE_URL="").
        DOJO_QUEUE_URL="immediate",
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


def _start_app(name: str, data_dir: Path, cache: Path, database_url: str = "", *,
               script: str = "streamlit_app.py", env_extra: dict | None = None) -> AppServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    # The fresh data directory borrows the shared caches (model assembled once, voices once).
    for sub in ("models", "voices"):
        link = data_dir / sub
        if not link.exists():
            link.symlink_to(cache / sub, target_is_directory=True)
    port = _free_port()
    log = OUT / f"server-{name}-{os.getpid()}.log"
    env = _base_env(data_dir, database_url) | (env_extra or {})
    with open(log, "wb") as out:
        # The backgrounded command is streamlit itself (cwd=ROOT, no shell), so the PID is its;
        # a new session makes it a process-group leader, so the whole group can be stopped.
        process = subprocess.Popen(
            [
                str(VENV_BIN / "streamlit"),
                "run",
                script,  # app.py: the st.App with the login-cookie routes (make run)
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.fileWatcherType",
                "none",  # others edit the tree while we run
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=APP_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
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
            raise RuntimeError(
                f"streamlit not healthy after {START_TIMEOUT}s:\n{server.log_tail()}"
            )
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
        server = _start_app(
            "postgresql",
            tmp_path_factory.mktemp("app-pg"),
            e2e_cache,
            database_url=f"{PG_SERVER}/{name}",
        )
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
                    pg.screenshot(
                        path=str(OUT / f"FAILED-{_safe(request.node.name)}-{i}{j}.png"),
                        full_page=True,
                    )
                except Exception as e:  # noqa: BLE001
                    print(f"no failure screenshot: {e}")
        with contextlib.suppress(Exception):  # already closed by the journey
            context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


# --------------------------------------------------------------------------- helpers


_READY = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    const state = app.getAttribute('data-test-script-state');
    const main = document.querySelector('[data-testid="stMain"]');
    // Widgets whose code is still loading show a skeleton placeholder.
    const loading = main && main.querySelector('[data-testid="stSkeleton"]');
    return state === 'notRunning' && main && main.innerText.trim().length > 0 && !loading;
}"""


def wait_ready(page, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until Streamlit has rendered and finished its script runs (also the run that an
    ``st.rerun()`` starts right after: the idle state must hold for a moment)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    for _ in range(20):
        page.wait_for_function(_READY, timeout=timeout)
        page.wait_for_timeout(250)
        if page.evaluate(_READY):
            return


_WATCH_RUN = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__e2eRan = false;
    if (window.__e2eObs) window.__e2eObs.disconnect();
    window.__e2eObs = new MutationObserver(() => { window.__e2eRan = true; });
    window.__e2eObs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def click(page, target, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Click ``target`` (a locator) and wait for the script run it causes to finish."""
    page.evaluate(_WATCH_RUN)
    target.click()
    page.wait_for_function("() => window.__e2eRan === true", timeout=timeout)
    wait_ready(page, timeout=timeout)


def watch_texts(page, texts: list[str]) -> None:
    """Note which of ``texts`` appear on the page from now on, however briefly (progress
    messages vanish when the run ends); read with ``seen_texts``."""
    page.evaluate(
        """(texts) => {
            window.__e2eSeen = new Set();
            clearInterval(window.__e2eTimer);
            window.__e2eTimer = setInterval(() => {
                const t = document.body.innerText;
                for (const x of texts) if (t.includes(x)) window.__e2eSeen.add(x);
            }, 50);
        }""",
        texts,
    )


def seen_texts(page) -> set[str]:
    return set(page.evaluate("() => [...(window.__e2eSeen || [])]"))


def selected(page, label: str, *, scope=None) -> str:
    """The shown value of the selectbox labelled ``label``."""
    scope = scope or main_area(page)
    box = scope.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).first
    return box.evaluate(
        """el => { const v = el.querySelector('[data-baseweb="select"] [title], input');
                   return (v && (v.getAttribute('title') || v.value)) || el.innerText; }"""
    )


def assert_no_exception(page) -> None:
    exc = page.get_by_test_id("stException")
    if exc.count():
        raise AssertionError("the page shows an exception:\n" + exc.first.inner_text()[:2000])


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    form = page.get_by_test_id("stForm")
    form.get_by_label("ユーザー名").fill(username)
    form.get_by_label("パスワード").fill(password)
    click(page, form.get_by_role("button", name="ログイン"), timeout=START_TIMEOUT * 1000)
    page.get_by_test_id("stSidebar").get_by_text("でログイン中").wait_for(
        timeout=START_TIMEOUT * 1000
    )
    wait_ready(page, timeout=START_TIMEOUT * 1000)
    assert_no_exception(page)


def logout(page) -> None:
    page.get_by_test_id("stSidebar").get_by_role("button", name="ログアウト").click()
    page.get_by_test_id("stForm").wait_for()


def menu_links(page):
    """The sidebar menu's links: Streamlit's own nav (stSidebarNav) or, when the router draws
    the menu itself, its st.page_link links (stPageLink)."""
    sidebar = page.get_by_test_id("stSidebar")
    return sidebar.locator(
        '[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"], '
        '[data-testid="stPageLink"] a'
    )


def nav_titles(page) -> list[str]:
    links = menu_links(page)
    links.first.wait_for()
    # A link's text is "<material icon name>\n\n<title>": keep the title.
    return [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts()]


def go(page, title: str) -> None:
    """Open a page through the sidebar menu (same session)."""
    click(page, menu_links(page).filter(has_text=title).first)
    assert_no_exception(page)
    main_area(page).get_by_role("heading", name=title, level=1).wait_for()


def shot(page, name: str) -> Path:
    """A screenshot of the whole page. Streamlit scrolls inside its main area, so the viewport
    is made as tall as the content for the picture."""
    path = OUT / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll(
            '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"]'
        )].map(e => e.scrollHeight), 0)"""
    )
    page.set_viewport_size(
        {"width": size["width"], "height": max(size["height"], min(height + 80, 8000))}
    )
    page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def main_area(page):
    return page.get_by_test_id("stMain")


def select(page, label: str, option: str, *, scope=None) -> None:
    """Choose the option containing ``option`` in the selectbox labelled ``label`` (nothing to
    do when it is already chosen: Streamlit does not rerun then)."""
    scope = scope or main_area(page)
    if option in selected(page, label, scope=scope):
        return
    box = scope.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    box.first.locator("input").first.click()
    click(page, page.get_by_role("option").filter(has_text=option).first)


def record(page, seconds: float = 6.0, *, scope=None) -> None:
    """Record ``seconds`` from the fake microphone with the st.audio_input in ``scope``."""
    scope = scope or main_area(page)
    widget = scope.get_by_test_id("stAudioInput").first
    widget.get_by_role("button", name="Record", exact=True).click()
    widget.get_by_role("button", name="Stop recording", exact=True).wait_for()
    page.wait_for_timeout(int(seconds * 1000))
    # The recording is uploaded and the script reruns with it.
    click(page, widget.get_by_role("button", name="Stop recording", exact=True))
    widget.get_by_role("button", name="Record", exact=True).wait_for()
