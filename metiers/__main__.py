"""`python -m metiers` runs the `metiers` command."""

from metiers.cli import app

app(prog_name="metiers")
