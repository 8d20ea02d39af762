"""The commands the `metiers` Typer app registers, read from the app itself (never a list
written by hand), so the help and documentation tests follow every command added."""

from __future__ import annotations

import typer
from typer.main import get_command_name
from typer.models import DefaultPlaceholder


def given(value: object) -> str | None:
    """A name set by the app, or None where Typer holds only its default placeholder."""
    if isinstance(value, DefaultPlaceholder):
        value = value.value
    return value if isinstance(value, str) else None


def command_paths(app: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every registered command and sub-group as the words a user types after `metiers`."""
    paths = []
    for info in app.registered_commands:
        paths.append((*prefix, info.name or get_command_name(info.callback.__name__)))
    for group in app.registered_groups:
        name = given(group.name) or given(group.typer_instance.info.name)
        if name is None:
            # A sub-app added without a name: its commands sit beside the parent's own.
            paths.extend(command_paths(group.typer_instance, prefix))
            continue
        paths.append((*prefix, name))
        paths.extend(command_paths(group.typer_instance, (*prefix, name)))
    return paths
