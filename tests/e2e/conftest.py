"""End-to-end fixtures: one served app and the system Chromium for the session.

Every test here is marked ``e2e``; all of them skip, saying why, when Chromium is not installed
(`.ci/run` installs Debian's package, so CI runs them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.e2e.support import ARTIFACTS, CHROMIUM_ARGS, LiveApp, Quality, chromium_path, live_app

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        # launch() gives every run a fresh temporary user-data directory.
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def app(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with live_app(tmp_path_factory.mktemp("e2e"), TEST_DATABASE_URL) as served:
        yield served


@pytest.fixture
def quality(request: pytest.FixtureRequest) -> Quality:
    profile = "postgresql" if TEST_DATABASE_URL else "sqlite"
    directory = ARTIFACTS / profile / request.node.name
    directory.mkdir(parents=True, exist_ok=True)
    return Quality(directory)
