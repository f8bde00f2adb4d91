"""The jobs settings are described, in the README, and checked with a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from microreach.config import Settings, load_settings
from microreach.kit.errors import ConfigError

SETTINGS = (
    "scheduler_in_process",
    "scheduler_lease_seconds",
    "schedule_rollup_seconds",
    "schedule_missed_deliverables_seconds",
    "schedule_refresh_seconds",
    "schedule_score_seconds",
    "schedule_discovery_seconds",
)
ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", SETTINGS)
def test_the_setting_is_described_and_in_the_readme(name: str) -> None:
    readme = (ROOT / "README.md").read_text()
    assert Settings.model_fields[name].description
    assert f"| `MICROREACH_{name.upper()}` |" in readme


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MICROREACH_SCHEDULE_ROLLUP_SECONDS", "-1"),
        ("MICROREACH_SCHEDULER_LEASE_SECONDS", "0.5"),
        ("MICROREACH_SCHEDULER_IN_PROCESS", "sometimes"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path), variable: value})
    assert info.value.setting == variable
