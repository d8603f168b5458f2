"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Run with ``ORION_TEST_DB=test_orion_e2e pytest tests/e2e``. Never ``playwright install``:
the tests use ``/usr/bin/chromium``.

Tests that follow an order into BroadWorks also ask for ``broadworks`` (the OCI-P emulator,
in-process, holding the demo enterprises) and ``worker`` (a real ``orion worker`` process
against the live server's test database); the other browser tests start neither.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from pytest_django.live_server_helper import LiveServer

from orion.broadworks import BroadWorksClient, ocip_request
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.emulator.server import EmulatorServer
from tests.workers import worker_env

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = REPO_ROOT / "test-results" / "e2e"
CHROMIUM = os.environ.get("ORION_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DEFAULT_TIMEOUT_MS = 10_000

DEMO_PASSWORDS = {"agent": "agent-demo-password", "agent2": "agent2-demo-password",
                  "ops": "ops-demo-password"}


class _SharedChromium:
    """One Chromium for the whole test session, started by the first browser test.

    Playwright's sync API keeps an asyncio loop *running* in the main thread while it is
    started, which breaks any later test that calls ``asyncio.run()`` (pytest-django runs
    the non-database tests after the live-server ones). So the browser is shared like a
    session fixture but stopped as soon as no further test needs it.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._browser is None:
            if not Path(CHROMIUM).exists():
                pytest.skip(f"Chromium not found at {CHROMIUM}")
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        return self._browser

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None


_chromium = _SharedChromium()

# While Chromium runs, Playwright's asyncio loop runs in this thread and Django's ORM would
# refuse the test's own queries ("You cannot call this from an async context"). The variable
# is set only for browser tests, never process-wide: ``orion check --deploy`` (run as a
# subprocess by tests/core/test_cli.py) rightly fails when it finds it in the environment.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
_async_unsafe_set_here = False


def pytest_runtest_setup(item: pytest.Item) -> None:
    global _async_unsafe_set_here
    if "browser" in getattr(item, "fixturenames", ()) and ASYNC_UNSAFE not in os.environ:
        os.environ[ASYNC_UNSAFE] = "true"
        _async_unsafe_set_here = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a browser test's own fixtures are torn down, stop Chromium if the next test
    does not use it (the next browser test starts it again)."""
    try:
        return (yield)
    finally:
        if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
            _chromium.stop()
            _forget_async_unsafe()


def _forget_async_unsafe() -> None:
    global _async_unsafe_set_here
    if _async_unsafe_set_here:
        os.environ.pop(ASYNC_UNSAFE, None)
        _async_unsafe_set_here = False


@pytest.fixture
def browser() -> Browser:
    """The session's shared headless Chromium (Debian's, never a downloaded one): started
    once, reused by every browser test, stopped after the last of them."""
    return _chromium.get()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _chromium.stop()
    _forget_async_unsafe()


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    """The catalog and the demo partners, users and accounts, committed so that the live
    server's thread sees them (``transactional_db`` flushes them after each test)."""
    from orion.catalog.services import catalog_load
    from orion.demo.accounts import demo_load

    catalog_load()
    demo_load()


@pytest.fixture
def base_url(live_server: LiveServer, demo_data: None) -> str:
    return str(live_server.url)


@pytest.fixture
def js_errors() -> list[str]:
    """Uncaught JavaScript errors of the test's page; the walk-through expects none."""
    return []


@pytest.fixture
def page(browser: Browser, base_url: str, js_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url,
                                  locale="en-US", timezone_id="America/New_York")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    pg = context.new_page()
    pg.on("pageerror", lambda exc: js_errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``shot(page, "step")`` saves ``test-results/e2e/<test>/NN-step.png`` and returns it."""
    folder = RESULTS_DIR / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(pg: Page, step: str, *, full_page: bool = False) -> Path:
        path = folder / f"{next(counter):02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', step)}.png"
        pg.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def login(page: Page) -> Callable[..., None]:
    """Log in through the real login form as one of the demo users."""

    def do(username: str, password: str | None = None) -> None:
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password or DEMO_PASSWORDS[username])
        with page.expect_navigation():
            page.click("main form[action='/login/'] button[type=submit]")
        page.wait_for_selector(f"header .who:has-text('{username}')")

    return do


# --- BroadWorks and the provisioning worker ----------------------------------------------

ORION = str(Path(sys.executable).with_name("orion"))


@pytest.fixture
def broadworks(emulator: EmulatorServer, bw_config: BroadWorksConfig,
               demo_data: None) -> EmulatorServer:
    """The emulator holding the demo enterprises, as production's BroadWorks does.

    The demo data creates enterprises in Orion without an order, so nothing ever provisioned
    them: without this, an order for a new customer of "Acme Corporation" rightly fails
    ("Enterprise ... does not exist in BroadWorks"). Their groups are not created: the
    tests here only add new customers.
    """
    from orion.accounts.models import Enterprise

    requests = [
        ocip_request("ServiceProviderAddRequest13mp2",
                     service_provider_id=enterprise.bw_service_provider_id,
                     default_domain=settings.ORION_BROADWORKS_SYSTEM_DOMAIN,
                     is_enterprise=True, service_provider_name=enterprise.name[:80])
        for enterprise in Enterprise.objects.order_by("pk")]
    with BroadWorksClient(bw_config) as bw:
        bw.batch_or_raise(requests)
    return emulator


class Worker:
    """One ``orion worker`` process against the test database and the emulator.

    Not started by the fixture: a test starts it when it wants orders to be provisioned
    (the walk-through first checks the saved order while it still waits for a worker).
    """

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        if self.process is None:
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(
                    [ORION, "worker", "--concurrency", "2", "--name", "e2e"], env=self.env,
                    stdout=out, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        """SIGTERM, as in production: the worker finishes its jobs and leaves."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def output(self, chars: int = 3000) -> str:
        """The end of the worker's output, for assertion messages."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _worker_env(emulator: EmulatorServer) -> dict[str, str]:
    return worker_env(host=emulator.host, port=emulator.port, command_timeout=3,
                      max_attempts=5, stalled_seconds=5, drop=(ASYNC_UNSAFE,))


@pytest.fixture
def worker(broadworks: EmulatorServer, base_url: str,
           request: pytest.FixtureRequest) -> Iterator[Worker]:
    """A real ``orion worker`` (call ``.start()``), stopped with SIGTERM after the test.

    Jobs left in the queue by earlier tests (their orders are flushed) are deleted first, so
    the worker only sees this test's orders. Its output is kept in
    ``test-results/e2e/<test>/worker.log``.
    """
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    folder = RESULTS_DIR / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "worker.log"
    log.unlink(missing_ok=True)
    handle = Worker(_worker_env(broadworks), log)
    try:
        yield handle
    finally:
        handle.stop()
