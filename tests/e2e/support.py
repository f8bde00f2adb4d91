"""End-to-end support: the real app served by `microreach serve` on a fresh database seeded by
`microreach demo`, the system Chromium driven by Playwright, and the page-quality checks
(axe-core, horizontal overflow, screenshots).

Nothing here downloads anything: Playwright drives /usr/bin/chromium (Debian's package, which
.ci/run installs) and axe-core is vendored in tests/e2e/vendor.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
VENDOR = Path(__file__).with_name("vendor")
MICROREACH = Path(sys.executable).with_name("microreach")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots and other artifacts of a run; test-artifacts/ is ignored by git.
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", ROOT / "test-artifacts" / "e2e"))
DEMO_CREATORS = 60
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# A visitor's phone: the redirect counts clicks of headless browsers as bots, as it should.
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
SERIOUS = {"serious", "critical"}
# Generous: on a loaded two-core machine importing the app alone can take half a minute.
READY_SECONDS = 180
ACTION_TIMEOUT_MS = 90_000


def htmx_settled(page: Any) -> None:
    """Waits until htmx has swapped in every response it asked for (it marks the elements of a
    request in flight or a swap in progress with these classes)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def new_context(browser: Any, **options: Any) -> Any:
    """A browser context (its own cookies) whose actions and navigations wait up to 90 s."""
    context = browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context


def chromium_path() -> str | None:
    """The system Chromium, or None when it is not installed."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveApp:
    """A running `microreach serve` and the database it serves."""

    url: str
    database_url: str
    env: dict[str, str]

    def path(self, path: str) -> str:
        return self.url + path


@contextmanager
def fresh_database(tmp: Path, test_database_url: str) -> Iterator[str]:
    """A database no other process uses: a SQLite file in ``tmp``, or on PostgreSQL a uniquely
    named database next to the test database (the server, a subprocess, cannot see the test
    fixture's uncommitted transaction), dropped afterwards."""
    if not test_database_url:
        yield f"sqlite:///{tmp / 'e2e.db'}"
        return
    name = f"mr_e2e_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(test_database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(test_database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def app_env(data_dir: Path, database_url: str, port: int) -> dict[str, str]:
    """The server's environment: this machine's, without the caller's microreach settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
    env.update(
        {
            "MICROREACH_ENV": "development",
            "MICROREACH_DATA_DIR": str(data_dir),
            "MICROREACH_DATABASE_URL": database_url,
            "MICROREACH_HOST": "127.0.0.1",
            "MICROREACH_PORT": str(port),
            "MICROREACH_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "MICROREACH_LOG_LEVEL": "warning",
            # Tracked links in the journey point back at this server.
            "MICROREACH_DESTINATION_ALLOW_PRIVATE": "true",
            "MICROREACH_DESTINATION_CHECK_DNS": "false",
            "MICROREACH_LINK_CACHE_CHECK_MS": "0",
            "COLUMNS": "200",
        }
    )
    return env


@contextmanager
def live_app(tmp: Path, test_database_url: str) -> Iterator[LiveApp]:
    """Seed a fresh database as `microreach demo` does (migrate, generate, score, index, the demo
    login), then serve it with `microreach serve` until the block ends."""
    with fresh_database(tmp, test_database_url) as database_url:
        port = free_port()
        env = app_env(tmp / "data", database_url, port)
        seed = subprocess.run(
            [str(MICROREACH), "demo", "--creators", str(DEMO_CREATORS), "--no-serve"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert seed.returncode == 0, seed.stderr
        log = (tmp / "serve.log").open("w")
        server = subprocess.Popen(
            [str(MICROREACH), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            app = LiveApp(f"http://127.0.0.1:{port}", database_url, env)
            _wait_until_ready(app, server, tmp / "serve.log")
            yield app
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def _wait_until_ready(app: LiveApp, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"microreach serve exited: {log.read_text()}")
        try:
            if httpx.get(app.path("/readyz"), timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(
        f"microreach serve was not ready within {READY_SECONDS} s: {log.read_text()}"
    )


@dataclass
class Quality:
    """Page-quality findings gathered along a journey, asserted once at its end."""

    directory: Path
    violations: list[str] = field(default_factory=list)
    overflows: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    def check(self, page: Any, name: str, *, phone: bool = False, top: int = 0) -> None:
        """Screenshot ``page`` as ``name``.png (and its first ``top`` pixels as
        ``name``-top.png, for long pages), run axe-core on it and, at phone width, check that
        nothing makes the page scroll sideways."""
        page.wait_for_load_state("load")
        shot = self.directory / f"{name}.png"
        _screenshot(page, path=str(shot), full_page=True)
        self.shots.append(shot)
        if top:
            width = page.viewport_size["width"]
            clip = {"x": 0, "y": 0, "width": width, "height": top}
            head = self.directory / f"{name}-top.png"
            _screenshot(page, path=str(head), full_page=True, clip=clip)
            self.shots.append(head)
        self.violations += [f"{name} ({page.url}): {v}" for v in axe_violations(page)]
        if phone:
            wide = page.evaluate(OVERFLOW_JS)
            if wide:
                self.overflows.append(f"{name} ({page.url}) is wider than the phone: {wide}")

    def assert_clean(self) -> None:
        problems = self.violations + self.overflows
        assert not problems, "\n".join(problems)


AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""
# The document's width beyond the viewport, and the widest elements that cause it.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => !e.closest(".table-wrap"))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  return {scrollWidth: document.documentElement.scrollWidth, width, elements: wide};
}"""


def axe_violations(page: Any) -> list[str]:
    """Serious and critical axe-core violations of the page (WCAG rules and best practices)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP does not apply.
        page.evaluate((VENDOR / "axe.min.js").read_text(encoding="utf-8"))
    found = page.evaluate(AXE_RUN_JS)
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {', '.join(v['targets'])}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def _screenshot(page: Any, **options: Any) -> None:
    """``page.screenshot``, tried again (three times in all) when Chromium answers "Unable to
    capture screenshot": its compositor sometimes has no frame ready on a loaded machine (seen
    once in CI with both suites running side by side); any other error is raised at once."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        try:
            page.screenshot(**options)
            return
        except PlaywrightError as exc:
            if "Unable to capture screenshot" not in str(exc) or attempt == 2:
                raise
            page.wait_for_timeout(250)
