"""The dashboard in a real browser: Debian's chromium, driven by Playwright, against
`tenure serve` (a real process on a free port of 127.0.0.1) on a private copy of the scored
sample company.

Never `playwright install` (it downloads a browser): `make test` installs Debian's chromium
(scripts/system-deps.sh). Without it these tests fail, unless TENURE_SKIP_BROWSER=1 asks to
skip them. Screenshots land in test-artifacts/browser/ (or $TENURE_TEST_ARTIFACTS/browser),
as the QBR test's PDF pages land in .../qbr.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tests.health.test_cli_health import make_demo
from tests.test_cli import TENURE
from tests.workspaces import Workspace, shared_workspace

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page

SKIP_ENV = "TENURE_SKIP_BROWSER"
# Headless, as root (hence no sandbox), in a container with a small /dev/shm, and with no
# traffic of the browser's own (only 127.0.0.1 is reachable anyway).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--no-first-run", "--disable-extensions", "--disable-sync",
                 "--disable-component-update", "--disable-default-apps"]
TIMEOUT_MS = 15_000  # for every Playwright wait; a page of the sample renders in well under 1 s


def artifacts_dir() -> Path:
    """Where the screenshots go: $TENURE_TEST_ARTIFACTS/browser or test-artifacts/browser."""
    root = os.environ.get("TENURE_TEST_ARTIFACTS")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / "test-artifacts"
    return base / "browser"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium; its absence fails the tests (make test installs it)."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: browser tests skipped on request")
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it "
                    "(scripts/system-deps.sh), or `apt-get install chromium`; set "
                    f"{SKIP_ENV}=1 to skip the browser tests. Never `playwright install`.",
                    pytrace=False)
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -c constraints.txt -e '.[dev]'",
                    pytrace=False)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True,
                               args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The sample company the health tests build (same key, same build: one build a run)."""
    return shared_workspace(tmp_path_factory, "health-demo", make_demo)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def serving(home: Path, log: Path, *, attempts: int = 3) -> Iterator[str]:
    """`tenure serve` on ``home`` (a real process), until the block ends; its base URL.

    The port is a free one found just before; should another process take it in between,
    the server exits and a new port is tried."""
    for _ in range(attempts):
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("w", encoding="utf-8") as fh:
            proc = subprocess.Popen(
                [TENURE, "serve", "--home", str(home), "--host", "127.0.0.1",
                 "--port", str(port)],
                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                if _answers(f"{base}/login"):
                    break
                time.sleep(0.1)
            else:
                if proc.poll() is None:
                    raise AssertionError(f"tenure serve did not answer within 60 s:\n"
                                         f"{log.read_text(encoding='utf-8')}")
                if "address already in use" in log.read_text(encoding="utf-8").lower():
                    continue
                raise AssertionError(f"tenure serve exited ({proc.returncode}):\n"
                                     f"{log.read_text(encoding='utf-8')}")
            yield base
            return
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    raise AssertionError(f"no free port for tenure serve after {attempts} attempts")


@dataclass
class Watch:
    """What went wrong in the browser: console errors, uncaught exceptions and
    Content-Security-Policy violations (each with the page it happened on)."""

    problems: list[str] = field(default_factory=list)

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.problems.append(f"console error on {msg.location.get('url')}: {msg.text}")

    def page_error(self, page: Page, exc: Error) -> None:
        self.problems.append(f"uncaught exception on {page.url}: {exc}")

    def csp(self, source: Any, report: dict[str, Any]) -> None:
        self.problems.append(f"CSP violation on {report.get('page')}: {report}")


# Reported through a binding, which (like the init script itself) the page's CSP does not
# govern: the page cannot swallow its own violations.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__tenureCsp({page: location.href, directive: e.violatedDirective,
                      blocked: e.blockedURI, sample: e.sample,
                      source: e.sourceFile + ":" + e.lineNumber});
});
"""


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, Watch]]:
    """A fresh browser context (no cookies) and its page, watched for errors."""
    watch = Watch()
    context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900},
                                                  locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    context.expose_binding("__tenureCsp", watch.csp)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", lambda exc: watch.page_error(page, exc))
    try:
        yield page, watch
    finally:
        context.close()
