"""Build: run the SQL models (staging -> intermediate -> marts) into a new DuckDB file.

The published file is never touched here: everything goes into `.build-<run>.duckdb` beside
it, which `metiers.publish.publication` later swaps in whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import polars as pl

from metiers.core.config import STORAGE_COMPATIBILITY_VERSION, Settings
from metiers.core.faults import checkpoint
from metiers.core.paths import SQL_DIR
from metiers.core.source_registry import load_reconciliation
from metiers.core.timing import timed_stage
from metiers.ingest.freshness import source_freshness
from metiers.ingest.raw_files import relative_raw_path
from metiers.ingest.sources import AGGREGATE_SCHEMA, CONTEXT_SCHEMA, CROSSWALK_SCHEMA
from metiers.ingest.sources.base import process_alive, remove_partial, write_parquet_atomically
from metiers.methodology import cards, disclosure, figures
from metiers.methodology.display import LANGUAGES
from metiers.validate.intake import FileIntake, Intake
from metiers.validate.suites import ValidationOutcome

# Meta tables first (macros may read them), then the macros every later model may call.
LAYERS = ("meta", "macros", "staging", "intermediate", "marts")
# Layers that only exist while building: the published file holds meta and marts.
TRANSIENT_SCHEMAS = ("macros", "staging", "intermediate")
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
            words = set(re.findall(r"\w+", strip_comments(model.path.read_text(encoding="utf-8"))))
            graph[name] = {other for other in models if other != name and other in words}
        ordered += [models[name] for name in TopologicalSorter(graph).static_order()]
    return ordered


def strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def connect_new(path: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A new database file in the oldest storage format that holds what we write. With a
    memory limit DuckDB spills large aggregates to `<file>.tmp` instead of growing."""
    config = {"storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION}
    if memory_limit:
        config["memory_limit"] = memory_limit
    return duckdb.connect(str(path), config=config)


def remove_stale_partials(staging_dir: Path) -> list[Path]:
    """Half-written staging folders (`.<name>.<pid>.partial`) of writers that died. A live
    writer's (a `metiers validate` running beside the refresh) are left alone."""
    removed = []
    if not staging_dir.is_dir():
        return removed
    for partial in list(staging_dir.rglob(".*.partial")):
        pid = partial.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not process_alive(int(pid)):
            remove_partial(partial)
            removed.append(partial)
    return removed


def remove_stale_builds(marts_dir: Path) -> list[Path]:
    """Delete what an interrupted refresh left behind (callers hold the refresh lock)."""
    removed = []
    for pattern in (f"{BUILD_PREFIX}*", ".rollback-*"):
        for leftover in marts_dir.glob(pattern):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


TEXT, INT, FLOAT = pl.String(), pl.Int32(), pl.Float64()
# The columns each role's staging model reads. A role without files is given an empty,
# typed Parquet of this shape, so every model runs the same way with or without the source.
ROLE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "catalogue": {
        "slug": TEXT, "title_fr": TEXT, "title_nl": TEXT, "title_en": TEXT, "esco_code": TEXT,
        "training_years_min": INT, "training_years_max": INT,
        "training_plus_experience": pl.Boolean(),
    },
    "register": {
        "year": INT, "person_id": TEXT, "occupation_code": TEXT, "region": TEXT, "sex": TEXT,
        "age": INT, "status": TEXT, "gross_monthly_eur": FLOAT, "experience_years": INT,
        "weight": FLOAT,
    },
    "insertion": {
        "cohort_year": INT, "occupation_code": TEXT, "leavers": pl.Int64(),
        "employed_6m": pl.Int64(), "main_channel": TEXT,
    },
    "facts": {
        "slug": TEXT, "indicator": TEXT, "value": FLOAT, "value_min": FLOAT, "value_max": FLOAT,
        "unit": TEXT, "year": INT, "region": TEXT, "source": TEXT, "source_url": TEXT,
        "note": TEXT, "override": pl.Boolean(),
    },
    "aggregate": dict(AGGREGATE_SCHEMA),
    "esco_occupations": {
        "concept_uri": TEXT, "code": TEXT, "isco_group": TEXT, "preferred_label": TEXT,
        "label_masculine": TEXT, "label_feminine": TEXT, "alt_labels": pl.List(TEXT),
        "hidden_labels": pl.List(TEXT), "status": TEXT, "modified_date": pl.Datetime("us"),
        "lang": TEXT, "has_nace": pl.Boolean(),
    },
    "esco_isco_groups": {
        "concept_uri": TEXT, "code": TEXT, "level": INT, "preferred_label": TEXT,
        "alt_labels": pl.List(TEXT), "lang": TEXT,
    },
    "context": dict(CONTEXT_SCHEMA),
    "regions": {
        "code": TEXT, "name_fr": TEXT, "name_nl": TEXT, "level": TEXT, "nuts2": TEXT,
        "name_de": TEXT, "nuts1": TEXT,
    },
    "crosswalk": dict(CROSSWALK_SCHEMA),
}  # fmt: skip


def _empty_staging_file(settings: Settings, role: str) -> str:
    """A typed, empty Parquet for a role with no files."""
    path = settings.staging_dir / "_empty" / f"{role}.parquet"
    # Written again when the role's columns changed since (a staging folder kept across versions).
    if not path.exists() or dict(pl.read_parquet_schema(path)) != ROLE_SCHEMAS[role]:
        write_parquet_atomically(pl.LazyFrame(schema=ROLE_SCHEMAS[role]), path)
    return str(path)


def _set_inputs(connection: duckdb.DuckDBPyConnection, intake: Intake, settings: Settings) -> None:
    """The models' inputs as DuckDB variables, passed as parameters (never formatted in)."""
    connection.execute("SET VARIABLE min_records = ?", [int(settings.min_records)])
    connection.execute(
        "SET VARIABLE excluded_sources = ?::VARCHAR[]", [list(intake.excluded_sources)]
    )
    registry = settings.registry
    for role in ROLE_SCHEMAS:
        files = [item.staging_path for item in intake.staged if registry[item.source].role == role]
        files = files or [_empty_staging_file(settings, role)]
        # The variable's name comes from ROLE_SCHEMAS, never from input.
        connection.execute(f"SET VARIABLE {role}_files = ?::VARCHAR[]", [files])


def _status(item: FileIntake, intake: Intake) -> str:
    if not item.accepted:
        return "rejected"
    return "excluded" if item.source in intake.excluded_sources else "validated"


def _modified_at(raw_path: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(Path(raw_path).lstat().st_mtime, UTC)
    except OSError:
        return None


def _record_sources(
    connection: duckdb.DuckDBPyConnection,
    intake: Intake,
    settings: Settings,
    run_id: str,
) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "source": item.source,
            "path": relative_raw_path(item.raw_path, settings),
            "sha256": item.sha256,
            "size_bytes": item.size_bytes,
            "rows": item.staged.rows if item.staged else None,
            "status": _status(item, intake),
            "intake": "reused" if item.reused_by(run_id) else "ingested",
            "ingested_run": item.ingested_run or run_id,
            "ingested_at": datetime.fromisoformat(item.ingested_at) if item.ingested_at else now,
            "modified_at": _modified_at(item.raw_path),
            "staging_path": item.staged.staging_path if item.accepted and item.staged else None,
            "quarantine_report": item.report,
            "message": "; ".join(problem.describe() for problem in item.problems[:3]) or None,
        }
        for item in intake.files
    ]
    if rows:
        frame = pl.DataFrame(rows).to_arrow()  # noqa: F841 - read by DuckDB by name
        connection.execute("INSERT INTO meta_sources BY NAME SELECT * FROM frame")


def _record_notes(connection: duckdb.DuckDBPyConnection, intake: Intake) -> None:
    """The intake's notes on files the build uses (a declared series that matched nothing);
    the build adds its own (sql/marts/source_contributions.sql)."""
    used = {staged.staging_path for staged in intake.staged}
    rows = [
        {"source": note.source, "path": note.file, "code": note.code, "message": note.message}
        for item in intake.files
        if item.staged and item.staged.staging_path in used
        for note in item.notes
    ]
    _insert_rows(connection, "meta_source_notes", rows)


def source_warnings(build_path: Path) -> list[dict[str, str]]:
    """The warnings of a build: every validated file that contributes nothing, or whose
    declared series matched nothing (meta_sources.warning_code), for the run record."""
    with duckdb.connect(str(build_path), read_only=True) as connection:
        rows = connection.execute(
            "SELECT source, path, warning_code, warning FROM meta_sources "
            "WHERE warning_code IS NOT NULL ORDER BY source, path"
        ).fetchall()
    return [
        {"source": source, "file": path, "code": code, "message": message}
        for source, path, code, message in rows
    ]


def _insert_rows(connection: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if rows:
        frame = pl.DataFrame(rows, infer_schema_length=None).to_arrow()  # noqa: F841
        connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")


def _record_registry(connection: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    rows = [
        {
            "source_id": spec.name,
            "description": spec.description,
            "adapter": spec.adapter,
            "role": spec.role,
            "folder": spec.folder or spec.name,
            "patterns": list(spec.patterns),
            "required": spec.required,
            "feeds": list(spec.feeds),
            "precedence": spec.precedence,
            "citation": spec.citation,
            "licence": spec.licence,
            "url": spec.url,
            "cadence_days": spec.cadence_days,
            **{f"citation_{lang}": spec.citations.get(lang) for lang in LANGUAGES},
            "classification": spec.classification,
            "max_lag_years": spec.max_lag_years,
        }
        for spec in settings.registry.values()
    ]
    _insert_rows(connection, "meta_source_registry", rows)


def _record_tolerances(connection: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    rows = [
        {
            "indicator": indicator,
            "relative": tolerance.get("relative"),
            "absolute": tolerance.get("absolute"),
        }
        for indicator, tolerance in load_reconciliation(settings.sources_file).items()
    ]
    _insert_rows(connection, "meta_reconciliation_tolerance", rows)


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


def _fill_cards(connection: duckdb.DuckDBPyConnection) -> None:
    figures = connection.sql("SELECT * FROM metier_figures").pl()
    regions = connection.sql(
        "SELECT slug, region, year, headcount, suppressed, suppression_code, suppression_params "
        "FROM metier_regions"
    ).pl()
    citations = cards.citations_by_source(
        connection.sql("SELECT * FROM meta_source_registry").pl().to_dicts()
    )
    context = connection.sql("SELECT * FROM metier_context").pl()
    frame = cards.build_cards(figures, regions, citations, context).to_arrow()  # noqa: F841
    connection.execute("INSERT INTO metier_cards BY NAME SELECT * FROM frame")


@timed_stage("build")
def build_marts(
    intake: Intake,
    settings: Settings,
    run_id: str,
    sql_dir: Path = SQL_DIR,
) -> Path:
    """Run every model into a new build file and return its path."""
    settings.marts_dir.mkdir(parents=True, exist_ok=True)
    build_path = settings.marts_dir / f"{BUILD_PREFIX}{run_id}.duckdb"
    build_path.unlink(missing_ok=True)
    try:
        with connect_new(build_path, settings.duckdb_memory_limit) as connection:
            _set_inputs(connection, intake, settings)
            for schema in TRANSIENT_SCHEMAS:
                connection.execute(f"CREATE SCHEMA {schema}")
            checked = False
            for model in models_in_order(sql_dir):
                if model.layer == "marts" and not checked:
                    checkpoint("build")
                    checked = True
                connection.execute(figures.render_sql(model.path.read_text(encoding="utf-8")))
                if model.name == "meta_figure_registry":
                    _insert_rows(connection, "meta_figure_registry", figures.registry_rows())
                if model.name == "meta_sources":
                    _record_sources(connection, intake, settings, run_id)
                if model.name == "meta_source_notes":
                    _record_notes(connection, intake)
                if model.name == "meta_source_freshness":
                    _insert_rows(
                        connection,
                        "meta_source_freshness",
                        [row.as_row() for row in source_freshness(settings)],
                    )
                if model.name == "meta_source_registry":
                    _record_registry(connection, settings)
                if model.name == "meta_reconciliation_tolerance":
                    _record_tolerances(connection, settings)
                if model.name == "meta_suppression_reasons":
                    disclosure.record_reasons(connection)
                if model.name == "meta_disclosure":
                    disclosure.record_rules(
                        connection,
                        disclosure.load_rules(settings.sources_file, settings.min_records),
                    )
            record_validation(connection, intake.outcomes, stage="source")
            _fill_cards(connection)
            for schema in TRANSIENT_SCHEMAS:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
            connection.execute("CHECKPOINT")
    except BaseException:
        build_path.unlink(missing_ok=True)
        raise
    return build_path
