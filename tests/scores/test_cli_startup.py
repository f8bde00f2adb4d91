"""`microreach score` starts without importing the other domains' command-line modules, and
every top-level command is still listed and runs."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from microreach.cli import LAZY_APPS, LAZY_COMMANDS, app

CHECK = """
import sys
import microreach.cli
loaded = sorted(m for m in sys.modules if m.startswith("microreach.") and m.endswith(".cli"))
print(",".join(loaded))
"""


def test_importing_the_command_line_loads_no_other_domain_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "microreach.cli"


def test_help_lists_every_command_in_typer_order() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = [
        line.split()[1]
        for line in result.output.splitlines()
        if line.startswith("│ ") and len(line.split()) > 2 and not line.split()[1].startswith("-")
    ]
    names = [name for name in listed if name in LAZY_COMMANDS or name in LAZY_APPS]
    assert names == [*LAZY_COMMANDS, *LAZY_APPS]
    assert listed.index("score") < listed.index("users")


def test_a_lazy_sub_application_runs_its_commands() -> None:
    result = CliRunner().invoke(app, ["jobs", "--help"])
    assert result.exit_code == 0
    assert "list" in result.output and "run" in result.output
    single = CliRunner().invoke(app, ["users", "--help"])
    assert single.exit_code == 0 and "create" in single.output
