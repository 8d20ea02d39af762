"""Build: run the SQL models (staging -> intermediate -> marts) into a new DuckDB file.

The published file is never touched here: everything goes into `.build-<run>.duckdb` beside
it, which `metiers.publish` later swaps in whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import polars as pl

from metiers import cards
from metiers.config import SQL_DIR, STORAGE_COMPATIBILITY_VERSION, Settings
from metiers.errors import DataProblem, DataRejected
from metiers.ingest import relative_raw_path
from metiers.sources import SOURCES, StagedFile
from metiers.sources.base import write_parquet_atomically
from metiers.validate import ValidationOutcome

LAYERS = ("meta", "staging", "intermediate", "marts")
# Layers that only exist while building: the published file holds meta and marts.
TRANSIENT_SCHEMAS = ("staging", "intermediate")
BUILD_PREFIX = ".build-"


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path


def models_in_order(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Models layer by layer; inside a layer, a model runs after the models it names."""
    ordered: list[Model] = []
    for layer in LAYERS:
        models = {
            path.stem: Model(layer, path.stem, path) for path in (sql_dir / layer).glob("*.sql")
        }
        graph = {}
        for name, model in models.items():
            text = strip_comments(model.path.read_text(encoding="utf-8"))
            graph[name] = {
                other
                for other in models
                if other != name and re.search(rf"\b{re.escape(other)}\b", text)
            }
        ordered += [models[name] for name in TopologicalSorter(graph).static_order()]
    return ordered


def strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def connect_new(path: Path) -> duckdb.DuckDBPyConnection:
    """A new database file in the oldest storage format that holds what we write."""
    return duckdb.connect(
        str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION}
    )


def remove_stale_builds(marts_dir: Path) -> list[Path]:
    """Delete what an interrupted refresh left behind (callers hold the refresh lock)."""
    removed = []
    for leftover in marts_dir.glob(f"{BUILD_PREFIX}*"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _empty_staging_file(settings: Settings, source: str) -> str:
    """A typed, empty Parquet for a source with no files, so every model reads the same way."""
    spec = SOURCES[source]
    path = settings.staging_dir / "_empty" / f"{source}.parquet"
    if not path.exists():
        write_parquet_atomically(pl.LazyFrame(schema=spec.schema), path)
    return str(path)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _set_inputs(
    connection: duckdb.DuckDBPyConnection, staged: list[StagedFile], settings: Settings
) -> None:
    connection.execute(f"SET VARIABLE min_records = {int(settings.min_records)}")
    for source in SOURCES:
        files = [item.staging_path for item in staged if item.source == source]
        files = files or [_empty_staging_file(settings, source)]
        listed = ", ".join(_quote(path) for path in files)
        connection.execute(f"SET VARIABLE {source}_files = [{listed}]")


def _record_sources(
    connection: duckdb.DuckDBPyConnection,
    staged: list[StagedFile],
    settings: Settings,
    at: datetime,
) -> None:
    rows = [
        {
            "source": item.source,
            "path": relative_raw_path(item.raw_path, settings),
            "sha256": item.sha256,
            "size_bytes": item.size_bytes,
            "rows": item.rows,
            "status": "validated",
            "ingested_at": at,
            "staging_path": item.staging_path,
        }
        for item in staged
    ]
    if rows:
        frame = pl.DataFrame(rows).to_arrow()  # noqa: F841 - read by DuckDB by name
        connection.execute("INSERT INTO meta_sources BY NAME SELECT * FROM frame")


def record_validation(
    connection: duckdb.DuckDBPyConnection, outcomes: list[ValidationOutcome], stage: str
) -> None:
    at = datetime.now(UTC)
    rows = [
        {
            "stage": stage,
            "target": result.target,
            "suite": result.suite,
            "expectation": result.expectation,
            "column_name": result.column,
            "success": result.success,
            "unexpected_count": result.unexpected_count,
            "sample": ", ".join(str(value) for value in result.sample[:5]) or None,
            "validated_at": at,
        }
        for outcome in outcomes
        for result in outcome.results
    ]
    if rows:
        frame = pl.DataFrame(rows, infer_schema_length=None).to_arrow()  # noqa: F841
        connection.execute("INSERT INTO meta_validation BY NAME SELECT * FROM frame")


def _check_references(connection: duckdb.DuckDBPyConnection) -> None:
    """Facts for a slug the catalogue does not know would vanish from every card: refuse."""
    unknown = connection.sql(
        """
        SELECT facts.slug, facts.source_file, count(*) AS n
        FROM (
            SELECT stg_facts.slug, files.raw_file AS source_file
            FROM staging.stg_facts
            LEFT JOIN intermediate.int_source_files AS files USING (staging_file)
        ) AS facts
        ANTI JOIN staging.stg_metiers USING (slug)
        GROUP BY ALL ORDER BY facts.slug
        """
    ).fetchall()
    if unknown:
        raise DataRejected(
            [
                DataProblem(
                    file=str(source_file),
                    column="slug",
                    rule="slug exists in the catalogue (metiers/metiers.csv)",
                    sample=[slug for slug, file, _n in unknown if file == source_file],
                    count=sum(n for _slug, file, n in unknown if file == source_file),
                )
                for source_file in sorted({str(file) for _slug, file, _n in unknown})
            ],
            stage="build",
        )


def _fill_cards(connection: duckdb.DuckDBPyConnection) -> None:
    figures = connection.sql("SELECT * FROM metier_figures").pl()
    regions = connection.sql("SELECT slug, region, year, headcount FROM metier_regions").pl()
    frame = cards.build_cards(figures, regions).to_arrow()  # noqa: F841
    connection.execute("INSERT INTO metier_cards BY NAME SELECT * FROM frame")


def build_marts(
    staged: list[StagedFile],
    source_outcomes: list[ValidationOutcome],
    settings: Settings,
    run_id: str,
    sql_dir: Path = SQL_DIR,
) -> Path:
    """Run every model into a new build file and return its path."""
    settings.marts_dir.mkdir(parents=True, exist_ok=True)
    build_path = settings.marts_dir / f"{BUILD_PREFIX}{run_id}.duckdb"
    build_path.unlink(missing_ok=True)
    try:
        with connect_new(build_path) as connection:
            _set_inputs(connection, staged, settings)
            for schema in TRANSIENT_SCHEMAS:
                connection.execute(f"CREATE SCHEMA {schema}")
            checked = False
            for model in models_in_order(sql_dir):
                if model.layer == "marts" and not checked:
                    _check_references(connection)
                    checked = True
                connection.execute(model.path.read_text(encoding="utf-8"))
                if model.name == "meta_sources":
                    _record_sources(connection, staged, settings, datetime.now(UTC))
            record_validation(connection, source_outcomes, stage="source")
            _fill_cards(connection)
            for schema in TRANSIENT_SCHEMAS:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
            connection.execute("CHECKPOINT")
    except BaseException:
        build_path.unlink(missing_ok=True)
        raise
    return build_path
