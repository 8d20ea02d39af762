"""The documentation names only what exists: every module path and every `metiers` command
named in README.md and docs/*.md, checked against the repository and the Typer app; and the
module lists (README's layout, the design's module map) name every module there is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from clitools import command_paths

from metiers.cli import app
from metiers.core.paths import PROJECT_ROOT

DOCS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
# A repository path as the docs write it, not part of a longer path or a URL.
MODULE_PATH = re.compile(
    r"(?<![\w/.-])"
    r"(?:(?:metiers|flows|bench|tests)/[\w/.-]*\.py|sql/[\w/.-]*\.sql"
    r"|expectations/[\w/.-]*\.json|docs/[\w/.-]*\.md)"
    r"(?![\w/-])"
)
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`[^`\n]+`")
# `metiers WORD` in code (a shell line, a table cell), but not Python's `from metiers import`.
COMMAND = re.compile(
    r"(?<![\w.-])(?<!from )(?<!import )metiers +([a-z][a-z-]*)(?: +([a-z][a-z-]*))?"
)
# (document, section heading) -> the module list it holds.
MODULE_LISTS = [("README.md", "## Layout"), ("docs/design.md", "## Module map")]


def relative(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def code_spans(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every fenced block and inline code span."""
    spans = [(match.start(), match.group()) for match in FENCED.finditer(text)]
    prose = FENCED.sub(lambda match: " " * len(match.group()), text)
    spans += [(match.start(), match.group()) for match in INLINE.finditer(prose)]
    return spans


def section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def real_modules() -> set[str]:
    return {
        relative(path)
        for folder in ("metiers", "flows")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
    }


@pytest.mark.parametrize("doc", DOCS, ids=relative)
def test_every_path_named_in_the_docs_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    missing = [
        f"{relative(doc)}:{line_of(text, match.start())}: {match.group()}"
        for match in MODULE_PATH.finditer(text)
        if not (PROJECT_ROOT / match.group()).exists()
    ]
    assert missing == [], "paths named in the docs that do not exist:\n" + "\n".join(missing)


@pytest.mark.parametrize("doc", DOCS, ids=relative)
def test_every_command_named_in_the_docs_is_registered(doc: Path) -> None:
    registered = command_paths(app)
    top_level = {path[0] for path in registered}
    groups = {path[0] for path in registered if len(path) > 1}
    text = doc.read_text(encoding="utf-8")
    unknown = []
    for offset, code in code_spans(text):
        for match in COMMAND.finditer(code):
            words = match.group(1), match.group(2)
            known = words[0] in top_level and (
                words[0] not in groups or words[1] is None or tuple(words) in registered
            )
            if not known:
                named = " ".join(word for word in words if word)
                unknown.append(f"{relative(doc)}:{line_of(text, offset)}: metiers {named}")
    assert unknown == [], "commands named in the docs that the app does not register:\n" + (
        "\n".join(unknown)
    )


def test_the_docs_name_commands_at_all() -> None:
    """The command pattern still finds what the docs write (a guard for the test above)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    found = {
        match.group(1) for _offset, code in code_spans(readme) for match in COMMAND.finditer(code)
    }
    assert {"refresh", "figures", "schedule"} <= found


@pytest.mark.parametrize(("doc", "heading"), MODULE_LISTS, ids=lambda value: str(value))
def test_module_lists_name_every_module(doc: str, heading: str) -> None:
    text = section((PROJECT_ROOT / doc).read_text(encoding="utf-8"), heading)
    listed = set(MODULE_PATH.findall(text))
    missing = sorted(real_modules() - listed)
    assert missing == [], f"modules missing from {doc}, section {heading!r}: {missing}"


def test_the_module_map_groups_modules_by_their_package() -> None:
    """docs/design.md's map follows the tree: each module sits under the heading naming its
    package folder, and every package folder of the tree has its heading."""
    text = section((PROJECT_ROOT / "docs/design.md").read_text(encoding="utf-8"), "## Module map")
    block = FENCED.findall(text)[-1]
    heading_folder = None
    misplaced, headings = [], set()
    for line in block.splitlines()[1:-1]:
        if not line.startswith("  "):
            found = re.search(r"\b((?:metiers|flows)/(?:[a-z_]+/)?)", line)
            heading_folder = found.group(1) if found else None
            headings.add(heading_folder)
            continue
        module = line.split()[0]
        if not module.endswith(".py"):
            continue  # a description's second line
        at_root = module.count("/") == 1 and module.startswith("metiers/")
        if not at_root and not (heading_folder and module.startswith(heading_folder)):
            misplaced.append((module, heading_folder))
    assert misplaced == []
    packages = {
        relative(init.parent) + "/" for init in (PROJECT_ROOT / "metiers").glob("*/__init__.py")
    } | {"flows/"}
    assert packages <= headings, sorted(packages - headings)
