"""Lay out a raw folder for the real-data example: the bundled catalogue and synthetic register
beside real publishers' files from `../shared/data/external` (ESCO, Statbel, Eurostat, BLS and
the occupation crosswalks), each in the folder `examples/public/sources.toml` reads it from.

    .venv/bin/python examples/public/prepare.py ../shared/data/external /tmp/metiers-public/raw

The files are copied (the intake refuses links); the folder is created anew each time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "raw"
# The bundled sample's sources that the example keeps: the site's catalogue, the synthetic
# register (no real person-level data is public), the insertion survey and the editorial facts.
FROM_SAMPLE = ("metiers", "register", "insertion", "facts")
# external file -> folder of the example's raw folder (the source that reads it)
FROM_SHARED = {
    "esco_v1.2.1_occupations_fr.csv": "esco",
    "esco_v1.2.0_occupations_nl.csv": "esco",
    "esco_v1.2.0_occupations_en.csv": "esco",
    "esco_v1.2.1_ISCOGroups_fr.csv": "esco",
    "esco_v1.2.0_ISCOGroups_nl.csv": "esco",
    "statbel_TU_COM_REFNIS.txt": "statbel",
    "eurostat_trng_lfse_04_oldformat_slice.tsv": "eurostat_regional",
    "bls_oews_national_M2023_dl.csv": "bls_oews",
    "isco08_soc2010_bls.csv": "crosswalk_isco_soc",
}


def prepare(shared: Path, raw: Path) -> list[Path]:
    """Copy the files; return what was written. A missing external file is an error naming it."""
    missing = [name for name in FROM_SHARED if not (shared / name).is_file()]
    if missing:
        raise SystemExit(f"{shared}: missing {', '.join(missing)} (see its README.md)")
    if raw.exists():
        shutil.rmtree(raw)
    written = []
    for folder in FROM_SAMPLE:
        shutil.copytree(BUNDLED / folder, raw / folder)
        written += sorted((raw / folder).rglob("*.*"))
    for name, folder in FROM_SHARED.items():
        (raw / folder).mkdir(parents=True, exist_ok=True)
        written.append(Path(shutil.copy2(shared / name, raw / folder / name)))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shared", type=Path, help="the real files (../shared/data/external)")
    parser.add_argument("raw", type=Path, help="the raw folder to create")
    options = parser.parse_args()
    written = prepare(options.shared.resolve(), options.raw.resolve())
    print(f"{len(written)} files in {options.raw}", file=sys.stderr)


if __name__ == "__main__":
    main()
