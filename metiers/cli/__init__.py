"""The `metiers` command: parses, calls the library, prints. Exit codes: 0 published or done,
1 data rejected, 2 usage error, 3 internal error (decided once, in `metiers/cli/failures.py`).

Each module holds a sub-app of related commands, merged here under the root so every command
keeps its own name (`metiers figures`, not `metiers read figures`); `metiers prefect` is the
one group."""

from __future__ import annotations

import os
import sys

# pydantic looks for plugins among every installed distribution's entry points when it builds
# its first model: 35-60 ms of each command (the registry's models). The command has none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer

from metiers.cli import history, prefect_server, read, refresh, release, serve, site
from metiers.cli.failures import ErrorHandlingGroup

app = typer.Typer(
    cls=ErrorHandlingGroup,
    help="Métiers en chiffres: labour-market figures per occupation, from raw files to a "
    "published DuckDB mart and the 'Le métier en chiffres' card.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(refresh.app)
app.add_typer(read.app)
app.add_typer(history.app)
app.add_typer(release.app)
app.add_typer(serve.app)
app.add_typer(prefect_server.app, name="prefect")
app.add_typer(site.app)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
