"""Settings: laptop defaults that work, and one clear error per bad value."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from microreach.config import Environment, load_settings
from microreach.kit.errors import ConfigError


def test_defaults_use_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path / "d")})
    assert settings.env is Environment.DEVELOPMENT
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'd' / 'microreach.db'}"
    assert settings.redis_url is None
    assert (tmp_path / "d").is_dir()


def test_development_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path)}
    first = load_settings(environ=env).secret_key
    second = load_settings(environ=env).secret_key
    assert first and first == second and len(first) >= 32
    mode = (tmp_path / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_postgresql_url_is_taken_as_given(tmp_path: Path) -> None:
    url = "postgresql+psycopg://app@db.internal/microreach"
    settings = load_settings(
        environ={"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_DATABASE_URL": url}
    )
    assert settings.resolved_database_url == url


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MICROREACH_ENV", "staging", "MICROREACH_ENV"),
        ("MICROREACH_PORT", "eighty", "MICROREACH_PORT"),
        ("MICROREACH_PORT", "70000", "MICROREACH_PORT"),
        ("MICROREACH_DEBUG", "maybe", "MICROREACH_DEBUG"),
        ("MICROREACH_LOG_LEVEL", "loud", "MICROREACH_LOG_LEVEL"),
        ("MICROREACH_DATABASE_URL", "mysql://x/y", "MICROREACH_DATABASE_URL"),
    ],
)
def test_bad_values_name_the_setting(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path), variable: value})
    assert info.value.setting == expected
    assert value in str(info.value)
    assert "\n" not in str(info.value)


def test_a_misspelt_variable_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean MICROREACH_DATABASE_URL"):
        load_settings(
            environ={"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_DATABSE_URL": "sqlite://"}
        )


def test_the_shared_data_variable_is_known_but_a_typo_of_it_is_not(tmp_path: Path) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_SHARED_DATA": str(tmp_path)}
    assert load_settings(environ=env).data_dir == tmp_path
    with pytest.raises(ConfigError, match="did you mean MICROREACH_SHARED_DATA"):
        load_settings(environ={"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_SHARE_DATA": "x"})


def test_unwritable_data_directory_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"MICROREACH_DATA_DIR": str(blocker / "data")})
    assert info.value.setting == "MICROREACH_DATA_DIR"
    assert "not a writable directory" in str(info.value)


@pytest.mark.parametrize("secret", [None, "changeme", "short-key"])
def test_production_refuses_missing_or_weak_secrets(tmp_path: Path, secret: str | None) -> None:
    env = {"MICROREACH_DATA_DIR": str(tmp_path), "MICROREACH_ENV": "production"}
    if secret is not None:
        env["MICROREACH_SECRET_KEY"] = secret
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    assert info.value.setting == "MICROREACH_SECRET_KEY"
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_debug(tmp_path: Path) -> None:
    env = {
        "MICROREACH_DATA_DIR": str(tmp_path),
        "MICROREACH_ENV": "production",
        "MICROREACH_SECRET_KEY": "x" * 48,
        "MICROREACH_DEBUG": "true",
    }
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    assert info.value.setting == "MICROREACH_DEBUG"


def test_production_accepts_a_strong_secret(tmp_path: Path) -> None:
    env = {
        "MICROREACH_DATA_DIR": str(tmp_path),
        "MICROREACH_ENV": "production",
        "MICROREACH_SECRET_KEY": "k" * 48,
    }
    settings = load_settings(environ=env)
    assert settings.is_production and settings.secret_key == "k" * 48
