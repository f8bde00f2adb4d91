"""Regenerate the screenshots the README shows (docs/screenshots/) from the end-to-end journey.

Runs tests/e2e/test_journey.py on SQLite (a fresh demo database, `microreach serve`, headless
Chromium) with its artifacts in a temporary folder, then copies the chosen pages. Needs the
system Chromium (`apt-get install chromium`); Playwright downloads nothing.

    python scripts/screenshots.py [--output docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOURNEY = "tests/e2e/test_journey.py::test_a_brand_runs_a_campaign_and_sees_the_click"
# Screenshot of the journey -> file name under docs/screenshots.
CHOSEN = {
    "creator-profile.png": "creator-profile.png",
    "campaign-report-top.png": "campaign-report.png",
    "discovery.png": "discovery.png",
    "portal-campaign.png": "creator-portal-phone.png",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if shutil.which("chromium") is None:
        print("error: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="microreach-shots-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MICROREACH_")}
        env.update({"E2E_ARTIFACTS": tmp, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"})
        run = subprocess.run(
            [sys.executable, "-m", "pytest", JOURNEY, "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
            check=False,
        )
        if run.returncode != 0:
            print("error: the journey failed; no screenshot was replaced", file=sys.stderr)
            return 1
        shots = Path(tmp) / "sqlite" / JOURNEY.rsplit("::", 1)[1]
        missing = [name for name in CHOSEN if not (shots / name).exists()]
        if missing:
            print(f"error: the journey took no {', '.join(missing)}", file=sys.stderr)
            return 1
        args.output.mkdir(parents=True, exist_ok=True)
        for source, target in CHOSEN.items():
            shutil.copyfile(shots / source, args.output / target)
            print(f"{args.output / target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
