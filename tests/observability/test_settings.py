"""The observability settings are described, documented in the README, and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from microreach.config import Settings, load_settings
from microreach.kit.errors import ConfigError

SETTINGS = ("log_format", "metrics_enabled")
ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", SETTINGS)
def test_the_setting_is_described_and_in_the_readme(name: str) -> None:
    readme = (ROOT / "README.md").read_text()
    assert Settings.model_fields[name].description
    assert f"| `MICROREACH_{name.upper()}` |" in readme


def test_the_readme_documents_the_metrics_and_the_multiprocess_directory() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Observability" in readme
    assert "PROMETHEUS_MULTIPROC_DIR" in readme
    assert "microreach_clicks_written_total" in readme


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MICROREACH_LOG_FORMAT", "xml"), ("MICROREACH_METRICS_ENABLED", "perhaps")],
)
def test_bad_values_name_the_setting(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path), variable: value})
    assert info.value.setting == variable


def test_metrics_can_be_switched_off_from_the_environment(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_METRICS_ENABLED": "false"}
    assert load_settings(environ=env).metrics_enabled is False
