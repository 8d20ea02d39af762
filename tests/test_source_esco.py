"""ESCO adapter on the real ESCO exports in the shared folder (never copied into the repo).

Every expected value below was checked by hand in the files, outside polars, with grep/awk
and Python's `csv` module; the command or reasoning is written next to each assertion.
Each real file is read once per module.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from conftest import SHARED_DIR

from metiers.core.errors import DataRejected
from metiers.ingest.sources import esco

EXTERNAL = SHARED_DIR / "data" / "external"
FR_OCCUPATIONS = EXTERNAL / "esco_v1.2.1_occupations_fr.csv"
NL_OCCUPATIONS = EXTERNAL / "esco_v1.2.0_occupations_nl.csv"
EN_OCCUPATIONS = EXTERNAL / "esco_v1.2.0_occupations_en.csv"
FR_GROUPS = EXTERNAL / "esco_v1.2.1_ISCOGroups_fr.csv"
NL_GROUPS = EXTERNAL / "esco_v1.2.0_ISCOGroups_nl.csv"

OCCUPATION = "http://data.europa.eu/esco/occupation/"
# The 4 URIs listed twice in the FR file: (records of the two rows, kept date).
# `grep -n '^Occupation,http://data.europa.eu/esco/occupation/<uuid>'` gives lines
# 5827/5834, 7053/7056, 12759/12761, 13282/13293; csv.DictReader numbers those records
# 960/961, 1169/1170, 2122/2123, 2210/2211; in each pair the first says 2025-07-31T09:...Z
# and the second 2025-11-26T10:...Z, and no other field differs. `source_row` is the line a
# record starts on (README "Row numbers"): the grep lines, given here.
FR_DUPLICATES = {
    OCCUPATION + "4d27152a-a8ee-4f5a-9f93-a2fb4fb2b2e3": (5827, 5834, "2025-11-26T10:02:16.164"),
    OCCUPATION + "5d601b40-7e0e-404e-bbff-bb98e147437c": (7053, 7056, "2025-11-26T10:02:36.927"),
    OCCUPATION + "ad404c6b-291f-439e-9ad4-c93ddabd3c13": (12759, 12761, "2025-11-26T10:03:23.138"),
    OCCUPATION + "b4bff870-5c8f-4c33-b07f-f04d79830633": (13282, 13293, "2025-11-26T10:03:40.525"),
}
FR_DUPLICATES_EMPTY_ALT = OCCUPATION + "ad404c6b-291f-439e-9ad4-c93ddabd3c13"
SMART_CITIES = OCCUPATION + "8d463763-5d38-4f47-903c-1c4df32141c1"
TECHNICAL_DIRECTOR = OCCUPATION + "00030d09-2b3a-4efd-87cc-c4ea39d27c34"

# The output schema, written out from the adapter's contract (not imported from it).
OCCUPATION_DTYPES = {
    "concept_uri": pl.String,
    "code": pl.String,
    "isco_group": pl.String,
    "preferred_label": pl.String,
    "label_masculine": pl.String,
    "label_feminine": pl.String,
    "alt_labels": pl.List(pl.String),
    "hidden_labels": pl.List(pl.String),
    "status": pl.String,
    "modified_date": pl.Datetime("us"),
    "lang": pl.String,
    "has_nace": pl.Boolean,
    "source_row": pl.UInt32,
}
GROUP_DTYPES = {
    "concept_uri": pl.String,
    "code": pl.String,
    "level": pl.Int32,
    "preferred_label": pl.String,
    "alt_labels": pl.List(pl.String),
    "lang": pl.String,
    "source_row": pl.UInt32,
}


@pytest.fixture(scope="module")
def external() -> Path:
    if not EXTERNAL.is_dir():
        pytest.skip(f"shared ESCO files not found in {EXTERNAL}")
    return EXTERNAL


@pytest.fixture(scope="module")
def fr(external: Path) -> pl.DataFrame:
    return esco.read_occupations(FR_OCCUPATIONS)


@pytest.fixture(scope="module")
def nl(external: Path) -> pl.DataFrame:
    return esco.read_occupations(NL_OCCUPATIONS)


@pytest.fixture(scope="module")
def en(external: Path) -> pl.DataFrame:
    return esco.read_occupations(EN_OCCUPATIONS)


@pytest.fixture(scope="module")
def fr_groups(external: Path) -> pl.DataFrame:
    return esco.read_isco_groups(FR_GROUPS)


@pytest.fixture(scope="module")
def nl_groups(external: Path) -> pl.DataFrame:
    return esco.read_isco_groups(NL_GROUPS)


def row_of(frame: pl.DataFrame, column: str, value: str) -> dict:
    rows = frame.filter(pl.col(column) == value).to_dicts()
    assert len(rows) == 1, f"{column} = {value!r}: {len(rows)} rows"
    return rows[0]


def records(data: bytes) -> tuple[bytes, list[bytes]]:
    """Header and raw records of an ESCO occupations file: every record, and only a record,
    starts a line with its conceptType `Occupation,` (`grep -c '^Occupation,'` = 3,043 for
    FR, the record count csv.DictReader gives)."""
    header, _, body = data.partition(b"\n")
    parts = body.split(b"\nOccupation,")
    return header + b"\n", [parts[0] + b"\n"] + [
        b"Occupation," + part + b"\n" for part in parts[1:]
    ]


def record_lines(path: Path) -> list[int]:
    """The line each record starts on (header = line 1), by a second method: the csv
    module's `line_num` (lines read so far) after the previous record."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        starts, start = [], reader.line_num + 1
        for _record in reader:
            starts.append(start)
            start = reader.line_num + 1
    return starts


def write_small(path: Path, header: str, *lines: str) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def rejection(path: Path, reader=esco.read_occupations, **options) -> DataRejected:
    with pytest.raises(DataRejected) as caught:
        reader(path, options or None)
    assert caught.value.stage == "ingest"
    assert str(path) in str(caught.value)
    return caught.value


# --- language_of, split_gendered ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        ("occupations_fr.csv", "fr"),
        ("ISCOGroups_nl.csv", "nl"),
        ("esco_v1.2.1_occupations_fr.csv", "fr"),
        ("esco_v1.2.0_ISCOGroups_nl.csv", "nl"),
        ("occupations_EN.csv", "en"),
        ("occupations_en-us.csv", "en-us"),
        ("occupations.csv", None),
        ("occupations_fr.parquet", None),
        ("esco_v1.2.1_occupations.csv", None),
    ],
)
def test_language_of_reads_the_last_language_suffix(name: str, lang: str | None) -> None:
    assert esco.language_of(Path("/somewhere") / name) == lang


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("acteur/actrice", ("acteur", "actrice")),
        # Spacing found in FR labels: `pontier / pontière`, `tôlier/ tôlière`, and a
        # trailing space after the feminine form (code 3255.2).
        ("pontier / pontière", ("pontier", "pontière")),
        ("tôlier/ tôlière", ("tôlier", "tôlière")),
        (
            "assistant de kinésithérapie/assistante de kinésithérapie ",
            ("assistant de kinésithérapie", "assistante de kinésithérapie"),
        ),
        ("régisseur", ("régisseur", "régisseur")),
        ("conseiller (a/b)", ("conseiller (a/b)", "conseiller (a/b)")),
        ("agent «x/y»", ("agent «x/y»", "agent «x/y»")),
        ('agent "x/y"/agente "x/y"', ('agent "x/y"', 'agente "x/y"')),
        ("a/b/c", ("a/b/c", "a/b/c")),
        ("/actrice", ("/actrice", "/actrice")),
    ],
)
def test_split_gendered(label: str, expected: tuple[str, str]) -> None:
    assert esco.split_gendered(label) == expected


# --- occupations: shape and deduplication -------------------------------------------------


def test_occupation_schema(fr: pl.DataFrame, nl: pl.DataFrame, en: pl.DataFrame) -> None:
    for frame in (fr, nl, en):
        assert dict(frame.schema) == OCCUPATION_DTYPES
    assert set(fr["lang"]) == {"fr"} and set(nl["lang"]) == {"nl"} and set(en["lang"]) == {"en"}
    # Header of the FR file ends with `,code,naceCode`; NL and EN end with `,code` (head -1).
    assert fr["has_nace"].all()
    assert not nl["has_nace"].any() and not en["has_nace"].any()
    # `status` is `released` in every record of the three files (csv.DictReader Counter).
    for frame in (fr, nl, en):
        assert set(frame["status"]) == {"released"}


def test_fr_reads_3043_records_and_keeps_3039(fr: pl.DataFrame) -> None:
    # `grep -c '^Occupation,'` = 3,043 records on 18,198 physical lines (`wc -l`), 3,039
    # distinct conceptUri (csv.DictReader + Counter).
    assert fr.height == 3039
    assert fr["concept_uri"].n_unique() == 3039
    # Each record is numbered by its first line: the four dropped are the older copies.
    lines = record_lines(FR_OCCUPATIONS)
    assert (len(lines), lines[0], lines[1]) == (3043, 2, 8)
    dropped = {older for older, _, _ in FR_DUPLICATES.values()}
    assert set(fr["source_row"]) == set(lines) - dropped
    # Record 3043 is the last one: ffc292f1-..., code 8211.5 (csv.DictReader, rows[-1]),
    # starting on line 18,193 of 18,198; 2654.2 starts on line 6,490 (grep -n ',2654.2,').
    assert row_of(fr, "source_row", 18193)["code"] == "8211.5"
    assert row_of(fr, "code", "2654.2")["source_row"] == 6490


def test_fr_duplicates_keep_the_latest_modified_date(fr: pl.DataFrame) -> None:
    for uri, (_, newer, kept) in FR_DUPLICATES.items():
        row = row_of(fr, "concept_uri", uri)
        assert row["source_row"] == newer
        assert row["modified_date"] == datetime.fromisoformat(kept)
    # Codes from the README and the file: 4d27152a is 5312.1 (iscoGroup 5312), b4bff870 is
    # 5246.1 (5246).
    first = row_of(fr, "concept_uri", OCCUPATION + "4d27152a-a8ee-4f5a-9f93-a2fb4fb2b2e3")
    assert (first["isco_group"], first["code"]) == ("5312", "5312.1")
    second = row_of(fr, "concept_uri", OCCUPATION + "b4bff870-5c8f-4c33-b07f-f04d79830633")
    assert (second["isco_group"], second["code"]) == ("5246", "5246.1")
    assert second["label_feminine"] == "travailleuse des services de restauration"


def test_latest_date_wins_whatever_the_order(tmp_path: Path, external: Path) -> None:
    # The real pair 960/961 written newer-first: the 2025-11-26 row (now record 1) still wins.
    header, found = records(FR_OCCUPATIONS.read_bytes())
    assert len(found) == 3043
    path = tmp_path / "occupations_fr.csv"
    path.write_bytes(header + found[960] + found[959])
    frame = esco.read_occupations(path)
    assert frame.height == 1
    assert frame["source_row"].to_list() == [2]  # the first record, under the header
    assert frame["modified_date"].to_list() == [datetime(2025, 11, 26, 10, 2, 16, 164000)]


def test_equal_dates_keep_the_last_record(tmp_path: Path) -> None:
    path = write_small(
        tmp_path / "occupations_fr.csv",
        "conceptUri,iscoGroup,preferredLabel,code,modifiedDate",
        "u1,0110,capitaine,0110.3,2024-01-01T00:00:00Z",
        "u2,2654,régisseur,2654.1,2016-07-05T15:45:57Z",
        "u1,0110,capitaine bis,0110.3,2024-01-01T00:00:00.000Z",
    )
    frame = esco.read_occupations(path)
    assert frame.select("concept_uri", "preferred_label", "source_row").rows() == [
        ("u2", "régisseur", 3),
        ("u1", "capitaine bis", 4),
    ]


def test_nl_and_en_have_3039_distinct_occupations(nl: pl.DataFrame, en: pl.DataFrame) -> None:
    # `grep -c '^Occupation,'` = 3,039 in both; csv.DictReader: 3,039 distinct conceptUri.
    for frame, path in ((nl, NL_OCCUPATIONS), (en, EN_OCCUPATIONS)):
        assert frame.height == 3039
        assert frame["concept_uri"].n_unique() == 3039
        assert frame["source_row"].to_list() == record_lines(path)


def test_modified_dates_of_every_iso_form(fr: pl.DataFrame) -> None:
    # The file holds 4 forms (csv.DictReader, lengths 24/23/22/20): 3, 2, 1 or no decimals.
    assert fr["modified_date"].null_count() == 0
    # Record 48 (02ff199e-..., 7126.12), line 276: `2016-07-05T15:45:57Z`, no decimals.
    assert row_of(fr, "source_row", 276)["modified_date"] == datetime(2016, 7, 5, 15, 45, 57)
    # Record 10 (00747307-..., 2310.1.30), line 38: `2024-01-16T13:49:12.7Z`, one decimal.
    assert row_of(fr, "source_row", 38)["modified_date"] == datetime(
        2024, 1, 16, 13, 49, 12, 700000
    )
    # Record 1, line 2: `2024-01-25T11:28:50.295Z`. Min/max of the column (string sort).
    assert row_of(fr, "source_row", 2)["modified_date"] == datetime(2024, 1, 25, 11, 28, 50, 295000)
    assert fr["modified_date"].min() == datetime(2016, 7, 5, 15, 45, 57)
    assert fr["modified_date"].max() == datetime(2025, 12, 15, 12, 48, 20, 257000)


# --- occupations: values -------------------------------------------------------------------


def test_seed_occupation_2654_2_in_three_languages(
    fr: pl.DataFrame, nl: pl.DataFrame, en: pl.DataFrame
) -> None:
    # grep -n '^Occupation,[^,]*56bff5e1': FR line 6490, NL line 8402, EN line 12219.
    uri = OCCUPATION + "56bff5e1-3c76-4f45-b50e-e3a59bf1053e"
    french = row_of(fr, "code", "2654.2")
    assert french["concept_uri"] == uri and french["isco_group"] == "2654"
    assert french["preferred_label"] == "chargé de postproduction/chargée de postproduction"
    assert french["label_masculine"] == "chargé de postproduction"
    assert french["label_feminine"] == "chargée de postproduction"
    dutch = row_of(nl, "code", "2654.2")
    assert dutch["concept_uri"] == uri
    assert dutch["preferred_label"] == "postproductieverantwoordelijke"
    assert dutch["label_masculine"] == dutch["label_feminine"] == "postproductieverantwoordelijke"
    english = row_of(en, "code", "2654.2")
    assert english["concept_uri"] == uri
    assert english["label_masculine"] == english["label_feminine"] == "post-production supervisor"


def test_isco_groups_keep_their_leading_zero(fr: pl.DataFrame) -> None:
    # awk -F, '/^Occupation,/{print $3}' FR | grep -c '^0' -> 21 (none of them duplicated);
    # every iscoGroup has 4 characters (csv.DictReader).
    assert (fr["isco_group"].str.len_chars() == 4).all()
    assert fr.filter(pl.col("isco_group").str.starts_with("0")).height == 21
    # iscoGroup 0110 holds 12 records, e.g. record 146 `capitaine de frégate`, code 0110.9.
    assert fr.filter(pl.col("isco_group") == "0110").height == 12
    captain = row_of(fr, "code", "0110.9")
    assert (captain["isco_group"], captain["preferred_label"]) == ("0110", "capitaine de frégate")
    # `code` stays a dotted string: 2654.1.7 is the technical director (record 1).
    assert row_of(fr, "concept_uri", TECHNICAL_DIRECTOR)["code"] == "2654.1.7"


def test_label_with_a_slash_inside_guillemets(fr: pl.DataFrame) -> None:
    # Record 46 (02f1ae71-..., code 2352.1.1) is the only preferredLabel with 3 `/`.
    part = "«lutte contre l’illettrisme/français langue étrangère»"
    row = row_of(fr, "code", "2352.1.1")
    assert row["preferred_label"] == f"formateur {part}/formatrice {part}"
    assert (row["label_masculine"], row["label_feminine"]) == (
        f"formateur {part}",
        f"formatrice {part}",
    )
    # Other guillemets, with and without inner spaces (codes 3351.2, 2635.3.18, 2412.2).
    assert row_of(fr, "code", "2412.2")["label_feminine"] == "conseillère bancaire «entreprises»"
    assert row_of(fr, "code", "2635.3.18")["label_masculine"] == (
        "médiateur social auprès des populations « migrants »"
    )


def test_count_of_gendered_pairs(fr: pl.DataFrame) -> None:
    # csv.DictReader: 2,318 of the 3,043 records have a `/` in preferredLabel (2,317 with one,
    # 1 with three: the guillemets label), as the README says. Three of the four duplicated
    # URIs are gendered (4d27152a, 5d601b40, b4bff870; ad404c6b is not), so the 3,039 kept
    # rows hold 2,315 pairs, and all of them split.
    split = fr.filter(pl.col("label_masculine") != pl.col("preferred_label"))
    assert split.height == 2315
    assert split.height + 3 == 2318
    assert fr.filter(pl.col("preferred_label").str.contains("/")).height == 2315
    # Three pairs repeat the same form on both sides (a quirk of the FR release): they split,
    # but give the same masculine and feminine label. So 2,312 pairs have two distinct forms.
    same = split.filter(pl.col("label_masculine") == pl.col("label_feminine"))
    assert sorted(same["code"]) == ["2142.1.8", "2144.1.4", "3322.1.2"]
    assert row_of(fr, "code", "2142.1.8")["label_masculine"] == "ingénieure ferroviaire"
    # Labels with no pair keep the preferred label on both sides.
    single = fr.filter(pl.col("label_masculine") == pl.col("preferred_label"))
    assert single.height == 3039 - 2315
    assert (single["label_feminine"] == single["preferred_label"]).all()


def test_labels_are_trimmed(fr: pl.DataFrame, en: pl.DataFrame) -> None:
    # 5 FR preferredLabels end with a space, e.g. record of code 3255.2
    # `assistant de kinésithérapie/assistante de kinésithérapie ` (csv.DictReader); EN alt
    # labels end with spaces or a no-break space (`cyber risk manager\xa0`, code 2529.8).
    row = row_of(fr, "code", "3255.2")
    assert row["preferred_label"] == "assistant de kinésithérapie/assistante de kinésithérapie"
    assert row["label_feminine"] == "assistante de kinésithérapie"
    assert "cyber risk manager" in row_of(en, "code", "2529.8")["alt_labels"]
    for frame in (fr, en):
        labels = frame.select(pl.col("alt_labels").explode().drop_nulls())["alt_labels"]
        assert (labels == labels.str.strip_chars()).all()


def test_alt_and_hidden_labels_are_lists(fr: pl.DataFrame, nl: pl.DataFrame) -> None:
    # csv.DictReader: 311 FR records have an empty altLabels; one of them is a duplicated URI
    # (ad404c6b, records 2122/2123), so 310 of the kept rows have an empty list.
    assert fr["alt_labels"].null_count() == 0
    assert fr.filter(pl.col("alt_labels").list.len() == 0).height == 310
    assert row_of(fr, "concept_uri", FR_DUPLICATES_EMPTY_ALT)["alt_labels"] == []
    # Record 1 (technical director, lines 2-6 of the file): 5 alt labels on 5 lines.
    assert row_of(fr, "concept_uri", TECHNICAL_DIRECTOR)["alt_labels"] == [
        "régisseuse",
        "régisseur/régisseuse",
        "régisseur",
        "directeur technique",
        "directrice technique",
    ]
    assert row_of(nl, "concept_uri", TECHNICAL_DIRECTOR)["alt_labels"] == [
        "toneelmeester",
        "inspiciënte",
        "technisch directeur",
        "chef-inspiciënt",
    ]
    # csv.DictReader, split on \n: 12,922 FR alt labels in the 3,043 records, none blank; the
    # 4 dropped copies held 6 + 2 + 0 + 7 = 15 of them, so 12,907 remain.
    assert fr["alt_labels"].list.len().sum() == 12922 - 15
    # hiddenLabels: 10 FR records, 354 NL records are not empty (csv.DictReader).
    assert fr.filter(pl.col("hidden_labels").list.len() > 0).height == 10
    assert nl.filter(pl.col("hidden_labels").list.len() > 0).height == 354
    # Record 193 (code 5244.1) has 4 hidden labels.
    assert row_of(fr, "code", "5244.1")["hidden_labels"] == [
        "agent de call centre",
        "agente de call centre",
        "agent de call center",
        "agente de call center",
    ]


# --- ISCO groups ---------------------------------------------------------------------------


def test_isco_groups_fr(fr_groups: pl.DataFrame) -> None:
    assert dict(fr_groups.schema) == GROUP_DTYPES
    # grep -c '^ISCOGroup,' = 619; grep -o '^ISCOGroup,[^,]*,[0-9]*,' | awk length($3):
    # 10 of 1 digit, 43 of 2, 130 of 3, 436 of 4.
    assert fr_groups.height == 619
    levels = dict(fr_groups.group_by("level").len().rows())
    assert levels == {1: 10, 2: 43, 3: 130, 4: 436}
    assert (fr_groups["code"].str.len_chars() == fr_groups["level"]).all()
    # Lines 2-9 of the file: codes 0, 01, 011, 0110 with their French titles.
    titles = dict(
        fr_groups.filter(pl.col("code").str.starts_with("0"))
        .select("code", "preferred_label")
        .rows()
    )
    assert titles["0"] == "Professions militaires"
    assert titles["01"] == titles["011"] == titles["0110"] == "Officiers des forces armées"
    assert (
        row_of(fr_groups, "code", "0110")["concept_uri"] == "http://data.europa.eu/esco/isco/C0110"
    )
    # altLabels is empty in all 619 rows (csv.DictReader).
    assert (fr_groups["alt_labels"].list.len() == 0).all()
    assert set(fr_groups["lang"]) == {"fr"}


def test_isco_groups_nl(nl_groups: pl.DataFrame, fr_groups: pl.DataFrame) -> None:
    # Same counts by hand (grep/awk as for FR): 619 rows, 10/43/130/436.
    assert nl_groups.height == 619
    assert dict(nl_groups.group_by("level").len().rows()) == {1: 10, 2: 43, 3: 130, 4: 436}
    assert row_of(nl_groups, "code", "0")["preferred_label"] == "Beroepen bij de strijdkrachten"
    assert row_of(nl_groups, "code", "0110")["preferred_label"] == "Officieren"
    # csv.DictReader: the NL and FR files list the same 619 codes.
    assert set(nl_groups["code"]) == set(fr_groups["code"])
    assert set(nl_groups["lang"]) == {"nl"}


def test_every_isco_group_resolves_to_a_unit_group(
    fr: pl.DataFrame, nl: pl.DataFrame, en: pl.DataFrame, fr_groups: pl.DataFrame
) -> None:
    units = set(fr_groups.filter(pl.col("level") == 4)["code"])
    for frame in (fr, nl, en):
        assert set(frame["isco_group"]) <= units
    # csv.DictReader: the 10 unit groups no FR occupation uses (the README says 10).
    unused = sorted(units - set(fr["isco_group"]))
    assert unused == [
        "1113",
        "2240",
        "3221",
        "4414",
        "6310",
        "6320",
        "6330",
        "6340",
        "7549",
        "9624",
    ]


def test_isco_differences_between_releases(
    fr: pl.DataFrame, nl: pl.DataFrame, en: pl.DataFrame
) -> None:
    # grep -n '^Occupation,[^,]*8d463763': FR line 10658 `,2164,`, NL line 13952 `,2421,`;
    # csv.DictReader: no other iscoGroup differs, and the `code` is 2421.8 in both.
    found = esco.isco_differences([fr, nl])
    assert found.columns == ["concept_uri", "code", "lang", "isco_group"]
    assert found.rows() == [
        (SMART_CITIES, "2421.8", "fr", "2164"),
        (SMART_CITIES, "2421.8", "nl", "2421"),
    ]
    # NL and EN are the same release (v1.2.0): nothing differs.
    assert esco.isco_differences([nl, en]).height == 0
    three = esco.isco_differences([fr, nl, en])
    assert sorted(three["lang"]) == ["en", "fr", "nl"]
    assert three["concept_uri"].unique().to_list() == [SMART_CITIES]
    assert esco.isco_differences([]).columns == ["concept_uri", "code", "lang", "isco_group"]


# --- options and rejections ----------------------------------------------------------------


def test_lang_option_and_unknown_language(tmp_path: Path) -> None:
    header = "conceptUri,iscoGroup,preferredLabel,code"
    path = write_small(tmp_path / "occupations.csv", header, "u1,0110,capitaine,0110.3")
    error = rejection(path)
    assert "language" in str(error)
    frame = esco.read_occupations(path, {"lang": "FR", "encoding": "utf-8", "separator": "auto"})
    assert frame["lang"].to_list() == ["fr"]
    # Optional columns absent: empty lists, null status and date, no NACE.
    assert frame.row(0, named=True) | {"source_row": 1} == {
        "concept_uri": "u1",
        "code": "0110.3",
        "isco_group": "0110",
        "preferred_label": "capitaine",
        "label_masculine": "capitaine",
        "label_feminine": "capitaine",
        "alt_labels": [],
        "hidden_labels": [],
        "status": None,
        "modified_date": None,
        "lang": "fr",
        "has_nace": False,
        "source_row": 1,
    }


def test_truncated_file_is_rejected(tmp_path: Path, external: Path) -> None:
    data = FR_OCCUPATIONS.read_bytes()
    # Cut at the first newline after the middle of the file that lies inside a quoted field
    # (an odd number of `"` before it), i.e. between two values of a multi-line field.
    cut = len(data) // 2
    while not (data[cut : cut + 1] == b"\n" and data[:cut].count(b'"') % 2 == 1):
        cut += 1
    path = tmp_path / "occupations_fr.csv"
    path.write_bytes(data[:cut])
    error = rejection(path)
    assert "quoted field" in str(error)


def test_file_without_concept_uri_is_rejected(tmp_path: Path, external: Path) -> None:
    data = FR_OCCUPATIONS.read_bytes()
    path = tmp_path / "occupations_fr.csv"
    path.write_bytes(data.replace(b",conceptUri,", b",uri,", 1))
    error = rejection(path)
    assert [(problem.column, problem.rule) for problem in error.problems] == [
        ("conceptUri", "required column")
    ]
    assert error.problems[0].file == str(path)


def test_group_file_without_code_is_rejected(tmp_path: Path, external: Path) -> None:
    path = tmp_path / "ISCOGroups_fr.csv"
    path.write_bytes(FR_GROUPS.read_bytes().replace(b",code,", b",notation,", 1))
    error = rejection(path, reader=esco.read_isco_groups)
    assert [problem.column for problem in error.problems] == ["code"]


def test_isco_group_that_lost_its_leading_zero_is_rejected(tmp_path: Path, external: Path) -> None:
    # As a spreadsheet would save it: record 146 (the first with iscoGroup 0110), starting on
    # line 893 (csv line_num), says 110.
    path = tmp_path / "occupations_fr.csv"
    path.write_bytes(FR_OCCUPATIONS.read_bytes().replace(b",0110,", b",110,", 1))
    error = rejection(path)
    [problem] = error.problems
    assert (problem.column, problem.sample, problem.rows) == ("iscoGroup", ["110"], [893])


def test_unreadable_text_is_rejected(tmp_path: Path, external: Path) -> None:
    # A Latin-1 copy of the first records (é as byte 0xE9) read as UTF-8.
    header, found = records(FR_OCCUPATIONS.read_bytes())
    text = (header + b"".join(found[:20])).decode("utf-8")
    path = tmp_path / "occupations_fr.csv"
    path.write_bytes(text.encode("latin-1", errors="replace"))
    rejection(path)
    # Declared as Latin-1, the same file reads.
    assert esco.read_occupations(path, {"encoding": "latin-1"}).height == 20


def test_unreadable_date_is_rejected(tmp_path: Path) -> None:
    path = write_small(
        tmp_path / "occupations_fr.csv",
        "conceptUri,iscoGroup,preferredLabel,code,modifiedDate",
        "u1,0110,capitaine,0110.3,31/07/2025",
    )
    [problem] = rejection(path).problems
    assert (problem.column, problem.sample, problem.rows) == ("modifiedDate", ["31/07/2025"], [2])
