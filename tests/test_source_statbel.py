"""Statbel adapter: the real REFNIS 2019 list, and small open-data files written here.

Expected REFNIS values were read off the raw file by hand (iconv -f latin1 | awk -F';').
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import SHARED_DIR

from metiers.core.errors import DataRejected, UsageError
from metiers.ingest.sources import statbel

EXTERNAL = SHARED_DIR / "data" / "external"
REFNIS = EXTERNAL / "statbel_REFNIS_2019.csv"

needs_refnis = pytest.mark.skipif(not REFNIS.exists(), reason=f"{REFNIS} is not available")


@pytest.fixture(scope="module")
def refnis() -> pl.DataFrame:
    if not REFNIS.exists():
        pytest.skip(f"{REFNIS} is not available")
    return statbel.read_refnis(REFNIS)


def unit(frame: pl.DataFrame, code: str) -> dict:
    found = frame.filter(pl.col("code") == code)
    assert found.height == 1, code
    return found.row(0, named=True)


def rejected(call, *args) -> list:
    with pytest.raises(DataRejected) as caught:
        call(*args)
    assert caught.value.stage == "ingest"
    return caught.value.problems


# --- REFNIS 2019 -----------------------------------------------------------------------------


@needs_refnis
def test_refnis_shape_and_levels(refnis: pl.DataFrame) -> None:
    raw = REFNIS.read_bytes()
    assert raw.count(b"\n") == 639 and b"\r" not in raw  # header + 638 records, LF
    assert refnis.height == 638
    assert refnis.schema == pl.Schema(
        {
            "code": pl.String,
            "name_fr": pl.String,
            "name_nl": pl.String,
            "name_de": pl.String,  # null: REFNIS 2019 has no German names
            "language": pl.String,
            "language_nl": pl.String,
            "level": pl.String,
            "nuts2": pl.String,
            "nuts1": pl.String,
            "source_row": pl.Int64,
        }
    )
    # Row numbers are line numbers (README): the header is line 1, records lines 2..639.
    assert refnis["source_row"].to_list() == list(range(2, 640))
    assert refnis["code"].str.contains(r"^[0-9]{5}$").all()
    assert refnis["code"].n_unique() == 638
    counts = dict(refnis.group_by("level").len().iter_rows())
    # README: "Kingdom/regions (4)" = 1 kingdom + 3 regions.
    assert counts == {
        "kingdom": 1,
        "region": 3,
        "province": 10,
        "arrondissement": 43,
        "municipality": 581,
    }
    # Second method: only municipalities have a language regime (57 blank = 1 + 3 + 10 + 43).
    assert refnis.filter(pl.col("language").is_null()).height == 57
    municipalities = refnis.filter(pl.col("level") == "municipality")
    assert municipalities["language"].null_count() == 0
    regions = refnis.filter(pl.col("level") == "region").sort("code")
    assert regions["code"].to_list() == ["02000", "03000", "04000"]
    provinces = refnis.filter(pl.col("level") == "province")["code"].sort().to_list()
    assert provinces == [
        "10000", "20001", "20002", "30000", "40000", "50000", "60000", "70000", "80000",
        "90000",
    ]  # fmt: skip
    arrondissements = refnis.filter(pl.col("level") == "arrondissement")
    assert arrondissements["name_fr"].str.starts_with("Arrondissement ").all()
    assert arrondissements["name_nl"].str.starts_with("Arrondissement ").all()


@needs_refnis
def test_refnis_latin1_is_decoded(refnis: pl.DataFrame) -> None:
    raw = REFNIS.read_bytes()
    assert raw.startswith(b"Code INS;Entit\xe9s administratives;Langue;Code NIS;")
    assert unit(refnis, "03000")["name_fr"] == "RÉGION WALLONNE"
    assert unit(refnis, "04000")["name_fr"] == "RÉGION DE BRUXELLES-CAPITALE"
    assert unit(refnis, "63001")["name_fr"] == "Amblève"  # `Amel` in Dutch, German-speaking
    assert unit(refnis, "63001")["name_nl"] == "Amel"
    assert unit(refnis, "60000")["name_fr"] == "Province de Liège"
    assert not refnis["name_fr"].str.contains("\ufffd|Ã").any()
    # Forcing UTF-8 on this Latin-1 file is refused rather than read with U+FFFD.
    (problem,) = rejected(statbel.read_refnis, REFNIS, {"encoding": "utf-8"})
    assert problem.file == str(REFNIS)
    assert "utf-8" in problem.rule
    assert statbel.read_refnis(REFNIS, {"encoding": "latin-1"}).equals(refnis)


@needs_refnis
def test_refnis_specific_units(refnis: pl.DataFrame) -> None:
    assert unit(refnis, "01000") == {
        "code": "01000",
        "name_fr": "ROYAUME",
        "name_nl": "HET RIJK",
        "name_de": None,
        "language": None,
        "language_nl": None,
        "level": "kingdom",
        "nuts2": None,
        "nuts1": None,
        "source_row": 2,
    }
    assert unit(refnis, "20001") | {"source_row": 0} == {
        "code": "20001",
        "name_fr": "Province du Brabant Flamand",
        "name_nl": "Provincie Vlaams-Brabant",
        "name_de": None,
        "language": None,
        "language_nl": None,
        "level": "province",
        "nuts2": "BE24",
        "nuts1": "BE2",
        "source_row": 0,
    }
    brabant_wallon = unit(refnis, "20002")
    assert (brabant_wallon["name_fr"], brabant_wallon["name_nl"]) == (
        "Province du Brabant Wallon",
        "Provincie Waals-Brabant",
    )
    assert (brabant_wallon["level"], brabant_wallon["nuts2"]) == ("province", "BE31")
    puurs = unit(refnis, "12041")  # 2019 merger of Puurs and Sint-Amands, arr. Mechelen
    assert (puurs["name_fr"], puurs["name_nl"], puurs["language"]) == (
        "Puurs-Sint-Amands",
        "Puurs-Sint-Amands",
        "N",
    )
    assert (puurs["level"], puurs["nuts2"]) == ("municipality", "BE21")
    deinze = unit(refnis, "44083")  # 2019 merger of Deinze and Nevele, arr. Gent
    assert (deinze["name_fr"], deinze["name_nl"], deinze["level"], deinze["nuts2"]) == (
        "Deinze",
        "Deinze",
        "municipality",
        "BE23",
    )
    assert unit(refnis, "21004")["name_nl"] == "Brussel"
    assert (unit(refnis, "21004")["language"], unit(refnis, "21004")["language_nl"]) == (
        "FN",
        "NF",
    )
    assert unit(refnis, "04000")["nuts2"] == "BE10"
    assert unit(refnis, "02000")["nuts2"] is None and unit(refnis, "03000")["nuts2"] is None


@needs_refnis
def test_refnis_arrondissements_follow_their_province(refnis: pl.DataFrame) -> None:
    def nuts(code: str) -> str:
        return unit(refnis, code)["nuts2"]

    assert nuts("21000") == "BE10"  # Arrondissement de Bruxelles-Capitale
    assert unit(refnis, "23000")["name_nl"] == "Arrondissement Halle-Vilvoorde"
    assert nuts("23000") == nuts("24000") == "BE24"  # Hal-Vilvorde, Louvain
    assert unit(refnis, "25000")["name_fr"] == "Arrondissement de Nivelles"
    assert nuts("25000") == "BE31"
    assert nuts("58000") == "BE32"  # Arrondissement de La Louvière (created 2019), Hainaut
    assert nuts("84000") == "BE34"  # Neufchâteau, Luxembourg
    assert nuts("73000") == "BE22"  # Tongres, Limbourg


@needs_refnis
def test_refnis_every_municipality_has_a_nuts2(refnis: pl.DataFrame) -> None:
    municipalities = refnis.filter(pl.col("level") == "municipality")
    assert municipalities["nuts2"].null_count() == 0
    # Municipalities per province after the 2019 mergers (Statbel): 300 in Flanders,
    # 262 in Wallonia, 19 in Brussels.
    assert dict(municipalities.group_by("nuts2").len().iter_rows()) == {
        "BE10": 19,
        "BE21": 69,
        "BE22": 42,
        "BE23": 60,
        "BE24": 65,
        "BE25": 64,
        "BE31": 27,
        "BE32": 69,
        "BE33": 84,
        "BE34": 44,
        "BE35": 38,
    }
    # Second method, the language regime: Brussels bilingual, Flanders Dutch, Wallonia French
    # (German in 9 municipalities of the province of Liège).
    regimes = dict(
        municipalities.group_by("nuts2").agg(pl.col("language").unique().sort()).iter_rows()
    )
    assert regimes["BE10"] == ["FN"]
    assert all(regimes[code] == ["N"] for code in ("BE21", "BE22", "BE23", "BE24", "BE25"))
    assert all(regimes[code] == ["F"] for code in ("BE31", "BE32", "BE34", "BE35"))
    assert regimes["BE33"] == ["D", "F"]
    assert (municipalities["language"] == "D").sum() == 9


@needs_refnis
def test_refnis_language_regimes(refnis: pl.DataFrame) -> None:
    assert set(refnis["language"].drop_nulls()) == {"F", "N", "D", "FN"}
    assert set(refnis["language_nl"].drop_nulls()) == {"F", "N", "D", "NF"}
    counts = dict(refnis.group_by("language").len().iter_rows())
    assert counts == {None: 57, "F": 253, "N": 300, "D": 9, "FN": 19}
    swapped = refnis.filter(pl.col("language") != pl.col("language_nl"))
    assert swapped.height == 19 and set(swapped["language"]) == {"FN"}


@needs_refnis
def test_nuts2_regions(refnis: pl.DataFrame) -> None:
    regions = statbel.nuts2_regions(refnis)
    assert regions.height == 11
    assert regions.columns == ["nuts2", "code", "name_fr", "name_nl", "label_fr", "label_nl"]
    assert regions["nuts2"].to_list() == [
        "BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35",
    ]  # fmt: skip
    names = {row[0]: row[1:] for row in regions.select("nuts2", "name_fr", "name_nl").rows()}
    assert names["BE10"] == ("Région de Bruxelles-Capitale", "Brussels Hoofdstedelijk Gewest")
    assert names["BE21"] == ("Anvers", "Antwerpen")
    assert names["BE22"] == ("Limbourg", "Limburg")
    assert names["BE23"] == ("Flandre Orientale", "Oost-Vlaanderen")
    assert names["BE24"] == ("Brabant Flamand", "Vlaams-Brabant")
    assert names["BE25"] == ("Flandre Occidentale", "West-Vlaanderen")
    assert names["BE31"] == ("Brabant Wallon", "Waals-Brabant")
    assert names["BE32"] == ("Hainaut", "Henegouwen")
    assert names["BE33"] == ("Liège", "Luik")
    assert names["BE34"] == ("Luxembourg", "Luxemburg")
    assert names["BE35"] == ("Namur", "Namen")
    be10 = regions.filter(pl.col("nuts2") == "BE10").row(0, named=True)
    assert (be10["code"], be10["label_fr"]) == ("04000", "RÉGION DE BRUXELLES-CAPITALE")
    be21 = regions.filter(pl.col("nuts2") == "BE21").row(0, named=True)
    assert (be21["code"], be21["label_fr"], be21["label_nl"]) == (
        "10000",
        "Province d'Anvers",
        "Provincie Antwerpen",
    )


@needs_refnis
def test_read_dispatches_refnis_by_header(refnis: pl.DataFrame, tmp_path: Path) -> None:
    assert statbel.read(REFNIS).equals(refnis)
    # The same bytes under another name are still recognised by their header.
    copy = tmp_path / "codes.txt"
    copy.write_bytes(REFNIS.read_bytes())
    assert statbel.read(copy).equals(refnis)
    assert statbel.read(copy, {"kind": "auto", "encoding": "auto"}).equals(refnis)


def test_refnis_title_case() -> None:
    assert statbel.title_case("RÉGION DE BRUXELLES-CAPITALE") == "Région de Bruxelles-Capitale"
    assert statbel.title_case("HET RIJK") == "Het Rijk"
    assert statbel.title_case("Province du Brabant Flamand") == "Province du Brabant Flamand"


def test_refnis_levels_and_nuts2_from_codes() -> None:
    assert [
        statbel.refnis_level(code)
        for code in ("01000", "02000", "04000", "10000", "20001", "21000", "21004", "0100")
    ] == [
        "kingdom", "region", "region", "province", "province", "arrondissement",
        "municipality", None,
    ]  # fmt: skip
    assert statbel.refnis_nuts2("25072") == "BE31"  # a municipality of arr. Nivelles
    assert statbel.refnis_nuts2("93014") == "BE35"  # Couvin, Namur
    assert statbel.refnis_nuts2("01000") is None


def test_refnis_rejects_bad_codes_and_content_after_taal(tmp_path: Path) -> None:
    path = tmp_path / "refnis.csv"
    path.write_bytes(
        "Code INS;Entités administratives;Langue;Code NIS;Administratieve eenheden;Taal;;\n"
        "01000;ROYAUME;;01000;HET RIJK;;;\n"
        "1000;ROYAUME;;1000;HET RIJK;;;\n"
        "11002;Anvers;N;11003;Antwerpen;N;;\n"
        "11001;Aartselaar;N;11001;Aartselaar;N;x;\n".encode("latin-1")
    )
    problems = rejected(statbel.read_refnis, path)
    by_column = {problem.column: problem for problem in problems}
    assert by_column["Code INS"].sample == ["1000"] and by_column["Code INS"].rows == [3]
    assert by_column["Code NIS"].sample == ["11002"] and by_column["Code NIS"].rows == [4]
    assert by_column["columns after 'Taal'"].rows == [5]
    not_refnis = tmp_path / "other.csv"
    not_refnis.write_text("CD_REFNIS;TX_DESCR_FR\n01000;ROYAUME\n")
    (problem,) = rejected(statbel.read_refnis, not_refnis)
    assert problem.file == str(not_refnis) and "Code INS" in problem.rule


# --- open data -----------------------------------------------------------------------------


def test_opendata_pipe_utf8_with_decimal_comma_detected(tmp_path: Path) -> None:
    path = tmp_path / "TF_SOC_POP.txt"
    path.write_text(
        "CD_REFNIS|TX_DESCR_FR|TX_DESCR_NL|CD_SEX|CD_AGE|MS_POPULATION|MS_RATE|DT_REFDATE\n"
        "01000|ROYAUME|HET RIJK|F|025|5811234|12,5|01/01/2019\n"
        "63001|Amblève|Amel|M|007|2710|0,25|01/01/2019\n"
        "21004|Bruxelles|Brussel|M|100||3|01/01/2019\n",
        encoding="utf-8",
    )
    frame = statbel.read(path)
    assert frame.schema == pl.Schema(
        {
            "cd_refnis": pl.String,
            "tx_descr_fr": pl.String,
            "tx_descr_nl": pl.String,
            "cd_sex": pl.String,
            "cd_age": pl.String,
            "ms_population": pl.Float64,
            "ms_rate": pl.Float64,
            "dt_refdate": pl.String,
            "source_row": pl.Int64,
        }
    )
    assert frame.rows() == [
        ("01000", "ROYAUME", "HET RIJK", "F", "025", 5811234.0, 12.5, "01/01/2019", 2),
        ("63001", "Amblève", "Amel", "M", "007", 2710.0, 0.25, "01/01/2019", 3),
        ("21004", "Bruxelles", "Brussel", "M", "100", None, 3.0, "01/01/2019", 4),
    ]
    assert frame["ms_rate"].sum() == pytest.approx(15.75)  # 12.5 + 0.25 + 3


def test_opendata_semicolon_latin1_crlf_with_trailing_columns(tmp_path: Path) -> None:
    path = tmp_path / "lfs.csv"
    path.write_bytes(
        "CD_YEAR;CD_NUTS2;TX_NUTS2_FR;TX_NUTS2_DE;MS_EMPLOYED;;\r\n"
        "2019;BE33;Province de Liège;Provinz Lüttich;429.3;;\r\n"
        "2019;BE10;Région de Bruxelles-Capitale;Region Brüssel-Hauptstadt;512.25;;\r\n".encode(
            "latin-1"
        )
    )
    frame = statbel.read_opendata(path)
    assert frame.columns == [
        "cd_year", "cd_nuts2", "tx_nuts2_fr", "tx_nuts2_de", "ms_employed", "source_row",
    ]  # fmt: skip
    assert frame.rows() == [
        ("2019", "BE33", "Province de Liège", "Provinz Lüttich", 429.3, 2),
        ("2019", "BE10", "Région de Bruxelles-Capitale", "Region Brüssel-Hauptstadt", 512.25, 3),
    ]
    assert frame["ms_employed"].sum() == pytest.approx(941.55)


def test_opendata_utf8_read_of_latin1_is_refused_not_garbled(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("CD_REFNIS|TX_DESCR_FR|MS_X\n62063|Liège|1\n".encode("latin-1"))
    (problem,) = rejected(statbel.read_opendata, path, {"encoding": "utf-8"})
    assert problem.file == str(path)
    assert "utf-8" in problem.rule and "latin-1" in problem.rule
    auto = statbel.read_opendata(path)
    assert auto["tx_descr_fr"].to_list() == ["Liège"]
    assert "\ufffd" not in auto["tx_descr_fr"][0]
    # A BOM-prefixed UTF-8 file: the BOM is not part of the first column name.
    bom = tmp_path / "bom.txt"
    bom.write_bytes("\ufeffCD_REFNIS|TX_DESCR_FR\n62063|Liège\n".encode())
    assert statbel.read_opendata(bom).rows() == [("62063", "Liège", 2)]


def test_opendata_decimal_option(tmp_path: Path) -> None:
    path = tmp_path / "comma.txt"
    path.write_text("CD_X;MS_A\n001;1,5\n002;-2\n")
    assert statbel.read_opendata(path, {"decimal": ","})["ms_a"].to_list() == [1.5, -2.0]
    assert statbel.read_opendata(path)["ms_a"].to_list() == [1.5, -2.0]
    (problem,) = rejected(statbel.read_opendata, path, {"decimal": "."})
    assert (problem.column, problem.sample, problem.rows) == ("MS_A", ["1,5"], [2])
    points = tmp_path / "points.txt"
    points.write_text("CD_X|MS_A|MS_B\n001|1.5|n.a.\n002|2|7\n")
    (problem,) = rejected(statbel.read_opendata, points)
    assert (problem.column, problem.sample, problem.rows) == ("MS_B", ["n.a."], [2])


def test_opendata_options_and_dispatch(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        statbel.read_opendata(tmp_path / "x.txt", {"decimal": ";"})
    with pytest.raises(UsageError):
        statbel.read(tmp_path / "x.txt", {"kind": "excel"})
    with pytest.raises(UsageError):
        statbel.read(tmp_path / "x.txt", {"sheet": 1})
    path = tmp_path / "plain.txt"
    path.write_text("CD_X\tMS_A\n001\t1\n")
    assert statbel.read(path).rows() == [("001", 1.0, 2)]
    (problem,) = rejected(statbel.read, path, {"kind": "refnis"})
    assert problem.file == str(path)
    no_separator = tmp_path / "one.txt"
    no_separator.write_text("CD_X\n001\n")
    (problem,) = rejected(statbel.read_opendata, no_separator)
    assert "separator" in problem.rule
    assert statbel.read_opendata(no_separator, {"separator": ","}).rows() == [("001", 2)]
