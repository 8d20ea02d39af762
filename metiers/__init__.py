"""Métiers en chiffres: labour-market figures per occupation, from raw files to a published mart.

The Prefect flows, the SQL models and the Great Expectations suites belong to this package
(`metiers.flows`, `metiers.sql`, `metiers.expectations`): an installed wheel holds them inside
it (pyproject.toml maps them with `package-dir`), while a source checkout keeps them at the top
of the repository, where the docs and their readers look for them.
"""

from __future__ import annotations

import sys
import tomllib
from importlib.machinery import ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path

__version__ = "0.1.0"

PROJECT_NAME = "metiers-en-chiffres"
# Subpackage -> its folder at the top of a source checkout (pyproject.toml, package-dir).
CHECKOUT_FOLDERS = {
    f"{__name__}.flows": "flows",
    f"{__name__}.sql": "sql",
    f"{__name__}.expectations": "expectations",
}


def _source_checkout() -> Path | None:
    """The repository this package is imported from (this project's pyproject.toml beside
    the package), or None for an installed package."""
    root = Path(__file__).resolve().parents[1]
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return root if project.get("project", {}).get("name") == PROJECT_NAME else None


SOURCE_CHECKOUT = _source_checkout()


class _CheckoutFolders:
    """Finds `metiers.flows`, `metiers.sql` and `metiers.expectations` in the checkout this
    package comes from. An editable install maps them too, but to the checkout it was made
    from; a checkout imported through PYTHONPATH (another worktree, CI) must use its own."""

    def __init__(self, root: Path) -> None:
        self.folders = {name: root / folder for name, folder in CHECKOUT_FOLDERS.items()}

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> ModuleSpec | None:
        folder = self.folders.get(fullname)
        if folder is None:
            return None
        return spec_from_file_location(
            fullname, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )

    def invalidate_caches(self) -> None:
        """Nothing cached (importlib calls this on every finder)."""


if SOURCE_CHECKOUT is not None and not any(
    type(finder).__name__ == _CheckoutFolders.__name__ for finder in sys.meta_path
):
    # First, ahead of an editable install's finder, which would map these names elsewhere.
    sys.meta_path.insert(0, _CheckoutFolders(SOURCE_CHECKOUT))
