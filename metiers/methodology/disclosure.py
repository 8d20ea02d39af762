"""Disclosure rules: how many records a figure needs, when a few wages dominate a total, and
when a weighted estimate is too uncertain to be shown without a warning.

The rules are read from the `[disclosure]` table of the source registry (sources.toml),
recorded in `meta_disclosure` of every build, and read from there by the SQL models, so a
consumer of the mart sees the rules its figures were published under.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from metiers.core.config import DEFAULT_MIN_RECORDS
from metiers.core.paths import DEFAULT_SOURCES_FILE, SQL_DIR
from metiers.methodology import display, figures

# The wage of a regional cell (metier_regions) and the wage distribution of an experience
# band (metier_salaries): not a figure of the card, but a rule key of its own.
CELL_WAGE = "salary_median"
# Every rule key the SQL models look up in meta_disclosure: the indicators of the figures
# under disclosure control (metiers/methodology/figures.py), then the cells' wage.
INDICATORS = (
    *(item.name for item in figures.INDICATORS if figures.FIGURE_OF[item.name].disclosure),
    CELL_WAGE,
)
# Wage figures also obey the dominance rule (a few high wages must not make up the total).
WAGE_INDICATORS = frozenset(
    {item.name for item in figures.INDICATORS if figures.FIGURE_OF[item.name].disclosure == "wage"}
    | {CELL_WAGE}
)
# Figures assessed for reliability carry a CV and a flag: weighted register estimates (with
# the record-count rule) and wage quantiles (their CV already widens with few records).
RECORD_COUNT_RELIABILITY = frozenset(
    item.name
    for item in figures.INDICATORS
    if figures.FIGURE_OF[item.name].reliability == "weighted"
)
WEIGHTED_INDICATORS = RECORD_COUNT_RELIABILITY | WAGE_INDICATORS

DEFAULT_DOMINANCE_TOP_N = 2
DEFAULT_DOMINANCE_SHARE = 0.5
DEFAULT_RELIABLE_MIN_RECORDS = 30
DEFAULT_RELIABLE_MAX_CV = 0.20


class DisclosureConfigError(ValueError):
    """The [disclosure] table of the registry is malformed."""


@dataclass(frozen=True)
class DisclosureRules:
    """The rules in force for one build.

    min_records: records a figure needs (default for every indicator).
    min_records_by_indicator: stricter thresholds for some indicators (never looser: a
        per-indicator value below the default is raised to it).
    dominance_top_n, dominance_share: a wage figure is withheld when its `top_n` highest
        wages make up more than `share` of the sum of its wages.
    reliable_min_records, reliable_max_cv: a weighted figure resting on fewer records, or
        whose coefficient of variation is larger, is flagged "low" reliability.
    """

    min_records: int = DEFAULT_MIN_RECORDS
    min_records_by_indicator: dict[str, int] = field(default_factory=dict)
    dominance_top_n: int = DEFAULT_DOMINANCE_TOP_N
    dominance_share: float = DEFAULT_DOMINANCE_SHARE
    reliable_min_records: int = DEFAULT_RELIABLE_MIN_RECORDS
    reliable_max_cv: float = DEFAULT_RELIABLE_MAX_CV

    def threshold(self, indicator: str) -> int:
        return max(self.min_records, self.min_records_by_indicator.get(indicator, 0))

    def rows(self) -> list[dict]:
        """One row of meta_disclosure per indicator."""
        return [
            {
                "indicator": indicator,
                "min_records": self.threshold(indicator),
                "dominance_top_n": self.dominance_top_n if indicator in WAGE_INDICATORS else None,
                "dominance_share": self.dominance_share if indicator in WAGE_INDICATORS else None,
                # Wage quantiles: their CV's interval already widens with few records.
                "reliable_min_records": self.reliable_min_records
                if indicator in RECORD_COUNT_RELIABILITY
                else None,
                "reliable_max_cv": self.reliable_max_cv
                if indicator in WEIGHTED_INDICATORS
                else None,
            }
            for indicator in INDICATORS
        ]


def _number(table: dict, key: str, default: float, origin: str, kind: type) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DisclosureConfigError(f"{origin}: [disclosure] {key} must be a number, got {value!r}")
    return kind(value)


def parse_rules(document: dict, min_records: int, origin: str = "sources.toml") -> DisclosureRules:
    """The rules from a parsed registry document; `min_records` is the run's default."""
    section = document.get("disclosure", {})
    by_indicator = section.get("min_records", {})
    if not isinstance(by_indicator, dict):
        raise DisclosureConfigError(
            f"{origin}: [disclosure.min_records] must be a table of indicator = records"
        )
    unknown = sorted(set(by_indicator) - set(INDICATORS))
    if unknown:
        raise DisclosureConfigError(
            f"{origin}: [disclosure.min_records] names unknown indicator(s) {', '.join(unknown)}"
            f" (known: {', '.join(INDICATORS)})"
        )
    thresholds = {name: int(_number(by_indicator, name, 0, origin, int)) for name in by_indicator}
    dominance = section.get("dominance", {})
    reliability = section.get("reliability", {})
    rules = DisclosureRules(
        min_records=min_records,
        min_records_by_indicator=thresholds,
        dominance_top_n=int(_number(dominance, "top_n", DEFAULT_DOMINANCE_TOP_N, origin, int)),
        dominance_share=_number(dominance, "share", DEFAULT_DOMINANCE_SHARE, origin, float),
        reliable_min_records=int(
            _number(reliability, "min_records", DEFAULT_RELIABLE_MIN_RECORDS, origin, int)
        ),
        reliable_max_cv=_number(reliability, "max_cv", DEFAULT_RELIABLE_MAX_CV, origin, float),
    )
    if rules.dominance_top_n < 1 or not 0 < rules.dominance_share <= 1:
        raise DisclosureConfigError(
            f"{origin}: [disclosure.dominance] needs top_n >= 1 and 0 < share <= 1, got "
            f"top_n = {rules.dominance_top_n}, share = {rules.dominance_share}"
        )
    if rules.reliable_max_cv <= 0:
        raise DisclosureConfigError(
            f"{origin}: [disclosure.reliability] max_cv must be positive, "
            f"got {rules.reliable_max_cv}"
        )
    return rules


def load_rules(
    path: Path = DEFAULT_SOURCES_FILE, min_records: int = DEFAULT_MIN_RECORDS
) -> DisclosureRules:
    with Path(path).open("rb") as handle:
        document = tomllib.load(handle)
    return parse_rules(document, min_records, origin=str(path))


def record_rules(connection: duckdb.DuckDBPyConnection, rules: DisclosureRules) -> None:
    """Fill meta_disclosure (created by sql/meta/meta_disclosure.sql)."""
    frame = pl.DataFrame(  # noqa: F841 - read by DuckDB by name
        rules.rows(),
        schema={
            "indicator": pl.String(),
            "min_records": pl.Int32(),
            "dominance_top_n": pl.Int32(),
            "dominance_share": pl.Float64(),
            "reliable_min_records": pl.Int32(),
            "reliable_max_cv": pl.Float64(),
        },
    ).to_arrow()
    connection.execute("INSERT INTO meta_disclosure BY NAME SELECT * FROM frame")


def record_reasons(connection: duckdb.DuckDBPyConnection) -> None:
    """Fill meta_suppression_reasons (sql/meta/meta_suppression_reasons.sql) from the one
    table of wordings (display.REASONS): the models render the mart's text from it."""
    frame = pl.DataFrame(  # noqa: F841 - read by DuckDB by name
        [
            {
                "code": code,
                "parameters": display.reason_parameters(code),
                "mart": words["mart"],
                "mart_cell": words.get("mart_cell", words["mart"]),
                **{lang: words[lang] for lang in display.LANGUAGES},
            }
            for code, words in display.REASONS.items()
        ],
        schema_overrides={"parameters": pl.List(pl.String())},
    ).to_arrow()
    connection.execute("INSERT INTO meta_suppression_reasons BY NAME SELECT * FROM frame")


# The models that decide the regional cells and the wage bands, in the build's order.
REGIONAL_MODELS = (
    SQL_DIR / "meta" / "meta_disclosure.sql",
    SQL_DIR / "meta" / "meta_suppression_reasons.sql",
    *sorted((SQL_DIR / "macros").glob("*.sql")),
    SQL_DIR / "intermediate" / "int_salary_bands.sql",
    SQL_DIR / "marts" / "metier_regions.sql",
    SQL_DIR / "marts" / "metier_salaries.sql",
)


def run_regional_models(connection: duckdb.DuckDBPyConnection, rules: DisclosureRules) -> None:
    """REGIONAL_MODELS on a connection holding intermediate.int_register_records."""
    for schema in ("macros", "intermediate"):
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for model in REGIONAL_MODELS:
        connection.execute(model.read_text(encoding="utf-8"))
        if model.stem == "meta_disclosure":
            record_rules(connection, rules)
        if model.stem == "meta_suppression_reasons":
            record_reasons(connection)


def regional_cells(
    register: pl.DataFrame,
    rules: DisclosureRules,
    connection: duckdb.DuckDBPyConnection | None = None,
    table: str = "metier_regions",
) -> pl.DataFrame:
    """metier_regions (or metier_salaries) computed from register records (with a `slug`
    column) in an in-memory DuckDB, by the very SQL the build runs: lets tests try many
    registers fast. Pass a `connection` to reuse one across calls (its tables are replaced)
    and read the other table from it afterwards."""
    own = connection is None
    connection = connection or duckdb.connect(config={"threads": 1})
    try:
        connection.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        records = register.to_arrow()  # noqa: F841 - read by DuckDB by name
        connection.execute(
            "CREATE OR REPLACE TABLE intermediate.int_register_records AS SELECT * FROM records"
        )
        run_regional_models(connection, rules)
        if table not in {model.stem for model in REGIONAL_MODELS}:
            raise ValueError(f"{table} is not one of the disclosure models")
        return connection.sql(f"SELECT * FROM {table}").pl()
    finally:
        if own:
            connection.close()
