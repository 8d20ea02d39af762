"""The static site of `metiers site`: the index of every métier and every card (HTML and its
SVG charts) in each language, as plain files for the content team's CMS or any static host.

Layout of the folder (every link in it is relative, so it can be served from any path):

    index.html                     the index in the first language, linking into its folder
    <lang>/index.html              the index in <lang>, sorted by title
    <lang>/sort-<column>-<order>.html   the same index in every other order (no server, so
                                   each sort a column heading links to is its own page)
    <lang>/metiers/<slug>.html     the card, linking back to ../index.html
    <lang>/metiers/<slug>/<chart>.svg   the card's charts alone (CARD_CHARTS)
    .metiers-site.json             what `metiers site` wrote: version, languages, every
                                   file's sha256; written last

The bytes are a function of the published version and the languages asked for: no time of
the run, files in a fixed order, so two runs on one version write identical files.

The folder is replaced whole. The site is written into a hidden folder beside it and renamed
into place, so a run that stops halfway never leaves a site that looks complete. A non-empty
folder is replaced only when its manifest shows `metiers site` wrote it and it holds nothing
else; anything else is refused (a usage error) rather than mixed with or deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from metiers.core.errors import UsageError
from metiers.methodology.display import LANGUAGES
from metiers.present import index, mart, page
from metiers.present.export import SAFE_SLUG

MANIFEST = ".metiers-site.json"
GENERATOR = "metiers site"
# The charts written beside each card: file name and renderer (cursor, slug, lang) -> SVG.
CARD_CHARTS: tuple[tuple[str, Callable[[duckdb.DuckDBPyConnection, str, str], str]], ...] = (
    ("trend.svg", page.render_trend_svg),
    ("map.svg", page.render_map_svg),
    ("salaries.svg", page.render_salary_svg),
)


def index_file(sort: index.SortColumn, order: index.SortOrder) -> str:
    """The file of the index in one order, inside its language's folder."""
    if (sort, order) == (index.DEFAULT_SORT, index.DEFAULT_ORDER):
        return "index.html"
    return f"sort-{sort.value}-{order.value}.html"


@dataclass(frozen=True)
class StaticLinks:
    """Links of an index page written at `<lang>/` (or, `at_root`, at the site's root)."""

    page_lang: str
    at_root: bool = False
    search_action: str | None = None  # no server behind a static site: no search form

    def _folder(self, lang: str) -> str:
        if self.at_root:
            return f"{lang}/"
        return "" if lang == self.page_lang else f"../{lang}/"

    def index(self, lang: str, sort: index.SortColumn, order: index.SortOrder, query: str) -> str:
        return self._folder(lang) + index_file(sort, order)

    def card(self, slug: str, lang: str) -> str:
        return f"{self._folder(lang)}metiers/{slug}.html"


def _checked_slug(slug: str) -> str:
    if not SAFE_SLUG.fullmatch(slug):
        raise UsageError(
            f"metier_figures.slug '{slug}' cannot be a file name: slugs must match "
            f"{SAFE_SLUG.pattern}"
        )
    return slug


def site_files(connection: duckdb.DuckDBPyConnection, languages: Iterable[str]) -> dict[str, bytes]:
    """Every file of the site but the manifest, by its path in the folder (POSIX)."""
    languages = tuple(dict.fromkeys(languages))
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if not languages or unknown:
        raise UsageError(f"languages {unknown or '(none)'}: use some of {', '.join(LANGUAGES)}")
    publication = mart.publication(connection)
    files: dict[str, bytes] = {}
    for lang in languages:
        rows = index.index_rows(connection, lang)
        for sort in index.SortColumn:
            for order in index.SortOrder:
                html = index.index_html(
                    rows,
                    publication,
                    lang,
                    StaticLinks(lang),
                    sort=sort,
                    order=order,
                    languages=languages,
                )
                files[f"{lang}/{index_file(sort, order)}"] = html.encode()
        for row in rows:
            slug = _checked_slug(row["slug"])
            card = page.render(connection, slug, lang, index_href="../index.html")
            files[f"{lang}/metiers/{slug}.html"] = card.encode()
            for name, render in CARD_CHARTS:
                files[f"{lang}/metiers/{slug}/{name}"] = render(connection, slug, lang).encode()
    first = languages[0]
    files["index.html"] = index.index_html(
        index.index_rows(connection, first),
        publication,
        first,
        StaticLinks(first, at_root=True),
        languages=languages,
    ).encode()
    return dict(sorted(files.items()))


def manifest_bytes(files: dict[str, bytes], publication: dict, languages: list[str]) -> bytes:
    """The manifest: who wrote the folder, from which version, and every file's sha256."""
    document = {
        "generator": GENERATOR,
        "version": publication.get("version"),
        "reference_year": publication.get("reference_year"),
        "languages": languages,
        "files": {path: hashlib.sha256(body).hexdigest() for path, body in sorted(files.items())},
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _files_under(folder: Path) -> list[str]:
    """Every entry under `folder` that is not a folder (files, links, others), as POSIX
    paths, sorted; folders themselves are listed only when empty."""
    found = []
    for root, folders, names in os.walk(folder):
        base = Path(root)
        for name in names:
            found.append((base / name).relative_to(folder).as_posix())
        for name in folders:
            path = base / name
            if path.is_symlink() or not any(path.iterdir()):
                found.append(path.relative_to(folder).as_posix() + "/")
    return sorted(found)


def check_replaceable(out_dir: Path) -> bool:
    """Whether `out_dir` already holds a site (True) or nothing (False). Raises a usage error,
    naming a file, when it holds anything `metiers site` did not write."""
    if out_dir.is_symlink():
        raise UsageError(f"{out_dir} is a link: give the folder itself as --out")
    if not out_dir.exists():
        return False
    if not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file, not a folder")
    present = _files_under(out_dir)
    if not present:
        return False
    refusal = (
        f"{out_dir} holds files `metiers site` did not write; nothing was written (give a "
        "new or empty folder, or one a previous `metiers site` wrote)"
    )
    manifest_path = out_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        listed = set(manifest["files"]) if manifest.get("generator") == GENERATOR else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        listed = None
    if listed is None or manifest_path.is_symlink():
        raise UsageError(f"{refusal}: it holds {present[0]} and no manifest {MANIFEST}")
    foreign = [path for path in present if path != MANIFEST and path not in listed]
    if foreign:
        raise UsageError(
            f"{refusal}: {foreign[0]} is not one of the files its manifest {MANIFEST} lists "
            f"({len(foreign)} such file(s))"
        )
    return True


@dataclass(frozen=True)
class WrittenSite:
    folder: Path
    version: str
    files: int


def write_site(marts_dir: Path | None, out_dir: Path, languages: Iterable[str]) -> WrittenSite:
    """Render the site from the published mart and put it at `out_dir` in one rename."""
    out_dir = Path(os.path.abspath(out_dir))
    replacing = check_replaceable(out_dir)
    languages = list(dict.fromkeys(languages))
    with mart.connect_published(marts_dir) as connection:
        files = site_files(connection, languages)
        publication = mart.publication(connection)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(out_dir.parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"{out_dir} cannot be replaced: the site is written beside it first, in "
            f"{out_dir.parent}, which cannot be written"
        )
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.metiers-site-", dir=out_dir.parent))
    try:
        for path, body in files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        # Last: a folder with a manifest is a whole site.
        (staging / MANIFEST).write_bytes(manifest_bytes(files, publication, languages))
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; a site is for serving
        _swap(staging, out_dir, replacing)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WrittenSite(out_dir, publication.get("version") or "", len(files) + 1)


def _swap(staging: Path, out_dir: Path, replacing: bool) -> None:
    """Put `staging` at `out_dir`: a rename onto a missing or empty folder, or, over a
    previous site, the old one moved aside first and removed after."""
    if not replacing:
        os.rename(staging, out_dir)  # POSIX: replaces an empty folder
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.metiers-site-old-", dir=out_dir.parent))
    os.rename(out_dir, aside)  # onto the empty folder mkdtemp made
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(aside, out_dir)
        raise
    shutil.rmtree(aside, ignore_errors=True)
