"""The wheel, installed on its own, works: `pip install .` ships the SQL models, the suites,
the flows and the default source registry inside `metiers`, and the installed `metiers`
refreshes, prints the same card as this checkout, runs the Prefect flow and serves the API,
from a folder that is not the checkout.

The fresh venv gets the wheel alone (`--no-deps`); its dependencies come from this test
environment's site-packages through a `.pth` line. A folder added that way does not run the
`.pth` files inside it, so the editable install of this checkout stays out of the fresh venv.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from conftest import BUNDLED_RAW
from deliverytools import SEED_SLUG
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

# What a wheel is built from; a file it needs from elsewhere in the repository is a bug.
PACKAGE_SOURCES = ("pyproject.toml", "README.md", "metiers", "flows", "sql", "expectations")
# Bounds for a machine 5x slower than an idle one; each fails the test, naming the command.
BUILD_SECONDS = 900
REFRESH_SECONDS = 1200
START_SECONDS = 180
# The seed page's headcount (data/raw/README.md: 200 weighted records in 2025).
HEADCOUNT_LINE = "~200 Professionnels actifs"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    env: dict[str, str]
    # Every file of the installed package (but bytecode caches) and its (mtime, size).
    files: dict[str, tuple[int, int]]

    @property
    def metiers(self) -> Path:
        return self.venv / "bin" / "metiers"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run(self, *args: str | Path, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        """The installed `metiers` (or another program of the venv) run in `cwd`."""
        command = [str(arg) for arg in args]
        result = subprocess.run(
            command, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        result.args = " ".join(command)
        return result


def outcome(result: subprocess.CompletedProcess) -> str:
    return f"{result.args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def builds_in_place() -> bool:
    """Whether this environment's setuptools builds a wheel by itself (70.1 has bdist_wheel,
    older ones need the `wheel` package): then the build needs no package index."""
    try:
        version = tuple(int(part) for part in metadata.version("setuptools").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return False
    if version < (69, 0):  # pyproject.toml: build-system requires
        return False
    try:
        metadata.version("wheel")
    except metadata.PackageNotFoundError:
        return version >= (70, 1)
    return True


def clean_environment() -> dict[str, str]:
    """The environment of a user who installed the wheel: no PYTHONPATH to this checkout, no
    PREFECT_HOME inside it (conftest sets one), no Prefect server of another test."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "PREFECT_", "VIRTUAL_ENV"))
    }
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from a copy of the package's sources, installed alone in a new venv."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in PACKAGE_SOURCES:
        if (PROJECT_ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(PROJECT_ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(PROJECT_ROOT / name, source / name)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist")]
    if builds_in_place():
        build.append("--no-build-isolation")
    built = subprocess.run(
        [*build, str(source)], capture_output=True, text=True, timeout=BUILD_SECONDS
    )
    assert built.returncode == 0, f"{' '.join(build)}:\n{built.stdout}\n{built.stderr}"
    (wheel,) = (root / "dist").glob("metiers_en_chiffres-*.whl")

    venv = root / "venv"
    env = clean_environment()
    for command in (
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         str(wheel)],
    ):  # fmt: skip
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=BUILD_SECONDS
        )
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(
        subprocess.check_output(
            [venv / "bin" / "python", "-c", purelib], env=env, text=True
        ).strip()
    ).resolve()
    (site_packages / "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return Installed(wheel, venv, site_packages, env, package_files(site_packages / "metiers"))


def package_files(package: Path) -> dict[str, tuple[int, int]]:
    return {
        path.relative_to(package).as_posix(): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@dataclass(frozen=True)
class Refreshed:
    cwd: Path
    version: str

    @property
    def marts(self) -> Path:
        return self.cwd / "marts"


@pytest.fixture(scope="module")
def refreshed(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Refreshed:
    """A folder (not the checkout) where the installed `metiers` refreshed the bundled
    sample into ./marts without Prefect, and the version it published."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    result = installed.run(
        installed.metiers, "refresh", "--no-prefect", "--raw-dir", BUNDLED_RAW,
        "--marts-dir", cwd / "marts", cwd=cwd, timeout=REFRESH_SECONDS,
    )  # fmt: skip
    assert result.returncode == 0, outcome(result)
    published = re.search(r"^published .* \(version (\S+),", result.stdout, re.M | re.I)
    assert published, outcome(result)
    return Refreshed(cwd, published.group(1))


def checkout_card(marts_dir: Path) -> str:
    """The seed card as this checkout's own `metiers figures` prints it."""
    result = CliRunner().invoke(app, ["figures", SEED_SLUG, "--marts-dir", str(marts_dir)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_wheel_holds_the_package_resources_and_nothing_else_at_top_level(
    installed: Installed,
) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    top_level = {name.split("/")[0] for name in names}
    dist_info = {name for name in top_level if name.endswith(".dist-info")}
    assert top_level - dist_info == {"metiers"}, sorted(top_level)
    expected = {
        f"metiers/{path.relative_to(PROJECT_ROOT).as_posix()}"
        for folder, pattern in (("sql", "*/*.sql"), ("expectations", "*.json"), ("flows", "*.py"))
        for path in (PROJECT_ROOT / folder).glob(pattern)
    }
    assert len(expected) > 60, "the repository's models, suites and flows were found"
    # every module of the package (a subpackage must be listed in pyproject.toml)
    expected |= {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "metiers").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert "metiers/ingest/sources/eurostat.py" in expected
    expected |= {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "metiers" / "present" / "templates").glob("*.j2")
    }
    expected |= {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "metiers" / "present" / "geometry").iterdir()
    }
    assert {
        "metiers/present/templates/card.html.j2",
        "metiers/present/templates/trend.svg.j2",
        "metiers/present/templates/map.svg.j2",
        "metiers/present/geometry/be_nuts2.json",
        "metiers/present/geometry/README.md",
        "metiers/present/templates/salary.svg.j2",
    } <= expected
    assert {"metiers/sources.toml", "metiers/cli/__init__.py"} | expected <= names, sorted(
        expected - names
    )


def test_the_installed_package_runs_from_the_venv_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    probe = (
        "import json, metiers, metiers.core.config as c, metiers.core.paths as p;"
        " print(json.dumps({'module': metiers.__file__,"
        " 'sql': str(p.SQL_DIR), 'sources': str(p.DEFAULT_SOURCES_FILE),"
        " 'raw': str(c.Settings().raw_dir), 'checkout': str(p.PROJECT_ROOT)}))"
    )
    result = installed.run(installed.python, "-c", probe, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, outcome(result)
    found = json.loads(result.stdout)
    package = installed.site_packages / "metiers"
    assert Path(found["module"]) == package / "__init__.py"
    assert Path(found["sql"]) == package / "sql"
    assert Path(found["sources"]) == package / "sources.toml"
    assert found["checkout"] == "None"
    # Data folders default to the current directory, never site-packages.
    assert Path(found["raw"]) == tmp_path.resolve() / "data" / "raw"


def test_the_installed_refresh_prints_the_same_card_as_the_checkout(
    installed: Installed, refreshed: Refreshed, bundled_mart: Settings, tmp_path: Path
) -> None:
    result = installed.run(
        installed.metiers, "figures", SEED_SLUG, "--marts-dir", refreshed.marts,
        cwd=refreshed.cwd, timeout=REFRESH_SECONDS,
    )  # fmt: skip
    assert result.returncode == 0, outcome(result)
    assert HEADCOUNT_LINE in result.stdout.splitlines(), result.stdout
    assert result.stdout == checkout_card(bundled_mart.marts_dir)

    # Without --marts-dir, the installed command reads ./data/marts of the current folder.
    elsewhere = tmp_path / "data" / "marts"
    elsewhere.mkdir(parents=True)
    shutil.copy2(refreshed.marts / "metiers.duckdb", elsewhere / "metiers.duckdb")
    default = installed.run(installed.metiers, "figures", SEED_SLUG, cwd=tmp_path, timeout=300)
    assert default.returncode == 0, outcome(default)
    assert default.stdout == result.stdout

    # The refresh wrote nothing inside the installed package.
    assert package_files(installed.site_packages / "metiers") == installed.files


def test_the_installed_card_page_renders_from_the_wheels_templates(
    installed: Installed, refreshed: Refreshed, tmp_path: Path
) -> None:
    """`metiers card` of the installed package loads its templates from the wheel and writes
    the page this checkout renders from the same published file."""
    from metiers.present import mart, page

    out = tmp_path / "card.html"
    result = installed.run(
        installed.metiers, "card", SEED_SLUG, "--out", out, "--marts-dir", refreshed.marts,
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, outcome(result)
    with mart.connect_published(refreshed.marts) as connection:
        expected = page.render(connection, SEED_SLUG, "fr")
    assert out.read_text(encoding="utf-8") == expected


def test_the_installed_prefect_flow_runs_with_its_state_in_the_current_folder(
    installed: Installed, refreshed: Refreshed
) -> None:
    """The default mode runs the Prefect flow from the wheel's metiers.flows on the local
    Prefect server it starts, with Prefect's state in ./.prefect; a no-op is then found
    before Prefect starts; a later run reuses the server; `metiers prefect stop` ends it."""
    marts = refreshed.cwd / "flow-marts"
    command = (installed.metiers, "refresh", "--raw-dir", BUNDLED_RAW, "--marts-dir", marts)
    stop = (installed.metiers, "prefect", "stop")
    try:
        result = installed.run(*command, cwd=refreshed.cwd, timeout=REFRESH_SECONDS)
        assert result.returncode == 0, outcome(result)
        assert result.stdout.startswith("published "), outcome(result)
        assert "Flow run" in result.stderr, outcome(result)
        assert "started the local Prefect server: http://127.0.0.1:" in result.stderr
        home = refreshed.cwd / ".prefect"
        assert home.is_dir(), "PREFECT_HOME defaults to ./.prefect"
        server = json.loads((home / "metiers-server.json").read_text(encoding="utf-8"))
        assert 0 < server["port"] < 65536, server
        again = installed.run(*command, cwd=refreshed.cwd, timeout=REFRESH_SECONDS)
        assert again.returncode == 0, outcome(again)
        assert again.stdout.startswith("unchanged:"), outcome(again)
        assert "Flow run" not in again.stderr, outcome(again)
        full = installed.run(*command, "--full", cwd=refreshed.cwd, timeout=REFRESH_SECONDS)
        assert full.returncode == 0, outcome(full)
        assert "Flow run" in full.stderr and "started the local" not in full.stderr
        assert f":{server['port']}/runs/flow-run/" in full.stderr, "the same server's UI"
    finally:
        stopped = installed.run(*stop, cwd=refreshed.cwd, timeout=REFRESH_SECONDS)
    assert stopped.returncode == 0 and stopped.stdout.strip() == "stopped", outcome(stopped)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(installed: Installed, marts_dir: Path, cwd: Path) -> Iterator[httpx.Response]:
    """The installed `metiers serve`; yields its first successful /health response."""
    port = free_port()
    log = cwd / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(installed.metiers), "serve", "--port", str(port), "--marts-dir", str(marts_dir)],
            cwd=cwd, env=installed.env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                with contextlib.suppress(httpx.TransportError):  # not listening yet
                    response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                    if response.status_code == 200:
                        break
                if process.poll() is not None:
                    pytest.fail(f"metiers serve exited ({process.returncode}): {log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"metiers serve not answering /health after {START_SECONDS} s: "
                        f"{log.read_text()}"
                    )
                time.sleep(0.2)
            yield response
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_the_installed_api_answers_health(installed: Installed, refreshed: Refreshed) -> None:
    with serving(installed, refreshed.marts, refreshed.cwd) as health:
        payload = health.json()
    assert payload["status"] == "ok"
    assert payload["version"] == refreshed.version
