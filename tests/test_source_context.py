"""Staging normalisation of published tables: Eurostat context series with excludes, lists
and globs, periods, units and geography on context and aggregate rows. Expected values come
from the files' own lines, read by hand (quoted in the comments)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import pytest

from metiers.core.errors import DataRejected
from metiers.core.paths import DEFAULT_SOURCES_FILE
from metiers.core.source_registry import (
    RegistryError,
    SourceSpec,
    load_registry,
    parse_registry,
)
from metiers.ingest.sources import StagingNote, context_long, eurostat, read_with_adapter

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
TRNG = EXTERNAL / "eurostat_trng_lfse_04_oldformat_slice.tsv"
DARES = EXTERNAL / "dares_salaire_median_3niv.csv"

# Real lines of Eurostat's lfsa_egai2d SDMX-CSV 1.0 extract (research §2: the file is not in
# ../shared yet, so the test writes these lines itself): NRP and TOTAL rows, other countries
# and aggregates, flags.
LFSA_HEADER = (
    "DATAFLOW,LAST UPDATE,freq,isco08,age,sex,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS"
)
LFSA_ROWS = [
    # isco08, geo, period, value, flag
    ("NRP", "CH", "2024", "107.3", ""),
    ("NRP", "CZ", "2011", "1.0", "bu"),
    ("NRP", "CZ", "2024", "", "u"),
    ("NRP", "EA21", "2025", "629.5", ""),
    ("NRP", "FR", "2021", "646.4", "bd"),
    ("OC2", "BE", "2021", "1316.0", "b"),
    ("OC2", "BE", "2023", "1313.8", ""),
    ("OC2", "BE", "2024", "1392.0", ""),
    ("OC2", "BE", "2025", "1493.3", ""),
    ("OC26", "AT", "2024", "143.0", ""),
    ("OC26", "BE", "2021", "198.2", "b"),
    ("OC26", "BE", "2023", "195.1", ""),
    ("OC26", "BE", "2024", "188.9", ""),
    ("OC26", "BE", "2025", "196.9", ""),
    ("TOTAL", "BE", "2021", "4847.6", "b"),
    ("TOTAL", "BE", "2023", "5021.7", ""),
    ("TOTAL", "BE", "2024", "5056.3", ""),
    ("TOTAL", "BE", "2025", "5138.2", ""),
    ("TOTAL", "EU27_2020", "2025", "6487.3", ""),
]


def lfsa_text(unit: str = "THS_PER") -> str:
    lines = [LFSA_HEADER]
    for isco, geo, period, value, flag in LFSA_ROWS:
        lines.append(
            f"ESTAT:LFSA_EGAI2D(1.0),30/06/26 11:00:00,A,{isco},Y15-74,T,{unit},{geo},"
            f"{period},{value},{flag},"
        )
    return "\n".join(lines) + "\n"


def spec_from(text: str, name: str = "s") -> SourceSpec:
    return parse_registry(tomllib.loads(text))[name]


def staged(path: Path, spec: SourceSpec) -> pl.DataFrame:
    return read_with_adapter(path, spec).frame.collect()


@pytest.fixture
def lfsa(tmp_path: Path) -> Path:
    path = tmp_path / "lfsa_egai2d.csv"
    path.write_text(lfsa_text(), encoding="utf-8")
    return path


def test_real_lfsa_lines_with_the_stock_registry(lfsa: Path) -> None:
    spec = load_registry(DEFAULT_SOURCES_FILE)["eurostat_employment"]
    notes: list[StagingNote] = []
    rows = context_long(eurostat.read(lfsa), spec, lfsa, notes)
    # Belgian rows of OC2 and OC26: 2 groups x 4 years; TOTAL, NRP, AT and EU27 are out
    assert sorted(set(rows["isco_code"])) == ["2", "26"]
    assert rows.height == 8
    assert set(rows["geo"]) == {"BE"} and set(rows["geo_level"]) == {"country"}
    latest = rows.filter((pl.col("isco_code") == "26") & (pl.col("period") == "2025")).row(
        0, named=True
    )
    assert latest["value"] == 196900.0  # 196.9 thousand
    assert latest["source_value"] == 196.9
    assert latest["source_unit"] == "thousand_persons"
    assert latest["unit"] == "persons"
    assert latest["conversion"] == "thousand_persons→persons ×1000"
    assert (latest["period_kind"], latest["period_start"], latest["period_end"]) == (
        "year",
        2025,
        2025,
    )
    assert latest["year"] == 2025
    group_2 = rows.filter((pl.col("isco_code") == "2") & (pl.col("period") == "2021")).row(
        0, named=True
    )
    assert group_2["value"] == 1316000.0 and group_2["flag"] == "b"
    codes = {note.code: note for note in notes}
    assert "share_women" in codes["series_matched_nothing"].detail
    assert "sex=F" in codes["series_matched_nothing"].detail
    # TOTAL and NRP rows (CH, CZ, EU27 among them) are excluded first: of the other
    # countries only AT's OC26 2024 row is left out by geo
    geography = codes["geography_filtered_out"]
    assert "AT" in geography.detail and geography.count == 1
    assert "not_isco" not in codes  # TOTAL and NRP are excluded by the stock registry


def test_without_exclude_total_is_dropped_as_no_isco_group(lfsa: Path) -> None:
    spec = spec_from(
        """
[sources.s]
adapter = "eurostat"
role = "context"
patterns = ["*.csv"]
[sources.s.context]
geo = ["BE", "AT"]
[[sources.s.context.series]]
indicator = "employment"
unit = "thousand_persons"
filter = { sex = "T", isco08 = "OC2*" }
"""
    )
    notes: list[StagingNote] = []
    rows = context_long(eurostat.read(lfsa), spec, lfsa, notes)
    # the glob OC2* takes OC2 and OC26; the list takes BE and AT
    assert sorted(zip(rows["isco_code"], rows["geo"], strict=True)) == sorted(
        [("2", "BE")] * 4 + [("26", "BE")] * 4 + [("26", "AT")]
    )
    at = rows.filter(pl.col("geo") == "AT").row(0, named=True)
    assert at["value"] == 143000.0
    # with a filter taking everything, TOTAL would stay: it is dropped as no ISCO group
    spec = spec_from(
        """
[sources.s]
adapter = "eurostat"
role = "context"
patterns = ["*.csv"]
[sources.s.context]
geo = "BE"
[[sources.s.context.series]]
indicator = "employment"
unit = "thousand_persons"
filter = { sex = "T" }
"""
    )
    notes = []
    rows = context_long(eurostat.read(lfsa), spec, lfsa, notes)
    assert "TOTAL" not in set(rows["isco_code"])
    not_isco = next(note for note in notes if note.code == "not_isco")
    assert not_isco.count == 4 and "TOTAL" in not_isco.detail


def test_declared_unit_disagreeing_with_the_file_rejects_it(lfsa: Path) -> None:
    spec = spec_from(
        """
[sources.s]
adapter = "eurostat"
role = "context"
patterns = ["*.csv"]
[sources.s.context]
geo = "BE"
exclude = { isco08 = ["TOTAL", "NRP"] }
[[sources.s.context.series]]
indicator = "employment"
unit = "persons"
filter = { sex = "T" }
"""
    )
    with pytest.raises(DataRejected) as rejected:
        staged(lfsa, spec)
    message = str(rejected.value)
    assert str(lfsa) in message and "'unit'" in message
    assert "THS_PER" in message and "'persons'" in message


def test_missing_isco_dimension_is_rejected_not_a_crash() -> None:
    spec = spec_from(
        """
[sources.s]
adapter = "eurostat"
role = "context"
patterns = ["*.tsv"]
[sources.s.context]
geo = "BE*"
[[sources.s.context.series]]
indicator = "training"
unit = "percent"
filter = { sex = "F" }
"""
    )
    with pytest.raises(DataRejected) as rejected:
        staged(TRNG, spec)
    message = str(rejected.value)
    assert str(TRNG) in message and "'isco08'" in message
    assert "unit, sex, age, geo" in message  # the file's own dimensions


def test_general_context_without_isco_dimension() -> None:
    spec = spec_from(
        """
[sources.s]
adapter = "eurostat"
role = "context"
patterns = ["*.tsv"]
[sources.s.context]
isco_dimension = ""
geo = "BE*"
[[sources.s.context.series]]
indicator = "training"
unit = "percent"
filter = { sex = "F" }
"""
    )
    rows = staged(TRNG, spec)
    # BE, BE1, BE10, BE2, BE21..25, BE3, BE31..35: 15 places x 20 years 2000..2019 (the
    # file's 18 lines less AT, BG, BG31)
    assert rows.height == 300
    assert rows["isco_code"].null_count() == 300
    be10 = rows.filter((pl.col("geo") == "BE10") & (pl.col("period") == "2019")).row(0, named=True)
    assert be10["value"] == 0.109 and be10["source_value"] == 10.9  # line 5: "10.9"
    assert be10["unit"] == "share" and be10["geo_level"] == "nuts2"
    be34 = rows.filter((pl.col("geo") == "BE34") & (pl.col("period") == "2014")).row(0, named=True)
    assert be34["value"] == 0.047 and be34["flag"] == "u"  # line 16: "4.7 u"
    levels = dict(zip(rows["geo"], rows["geo_level"], strict=True))
    assert (levels["BE"], levels["BE1"], levels["BE10"]) == ("country", "nuts1", "nuts2")


# -- aggregate tables -----------------------------------------------------------------------

AGGREGATE = """
[sources.s]
adapter = "aggregate"
role = "aggregate"
patterns = ["*.csv"]
feeds = ["headcount", "share_women", "salary_senior_median"]
{extra}
[sources.s.options]
separator = ";"
decimal = ","
thousands = "."
keys = ["occupation_code"]
[sources.s.options.columns]
code = "occupation_code"
annee = "year"
emploi = "headcount"
femmes = "share_women"
salaire = "salary_senior_median"
"""


def aggregate_rows(tmp_path: Path, body: str, extra: str = "") -> pl.DataFrame:
    path = tmp_path / "table.csv"
    path.write_text("code;annee;emploi;femmes;salaire\n" + body, encoding="utf-8")
    return staged(path, spec_from(AGGREGATE.replace("{extra}", extra)))


def value(rows: pl.DataFrame, indicator: str) -> dict:
    return rows.filter(pl.col("indicator") == indicator).row(0, named=True)


def test_aggregate_units_are_converted(tmp_path: Path) -> None:
    units = (
        'units = { headcount = "thousand_persons", share_women = "percent", '
        'salary_senior_median = "eur_gross_per_year" }'
    )
    rows = aggregate_rows(tmp_path, "2654;2024;1,2;35,5;42.000\n", units)
    assert value(rows, "headcount")["value"] == 1200.0  # 1,2 thousand
    assert value(rows, "share_women")["value"] == 0.355  # 35,5 %
    salary = value(rows, "salary_senior_median")
    assert salary["value"] == 3500.0  # 42.000 a year / 12
    assert salary["source_value"] == 42000.0 and salary["source_unit"] == "eur_gross_per_year"
    assert salary["currency"] == "EUR" and salary["unit"] == "eur_gross_per_month"
    assert value(rows, "share_women")["conversion"] == "percent→share ÷100"
    assert set(rows["geo"]) == {"BE"} and set(rows["geo_level"]) == {"country"}
    assert rows["region"].null_count() == rows.height
    assert set(rows["year"]) == {2024} and set(rows["period_kind"]) == {"year"}


@pytest.mark.parametrize(
    ("unit", "hours", "published", "expected"),
    [
        ("eur_gross_per_week", "", "800", 3466.666666667),  # 800 x 52 / 12
        ("eur_gross_per_hour", "", "20", 3293.333333333),  # 20 x 38 x 52 / 12
        ("eur_gross_per_hour", "hours_per_week = 40.0", "20", 3466.666666667),  # 20x40x52/12
    ],
)
def test_aggregate_weekly_and_hourly_wages(
    tmp_path: Path, unit: str, hours: str, published: str, expected: float
) -> None:
    extra = f'units = {{ salary_senior_median = "{unit}" }}\n{hours}'
    rows = aggregate_rows(tmp_path, f"2654;2024;10;0,3;{published}\n", extra)
    assert value(rows, "salary_senior_median")["value"] == expected


def test_share_outside_0_1_after_conversion_rejects_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataRejected) as rejected:
        aggregate_rows(tmp_path, "2654;2024;10;120;2000\n", 'units = { share_women = "percent" }')
    message = str(rejected.value)
    assert "table.csv" in message and "share 1.2 outside 0..1" in message
    assert "'share_women'" in message


def test_a_percent_left_as_share_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DataRejected, match=r"share 35\.5 outside 0\.\.1"):
        aggregate_rows(tmp_path, "2654;2024;10;35,5;2000\n")  # default unit: share


def test_foreign_currency_is_kept_with_its_currency(tmp_path: Path) -> None:
    extra = (
        'units = { salary_senior_median = "usd_gross_per_year" }\ngeography = { country = "US" }'
    )
    rows = aggregate_rows(tmp_path, "2654;2023;10;0,3;106.500\n", extra)
    salary = value(rows, "salary_senior_median")
    assert salary["value"] == 106500.0 and salary["currency"] == "USD"
    assert salary["unit"] == "usd_gross_per_year" and salary["conversion"] is None
    assert set(rows["geo"]) == {"US"} and rows["region"].null_count() == rows.height


def test_unknown_unit_rejects_the_file_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(DataRejected, match=r"units.share_women.*'percnt'"):
        aggregate_rows(tmp_path, "2654;2024;10;3;2000\n", 'units = { share_women = "percnt" }')


def test_geography_column_of_nuts_codes(tmp_path: Path) -> None:
    text = AGGREGATE.replace("{extra}", 'geography = { column = "geo_code" }').replace(
        'salaire = "salary_senior_median"', 'salaire = "salary_senior_median"\nzone = "geo_code"'
    )
    text = text.replace('keys = ["occupation_code"]', 'keys = ["occupation_code", "geo_code"]')
    path = tmp_path / "table.csv"
    path.write_text(
        "code;annee;emploi;femmes;salaire;zone\n2654;2024;10;0,3;2000;BE10\n"
        "2654;2024;40;0,3;2000;BE\n2654;2024;50;0,3;2000;be2\n",
        encoding="utf-8",
    )
    rows = staged(path, spec_from(text)).filter(pl.col("indicator") == "headcount")
    places = {
        row["geo"]: (row["geo_level"], row["region"], row["value"])
        for row in rows.iter_rows(named=True)
    }
    assert places == {
        "BE10": ("nuts2", "BE10", 10.0),
        "BE": ("country", None, 40.0),
        "BE2": ("nuts1", "BE2", 50.0),
    }


def test_bad_period_label_is_rejected_naming_file_and_column(tmp_path: Path) -> None:
    with pytest.raises(DataRejected) as rejected:
        aggregate_rows(tmp_path, "2654;2024;10;0,3;2000\n2654;vers 2020;10;0,3;2000\n")
    message = str(rejected.value)
    assert "table.csv" in message and "column 'annee'" in message
    assert "'vers 2020'" in message and "a range (2017-2019)" in message
    assert "rows 3" in message  # its line: the header is line 1 (README, "Row numbers")


def test_dares_period_ranges_and_na() -> None:
    spec = spec_from(
        """
[sources.s]
adapter = "aggregate"
role = "aggregate"
patterns = ["*.csv"]
feeds = ["salary_senior_median"]
units = { salary_senior_median = "eur_net_per_month" }
geography = { country = "FR" }
[sources.s.options]
encoding = "latin-1"
separator = ","
keys = ["occupation_code"]
markers = { NA = "not_available" }
[sources.s.options.columns]
Fap3 = "occupation_code"
Annee = "year"
Salaire_median = "salary_senior_median"
"""
    )
    rows = staged(DARES, spec)
    assert rows.height == 654
    ranges = rows.filter(pl.col("period") == "2017-2019")
    assert ranges.height == 303
    assert set(ranges["period_kind"]) == {"range"}
    assert (ranges["period_start"].unique().item(), ranges["year"].unique().item()) == (
        2017,
        2019,
    )
    assert rows.filter(pl.col("flag") == "not_available").height == 3
    u1z = rows.filter((pl.col("occupation_code") == "U1Z") & (pl.col("period") == "2017-2019"))
    row = u1z.row(0, named=True)
    assert row["value"] == 2000.0  # line 167: "U1Z","2017-2019",2000, a net wage: kept as is
    assert row["unit"] == "eur_net_per_month" and row["currency"] == "EUR"
    assert set(rows["geo"]) == {"FR"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('geography = { country = "Belgium" }', "geography.country"),
        ("hours_per_week = 0", "hours_per_week"),
        ('geography = { nuts = "x" }', r"geography: unknown key\(s\) 'nuts'"),
    ],
)
def test_registry_checks_the_new_keys(entry: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        spec_from(AGGREGATE.replace("{extra}", entry))


def test_lists_and_globs_in_context_filters_parse() -> None:
    spec = spec_from(
        """
[sources.s]
adapter = "eurostat"
role = "context"
patterns = ["*.csv"]
[sources.s.context]
geo = ["BE", "BE1*"]
exclude = { isco08 = ["TOTAL", "NRP"] }
[[sources.s.context.series]]
indicator = "employment"
filter = { sex = "T", age = ["Y15-74", "Y15-64"] }
exclude = { isco08 = "OC0" }
"""
    )
    assert spec.context is not None
    assert spec.context.geo == ["BE", "BE1*"]
    assert spec.context.series[0].exclude == {"isco08": "OC0"}


@pytest.mark.slow  # a refresh of the bundled sample
def test_real_lfsa_extract_reaches_belgian_context(tmp_path: Path) -> None:
    """Done-when of issue 15: the real lfsa_egai2d lines dropped into the Eurostat folder of
    the bundled sample, with the stock registry, publish Belgian context for the groups they
    cover, values equal to the file's (196.9 thousand for OC26 in 2025, the latest period)."""
    import shutil

    import duckdb
    from conftest import BUNDLED_RAW

    from metiers.core.config import Settings
    from metiers.refresh.pipeline import run_refresh

    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    (raw / "eurostat").mkdir(exist_ok=True)  # the sample's own file is in eurostat_sample/
    (raw / "eurostat" / "lfsa_egai2d.csv").write_text(lfsa_text(), encoding="utf-8")
    settings = Settings(raw_dir=raw, marts_dir=tmp_path / "marts")
    run_refresh(settings)
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        rows = connection.execute(
            "SELECT isco_group, geo, period, value, source_value, source_unit, source_file "
            "FROM metier_context WHERE slug = 'monteur-monteuse-video' "
            "AND indicator = 'employment'"
        ).fetchall()
        groups = connection.execute(
            "SELECT DISTINCT isco_group FROM metier_context WHERE source_file LIKE '%.csv'"
        ).fetchall()
    # 2654.2 sits in ISCO group 26; the bundled TSV stops at 2024, the real lines reach 2025
    assert rows == [
        ("26", "BE", "2025", 196900.0, 196.9, "thousand_persons", "eurostat/lfsa_egai2d.csv")
    ]
    assert groups == [("26",)]  # group 2 is covered too, but 26 is the more specific one


def test_series_exclude_drops_rows_before_the_filter(lfsa: Path) -> None:
    spec = spec_from(
        """
[sources.s]
adapter = "eurostat"
role = "context"
patterns = ["*.csv"]
[sources.s.context]
geo = "BE"
[[sources.s.context.series]]
indicator = "employment"
unit = "thousand_persons"
filter = { isco08 = "OC*" }
exclude = { isco08 = "OC2" }
"""
    )
    rows = context_long(eurostat.read(lfsa), spec, lfsa)
    # OC26 BE 2021, 2023, 2024, 2025: 198.2, 195.1, 188.9, 196.9 thousand
    assert sorted(zip(rows["period"], rows["value"], strict=True)) == [
        ("2021", 198200.0),
        ("2023", 195100.0),
        ("2024", 188900.0),
        ("2025", 196900.0),
    ]


BLS = EXTERNAL / "bls_oews_national_M2023_dl.csv"


def test_bls_is_american_context_never_a_belgian_figure() -> None:
    """BLS OEWS with its example options (defaults.region = "US"): the place is the US, the
    wages stay dollars a year. Line 451: 27-1011 Art Directors, TOT_EMP "51,200",
    A_MEDIAN "106,500"."""
    from metiers.ingest.sources.aggregate import BLS_OEWS_OPTIONS

    spec = SourceSpec(
        name="bls",
        description="",
        patterns=("*.csv",),
        columns=(),
        adapter="aggregate",
        role="aggregate",
        feeds=("headcount", "salary_median"),
        options=BLS_OEWS_OPTIONS,
        units={"salary_median": "usd_gross_per_year"},
    )
    rows = staged(BLS, spec)
    art = rows.filter(pl.col("occupation_code") == "27-1011")
    headcount = value(art, "headcount")
    assert headcount["value"] == 51200.0 and headcount["unit"] == "persons"
    wage = value(art, "salary_median")
    assert wage["value"] == 106500.0 and wage["currency"] == "USD"
    assert wage["unit"] == "usd_gross_per_year" and wage["conversion"] is None
    assert set(rows["geo"]) == {"US"} and rows["region"].null_count() == rows.height
    assert set(rows["year"]) == {2023}
