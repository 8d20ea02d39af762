"""Seeded generator of large, synthetic employment-register extracts for scale benchmarks.

Writes a raw folder the pipeline accepts as it is (`metiers refresh --raw-dir DIR`):

    DIR/metiers/metiers.csv              a catalogue of hundreds of synthetic métiers
    DIR/register/register_<year>.parquet or .csv, one file per year (the source format of
                                          docs/design.md: year, person_id, occupation_code,
                                          region, sex, age, status, gross_monthly_eur,
                                          experience_years, weight)

The skew is what a real register has: occupation sizes follow a Zipf law (a few very large
métiers, a long tail of small ones that disclosure control withholds), the 11 NUTS-2 regions
have unequal sizes, wages are log-normal by occupation and grow with experience, the
self-employed have no wage, and about one record in six carries a weight other than 1.

Rows are generated in fixed chunks of `CHUNK_ROWS` with a seed per year and chunk, so memory
stays bounded whatever `--rows` is, and the same arguments always give the same files.

    python bench/generate_register.py --rows 1000000 --years 10 --out /tmp/register-1m
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

DEFAULT_SEED = 7
DEFAULT_METIERS = 400
LAST_YEAR = 2025
CHUNK_ROWS = 500_000
# NUTS-2 regions and their rough share of Belgian employment.
REGION_SHARES = {
    "BE10": 0.115, "BE21": 0.165, "BE22": 0.075, "BE23": 0.135, "BE24": 0.105,
    "BE25": 0.110, "BE31": 0.040, "BE32": 0.105, "BE33": 0.090, "BE34": 0.025,
    "BE35": 0.035,
}  # fmt: skip
# Weights other than 1: a sampled survey-like extract gives some records more or less weight.
WEIGHTS = np.array([1.0, 0.5, 0.8, 1.25, 1.5, 2.0])
WEIGHT_PROBS = np.array([0.84, 0.03, 0.04, 0.04, 0.03, 0.02])
# Codes in the register that no métier of the catalogue claims (they must not count anywhere).
UNMATCHED_SHARE = 0.04
REGISTER_SCHEMA = {
    "year": pl.Int32,
    "person_id": pl.String,
    "occupation_code": pl.String,
    "region": pl.String,
    "sex": pl.String,
    "age": pl.Int32,
    "status": pl.String,
    "gross_monthly_eur": pl.Float64,
    "experience_years": pl.Int32,
    "weight": pl.Float64,
}


@dataclass(frozen=True)
class Occupations:
    """Every occupation code of the register with its parameters (arrays aligned by code)."""

    codes: np.ndarray  # str
    size: np.ndarray  # relative size in the last year
    growth: np.ndarray  # yearly growth of the size
    share_women: np.ndarray
    share_self_employed: np.ndarray
    log_wage: np.ndarray  # log of the entry-level monthly wage
    training_years: np.ndarray


@dataclass(frozen=True)
class Catalogue:
    rows: list[dict]
    occupations: Occupations


def build_catalogue(seed: int, metier_count: int) -> Catalogue:
    """Métiers on ISCO-08-like unit groups: some take a whole group (`2654`), most an ESCO
    occupation code inside one (`2654.2`); records carry the code or a finer one (`2654.2.1`)."""
    rng = np.random.default_rng([seed, 0])
    group_count = max(1, int(metier_count * 0.6))
    groups = rng.choice(np.arange(1110, 9700), size=group_count + 40, replace=False)
    groups = [str(g) for g in groups if str(g)[1:] != "000"][: group_count + 20]
    catalogue_groups, unmatched_groups = groups[:group_count], groups[group_count:]
    metier_codes: list[str] = []
    whole_group = rng.random(group_count) < 0.3
    for group, whole in zip(catalogue_groups, whole_group, strict=True):
        if whole:
            metier_codes.append(group)
        else:
            metier_codes += [f"{group}.{k}" for k in range(1, 1 + int(rng.integers(1, 5)))]
    metier_codes = metier_codes[:metier_count]
    rows = []
    for number, code in enumerate(metier_codes, start=1):
        low = int(rng.integers(0, 7))
        rows.append(
            {
                "slug": f"metier-synthetique-{number:04d}",
                "title_fr": f"Métier synthétique {number}",
                "title_nl": f"Synthetisch beroep {number}",
                "title_en": f"Synthetic occupation {number}",
                "esco_code": code,
                "training_years_min": low,
                "training_years_max": low + int(rng.integers(0, 3)),
                "training_plus_experience": bool(rng.random() < 0.2),
            }
        )
    # Register codes: each métier's code, some finer codes under it, and unmatched groups.
    register_codes: list[str] = []
    for code in metier_codes:
        register_codes.append(code)
        if "." in code and rng.random() < 0.3:
            register_codes.append(f"{code}.1")
    matched = len(register_codes)
    register_codes += unmatched_groups
    count = len(register_codes)
    ranks = rng.permutation(count) + 1
    size = 1.0 / ranks**1.1
    unmatched = np.arange(count) >= matched
    size[unmatched] *= UNMATCHED_SHARE * size[~unmatched].sum() / size[unmatched].sum()
    occupations = Occupations(
        codes=np.array(register_codes),
        size=size / size.sum(),
        growth=rng.normal(0.01, 0.03, count),
        share_women=rng.beta(2.0, 2.0, count),
        share_self_employed=rng.beta(0.7, 6.0, count),
        log_wage=rng.normal(np.log(2700.0), 0.22, count),
        training_years=rng.integers(0, 7, count),
    )
    return Catalogue(rows=rows, occupations=occupations)


def rows_per_year(total_rows: int, years: list[int]) -> dict[int, int]:
    """Register size grows about 1% a year; the counts add up to `total_rows` exactly."""
    shares = np.array([1.01 ** (year - years[0]) for year in years])
    counts = np.floor(total_rows * shares / shares.sum()).astype(int)
    counts[-1] += total_rows - counts.sum()
    return dict(zip(years, counts.tolist(), strict=True))


def generate_chunk(
    occupations: Occupations, year: int, first_person: int, rows: int, seed: int, chunk: int
) -> pl.DataFrame:
    """One chunk of a year's records; its own seed keeps the output independent of memory."""
    rng = np.random.default_rng([seed, year, chunk])
    probs = occupations.size * (1 + occupations.growth) ** (year - LAST_YEAR)
    probs = probs / probs.sum()
    occupation = rng.choice(len(probs), size=rows, p=probs)
    regions = np.array(list(REGION_SHARES))
    region_probs = np.array(list(REGION_SHARES.values()))
    region = rng.choice(len(regions), size=rows, p=region_probs / region_probs.sum())
    women = rng.random(rows) < occupations.share_women[occupation]
    self_employed = rng.random(rows) < occupations.share_self_employed[occupation]
    age = np.clip(np.rint(rng.normal(42.0, 11.0, rows)), 18, 67).astype(np.int32)
    start_age = 18 + occupations.training_years[occupation] + rng.integers(0, 5, rows)
    experience = np.clip(age - start_age, 0, 49).astype(np.int32)
    log_wage = (
        occupations.log_wage[occupation]
        + 0.035 * experience
        - 0.0006 * experience**2
        + 0.06 * (regions[region] == "BE10")
        - 0.05 * women
        + rng.normal(0.0, 0.25, rows)
    )
    wage = np.round(np.clip(np.exp(log_wage), 900.0, 40000.0), 2)
    weight = WEIGHTS[rng.choice(len(WEIGHTS), size=rows, p=WEIGHT_PROBS)]
    return pl.DataFrame(
        {
            "year": np.full(rows, year, dtype=np.int32),
            "person_id": np.arange(first_person, first_person + rows, dtype=np.int64),
            "occupation_code": occupations.codes[occupation],
            "region": regions[region],
            "sex": np.where(women, "F", "M"),
            "age": age,
            "status": np.where(self_employed, "self_employed", "employee"),
            "gross_monthly_eur": np.where(self_employed, np.nan, wage),
            "experience_years": experience,
            "weight": weight,
        }
    ).with_columns(
        pl.format("P{}", pl.col("person_id").cast(pl.String).str.zfill(10)).alias("person_id"),
        pl.col("gross_monthly_eur").fill_nan(None),
    ).cast(REGISTER_SCHEMA)  # fmt: skip


def write_year(occupations: Occupations, year: int, rows: int, seed: int, path: Path) -> None:
    """Write one year chunk by chunk: Parquet row groups or appended CSV lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    writer = None
    with partial.open("wb") as handle:
        for chunk, first in enumerate(range(0, rows, CHUNK_ROWS)):
            frame = generate_chunk(
                occupations, year, first + 1, min(CHUNK_ROWS, rows - first), seed, chunk
            )
            if path.suffix == ".parquet":
                table = frame.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(handle, table.schema, compression="zstd")
                writer.write_table(table)
            else:
                frame.write_csv(handle, include_header=chunk == 0, float_precision=2)
        if writer is not None:
            writer.close()
    partial.replace(path)


def year_formats(years: list[int], file_format: str) -> dict[int, str]:
    """`mixed`: the older half of the years as CSV (old extracts), the rest as Parquet."""
    if file_format != "mixed":
        return dict.fromkeys(years, file_format)
    old = len(years) // 2
    return {year: "csv" if index < old else "parquet" for index, year in enumerate(years)}


def write_catalogue(rows: list[dict], out: Path) -> Path:
    path = out / "metiers" / "metiers.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {**row, "training_plus_experience": str(row["training_plus_experience"]).lower()}
            )
    return path


def generate(
    out: Path,
    rows: int,
    years: int,
    seed: int = DEFAULT_SEED,
    metier_count: int = DEFAULT_METIERS,
    file_format: str = "mixed",
) -> dict:
    """Write the raw folder and return what was written (also saved as generated.json)."""
    if rows < years:
        raise ValueError("--rows must be at least --years")
    catalogue = build_catalogue(seed, metier_count)
    register_dir = out / "register"
    if register_dir.exists():
        shutil.rmtree(register_dir)
    write_catalogue(catalogue.rows, out)
    year_list = list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
    formats = year_formats(year_list, file_format)
    counts = rows_per_year(rows, year_list)
    for year in year_list:
        write_year(
            catalogue.occupations,
            year,
            counts[year],
            seed,
            register_dir / f"register_{year}.{formats[year]}",
        )
    summary = {
        "synthetic": True,
        "seed": seed,
        "rows": rows,
        "years": year_list,
        "rows_per_year": {str(year): count for year, count in counts.items()},
        "formats": {str(year): kind for year, kind in formats.items()},
        "metiers": len(catalogue.rows),
        "occupation_codes": len(catalogue.occupations.codes),
    }
    (out / "generated.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="register rows, all years")
    parser.add_argument("--years", type=int, default=10, help="register years, up to 2025")
    parser.add_argument("--out", type=Path, required=True, help="raw folder to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--metiers", type=int, default=DEFAULT_METIERS, help="catalogue size")
    parser.add_argument(
        "--format",
        choices=("mixed", "parquet", "csv"),
        default="mixed",
        help="mixed: older half of the years as CSV, the rest as Parquet",
    )
    args = parser.parse_args(argv)
    summary = generate(args.out, args.rows, args.years, args.seed, args.metiers, args.format)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
