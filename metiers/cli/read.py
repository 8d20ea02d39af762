"""The commands that read the published mart, read-only: `figures`, `list`, `search`,
`card`, `export`, `dictionary` and `query`. None imports Prefect, GX or the web server."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from metiers.cli.options import (
    CandidateOption,
    CardFormat,
    ExportFormat,
    Lang,
    LangOption,
    ListingFormat,
    MartsDir,
    QueryFormat,
    TableCsvOrJson,
    TextOrJson,
    output_file_callback,
    output_folder_callback,
)
from metiers.core.paths import DEFAULT_MARTS_DIR

app = typer.Typer()


@app.command()
def figures(
    slug: Annotated[str, typer.Argument(help="Slug of the métier, see `metiers list`.")],
    lang: LangOption = Lang.fr,
    output: CardFormat = TextOrJson.text,
    candidate: CandidateOption = False,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Show the card of one métier from the released mart (or the candidate)."""
    from metiers.methodology import cards
    from metiers.present import mart

    with mart.connect_published(marts_dir, candidate=candidate) as connection:
        if output is TextOrJson.json:
            document = mart.card_document(connection, slug, lang.value)
        else:
            figures_row, card = mart.metier(connection, slug, lang.value)
    if output is TextOrJson.json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(cards.render_text(figures_row, card, lang.value))


@app.command("list")
def list_command(
    lang: LangOption = Lang.fr,
    output: ListingFormat = TextOrJson.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """List the métiers of the published mart."""
    from metiers.methodology import display
    from metiers.present import mart

    with mart.connect_published(marts_dir) as connection:
        rows = mart.list_metiers(connection, lang.value)
    if output is TextOrJson.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(row["slug"]) for row in rows), default=4)
    for row in rows:
        count = (
            display.headcount(row["headcount"], lang.value) if row["headcount"] is not None else "—"
        )
        typer.echo(f"{row['slug']:<{width}}  {row['esco_code']:<10} {count:>8}  {row['title']}")


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to look for, e.g. 'monteuse'.")],
    lang: Annotated[
        Lang | None,
        typer.Option("--lang", help="Search labels of this language only [default: all]."),
    ] = None,
    output: ListingFormat = TextOrJson.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Find métiers by title or ESCO label, ignoring case and accents."""
    from metiers.present import mart

    with mart.connect_published(marts_dir) as connection:
        rows = mart.search(connection, text, lang.value if lang else None)
    if output is TextOrJson.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(f"no métier matches '{text}'", err=True)
        raise typer.Exit(1)
    width = max(len(row["slug"]) for row in rows)
    for row in rows:
        typer.echo(
            f"{row['slug']:<{width}}  {row['title']}  "
            f"[{row['matched_in']} ({row['matched_lang']}): {row['matched_label']}]"
        )


@app.command()
def card(
    slug: Annotated[str, typer.Argument(help="Slug of the métier, see `metiers list`.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="HTML file to write.", dir_okay=False, callback=output_file_callback
        ),
    ],
    lang: LangOption = Lang.fr,
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg",
            help="Also write the headcount trend chart to this SVG file.",
            dir_okay=False,
            callback=output_file_callback,
        ),
    ] = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Write the card of one métier as a self-contained HTML page (no network needed to view
    it), with the headcount trend chart inline."""
    from metiers.present import mart, page

    with mart.connect_published(marts_dir) as connection:
        html = page.render(connection, slug, lang.value)
        chart = page.render_trend_svg(connection, slug, lang.value) if svg else None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(f"wrote {out}")
    if svg and chart is not None:
        svg.parent.mkdir(parents=True, exist_ok=True)
        svg.write_text(chart, encoding="utf-8")
        typer.echo(f"wrote {svg}")


@app.command()
def export(
    output: ExportFormat,
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder to write into.", file_okay=False, callback=output_folder_callback
        ),
    ],
    separator: Annotated[
        str,
        typer.Option(
            "--separator",
            help="CSV separator: ',' or ';' (';' also writes decimal commas, for spreadsheets "
            "set to Belgian locales).",
        ),
    ] = ",",
    candidate: CandidateOption = False,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Export the released mart (read-only; or the candidate) as JSON, CSV or Parquet files."""
    from metiers.present.export import export as write_export

    written = write_export(marts_dir, out, output.value, separator, candidate)
    typer.echo(f"wrote {len(written)} file(s) to {out}")


@app.command()
def dictionary(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the markdown here (e.g. docs/data-dictionary.md), not stdout.",
            dir_okay=False,
            callback=output_file_callback,
        ),
    ] = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Print the data dictionary of the published mart, from its table and column comments."""
    from metiers.present import mart
    from metiers.present.dictionary import render

    with mart.connect_published(marts_dir) as connection:
        text = render(connection)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run, e.g. 'SELECT * FROM metier_trend'.")],
    output: QueryFormat = TableCsvOrJson.table,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Run read-only SQL on the published file; statements that write are refused."""
    from metiers.present.query import as_csv, as_json, as_table, run_query

    result = run_query(sql, marts_dir)
    if output is TableCsvOrJson.json:
        typer.echo(as_json(result))
    elif output is TableCsvOrJson.csv:
        sys.stdout.write(as_csv(result))
    else:
        typer.echo(as_table(result))
