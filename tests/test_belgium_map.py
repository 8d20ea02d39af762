"""The map of Belgium on the card (metiers/present/belgium_map.py, templates/map.svg.j2).

The shipped geometry is checked against its source (GISCO's boundaries in ../shared) and the
script that derives it; the shading, the hatched regions and the absence of any withheld value
are checked for every métier of the sample against the raw register files, read here with
polars and counted without the SQL models."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import SHARED_DIR
from deliverytools import SEED_SLUG
from disclosure import sample_register

from metiers.core.config import Settings
from metiers.core.paths import PROJECT_ROOT
from metiers.present import belgium_map, page

GEOJSON = SHARED_DIR / "data" / "external" / "BE_NUTS2_2021_20M_4326.geojson"
SHIPPED = PROJECT_ROOT / "metiers" / "present" / "geometry" / "be_nuts2.json"
SVG = "{http://www.w3.org/2000/svg}"
CODES = ["BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35"]
ATTRIBUTION = "© EuroGeographics for the administrative boundaries"
MIN_RECORDS = 10  # the sample's threshold (sources.toml default)


def simplify_script():
    spec = importlib.util.spec_from_file_location(
        "simplify_map", PROJECT_ROOT / "bench" / "simplify_map.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shoelace(points: list[tuple[float, float]]) -> float:
    following = points[1:] + points[:1]
    return (
        abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, following, strict=True)))
        / 2
    )


def pairs(ring: list[int]) -> list[tuple[int, int]]:
    return [(ring[index], ring[index + 1]) for index in range(0, len(ring), 2)]


# --- geometry -----------------------------------------------------------------------------


def test_shipped_geometry_is_what_the_script_derives_from_gisco() -> None:
    assert GEOJSON.exists(), f"{GEOJSON} is missing (../shared/data/external)"
    script = simplify_script()
    assert SHIPPED.read_text(encoding="utf-8") == script.dumps(script.derive(GEOJSON))
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert shipped["attribution"] == ATTRIBUTION
    assert sorted(shipped["regions"]) == CODES
    assert SHIPPED.stat().st_size < 6_000


def test_shipped_geometry_keeps_each_region_area_and_the_shared_borders() -> None:
    """Areas recomputed from GISCO's lon/lat (a plain scaling, not the script's code) agree
    with the shipped rings within what rounding every vertex to a pixel can move (half a
    pixel diagonal times the perimeter); Brussels is Flemish Brabant's hole, vertex for vertex."""
    source = json.loads(GEOJSON.read_text(encoding="utf-8"))
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    all_points = [
        point
        for feature in source["features"]
        for polygon in (
            [feature["geometry"]["coordinates"]]
            if feature["geometry"]["type"] == "Polygon"
            else feature["geometry"]["coordinates"]
        )
        for ring in polygon
        for point in ring
    ]
    middle = (min(lat for _, lat in all_points) + max(lat for _, lat in all_points)) / 2
    x_per_degree = 145 * math.cos(math.radians(middle))
    for feature in source["features"]:
        code = feature["properties"]["NUTS_ID"]
        polygons = (
            [feature["geometry"]["coordinates"]]
            if feature["geometry"]["type"] == "Polygon"
            else feature["geometry"]["coordinates"]
        )
        expected = 0.0
        for polygon in polygons:
            for index, ring in enumerate(polygon):
                scaled = [(lon * x_per_degree, -lat * 145) for lon, lat in ring[:-1]]
                expected += shoelace(scaled) * (1 if index == 0 else -1)
        rings = [pairs(ring) for ring in shipped["regions"][code]["rings"]]
        holes = [ring for ring in rings[1:] if code == "BE24"]  # its only hole: Brussels
        area = sum(shoelace(ring) for ring in rings) - 2 * sum(shoelace(ring) for ring in holes)
        perimeter = sum(
            math.dist(a, b)
            for ring in rings
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True)
        )
        assert abs(area - expected) <= 0.71 * perimeter, (code, area, expected)
    brussels = set(pairs(shipped["regions"]["BE10"]["rings"][0]))
    assert set(pairs(shipped["regions"]["BE24"]["rings"][1])) == brussels
    # By hand: West Flanders touches the west edge, Luxembourg the south edge, Antwerp the north.
    x_min = {code: min(x for x, _ in pairs(region["rings"][0])) for code, region in
             shipped["regions"].items()}  # fmt: skip
    y_of = {code: [y for _, y in pairs(region["rings"][0])] for code, region in
            shipped["regions"].items()}  # fmt: skip
    assert min(x_min, key=x_min.get) == "BE25" and x_min["BE25"] == 4
    assert max(y_of, key=lambda code: max(y_of[code])) == "BE34"
    assert max(y_of["BE34"]) == shipped["height"] - 4
    assert min(y_of, key=lambda code: min(y_of[code])) == "BE21"


# --- map data, by hand --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "names", "withheld_words", "none_words"),
    [
        ("fr", {"BE10": "Bruxelles-Capitale", "BE21": "Anvers", "BE33": "Liège"},
         "non publié (moins de 10 observations)", "aucun dans le registre"),
        ("nl", {"BE10": "Brussels Hoofdstedelijk Gewest", "BE21": "Antwerpen", "BE33": "Luik"},
         "niet gepubliceerd (minder dan 10 waarnemingen)", "niemand in het register"),
        ("en", {"BE10": "Brussels-Capital", "BE21": "Antwerp", "BE33": "Liège"},
         "not published (fewer than 10 records)", "none in the register"),
    ],
)  # fmt: skip
def test_map_shades_by_share_and_names_regions_in_each_language(
    lang: str, names: dict[str, str], withheld_words: str, none_words: str
) -> None:
    primary = {"suppressed": "primary: fewer than 10 records", "suppression_code": "primary",
               "suppression_params": '{"min_records":10}'}  # fmt: skip
    cells = [
        {"region": "BE10", "headcount": 50.0, "n_records": 50},  # 25% of 200
        {"region": "BE21", "headcount": None, "n_records": None, **primary},
        {"region": "BE23", "headcount": None, "n_records": None, **primary},
        {"region": "BE31", "headcount": 10.0, "n_records": 10},  # 5%: a break opens a class
        {"region": "BE32", "headcount": 9.8, "n_records": 12},  # 4.9% shows as 5%
        {"region": "BE33", "headcount": 9.6, "n_records": 11},  # 4.8% shows as 5%
        {"region": "BE35", "headcount": 8.0, "n_records": 10},  # 4%
        {"region": "BE22", "headcount": 100.0, "n_records": 100},  # 50%
    ]
    data = belgium_map.map_data(cells, 200.0, 2025, lang)
    provinces = {province["code"]: province for province in data["provinces"]}
    assert sorted(provinces) == CODES
    shades = {code: province["shade"] for code, province in provinces.items()}
    assert shades == {
        "BE10": "3", "BE21": "withheld", "BE22": "4", "BE23": "withheld", "BE24": "none",
        "BE25": "none", "BE31": "1", "BE32": "1", "BE33": "1", "BE34": "none", "BE35": "0",
    }  # fmt: skip
    for code, name in names.items():
        assert provinces[code]["text"].startswith(f"{name}: ")
    assert provinces["BE21"]["text"] == f"{names['BE21']}: {withheld_words}"
    assert provinces["BE21"]["fill"] == "url(#map-hatch)"
    assert provinces["BE21"]["headcount"] is None
    assert provinces["BE10"]["text"] == f"{names['BE10']}: ~50, 25%"
    svg = page.map_svg(data)
    assert svg.count("<path ") == 11
    assert ATTRIBUTION in svg
    assert none_words in svg
    assert data["desc"].count(withheld_words) == 2
    legend = [item["text"] for item in data["legend"]]
    hatched = next(item for item in data["legend"] if item["fill"] == "url(#map-hatch)")
    assert hatched["notes"] == [withheld_words[withheld_words.index("(") + 1 : -1]]
    assert len(legend) == 7  # five classes, none in the register, hatched
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == data["title"]
    assert "2025" in data["title"]


def test_a_withheld_national_headcount_hatches_every_region_with_a_row() -> None:
    cells = [{"region": "BE10", "headcount": None, "n_records": None,
              "suppression_code": "primary", "suppression_params": '{"min_records":10}',
              "suppressed": "primary: fewer than 10 records"}]  # fmt: skip
    data = belgium_map.map_data(cells, None, 2025, "fr")
    shades = {province["code"]: province["shade"] for province in data["provinces"]}
    assert shades.pop("BE10") == "withheld"
    assert set(shades.values()) == {"none"}


# --- every métier of the sample, against the raw register ---------------------------------


def half_up(value: float | Fraction, step: int = 1) -> int:
    """Round a non-negative value to a multiple of `step`, halves up, in exact arithmetic."""
    return math.floor(Fraction(value) / step + Fraction(1, 2)) * step


def percent_of(part: float, whole: float) -> int:
    """The whole percent of an exact ratio (114 of 400 is 28.5%, shown 29%)."""
    return half_up(Fraction(part) * 100 / Fraction(whole))


def two_significant(value: float) -> int:
    digits = len(str(half_up(value)))
    return half_up(value, 10 ** max(digits - 2, 0))


def expected_class(percent: int) -> str:
    """The legend's classes, written out: under 5%, 5-9%, 10-19%, 20-29%, 30% or more."""
    if percent < 5:
        return "0"
    if percent < 10:
        return "1"
    if percent < 20:
        return "2"
    if percent < 30:
        return "3"
    return "4"


def raw_cells(year: int) -> dict[str, dict[str, dict]]:
    """Per métier and region of `year`: weighted headcount, records, and whether disclosure
    withholds it (fewer than 10 records; with exactly one such cell, the published cell with
    the fewest records, then the smallest headcount, then the first code, too)."""
    register = sample_register().filter(pl.col("year") == year)
    grouped = register.group_by("slug", "region").agg(
        pl.col("weight").sum().alias("headcount"), pl.len().alias("records")
    )
    result: dict[str, dict[str, dict]] = {}
    for slug, region, headcount, records in grouped.iter_rows():
        result.setdefault(slug, {})[region] = {
            "headcount": headcount, "records": records, "withheld": records < MIN_RECORDS
        }  # fmt: skip
    for cells in result.values():
        if sum(cell["withheld"] for cell in cells.values()) == 1:
            smallest = min(
                (cell["records"], cell["headcount"], region)
                for region, cell in cells.items()
                if not cell["withheld"]
            )
            cells[smallest[2]]["withheld"] = True
    return result


def map_of(root: ET.Element) -> dict[str, ET.Element]:
    return {path.get("data-region"): path for path in root.iter(f"{SVG}path")}


def reader_numbers(root: ET.Element) -> list[float]:
    """Every number a reader or a program reads in the map: text (titles, description,
    legend, attribution) and data attributes; coordinates and colours are left out."""
    texts = [text for text in root.itertext()]
    texts += [path.get("data-headcount") or "" for path in root.iter(f"{SVG}path")]
    joined = re.sub(r"(?<=\d)[.,](?=\d{3}(?!\d))", "", " ".join(texts))  # 1.900 / 1,900
    return [float(number) for number in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", joined)]


@pytest.fixture(scope="module")
def sample_maps(bundled_mart: Settings) -> dict:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        year = connection.sql("SELECT reference_year FROM meta_publication").fetchall()[0][0]
        slugs = [row[0] for row in connection.sql("SELECT slug FROM metier_figures").fetchall()]
        withheld = {}
        for slug, region in connection.execute(
            "SELECT slug, region FROM metier_regions WHERE year = ? AND suppressed IS NOT NULL",
            [year],
        ).fetchall():
            withheld.setdefault(slug, set()).add(region)
        svgs = {
            (slug, lang): page.render_map_svg(connection, slug, lang)
            for slug in slugs
            for lang in ("fr", "nl", "en")
        }
    return {"year": year, "slugs": slugs, "withheld": withheld, "svgs": svgs}


def test_every_map_is_shaded_from_the_raw_register(sample_maps: dict) -> None:
    raw = raw_cells(sample_maps["year"])
    assert len(sample_maps["slugs"]) >= 40
    weighted = 0
    for (slug, lang), svg in sample_maps["svgs"].items():
        assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
        assert len(svg.encode()) < 15_000, (slug, len(svg.encode()))
        paths = map_of(ET.fromstring(svg))
        assert sorted(paths) == CODES, slug
        cells = raw.get(slug, {})
        national = sum(cell["headcount"] for cell in cells.values())
        for code, path in paths.items():
            cell = cells.get(code)
            where = (slug, lang, code)
            if cell is None:
                assert path.get("data-shade") == "none", where
                assert path.get("fill") == "#ffffff", where
            elif cell["withheld"]:
                assert path.get("data-shade") == "withheld", where
                assert path.get("fill") == "url(#map-hatch)", where
                assert path.get("data-headcount") is None, where
            else:
                percent = percent_of(cell["headcount"], national)
                assert path.get("data-shade") == expected_class(percent), where
                assert path.get("fill") == belgium_map.SHARE_COLOURS[int(expected_class(percent))]
                assert float(path.get("data-headcount")) == pytest.approx(cell["headcount"])
                assert path.find(f"{SVG}title").text.endswith(f"{percent}%"), where
                weighted += cell["headcount"] != cell["records"]
            assert path.get("d") == belgium_map.region_path(code), where
    assert weighted > 0, "a weighted métier of the sample was checked"


def test_hatched_regions_are_the_withheld_cells_of_metier_regions(sample_maps: dict) -> None:
    seen_withheld = 0
    for (slug, lang), svg in sample_maps["svgs"].items():
        paths = map_of(ET.fromstring(svg))
        hatched = {code for code, path in paths.items() if path.get("fill") == "url(#map-hatch)"}
        assert hatched == sample_maps["withheld"].get(slug, set()), (slug, lang)
        seen_withheld += bool(hatched)
        if hatched:
            assert "url(#map-hatch)" in [rect.get("fill") for rect in ET.fromstring(svg).iter(
                f"{SVG}rect")], "the legend explains the hatching"  # fmt: skip
    assert seen_withheld >= 3 * 5


def test_no_withheld_value_appears_in_any_map(sample_maps: dict) -> None:
    """Every number a reader or a program finds in a map is accounted for by published data:
    the year, the threshold, the legend's breaks, and the published cells' headcounts, their
    two-significant-figure display and whole-percent share (all recomputed here from the raw
    files). A withheld cell's headcount or share may only appear where it coincides with one
    of those."""
    year = sample_maps["year"]
    raw = raw_cells(year)
    checked = 0
    for (slug, lang), svg in sample_maps["svgs"].items():
        cells = raw.get(slug, {})
        national = sum(cell["headcount"] for cell in cells.values())
        allowed = {float(year), float(MIN_RECORDS), 5.0, 10.0, 20.0, 30.0}
        for cell in cells.values():
            if not cell["withheld"]:
                allowed |= {
                    float(cell["headcount"]),
                    float(two_significant(cell["headcount"])),
                    float(percent_of(cell["headcount"], national)),
                }
        root = ET.fromstring(svg)
        stray = sorted(set(reader_numbers(root)) - allowed)
        assert stray == [], (slug, lang, stray)
        for code, path in map_of(root).items():
            if code in cells and cells[code]["withheld"]:
                title = path.find(f"{SVG}title").text
                assert re.findall(r"\d+", title) in ([], [str(MIN_RECORDS)]), (slug, title)
                checked += 1
    assert checked > 0


def test_map_route_serves_the_svg(bundled_mart: Settings) -> None:
    from fastapi.testclient import TestClient

    from metiers.api import ApiSettings, create_app

    client = TestClient(create_app(ApiSettings(marts_dir=bundled_mart.marts_dir)))
    for lang, name in (("fr", "Anvers"), ("nl", "Antwerpen"), ("en", "Antwerp")):
        response = client.get(f"/metiers/{SEED_SLUG}/map.svg", params={"lang": lang})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.text.count("<path ") == 11
        assert f"<title>{name}: " in response.text
        assert ATTRIBUTION in response.text
    assert client.get("/metiers/no-such-metier/map.svg").status_code == 404


def test_the_card_page_holds_the_map_in_its_regions_section(bundled_mart: Settings) -> None:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        html = page.render(connection, SEED_SLUG, "nl")
    section = re.search(r'<section class="regions">.*?</section>', html, re.DOTALL).group()
    assert section.count('<svg xmlns="http://www.w3.org/2000/svg" class="belgium-map"') == 1
    assert section.count("<path data-region=") == 11
    assert "Gearceerd: niet gepubliceerd" in section
    assert ATTRIBUTION in section


def test_geometry_ships_in_the_package_data() -> None:
    text = Path(PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"geometry/*.json"' in text
    assert belgium_map.geometry()["attribution"] == ATTRIBUTION
