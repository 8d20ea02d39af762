"""The SQL macros of sql/macros/ (one per shared formula), each against values worked out by
hand, and the one Eurostat `u` rule on the real Eurostat files' flags."""

from __future__ import annotations

import math
import re

import duckdb
import pytest
from conftest import SHARED_DIR

from metiers.core.paths import SQL_DIR
from metiers.ingest.sources import eurostat
from metiers.methodology import display
from metiers.methodology.disclosure import record_reasons

EXTERNAL = SHARED_DIR / "data" / "external"
EUROSTAT_FILES = sorted(EXTERNAL.glob("eurostat_*.tsv")) if EXTERNAL.is_dir() else []


@pytest.fixture(scope="module")
def connection():
    with duckdb.connect() as connection:
        # the reason macros read the wording table, filled as the build fills it
        connection.execute((SQL_DIR / "meta" / "meta_suppression_reasons.sql").read_text())
        record_reasons(connection)
        connection.execute("CREATE SCHEMA macros")
        for path in sorted((SQL_DIR / "macros").glob("*.sql")):
            connection.execute(path.read_text(encoding="utf-8"))
        yield connection


def scalar(connection, sql: str, params: list | None = None):
    return connection.execute(sql, params or []).fetchall()[0][0]


def test_every_macro_file_defines_the_macro_it_is_named_after(connection) -> None:
    defined = {
        row[0]
        for row in connection.execute(
            "SELECT function_name FROM duckdb_functions() WHERE schema_name = 'macros'"
        ).fetchall()
    }
    assert defined == {path.stem for path in (SQL_DIR / "macros").glob("*.sql")}


def test_dominance_share(connection) -> None:
    # top 2 of 100, 200, 300, 400: (300 + 400) / 1000
    assert scalar(connection, "SELECT macros.dominance_share([100, 200, 300, 400], 2)") == 0.7
    # fewer values than top_n: all of them
    assert scalar(connection, "SELECT macros.dominance_share([500.0], 2)") == 1.0
    assert scalar(connection, "SELECT macros.dominance_share([]::DOUBLE[], 2)") is None


def test_horvitz_thompson_total_and_ratio(connection) -> None:
    rows = "(VALUES (1.0, 1.0), (2.0, 0.0), (3.0, 1.0)) AS records (weight, value)"
    # total: sqrt(1*0 + 2*1 + 3*2) / 6
    assert scalar(connection, f"SELECT macros.ht_total_cv(weight) FROM {rows}") == (
        pytest.approx(math.sqrt(8) / 6, abs=1e-15)
    )
    # ratio R = (1 + 3) / 6; V = sum(w (w - 1) (y - R)^2) / 36
    share = 4 / 6
    variance = 2 * 1 * (0 - share) ** 2 + 3 * 2 * (1 - share) ** 2
    assert scalar(
        connection, f"SELECT macros.ht_ratio_se(weight, value, {share!r}) FROM {rows}"
    ) == pytest.approx(math.sqrt(variance) / 6, abs=1e-15)
    census = "(VALUES (1.0, 1.0), (1.0, 0.0)) AS records (weight, value)"
    assert scalar(connection, f"SELECT macros.ht_total_cv(weight) FROM {census}") == 0
    assert scalar(connection, f"SELECT macros.ht_ratio_se(weight, value, 0.5) FROM {census}") == 0


def test_cv_of_the_smaller_share(connection) -> None:
    # 3% and 97% with the same standard error are equally (un)reliable: 0.006 / 0.03
    low = scalar(connection, "SELECT macros.smaller_share_cv(0.006, 0.03)")
    high = scalar(connection, "SELECT macros.smaller_share_cv(0.006, 0.97)")
    assert low == pytest.approx(0.2) and high == pytest.approx(0.2)
    # a share of 0 or 1 with no sampling error is exact, not a division by zero
    assert scalar(connection, "SELECT macros.smaller_share_cv(0.0, 1.0)") == 0


def test_quantile_cv(connection) -> None:
    # n = 100, q = 0.5: ranks 50 -/+ 1.96 * 5 -> floor(40.2) = 40 and ceil(59.8) = 60;
    # values 1..100: (60 - 40) / 3.92 / 50.5
    assert scalar(
        connection, "SELECT macros.quantile_cv(range(1, 101)::DOUBLE[], 0.5, 50.5)"
    ) == pytest.approx(20 / 3.92 / 50.5)
    assert scalar(connection, "SELECT macros.quantile_cv([]::DOUBLE[], 0.5, 1.0)") is None


def test_suppression_texts(connection) -> None:
    def text(macro: str, code: str | None, params: str | None) -> str | None:
        return scalar(connection, f"SELECT macros.{macro}(?, ?::JSON)", [code, params])

    assert text("suppression_text", "primary", '{"min_records": 7}') == "fewer than 7 records"
    assert text("cell_suppression_text", "primary", '{"min_records": 7}') == (
        "primary: fewer than 7 records"
    )
    assert text("suppression_text", "dominance", '{"top_n": 3, "share_percent": 60}') == (
        "dominance: top 3 wages over 60% of the total"
    )
    assert text("suppression_text", "no_data", '{"source": "insertion"}') == (
        "no insertion data for this métier"
    )
    assert text("cell_suppression_text", "secondary", "{}") == (
        "secondary: protects another withheld cell"
    )
    assert text("suppression_text", None, None) is None


def test_the_u_rule_knows_the_letters_the_card_explains(connection) -> None:
    """One list of Eurostat's flag letters: the macro's is the one the card translates."""
    text = (SQL_DIR / "macros" / "eurostat_unreliable.sql").read_text(encoding="utf-8")
    letters = re.search(r"'\[([a-z]+)\]\+'", text).group(1)
    assert set(letters) == set(display.EUROSTAT_FLAGS)


@pytest.mark.parametrize(
    ("flag", "unreliable"),
    [
        ("u", True),
        ("bu", True),
        ("ub", True),
        ("pu", True),
        ("b", False),
        ("p", False),
        (None, False),
        # marker meanings of aggregate sources are not Eurostat flags, even with a u in them
        ("top_coded", False),
        ("not_available", False),
        ("unavailable", False),
        ("unit", False),
        ("U", False),
    ],
)
def test_the_u_rule_on_flags_and_markers(connection, flag, unreliable) -> None:
    assert scalar(connection, "SELECT macros.eurostat_unreliable(?)", [flag]) is unreliable


@pytest.mark.skipif(not EUROSTAT_FILES, reason=f"no Eurostat files in {EXTERNAL}")
@pytest.mark.parametrize("path", EUROSTAT_FILES, ids=lambda path: path.name)
def test_the_u_rule_on_the_real_eurostat_flags(connection, path) -> None:
    """Every cell of the real files: the adapter's flag, judged by the macro, against the
    letters after the number in the raw cell (split by hand here)."""
    frame = eurostat.read_tsv(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    years = [cell.strip() for cell in lines[0].split("\t")[1:]]
    expected = {}
    for row_number, line in enumerate(lines[1:], start=2):  # its line: the header is line 1
        for year, cell in zip(years, line.split("\t")[1:], strict=True):
            letters = cell.strip().lstrip(":0123456789.+- ").strip()
            expected[(row_number, year)] = "u" in letters
    assert any(expected.values()) and not all(expected.values())
    flags = frame.select("source_row", "time_period", "flag").rows()
    judged = dict(
        zip(
            [(row, year) for row, year, _flag in flags],
            [
                scalar(connection, "SELECT macros.eurostat_unreliable(?)", [flag])
                for _row, _year, flag in flags
            ],
            strict=True,
        )
    )
    assert judged == expected
