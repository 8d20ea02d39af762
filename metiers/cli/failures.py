"""How a failed command ends, decided in one place for every command: an error meant for
people (`MetiersError`) prints `error: MESSAGE` and exits with its own code (1 data rejected,
2 usage); anything else is a bug, printed as `internal error: Type: message`, exit 3. Commands
raise and never catch for this, so no command can word or number a failure differently."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from metiers.core.errors import EXIT_INTERNAL, MetiersError

# What Typer itself raises to end a command: a chosen exit code, an abort (Ctrl-C) or a usage
# error it prints with the command's usage line. Those pass through untouched.
TYPER_OUTCOMES = (typer.Exit, typer.Abort, typer.TyperException)


def exit_for(error: Exception) -> typer.Exit:
    """Print what `error` means for the person at the terminal, on stderr, and return the
    exit that ends the command with its code."""
    if isinstance(error, MetiersError):
        typer.echo(f"error: {error}", err=True)
        return typer.Exit(error.exit_code)
    typer.echo(f"internal error: {type(error).__name__}: {error}", err=True)
    return typer.Exit(EXIT_INTERNAL)


class ErrorHandlingGroup(TyperGroup):
    """The root command group. Every command, sub-group and option callback runs inside its
    `invoke`, so this is the one place an exception becomes a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TYPER_OUTCOMES:
            raise
        except Exception as error:
            raise exit_for(error) from None
