"""Derive the map geometry shipped in the package (metiers/present/geometry/be_nuts2.json)
from Eurostat GISCO's NUTS 2021 level-2 boundaries of Belgium (1:20 million, EPSG:4326).

    python bench/simplify_map.py ../shared/data/external/BE_NUTS2_2021_20M_4326.geojson

The card draws the map at a fixed size, so the geometry is projected once, here, onto that
size's pixel grid: equirectangular with longitudes scaled by the cosine of the mid latitude
(Belgium spans 2 degrees of latitude, so the distortion stays under 2%), then every vertex
rounded to a whole pixel and repeated vertices dropped. Provinces share their boundary
vertices in the source, and identical vertices round to identical pixels, so neighbours
still meet without gaps or overlaps. The output is deterministic: the same input gives the
same bytes (tests/test_belgium_map.py checks the shipped file against this script).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

ATTRIBUTION = "© EuroGeographics for the administrative boundaries"
SOURCE = "Eurostat GISCO, NUTS 2021, level 2, 1:20 million, EPSG:4326 (NUTS_RG_20M_2021_4326)"
REGIONS = ("BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35")
PIXELS_PER_DEGREE = 145  # of latitude: Belgium becomes about 356 x 291 pixels
MARGIN = 4
OUT = Path(__file__).resolve().parents[1] / "metiers" / "present" / "geometry" / "be_nuts2.json"


def rings_of(geometry: dict) -> list[list[list[float]]]:
    """Every ring (outer boundaries and holes) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    raise ValueError(f"unexpected geometry type {geometry['type']!r}: Polygon or MultiPolygon")


def derive(geojson: Path) -> dict:
    """The projected, pixel-rounded rings of the 11 Belgian NUTS-2 regions."""
    data = json.loads(geojson.read_text(encoding="utf-8"))
    features = {feature["properties"]["NUTS_ID"]: feature for feature in data["features"]}
    missing = [code for code in REGIONS if code not in features]
    if missing:
        raise ValueError(f"{geojson}: column NUTS_ID lacks the region(s) {missing}")
    points = [
        point for code in REGIONS for ring in rings_of(features[code]["geometry"]) for point in ring
    ]
    west = min(lon for lon, _ in points)
    east = max(lon for lon, _ in points)
    south = min(lat for _, lat in points)
    north = max(lat for _, lat in points)
    x_scale = PIXELS_PER_DEGREE * math.cos(math.radians((north + south) / 2))

    def pixel(lon: float, lat: float) -> tuple[int, int]:
        return (
            round(MARGIN + (lon - west) * x_scale),
            round(MARGIN + (north - lat) * PIXELS_PER_DEGREE),
        )

    regions = {}
    for code in REGIONS:
        rings = []
        for ring in rings_of(features[code]["geometry"]):
            flat: list[int] = []
            for lon, lat in ring[:-1]:  # GeoJSON repeats the first vertex at the end
                x, y = pixel(lon, lat)
                if flat[-2:] != [x, y]:
                    flat += [x, y]
            if flat[:2] == flat[-2:] and len(flat) > 2:
                flat = flat[:-2]
            if len(flat) >= 6:  # a ring that rounds to fewer than 3 pixels disappears
                rings.append(flat)
        regions[code] = {"name": features[code]["properties"]["NUTS_NAME"], "rings": rings}
    return {
        "attribution": ATTRIBUTION,
        "source": SOURCE,
        "source_file": geojson.name,
        "source_sha256": hashlib.sha256(geojson.read_bytes()).hexdigest(),
        "derived_by": "bench/simplify_map.py",
        "projection": {
            "kind": "equirectangular, longitude scaled by cos(mid latitude), whole pixels",
            "pixels_per_degree": PIXELS_PER_DEGREE,
            "margin": MARGIN,
            "west": west,
            "north": north,
            "x_scale": round(x_scale, 9),
        },
        "width": round(2 * MARGIN + (east - west) * x_scale),
        "height": round(2 * MARGIN + (north - south) * PIXELS_PER_DEGREE),
        "regions": regions,
    }


def dumps(geometry: dict) -> str:
    """JSON with one region a line, so a change of geometry reads as a small diff."""
    head = {key: value for key, value in geometry.items() if key != "regions"}
    lines = [json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "regions": {']
    codes = sorted(geometry["regions"])
    for index, code in enumerate(codes):
        region = json.dumps(geometry["regions"][code], ensure_ascii=False, separators=(",", ":"))
        lines.append(f'"{code}": {region}' + ("," if index < len(codes) - 1 else ""))
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("geojson", type=Path, help="BE_NUTS2_2021_20M_4326.geojson")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    arguments = parser.parse_args()
    arguments.out.write_text(dumps(derive(arguments.geojson)), encoding="utf-8")
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
