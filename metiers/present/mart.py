"""Read-only access to the published file, for the CLI and every other consumer."""

from __future__ import annotations

import difflib
from pathlib import Path

import duckdb

from metiers.core.config import candidate_path, published_path
from metiers.core.errors import UsageError
from metiers.methodology import display
from metiers.methodology.display import LANGUAGES


def connect_published(
    marts_dir: Path | None = None, candidate: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the released file read-only (or, with `candidate`, the candidate waiting for a
    release decision); many readers may do so while a refresh runs."""
    if candidate:
        path = candidate_path(marts_dir)
        if not path.exists():
            raise UsageError(
                f"no candidate waits for a decision at {path} (see `metiers releases`)"
            )
    else:
        path = published_path(marts_dir)
        if not path.exists():
            raise UsageError(f"no published mart at {path}: run `metiers refresh` first")
    return duckdb.connect(str(path), read_only=True)


def _language(lang: str) -> str:
    """Languages are the only words placed into SQL text here: checked against a fixed set."""
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language '{lang}': use one of {', '.join(LANGUAGES)}")
    return lang


def list_metiers(connection: duckdb.DuckDBPyConnection, lang: str = "fr") -> list[dict]:
    lang = _language(lang)
    return (
        connection.sql(
            f"""
            SELECT slug, coalesce(title_{lang}, title_fr) AS title, esco_code, headcount
            FROM metier_figures ORDER BY slug
            """
        )
        .pl()
        .to_dicts()
    )


def closest_slugs(connection: duckdb.DuckDBPyConnection, slug: str, count: int = 3) -> list[str]:
    slugs = [row[0] for row in connection.sql("SELECT slug FROM metier_figures").fetchall()]
    return difflib.get_close_matches(slug, slugs, n=count, cutoff=0.3)


def metier(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> tuple[dict, dict]:
    """Figures row and card row of one métier; an unknown slug names the closest ones."""
    lang = _language(lang)
    figures = connection.sql("SELECT * FROM metier_figures WHERE slug = ?", params=[slug]).pl()
    if figures.is_empty():
        suggestions = closest_slugs(connection, slug)
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise UsageError(f"unknown métier '{slug}'{hint} (see `metiers list`)")
    card = connection.sql(
        "SELECT * FROM metier_cards WHERE slug = ? AND lang = ?", params=[slug, lang]
    ).pl()
    return _with_revisions(connection, figures.to_dicts()[0], card.to_dicts()[0], lang)


def revisions(connection: duckdb.DuckDBPyConnection, slug: str) -> dict[str, object]:
    """Date of the latest revision of each revised figure of a métier (metier_revisions;
    none in a file released before revisions were recorded, or in a candidate)."""
    present = connection.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND table_name = 'metier_revisions'"
    ).fetchall()[0][0]
    if not present:
        return {}
    rows = connection.execute(
        "SELECT figure, max(revised_on) FROM metier_revisions WHERE slug = ? GROUP BY figure",
        [slug],
    ).fetchall()
    return dict(rows)


def _with_revisions(
    connection: duckdb.DuckDBPyConnection, figures: dict, card: dict, lang: str
) -> tuple[dict, dict]:
    """The revision marker ("révisé le 2 décembre 2026") on the card line of each revised
    figure, so the text, the JSON, the API and the page all carry it; the date itself in
    `<figure>_revised_on`."""
    from metiers.methodology.figures import BY_NAME

    for figure, revised_on in revisions(connection, figures["slug"]).items():
        figures[f"{figure}_revised_on"] = revised_on
        line = BY_NAME[figure].card_line if figure in BY_NAME else None
        if line and card.get(line):
            card[line] = display.revised(card[line], revised_on, lang)
    return figures, card


def context(connection: duckdb.DuckDBPyConnection, slug: str) -> list[dict]:
    """Context figures of the métier's ISCO group (empty without a context source)."""
    return (
        connection.sql(
            "SELECT indicator, isco_group, geo, period, value, unit, flag, source_id "
            "FROM metier_context WHERE slug = ? ORDER BY indicator, geo",
            params=[slug],
        )
        .pl()
        .to_dicts()
    )


def _reason_columns(
    connection: duckdb.DuckDBPyConnection, table: str, prefixes: tuple[str, ...] = ("",)
) -> str:
    """The suppression code and parameters columns of `table` for a SELECT list; nulls in a
    file published before disclosure wrote codes (a version from history, a rollback)."""
    present = {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND table_name = ?",
            [table],
        ).fetchall()
    }
    names = [f"{prefix}suppression_{part}" for prefix in prefixes for part in ("code", "params")]
    return ", ".join(name if name in present else f"NULL AS {name}" for name in names)


def region_cells(connection: duckdb.DuckDBPyConnection, slug: str, year: int | None) -> list[dict]:
    """Regional cells of the métier in one year, withheld ones with their reasons."""
    codes = _reason_columns(connection, "metier_regions", ("", "salary_"))
    return (
        connection.sql(
            "SELECT region, headcount, share_women, salary_median, n_records, suppressed, "
            "salary_suppressed, headcount_reliability, share_women_reliability, "
            f"salary_median_reliability, {codes} FROM metier_regions "
            "WHERE slug = ? AND year = ? ORDER BY region",
            params=[slug, year],
        )
        .pl()
        .to_dicts()
    )


def publication(connection: duckdb.DuckDBPyConnection) -> dict:
    rows = connection.sql("SELECT * FROM meta_publication").pl().to_dicts()
    return rows[0] if rows else {}


def search(
    connection: duckdb.DuckDBPyConnection, text: str, lang: str | None = None, limit: int = 20
) -> list[dict]:
    """Métiers whose title or ESCO label (preferred, gendered or alternative) contains `text`,
    ignoring case and accents; one row per métier, with the best-matching label."""
    languages = [_language(lang)] if lang else list(LANGUAGES)
    titles = " UNION ALL ".join(
        f"SELECT slug, '{code}' AS lang, 'title' AS kind, title_{code} AS label FROM metier_figures"
        for code in languages
    )
    return (
        connection.sql(
            f"""
            WITH candidates AS (
                {titles}
                UNION ALL
                SELECT figures.slug, labels.lang, 'esco ' || labels.kind, labels.label
                FROM metier_figures AS figures
                INNER JOIN esco_labels AS labels
                    ON labels.code = figures.esco_code
                    OR starts_with(labels.code, figures.esco_code || '.')
                WHERE labels.lang IN ({", ".join(f"'{code}'" for code in languages)})
            ),
            matches AS (
                SELECT
                    *,
                    CASE kind
                        WHEN 'title' THEN 0 WHEN 'esco preferred' THEN 1
                        WHEN 'esco masculine' THEN 2 WHEN 'esco feminine' THEN 3 ELSE 4
                    END AS kind_rank
                FROM candidates
                WHERE label IS NOT NULL
                    AND contains(strip_accents(lower(label)), strip_accents(lower($text)))
            )
            SELECT
                matches.slug,
                coalesce(figures.title_{languages[0]}, figures.title_fr) AS title,
                arg_min(matches.label, (matches.kind_rank, length(matches.label)))
                    AS matched_label,
                arg_min(matches.kind, (matches.kind_rank, length(matches.label)))
                    AS matched_in,
                arg_min(matches.lang, (matches.kind_rank, length(matches.label)))
                    AS matched_lang
            FROM matches
            INNER JOIN metier_figures AS figures USING (slug)
            GROUP BY ALL
            ORDER BY bool_or(matches.kind = 'title') DESC, min(length(matches.label)), slug
            LIMIT {int(limit)}
            """,
            params={"text": text.strip()},
        )
        .pl()
        .to_dicts()
    )


def source_citations(connection: duckdb.DuckDBPyConnection, lang: str = "fr") -> dict[str, str]:
    """Citation of each declared source in `lang`, as the registry gave it at build time: its
    citation declared in that language, else its one `citation` (a file built before
    citations per language has only that one)."""
    lang = _language(lang)
    columns = {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'meta_source_registry'"
        ).fetchall()
    }
    per_language = f"citation_{lang}" if f"citation_{lang}" in columns else "NULL"
    rows = connection.sql(
        f"SELECT source_id, coalesce(nullif({per_language}, ''), citation) AS citation "
        "FROM meta_source_registry WHERE citation IS NOT NULL OR "
        f"nullif({per_language}, '') IS NOT NULL"
    ).fetchall()
    return dict(rows)


def card_document(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> dict:
    """The card as data: each figure with value, display string, unit, period, source,
    citation and suppression reason, and the publication it comes from. Shared by the API,
    the JSON export and `metiers figures --format json`."""
    from metiers.methodology import cards

    lang = _language(lang)
    figures, card = metier(connection, slug, lang)
    published = publication(connection)
    citations = source_citations(connection, lang)
    entries = cards.figure_entries(figures, card, lang)
    for entry in entries:
        figure = entry["indicator"]
        entry["citation"] = (
            figures.get(f"{figure}_citation_{lang}")
            or figures.get(f"{figure}_citation")
            or citations.get(entry["source"] or "")
            or None
        )
        entry["citation_url"] = figures.get(f"{figure}_citation_url")
        if entry["n_records"] is not None:  # HUGEINT sums arrive as Decimal
            entry["n_records"] = int(entry["n_records"])
    context_rows = context(connection, slug)
    return {
        "slug": slug,
        "lang": lang,
        "title": card["title"],
        "box_title": card["box_title"],
        "reference_year": figures["reference_year"],
        "publication": {
            "version": published.get("version"),
            "published_at": _isoformat(published.get("published_at")),
        },
        "figures": entries,
        "regions": card.get("regions"),
        "regions_withheld": card.get("regions_withheld"),
        "regions_context": card.get("regions_context"),
        "region_cells": cards.region_entries(
            region_cells(connection, slug, figures["reference_year"]), lang
        ),
        "vintage": cards.vintage_entry(figures, card, context_rows),
        "context": context_rows,
        "footnotes": (card.get("footnotes") or "").splitlines(),
    }


def _isoformat(moment: object) -> str | None:
    return moment.isoformat() if hasattr(moment, "isoformat") else None


def _require_slug(connection: duckdb.DuckDBPyConnection, slug: str) -> None:
    """An unknown slug is a usage error naming the closest ones, as for the card."""
    found = connection.execute(
        "SELECT count(*) FROM metier_figures WHERE slug = ?", [slug]
    ).fetchall()[0][0]
    if not found:
        suggestions = closest_slugs(connection, slug)
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise UsageError(f"unknown métier '{slug}'{hint} (see `metiers list`)")


def regions(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> list[dict]:
    """Regional cells of every year, with the region's name in `lang`; withheld cells keep
    their reason."""
    from metiers.methodology import cards, display

    lang = _language(lang)
    _require_slug(connection, slug)
    codes = _reason_columns(connection, "metier_regions", ("", "salary_"))
    rows = (
        connection.sql(
            "SELECT region, year, headcount, share_women, salary_median, n_records, "
            "suppressed, salary_suppressed, headcount_reliability, share_women_reliability, "
            f"salary_median_reliability, {codes} FROM metier_regions WHERE slug = ? "
            "ORDER BY year DESC, headcount DESC NULLS LAST, region",
            params=[slug],
        )
        .pl()
        .to_dicts()
    )
    for row in rows:
        row["region_name"] = display.region_name(row["region"], lang)
        row["suppressed_reason"] = cards.withheld_reason(row, "", lang)
        row["salary_suppressed_reason"] = cards.withheld_reason(row, "salary_", lang)
    return rows


def salaries(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> list[dict]:
    """Wage percentiles per experience band and year."""
    from metiers.methodology import cards, display

    lang = _language(lang)
    _require_slug(connection, slug)
    codes = _reason_columns(connection, "metier_salaries")
    rows = (
        connection.sql(
            f"SELECT band, year, n_records, p10, p25, median, p75, p90, suppressed, {codes} "
            "FROM metier_salaries WHERE slug = ? ORDER BY year DESC, band",
            params=[slug],
        )
        .pl()
        .to_dicts()
    )
    for row in rows:
        row["median_display"] = (
            display.money(row["median"], lang) if row["median"] is not None else None
        )
        row["suppressed_reason"] = cards.withheld_reason(row, "", lang)
    return rows


def trend(connection: duckdb.DuckDBPyConnection, slug: str, lang: str = "fr") -> list[dict]:
    """Headcount per year, oldest first."""
    from metiers.methodology import cards, display

    lang = _language(lang)
    _require_slug(connection, slug)
    codes = _reason_columns(connection, "metier_trend")
    rows = (
        connection.sql(
            f"SELECT year, headcount, n_records, suppressed, {codes} FROM metier_trend "
            "WHERE slug = ? ORDER BY year",
            params=[slug],
        )
        .pl()
        .to_dicts()
    )
    for row in rows:
        row["headcount_display"] = (
            display.headcount(row["headcount"], lang) if row["headcount"] is not None else None
        )
        row["suppressed_reason"] = cards.withheld_reason(row, "", lang)
    return rows
