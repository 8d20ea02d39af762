"""The source registry (`sources.toml`) checked against its models: every table, every
source and each adapter's options refuse unknown keys and wrong types with a message naming
the file, the source, the key and the value; a new source of a known format is configuration
alone; nothing reads the registry at import time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.adapter_options import (
    OPTIONS_BY_ADAPTER,
    AggregateOptions,
    EscoOptions,
    EurostatOptions,
    StatbelOptions,
    TabularOptions,
)
from metiers.core.errors import UsageError
from metiers.core.paths import DEFAULT_SOURCES_FILE, PROJECT_ROOT
from metiers.core.source_registry import (
    Limits,
    RegistryError,
    SourceSpec,
    load_change_threshold,
    load_limits,
    load_registry,
    parse_registry,
)
from metiers.ingest.sources import aggregate, stage_file

runner = CliRunner()
SHIPPED = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8")
ORIGIN = "reg.toml"
# A source of each adapter, as small as the registry allows.
MINIMAL = {
    "tabular": '[sources.s]\nrole = "facts"\npatterns = ["*.csv"]\n',
    "esco_occupations": '[sources.s]\nadapter = "esco_occupations"\nrole = "esco_occupations"\n'
    'patterns = ["*.csv"]\n',
    "esco_isco_groups": '[sources.s]\nadapter = "esco_isco_groups"\nrole = "esco_isco_groups"\n'
    'patterns = ["*.csv"]\n',
    "eurostat": '[sources.s]\nadapter = "eurostat"\nrole = "regions"\npatterns = ["*.tsv"]\n',
    "statbel": '[sources.s]\nadapter = "statbel"\nrole = "regions"\npatterns = ["*.csv"]\n',
    "aggregate": '[sources.s]\nadapter = "aggregate"\nrole = "aggregate"\npatterns = ["*.csv"]\n'
    '[sources.s.options]\ncolumns = { Code = "occupation_code" }\nkeys = ["occupation_code"]\n',
}
# The aggregate source's options without their keys, for cases that declare their own.
AGGREGATE = (
    '[sources.s]\nadapter = "aggregate"\nrole = "aggregate"\npatterns = ["*.csv"]\n'
    "[sources.s.options]\n"
)
COLUMNS = "columns = { Code = 'occupation_code', Emploi = 'headcount' }\n"
KEYS = COLUMNS + "keys = ['occupation_code']\n"


def parsed(text: str) -> dict[str, SourceSpec]:
    return parse_registry(tomllib.loads(text), origin=ORIGIN)


def refused(text: str) -> str:
    """The registry's message for `text`, which must be refused."""
    with pytest.raises(RegistryError) as caught:
        parsed(text)
    assert isinstance(caught.value, UsageError)  # exit 2
    return str(caught.value)


def with_options(adapter: str, lines: str) -> str:
    """The minimal source of `adapter` with `lines` added to its options table."""
    text = MINIMAL[adapter]
    if "[sources.s.options]" not in text:
        text += "[sources.s.options]\n"
    return text + lines


# -- the shipped registry ------------------------------------------------------------------


def test_the_shipped_registry_gives_each_source_its_adapters_options() -> None:
    document = tomllib.loads(SHIPPED)
    registry = load_registry()
    assert list(registry) == list(document["sources"])
    for name, spec in registry.items():
        entry = document["sources"][name]
        assert spec.adapter == entry.get("adapter", "tabular")
        assert type(spec.options) is OPTIONS_BY_ADAPTER[spec.adapter]
        # The dialect declared on the source is its adapter's option.
        for key in ("encoding", "separator", "decimal"):
            if key in entry:
                assert getattr(spec.options, key) == entry[key], (name, key)
        assert [column.name for column in spec.columns] == list(entry.get("columns", {}))
    assert load_limits() == Limits()
    assert load_change_threshold() == document["changes"]["relative_threshold"]


@pytest.mark.parametrize("adapter", sorted(MINIMAL))
def test_a_minimal_source_of_each_adapter_is_accepted(adapter: str) -> None:
    spec = parsed(MINIMAL[adapter])["s"]
    assert (spec.adapter, type(spec.options)) == (adapter, OPTIONS_BY_ADAPTER[adapter])
    assert spec.required is False and spec.precedence == 100


# -- unknown keys, at every level ----------------------------------------------------------


@pytest.mark.parametrize("adapter", sorted(MINIMAL))
def test_an_unknown_option_of_any_adapter_is_refused_naming_source_and_key(adapter: str) -> None:
    message = refused(with_options(adapter, 'sep = ";"\n'))
    assert message.startswith(f"{ORIGIN}: source 's': options: unknown key(s) 'sep'; known: ")
    known = message.split("known: ", 1)[1].split(", ")
    assert set(known) == set(OPTIONS_BY_ADAPTER[adapter].model_fields)
    assert "separator" in known


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[sourcez]\n", f"{ORIGIN}: unknown key(s) 'sourcez'; known: sources, limits"),
        (MINIMAL["tabular"] + "patern = 1\n", "source 's': unknown key(s) 'patern'"),
        ("[limits]\nmax_colums = 10\n", f"{ORIGIN}: [limits]: unknown key(s) 'max_colums'"),
        ("[changes]\nthreshold = 0.1\n", "[changes]: unknown key(s) 'threshold'"),
        (
            "[reconciliation.tolerance]\nx = { relatve = 0.1 }\n",
            "[reconciliation] tolerance.x: unknown key(s) 'relatve'",
        ),
        (
            MINIMAL["tabular"] + "[sources.s.columns]\nb = { type = 'text', requried = false }\n",
            "source 's': columns.b: unknown key(s) 'requried'; known: type, required, default",
        ),
        (
            MINIMAL["aggregate"] + "hierarchy = { column = 'occupation_code', sum = [], x = 1 }\n",
            "source 's': options.hierarchy: unknown key(s) 'x'",
        ),
    ],
)
def test_an_unknown_key_in_any_table_is_refused_naming_it(text: str, words: str) -> None:
    document = text if text.startswith("[sources") else MINIMAL["tabular"] + text
    assert words in refused(document)


# -- wrong types and values: named with the value -----------------------------------------


@pytest.mark.parametrize(
    ("adapter", "line", "words"),
    [
        (
            "tabular",
            'separator = "ab;"\n',
            "options.separator: expected one character (not a quote or a line break), 'tab' or "
            "'auto', got 'ab;'",
        ),
        ("tabular", "separator = 1\n", "options.separator: expected text, got 1"),
        ("tabular", 'encoding = "utf-9"\n', "options.encoding: unknown encoding 'utf-9'"),
        ("tabular", 'decimal = ","\n', "options.decimal: expected '.', got ','"),
        ("tabular", 'compression = "zip"\n', "options.compression: expected 'none' or 'gzip'"),
        ("tabular", "columns = ['a']\n", "options.columns: expected a table, got ['a']"),
        ("esco_occupations", 'lang = "french"\n', "options.lang: expected a language code"),
        ("eurostat", 'decimal = ","\n', "options.decimal: expected '.', got ','"),
        (
            "statbel",
            'kind = "excel"\n',
            "options.kind: expected 'auto', 'refnis', 'refnis_current' or 'opendata'",
        ),
        ("statbel", 'decimal = ";"\n', "options.decimal: expected 'auto', '.' or ','"),
        ("aggregate", 'decimal = ";"\n', "options.decimal: expected '.' or ',', got ';'"),
        ("aggregate", 'thousands = ","\ndecimal = ","\n', "thousands ',' clashes with decimal"),
        ("aggregate", 'markers = { " " = "x" }\n', "options.markers: an empty marker"),
        ("aggregate", KEYS + "top_codes = { occupation_code = 5 }\n", "not value columns"),
        ("aggregate", "filter = { level = ['x'] }\n", "options: filter on unmapped column 'level'"),
        ("aggregate", "defaults = { source_row = 1 }\n", "defaults ['source_row'] clash"),
        ("aggregate", "defaults = { headcount_flag = 'x' }\n", "defaults ['headcount_flag']"),
        ("aggregate", KEYS + "booleans = ['occupation_code']\n", "both keys and booleans"),
        ("aggregate", "columns = { A = 'x', ' a ' = 'y' }\n", "columns names ['a'] more than"),
        ("aggregate", COLUMNS + "keys = ['nope']\n", "keys names unmapped columns ['nope']"),
    ],
)
def test_a_bad_option_value_is_refused_with_key_and_value(
    adapter: str, line: str, words: str
) -> None:
    if adapter == "aggregate" and "columns" not in line:
        line = KEYS + line
    text = AGGREGATE + line if adapter == "aggregate" else with_options(adapter, line)
    message = refused(text)
    assert message.startswith(f"{ORIGIN}: source 's': "), message
    assert words in message


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('precedence = "high"\n', "source 's': precedence: expected a whole number, got 'high'"),
        ('required = "yes"\n', "source 's': required: expected true or false, got 'yes'"),
        ("cadence_days = 0\n", "source 's': cadence_days: expected a number >= 1, got 0"),
        ('feeds = "headcount"\n', "source 's': feeds: expected a list, got 'headcount'"),
        ('role = "boss"\n', "source 's': role: expected one of catalogue, register"),
        ('adapter = "excel"\n', "source 's': adapter: expected one of tabular, esco_occupations"),
        ('separator = "ab"\n', "source 's': separator: expected one character"),
        ('encoding = "latin-1"\n[sources.s.options]\nencoding = "utf-8"\n', "declared twice"),
        (
            '[sources.s.columns]\nage = "integer"\n',
            "source 's': columns.age.type: expected 'text', 'int32'",
        ),
    ],
)
def test_a_bad_source_value_is_refused_with_key_and_value(line: str, words: str) -> None:
    base = '[sources.s]\npatterns = ["*.csv"]\n'
    if not line.startswith("role"):
        base += 'role = "facts"\n'
    message = refused(base + line)
    assert message.startswith(f"{ORIGIN}: "), message
    assert words in message


def test_patterns_must_be_a_non_empty_list_of_patterns() -> None:
    base = '[sources.s]\nrole = "facts"\n'
    assert "source 's': patterns: required, and missing" in refused(base)
    assert "source 's': patterns: expected a list, got '*.csv'" in refused(
        base + 'patterns = "*.csv"\n'
    )
    assert "patterns: expected at least 1 item(s), got []" in refused(base + "patterns = []\n")
    assert "patterns (item 2): expected a file name pattern" in refused(
        base + 'patterns = ["*.csv", " "]\n'
    )


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('[limits]\nmax_rows = "10"\n', "[limits] max_rows: expected a whole number, got '10'"),
        ("[limits]\nmax_rows = 0\n", "[limits] max_rows: expected a number >= 1, got 0"),
        ("[limits]\nmax_rows = true\n", "[limits] max_rows: expected a whole number, got True"),
        ("[limits]\nmax_rows = 1.5\n", "[limits] max_rows: expected a whole number, got 1.5"),
        ('[changes]\nrelative_threshold = "x"\n', "[changes] relative_threshold: expected a"),
        (
            "[reconciliation.tolerance]\nx = {}\n",
            "[reconciliation] tolerance.x: a tolerance needs relative or absolute",
        ),
    ],
)
def test_limits_changes_and_tolerances_are_typed(table: str, words: str) -> None:
    assert words in refused(MINIMAL["tabular"] + table)


def test_every_mistake_is_listed_at_once() -> None:
    message = refused(MINIMAL["tabular"] + 'precedence = "x"\n[sources.s.options]\nsep = 1\n')
    assert message.splitlines() == [
        f"{ORIGIN}: source 's': precedence: expected a whole number, got 'x'",
        f"{ORIGIN}: source 's': options: unknown key(s) 'sep'; known: compression, encoding, "
        "separator, decimal, columns",
    ]


def test_no_sources_table_is_refused() -> None:
    assert refused("[limits]\n") == f"{ORIGIN}: [sources]: required, and missing"
    assert "[sources]: expected at least 1 item(s)" in refused("[sources]\n")
    assert "source 's': expected a table, got 3" in refused("[sources]\ns = 3\n")


# -- roles and context ---------------------------------------------------------------------


def test_a_source_without_role_takes_its_id_as_role() -> None:
    assert parsed('[sources.facts]\npatterns = ["*.csv"]\n')["facts"].role == "facts"
    message = refused('[sources.federation]\npatterns = ["*.csv"]\n')
    assert "source 'federation': role: expected one of" in message
    assert "got 'federation' (a source without `role` takes its id as its role)" in message


def test_a_context_source_declares_its_series() -> None:
    base = '[sources.c]\nadapter = "eurostat"\nrole = "context"\npatterns = ["*.tsv"]\n'
    assert "source 'c': role context needs [[sources.c.context.series]]" in refused(base)
    half = base + '[[sources.c.context.series]]\nindicator = "x"\nnumerator = { sex = "F" }\n'
    assert "source 'c': context.series (item 1): series 'x' needs either a filter" in refused(half)
    both = half + 'denominator = { sex = "T" }\nfilter = { sex = "T" }\n'
    assert "series 'x' needs either a filter" in refused(both)
    ratio = half + 'denominator = { sex = "T" }\n'
    context = parsed(ratio)["c"].context
    assert context is not None
    assert (context.series[0].numerator, context.series[0].denominator) == (
        {"sex": "F"},
        {"sex": "T"},
    )
    assert context.isco_dimension == "isco08" and context.geo is None
    wrong_role = MINIMAL["statbel"] + '[[sources.s.context.series]]\nindicator = "x"\nfilter = {}\n'
    assert "context is read for role context only" in refused(wrong_role)


# -- the dialect: on the source or in its options, one definition ---------------------------


def test_the_dialect_on_the_source_is_an_option_of_its_adapter() -> None:
    spec = parsed(MINIMAL["statbel"] + 'encoding = "latin-1"\ndecimal = ","\n')["s"]
    assert spec.options == StatbelOptions(encoding="latin-1", decimal=",")
    same = MINIMAL["tabular"] + 'separator = ";"\n[sources.s.options]\nseparator = ";"\n'
    assert parsed(same)["s"].options.separator == ";"
    assert parsed(MINIMAL["tabular"] + 'separator = "tab"\n')["s"].options.separator == "\t"
    # Defaults are the adapter's own.
    assert parsed(MINIMAL["statbel"])["s"].options.encoding == "auto"
    assert parsed(MINIMAL["tabular"])["s"].options.encoding == "utf-8"


# -- adapters called directly: the same models ----------------------------------------------


@pytest.mark.parametrize(
    ("model", "options", "words"),
    [
        (TabularOptions, {"separator": ";;"}, "tabular options: separator: expected one"),
        (EscoOptions, {"lang": 3}, "esco options: lang: expected text, got 3"),
        (EurostatOptions, {"sheets": "Data"}, "eurostat options: unknown key(s) 'sheets'"),
        (EurostatOptions, {"sheet": 1}, "eurostat options: sheet: expected text, got 1"),
        (StatbelOptions, {"encoding": "nope"}, "statbel options: encoding: unknown encoding"),
        (AggregateOptions, {}, "aggregate options: columns: required, and missing"),
    ],
)
def test_an_adapter_given_a_mapping_checks_it_against_the_same_model(
    model: type, options: dict, words: str
) -> None:
    from metiers.core.adapter_options import parse_options

    with pytest.raises(UsageError) as caught:
        parse_options(model, options)
    assert str(caught.value).startswith(words)


def test_a_spec_built_in_code_with_a_mapping_gets_its_adapters_model() -> None:
    spec = SourceSpec(
        name="x", description="", patterns=("*.csv",), columns=(), adapter="statbel",
        options={"kind": "refnis"},
    )  # fmt: skip
    assert spec.options == StatbelOptions(kind="refnis")
    with pytest.raises(UsageError, match="statbel options: kind: expected"):
        SourceSpec(
            name="x", description="", patterns=("*.csv",), columns=(), adapter="statbel",
            options={"kind": "xlsx"},
        )  # fmt: skip


# -- a new source of a known format is configuration ---------------------------------------


def readme_federation() -> str:
    """The README's example entry, as the README prints it."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```toml\n(\[sources\.federation\].*?)```", readme, re.DOTALL).group(1)


def test_the_readmes_new_source_is_read_by_configuration_alone(tmp_path: Path) -> None:
    """The federation entry of the README, appended to the shipped registry, reads a Latin-1
    file with `;`, decimal commas, thousands dots and a marker: values checked by hand."""
    registry = tmp_path / "sources.toml"
    registry.write_text(SHIPPED + "\n" + readme_federation(), encoding="utf-8")
    spec = load_registry(registry)["federation"]
    assert (spec.adapter, spec.role, spec.precedence) == ("aggregate", "aggregate", 20)
    assert isinstance(spec.options, AggregateOptions)
    assert (spec.options.encoding, spec.options.separator, spec.options.decimal) == (
        "latin-1",
        ";",
        ",",
    )
    raw = tmp_path / "federation.csv"
    raw.write_bytes(
        "Code ISCO;Année;Emploi;Part des femmes\n2654;2025;1.234;0,25\n7411;2025;x;x\n".encode(
            "latin-1"
        )
    )
    staged = stage_file(raw, spec, tmp_path / "staged.parquet")
    frame = pl.read_parquet(staged.staging_path).sort("indicator", "occupation_code")
    assert frame.select("occupation_code", "year", "indicator", "value", "flag").rows() == [
        ("2654", 2025, "headcount", 1234.0, None),
        ("7411", 2025, "headcount", None, "not_available"),
        ("2654", 2025, "share_women", 0.25, None),
        ("7411", 2025, "share_women", None, "not_available"),
    ]
    # The same options, given to the adapter directly, read the same wide table.
    wide = aggregate.read(raw, spec.options)
    assert wide["headcount"].to_list() == [1234.0, None]


# -- when the registry is read ---------------------------------------------------------------


def test_an_edited_registry_is_read_again(tmp_path: Path) -> None:
    registry = tmp_path / "sources.toml"
    registry.write_text(MINIMAL["tabular"] + "precedence = 5\n", encoding="utf-8")
    assert load_registry(registry)["s"].precedence == 5
    registry.write_text(MINIMAL["tabular"] + "precedence = 7\n", encoding="utf-8")
    stat = registry.stat()
    os.utime(registry, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_registry(registry)["s"].precedence == 7


def test_no_module_reads_the_registry_when_imported() -> None:
    """Every module of the package imported in a fresh interpreter: no TOML is parsed, and
    the configuration does not pull the registry in."""
    probe = """
import pkgutil, sys, tomllib
import metiers
read = []
tomllib.load = lambda *args, **kwargs: read.append(args) or {}
tomllib.loads = lambda *args, **kwargs: read.append(args) or {}
import metiers.core.config
assert "metiers.core.source_registry" not in sys.modules, "config imported the registry"
names = [info.name for info in pkgutil.walk_packages(metiers.__path__, "metiers.")
         if not info.name.startswith(("metiers.flows", "metiers.sql", "metiers.expectations"))
         and info.name != "metiers.__main__"]
for name in names:
    __import__(name)
assert "metiers.core.source_registry" in sys.modules and "metiers.present.page" in sys.modules
print(len(names), "modules", len(read), "reads")
"""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stderr
    found = re.fullmatch(r"(\d+) modules (\d+) reads", done.stdout.strip())
    assert found and int(found.group(1)) >= 40, done.stdout
    assert found.group(2) == "0", done.stdout


def test_a_malformed_registry_stops_a_command_with_exit_2(tmp_path: Path) -> None:
    registry = tmp_path / "sources.toml"
    registry.write_text(SHIPPED + '\n[sources.register.options]\nsep = ";"\n', encoding="utf-8")
    result = runner.invoke(
        app, ["status", "--sources", str(registry), "--marts-dir", str(tmp_path / "marts")]
    )
    assert result.exit_code == 2, result.output
    flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert "source 'register': options: unknown key(s) 'sep'" in flat
