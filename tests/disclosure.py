"""A reusable check that withheld values leak nowhere: apply it to any published output (mart
rows, card strings, `metiers figures --format json`, API responses, exports).

    from disclosure import assert_values_absent
    assert_values_absent(response.text, withheld_values, where="GET /metiers/x")

Numbers are compared as numbers, in every written form JSON, CSV or Python gives them
(2843.5, 2.8435e3, "2843.5"): display strings round on purpose, so a rounded figure such as
"~40" is not compared; callers pass values that cannot appear by coincidence (see
`distinctive`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
from conftest import BUNDLED_RAW

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def numbers_in_text(text: str) -> list[float]:
    return [float(match) for match in NUMBER.findall(text)]


def published_numbers(published: Any) -> list[float]:
    """Every number in a text, a frame, rows (dicts or tuples) or nested lists and dicts."""
    if published is None or isinstance(published, bool):
        return []
    if isinstance(published, int | float):
        return [] if math.isnan(published) else [float(published)]
    if isinstance(published, str):
        return numbers_in_text(published)
    if isinstance(published, pl.DataFrame):
        return published_numbers(published.rows())
    if isinstance(published, Mapping):
        return [number for value in published.values() for number in published_numbers(value)]
    if isinstance(published, Iterable):
        return [number for value in published for number in published_numbers(value)]
    return numbers_in_text(str(published))


def _key(value: float) -> float:
    return float(f"{value:.9g}")


def leaked(published: Any, withheld: Iterable[float]) -> list[float]:
    """The withheld values found among the published numbers (to 9 significant figures)."""
    found = {_key(number) for number in published_numbers(published)}
    return sorted({value for value in withheld if _key(value) in found})


def assert_values_absent(published: Any, withheld: Iterable[float], where: str = "") -> None:
    leaks = leaked(published, withheld)
    assert not leaks, f"withheld value(s) {leaks[:10]} appear in {where or 'the output'}"


def distinctive(value: float | None) -> bool:
    """A value that would not turn up by chance: not a whole number, not a round fraction
    (0.5, 0.25: shares of tiny groups that many cells share)."""
    if value is None or math.isnan(value):
        return False
    return abs(value * 100 - round(value * 100)) > 1e-6


def sample_register() -> pl.DataFrame:
    """The sample's register records with their métier, read here from the raw files."""
    frames = []
    for path in sorted((BUNDLED_RAW / "register").iterdir()):
        frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
        if "weight" not in frame.columns:
            frame = frame.with_columns(pl.lit(1.0).alias("weight"))
        frames.append(
            frame.select(
                pl.col("year").cast(pl.Int32),
                pl.col("occupation_code").cast(pl.String),
                pl.col("region"),
                pl.col("sex"),
                pl.col("status"),
                pl.col("age").cast(pl.Int32),
                pl.col("gross_monthly_eur").cast(pl.Float64),
                pl.col("experience_years").cast(pl.Int32),
                pl.col("weight").cast(pl.Float64),
            )
        )
    records = pl.concat(frames)
    catalogue = pl.read_csv(BUNDLED_RAW / "metiers" / "metiers.csv", infer_schema=False)
    joined = [
        records.filter(
            (pl.col("occupation_code") == code)
            | pl.col("occupation_code").str.starts_with(code + ".")
        ).with_columns(pl.lit(slug).alias("slug"))
        for slug, code in catalogue.select("slug", "esco_code").iter_rows()
    ]  # fmt: skip
    return pl.concat(joined)
