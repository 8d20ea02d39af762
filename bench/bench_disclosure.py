"""What disclosure control costs: the regional and wage-band models (primary, dominance,
secondary suppression, CVs) against a plain GROUP BY of the same cells, on a synthetic
register, in the same process.

    nice .venv/bin/python bench/bench_disclosure.py [--rows 2000000] [--metiers 400]
"""

from __future__ import annotations

import argparse
import time

import duckdb
import numpy as np
import polars as pl

from metiers.methodology.disclosure import DisclosureRules, run_regional_models

REGIONS = ["BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35"]


def synthetic_register(rows: int, metiers: int, seed: int = 1) -> pl.DataFrame:
    """Métiers of very different sizes (a few large, many small), so many cells are small."""
    rng = np.random.default_rng(seed)
    sizes = rng.zipf(1.6, size=rows) % metiers
    employee = rng.random(rows) < 0.75
    return pl.DataFrame(
        {
            "slug": [f"m{size}" for size in sizes],
            "year": rng.integers(2019, 2026, rows).astype(np.int32),
            "region": rng.choice(REGIONS, rows),
            "sex": rng.choice(["F", "M"], rows),
            "age": rng.integers(18, 67, rows).astype(np.int32),
            "status": np.where(employee, "employee", "self_employed"),
            "gross_monthly_eur": np.where(employee, rng.lognormal(8.0, 0.3, rows), np.nan),
            "experience_years": rng.integers(0, 40, rows).astype(np.int32),
            "weight": rng.choice([1.0, 1.0, 2.0, 3.5], rows),
        }
    ).with_columns(pl.col("gross_monthly_eur").fill_nan(None))


def timed(connection: duckdb.DuckDBPyConnection, statements: list[str]) -> float:
    start = time.perf_counter()
    for statement in statements:
        connection.execute(statement)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--metiers", type=int, default=400)
    arguments = parser.parse_args()
    register = synthetic_register(arguments.rows, arguments.metiers)
    with duckdb.connect() as connection:
        connection.execute("CREATE SCHEMA intermediate")
        records = register.to_arrow()  # noqa: F841 - read by DuckDB by name
        connection.execute("CREATE TABLE intermediate.int_register_records AS FROM records")
        baseline = timed(
            connection,
            [
                """CREATE OR REPLACE TABLE plain_regions AS
                SELECT slug, region, year, count(*) AS n_records, sum(weight) AS headcount,
                    sum(weight) FILTER (WHERE sex = 'F') / sum(weight) AS share_women,
                    quantile_cont(gross_monthly_eur, 0.5) AS salary_median
                FROM intermediate.int_register_records GROUP BY ALL""",
                """CREATE OR REPLACE TABLE plain_bands AS
                SELECT slug, year, experience_years < 3 AS entry, count(*) AS n_records,
                    quantile_cont(gross_monthly_eur, [0.1, 0.25, 0.5, 0.75, 0.9]) AS quantiles
                FROM intermediate.int_register_records WHERE status = 'employee' GROUP BY ALL""",
            ],
        )
        start = time.perf_counter()
        run_regional_models(connection, DisclosureRules())
        protected = time.perf_counter() - start
        cells, withheld = connection.execute(
            "SELECT count(*), count(suppressed) FROM metier_regions"
        ).fetchall()[0]
    print(f"register rows            {arguments.rows:>12,}")
    print(f"regional cells           {cells:>12,}  ({withheld:,} withheld)")
    print(f"plain GROUP BY (baseline) {baseline:>10.2f} s")
    print(f"disclosure models         {protected:>10.2f} s")
    print(f"ratio to baseline         {protected / baseline:>10.2f}x")


if __name__ == "__main__":
    main()
