"""The baseline of the scale benchmark: one plain DuckDB script, no pipeline.

It reads the same raw files as `metiers refresh` (catalogue CSV, register CSV and Parquet),
applies the register and catalogue rules as hand-written SQL, and computes the register
figures of `metier_figures`, all of `metier_regions` and all of `metier_salaries` with the
definitions of docs/methodology.md. It shares no code with the pipeline: it is the speed the
engine alone gives, and a second, independent computation of the same figures.

    python bench/baseline_duckdb.py RAW_DIR OUT.duckdb [--min-records 10]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import duckdb

REGIONS = ["BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35"]
REGISTER_COLUMNS = {
    "year": "INTEGER",
    "person_id": "VARCHAR",
    "occupation_code": "VARCHAR",
    "region": "VARCHAR",
    "sex": "VARCHAR",
    "age": "INTEGER",
    "status": "VARCHAR",
    "gross_monthly_eur": "DOUBLE",
    "experience_years": "INTEGER",
    "weight": "DOUBLE",
}
# Columns compared between the pipeline's marts and the baseline, with their keys.
COMPARED = {
    "metier_figures": (
        ("slug",),
        (
            "reference_year",
            "headcount",
            "growth_rate",
            "average_age",
            "share_women",
            "share_self_employed",
            "salary_entry",
            "salary_senior_median",
            "salary_senior_p90",
        ),
    ),
    "metier_regions": (
        ("slug", "region", "year"),
        ("headcount", "share_women", "salary_median", "n_records", "salary_n_records"),
    ),
    "metier_salaries": (
        ("slug", "band", "year"),
        ("n_records", "p10", "p25", "median", "p75", "p90"),
    ),
}


class BaselineRejected(Exception):
    """The raw files break a rule: the baseline, like the pipeline, publishes nothing."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _register_select(connection: duckdb.DuckDBPyConnection, path: Path) -> str:
    """One file's records, cast to the register's types; text is kept to spot bad casts."""
    if path.suffix == ".parquet":
        reader = f"read_parquet({_quote(str(path))})"
    else:
        reader = f"read_csv({_quote(str(path))}, all_varchar = true, header = true)"
    present = {row[0] for row in connection.sql(f"DESCRIBE SELECT * FROM {reader}").fetchall()}
    columns = []
    for name, kind in REGISTER_COLUMNS.items():
        if name in present:
            raw = f"trim({name}::VARCHAR)"
            columns.append(f"TRY_CAST(nullif({raw}, '') AS {kind}) AS {name}")
            columns.append(f"nullif({raw}, '') IS NOT NULL AS {name}_given")
        elif name == "weight":
            columns += ["1.0::DOUBLE AS weight", "true AS weight_given"]
        else:
            raise BaselineRejected(f"{path}: column {name} is missing")
    return f"SELECT {', '.join(columns)}, {_quote(path.name)} AS file FROM {reader}"


def load(connection: duckdb.DuckDBPyConnection, raw_dir: Path) -> None:
    files = sorted((raw_dir / "register").glob("*.parquet")) + sorted(
        (raw_dir / "register").glob("*.csv")
    )
    if not files:
        raise BaselineRejected(f"{raw_dir / 'register'}: no register file")
    selects = "\nUNION ALL\n".join(_register_select(connection, path) for path in files)
    connection.execute(f"CREATE TABLE register_raw AS {selects}")
    catalogue = raw_dir / "metiers" / "metiers.csv"
    connection.execute(
        f"""
        CREATE TABLE catalogue AS
        SELECT trim(slug) AS slug, trim(esco_code) AS esco_code
        FROM read_csv({_quote(str(catalogue))}, all_varchar = true, header = true)
        """
    )


def violations(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Number of records breaking each rule of expectations/register.json and metiers.json."""
    checks = [f"count(*) FILTER (WHERE {c}_given AND {c} IS NULL) AS {c}_type"
              for c in REGISTER_COLUMNS]  # fmt: skip
    checks += [f"count(*) FILTER (WHERE {c} IS NULL) AS {c}_not_null"
               for c in REGISTER_COLUMNS if c != "gross_monthly_eur"]  # fmt: skip
    regions = ", ".join(_quote(region) for region in REGIONS)
    checks += [
        "count(*) FILTER (WHERE NOT regexp_full_match(occupation_code, '\\d{4}(\\.\\d+)*'))"
        " AS occupation_code_format",
        f"count(*) FILTER (WHERE region NOT IN ({regions})) AS region_set",
        "count(*) FILTER (WHERE sex NOT IN ('F', 'M')) AS sex_set",
        "count(*) FILTER (WHERE status NOT IN ('employee', 'self_employed')) AS status_set",
        "count(*) FILTER (WHERE year NOT BETWEEN 1990 AND year(current_date)) AS year_range",
        "count(*) FILTER (WHERE age NOT BETWEEN 15 AND 100) AS age_range",
        "count(*) FILTER (WHERE experience_years NOT BETWEEN 0 AND 70) AS experience_range",
        "count(*) FILTER (WHERE gross_monthly_eur NOT BETWEEN 500 AND 100000) AS wage_range",
        "count(*) FILTER (WHERE NOT isfinite(gross_monthly_eur)) AS wage_finite",
        "count(*) FILTER (WHERE NOT (weight > 0 AND weight <= 100000)) AS weight_range",
        "count(*) FILTER (WHERE status = 'self_employed' AND gross_monthly_eur IS NOT NULL)"
        " AS self_employed_wage",
    ]
    row = connection.execute(f"SELECT {', '.join(checks)} FROM register_raw").fetchall()[0]
    names = [d[0] for d in connection.description]
    found = dict(zip(names, row, strict=True))
    found["person_year_unique"] = connection.execute(
        "SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM register_raw "
        "GROUP BY person_id, year HAVING count(*) > 1)"
    ).fetchall()[0][0]
    found["register_rows"] = 0 if connection.execute(
        "SELECT count(*) FROM register_raw"
    ).fetchall()[0][0] else 1  # fmt: skip
    found["slug_unique_and_valid"] = connection.execute(
        "SELECT count(*) - count(DISTINCT slug) + count(*) FILTER (WHERE slug IS NULL OR "
        "NOT regexp_full_match(slug, '[a-z0-9]+(-[a-z0-9]+)*') OR esco_code IS NULL OR "
        "NOT regexp_full_match(esco_code, '\\d{4}(\\.\\d+)*')) FROM catalogue"
    ).fetchall()[0][0]
    return {name: int(count) for name, count in found.items() if count}


def compute(connection: duckdb.DuckDBPyConnection, min_records: int) -> None:
    """The three tables, from the validated records."""
    connection.execute(f"SET VARIABLE k = {int(min_records)}")
    connection.execute(
        """
        CREATE TABLE code_slugs AS
        SELECT codes.occupation_code, catalogue.slug
        FROM (SELECT DISTINCT occupation_code FROM register_raw) AS codes
        JOIN catalogue
          ON codes.occupation_code = catalogue.esco_code
          OR prefix(codes.occupation_code, catalogue.esco_code || '.');

        CREATE TABLE records AS
        SELECT code_slugs.slug, r.year, r.region, r.sex, r.age, r.status,
               r.gross_monthly_eur AS wage, r.experience_years AS experience, r.weight
        FROM register_raw AS r JOIN code_slugs USING (occupation_code);

        CREATE TABLE latest AS SELECT max(year) AS y FROM register_raw;

        CREATE TABLE slug_years AS
        SELECT slug, year, count(*) AS n, sum(weight) AS people,
               sum(weight * age) / sum(weight) AS mean_age,
               sum(CASE WHEN sex = 'F' THEN weight ELSE 0 END) / sum(weight) AS women,
               sum(CASE WHEN status = 'self_employed' THEN weight ELSE 0 END) / sum(weight)
                   AS self_employed
        FROM records GROUP BY slug, year;

        CREATE TABLE growth AS
        WITH spans AS (
            SELECT s.slug, min(s.year) AS base_year
            FROM slug_years AS s, latest WHERE s.year >= latest.y - 5 GROUP BY s.slug
        )
        SELECT spans.slug,
               CASE WHEN latest.y - spans.base_year >= 3
                    AND least(now.n, base.n) >= getvariable('k')
                    THEN (now.people / base.people) ** (1.0 / (latest.y - spans.base_year)) - 1
               END AS growth_rate
        FROM spans, latest
        JOIN slug_years AS base ON base.slug = spans.slug AND base.year = spans.base_year
        JOIN slug_years AS now ON now.slug = spans.slug AND now.year = latest.y;

        CREATE TABLE pay AS
        WITH wages AS (
            SELECT slug, year, wage,
                   CASE WHEN experience < 3 THEN 'entry' WHEN experience >= 10 THEN 'senior'
                   END AS band
            FROM records, latest
            WHERE status = 'employee' AND wage IS NOT NULL AND year >= latest.y - 2
                AND year <= latest.y
        ),
        in_latest AS (
            SELECT slug, band, count(*) FILTER (WHERE year = (SELECT y FROM latest)) AS n_y
            FROM wages WHERE band IS NOT NULL GROUP BY slug, band
        )
        SELECT wages.slug, wages.band, count(*) AS n,
               median(wage) AS median, quantile_cont(wage, 0.9) AS p90
        FROM wages JOIN in_latest USING (slug, band)
        WHERE in_latest.n_y < getvariable('k') OR wages.year = (SELECT y FROM latest)
        GROUP BY wages.slug, wages.band;

        CREATE TABLE metier_figures AS
        SELECT c.slug, latest.y AS reference_year,
               CASE WHEN now.n >= getvariable('k') THEN now.people END AS headcount,
               g.growth_rate,
               CASE WHEN now.n >= getvariable('k') THEN now.mean_age END AS average_age,
               CASE WHEN now.n >= getvariable('k') THEN now.women END AS share_women,
               CASE WHEN now.n >= getvariable('k') THEN now.self_employed END
                   AS share_self_employed,
               CASE WHEN entry.n >= getvariable('k') THEN entry.median END AS salary_entry,
               CASE WHEN senior.n >= getvariable('k') THEN senior.median END
                   AS salary_senior_median,
               CASE WHEN senior.n >= getvariable('k') THEN senior.p90 END AS salary_senior_p90
        FROM catalogue AS c CROSS JOIN latest
        LEFT JOIN slug_years AS now ON now.slug = c.slug AND now.year = latest.y
        LEFT JOIN growth AS g ON g.slug = c.slug
        LEFT JOIN pay AS entry ON entry.slug = c.slug AND entry.band = 'entry'
        LEFT JOIN pay AS senior ON senior.slug = c.slug AND senior.band = 'senior';

        CREATE TABLE metier_regions AS
        WITH cells AS (
            SELECT slug, region, year, count(*) AS n, sum(weight) AS people,
                   sum(CASE WHEN sex = 'F' THEN weight ELSE 0 END) / sum(weight) AS women,
                   count(wage) FILTER (WHERE status = 'employee') AS n_wages,
                   median(wage) FILTER (WHERE status = 'employee') AS median_wage
            FROM records GROUP BY slug, region, year
        ),
        flagged AS (
            SELECT *, n < getvariable('k') AS too_small FROM cells
        ),
        protect AS (
            -- A métier-year with exactly one small cell also loses its smallest other cell.
            SELECT slug, year, arg_min(region, (n, region)) AS region
            FROM flagged WHERE NOT too_small AND (slug, year) IN (
                SELECT (slug, year) FROM flagged GROUP BY slug, year
                HAVING count(*) FILTER (WHERE too_small) = 1
            )
            GROUP BY slug, year
        ),
        decided AS (
            SELECT flagged.*, too_small OR protect.region IS NOT NULL AS withheld
            FROM flagged LEFT JOIN protect USING (slug, year, region)
        )
        SELECT slug, region, year,
               CASE WHEN NOT withheld THEN people END AS headcount,
               CASE WHEN NOT withheld THEN women END AS share_women,
               CASE WHEN NOT withheld AND n_wages >= getvariable('k') THEN median_wage END
                   AS salary_median,
               CASE WHEN NOT withheld THEN n END AS n_records,
               CASE WHEN NOT withheld AND n_wages >= getvariable('k') THEN n_wages END
                   AS salary_n_records
        FROM decided;

        CREATE TABLE metier_salaries AS
        WITH bands AS (
            SELECT slug, year, wage,
                   CASE WHEN experience <= 2 THEN '0-2' WHEN experience <= 9 THEN '3-9'
                        ELSE '10+' END AS band
            FROM records WHERE status = 'employee' AND wage IS NOT NULL
        ),
        cells AS (
            SELECT slug, band, year, count(*) AS n,
                   quantile_cont(wage, 0.1) AS p10, quantile_cont(wage, 0.25) AS p25,
                   median(wage) AS median, quantile_cont(wage, 0.75) AS p75,
                   quantile_cont(wage, 0.9) AS p90
            FROM bands GROUP BY slug, band, year
        )
        SELECT slug, band, year,
               CASE WHEN n >= getvariable('k') THEN n END AS n_records,
               CASE WHEN n >= getvariable('k') THEN p10 END AS p10,
               CASE WHEN n >= getvariable('k') THEN p25 END AS p25,
               CASE WHEN n >= getvariable('k') THEN median END AS median,
               CASE WHEN n >= getvariable('k') THEN p75 END AS p75,
               CASE WHEN n >= getvariable('k') THEN p90 END AS p90
        FROM cells;

        DROP TABLE records;
        DROP TABLE register_raw;
        """
    )


def run_baseline(
    raw_dir: Path, out_path: Path, min_records: int = 10, memory_limit: str | None = None
) -> None:
    """Validate and compute into `out_path` (a new DuckDB file); raise on a broken rule."""
    out_path.unlink(missing_ok=True)
    config = {"memory_limit": memory_limit} if memory_limit else {}
    with duckdb.connect(str(out_path), config=config) as connection:
        load(connection, raw_dir)
        broken = violations(connection)
        if broken:
            raise BaselineRejected(f"rules broken (records per rule): {broken}")
        compute(connection, min_records)
        connection.execute("CHECKPOINT")


def _same(left: object, right: object) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float) or isinstance(right, float):
        return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-9)
    return left == right


# The baseline implements the first disclosure rule of docs/methodology.md (a cell with
# fewer records than the threshold is withheld, plus one secondary cell per métier-year). The
# marts now also apply later rules (dominance, per-indicator thresholds, secondary
# suppression of salary bands, pooling when a band is withheld), which the baseline does not
# reproduce. So for these columns a value withheld on one side only is counted, not compared;
# a value both publish must be equal. Every other column must be equal everywhere.
MAY_BE_WITHHELD = {
    "metier_figures": {"salary_entry", "salary_senior_median", "salary_senior_p90"},
    "metier_regions": {
        "headcount",
        "share_women",
        "salary_median",
        "n_records",
        "salary_n_records",
    },
    "metier_salaries": {"n_records", "p10", "p25", "median", "p75", "p90"},
}
# A salary figure pooled over Y-2..Y because its year-Y band was withheld is not comparable.
POOLED = {
    "salary_entry": "salary_entry_period",
    "salary_senior_median": "salary_senior_period",
    "salary_senior_p90": "salary_senior_period",
}


def differences(published: Path, baseline: Path, limit: int = 10) -> list[str]:
    """Where the pipeline's marts and the baseline disagree (empty when they agree)."""
    found: list[str] = []
    for _table, compared, _withheld in comparisons(published, baseline):
        found += compared
        if len(found) >= limit:
            return found[:limit]
    return found


def comparisons(published: Path, baseline: Path) -> list[tuple[str, list[str], int]]:
    """Per table: the disagreements, and how many cells the pipeline withheld beyond the
    baseline's rule (or pooled) and were therefore not compared."""
    results = []
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"ATTACH {_quote(str(published))} AS a (READ_ONLY)")
        connection.execute(f"ATTACH {_quote(str(baseline))} AS b (READ_ONLY)")
        for table, (keys, values) in COMPARED.items():
            present = {
                row[0]
                for row in connection.execute(
                    "SELECT column_name FROM duckdb_columns() "
                    "WHERE database_name = 'a' AND table_name = ?",
                    [table],
                ).fetchall()
            }
            periods = sorted({POOLED[v] for v in values if v in POOLED and POOLED[v] in present})
            columns = ", ".join((*keys, *values))
            order = ", ".join(keys)
            left_rows = connection.execute(
                f"SELECT {columns}{''.join(', ' + p for p in periods)}, "
                f"{'reference_year' if periods else 'NULL'} FROM a.{table} ORDER BY {order}"
            ).fetchall()
            right_rows = connection.execute(
                f"SELECT {columns} FROM b.{table} ORDER BY {order}"
            ).fetchall()
            found: list[str] = []
            withheld = 0
            if len(left_rows) != len(right_rows):
                found.append(
                    f"{table}: {len(left_rows)} rows published, {len(right_rows)} baseline"
                )
                results.append((table, found, withheld))
                continue
            names = (*keys, *values)
            for left_row, right_row in zip(left_rows, right_rows, strict=True):
                period_of = dict(zip(periods, left_row[len(names) : -1], strict=True))
                reference_year = left_row[-1]
                for name, lv, rv in zip(names, left_row[: len(names)], right_row, strict=True):
                    pooled = POOLED.get(name) in period_of and period_of[POOLED[name]] not in (
                        None,
                        str(reference_year),
                    )
                    if pooled:
                        withheld += 1
                        continue
                    if (lv is None) != (rv is None) and name in MAY_BE_WITHHELD[table]:
                        # Withheld on one side only: the later rules chose other cells.
                        withheld += 1
                        continue
                    if not _same(lv, rv):
                        key = dict(zip(keys, left_row[: len(keys)], strict=True))
                        found.append(f"{table} {key}: {name} published {lv!r}, baseline {rv!r}")
            results.append((table, found, withheld))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--min-records", type=int, default=10)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 2GB")
    args = parser.parse_args(argv)
    try:
        run_baseline(args.raw_dir, args.out, args.min_records, args.memory_limit)
    except BaselineRejected as error:
        print(f"baseline rejected the data: {error}", file=sys.stderr)
        raise SystemExit(1) from error


if __name__ == "__main__":
    main()
