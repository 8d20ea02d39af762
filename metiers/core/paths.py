"""Where the package's folders and the data folders are: known at import, read nothing."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from metiers import SOURCE_CHECKOUT

# Characters a file reader may expand as a pattern (DuckDB's read_parquet, polars' scans).
GLOB_CHARACTERS = ("*", "?", "[", "]", "{", "}")


def resource_dir(package: str) -> Path:
    """The folder of one of the package's own resource packages, as a real path: a wheel and
    an editable install both put it on disk (beside the package in a source checkout)."""
    return Path(str(files(package))).resolve()


# The source checkout the package runs from (this project's pyproject.toml beside it), or None
# for an installed package; tests and benchmarks use it to find the repository's files.
PROJECT_ROOT: Path | None = SOURCE_CHECKOUT
PACKAGE_DIR = Path(__file__).resolve().parents[1]
FLOWS_DIR = resource_dir("metiers.flows")
SQL_DIR = resource_dir("metiers.sql")
EXPECTATIONS_DIR = resource_dir("metiers.expectations")
# The default source registry ships inside the package; `--sources FILE` replaces it.
DEFAULT_SOURCES_FILE = PACKAGE_DIR / "sources.toml"
# Data folders: the checkout's own data/ when run from a checkout (the bundled sample), else
# relative to the current directory (./data/raw, ./data/marts), never inside site-packages.
DATA_ROOT = PROJECT_ROOT / "data" if PROJECT_ROOT is not None else Path("data")
DEFAULT_RAW_DIR = DATA_ROOT / "raw"
DEFAULT_MARTS_DIR = DATA_ROOT / "marts"
PUBLISHED_NAME = "metiers.duckdb"
# The candidate waiting for a release decision: MARTS_DIR/candidate/metiers.duckdb.
CANDIDATE_DIR = "candidate"
