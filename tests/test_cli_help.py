"""`metiers <command> --help` works for every command the app registers: exit 0 and the
command's own usage line."""

from __future__ import annotations

import re
import tomllib

import pytest
from clitools import command_paths
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.paths import PROJECT_ROOT

runner = CliRunner()
COMMANDS = command_paths(app)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def help_text(*words: str) -> str:
    result = runner.invoke(app, [*words, "--help"], prog_name="metiers")
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


def test_the_console_script_is_this_app() -> None:
    """`metiers` on the command line is the Typer app the other tests introspect."""
    scripts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["metiers"] == "metiers.cli:app"


def test_top_level_help_lists_every_registered_command() -> None:
    text = help_text()
    assert re.search(r"^\s*Usage: metiers \[OPTIONS\] COMMAND", text, re.MULTILINE), text
    listed = set(re.findall(r"^\W*([a-z][a-z-]*)\s", text, re.MULTILINE))
    top_level = {path[0] for path in COMMANDS}
    assert len(top_level) > 10, "the app registers its commands"
    assert top_level <= listed, sorted(top_level - listed)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_of_every_registered_command(command: tuple[str, ...]) -> None:
    text = help_text(*command)
    usage = rf"^\s*Usage: metiers {re.escape(' '.join(command))}(\s|$)"
    assert re.search(usage, text, re.MULTILINE), text
