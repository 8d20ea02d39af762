"""The commands the `metiers` Typer app registers, read from the app itself (never a list
written by hand), so the help and documentation tests follow every command added."""

from __future__ import annotations

import typer
from typer.main import get_command_name


def command_paths(app: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every registered command and sub-group as the words a user types after `metiers`."""
    paths = []
    for info in app.registered_commands:
        paths.append((*prefix, info.name or get_command_name(info.callback.__name__)))
    for group in app.registered_groups:
        name = group.name or group.typer_instance.info.name
        paths.append((*prefix, name))
        paths.extend(command_paths(group.typer_instance, (*prefix, name)))
    return paths
