"""`metiers site`: the static site (index and every card, HTML and SVG) from the published
mart, read-only, for the content team's CMS or any static host."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metiers.cli.options import Lang, MartsDir, output_folder_callback
from metiers.core.paths import DEFAULT_MARTS_DIR

app = typer.Typer()


@app.command()
def site(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder to write the site into: new, empty, or written by a previous "
            "`metiers site` (then replaced whole). Any other folder is refused.",
            file_okay=False,
            callback=output_folder_callback,
        ),
    ],
    lang: Annotated[
        list[Lang] | None,
        typer.Option(
            "--lang",
            help="Language of the pages; repeat for several (default: fr, nl and en). The "
            "site's root index.html is in the first.",
        ),
    ] = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Write the index of every métier and every card (HTML and SVG charts) as static files
    with relative links; the same published version always gives the same bytes."""
    from metiers.methodology.display import LANGUAGES
    from metiers.present.site import write_site

    languages = [code.value for code in lang] if lang else list(LANGUAGES)
    written = write_site(marts_dir, out, languages)
    typer.echo(f"wrote {written.files} file(s) to {written.folder} (version {written.version})")
