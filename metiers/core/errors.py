"""Errors the pipeline reports to people, and the exit code each one maps to."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

EXIT_PUBLISHED = 0
EXIT_DATA_REJECTED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
# A bad value is shown, never copied whole: a 50 MB line must not become a 50 MB message,
# report or run record. Longer texts keep their start and say how long they were.
VALUE_CHARS = 200
TEXT_CHARS = 1_000
SAMPLE_ITEMS = 20
# Problems listed in a rejection message; the quarantine reports hold every one.
MESSAGE_PROBLEMS = 20


TRUNCATED = re.compile(r"…\(truncated, [0-9]+ characters\)$")


def shorten(text: str, limit: int = VALUE_CHARS) -> str:
    """`text` cut to `limit` characters with a marker giving its full length; a text cut
    already is left as it is."""
    if len(text) <= limit:
        return text
    marker = TRUNCATED.search(text)
    if marker and marker.start() <= limit:
        return text
    return f"{text[:limit]}…(truncated, {len(text)} characters)"


def _short_value(value: object) -> object:
    return shorten(value) if isinstance(value, str) else value


@dataclass
class DataProblem:
    """One broken rule in one file: enough for an operator to find and fix the bad values."""

    file: str
    rule: str
    column: str | None = None
    sample: list = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    count: int | None = None

    def __post_init__(self) -> None:
        # Bounded from the start: problems are kept in run caches and reports, and a sample
        # may be a whole line or the list of a million header names.
        self.sample = [_short_value(value) for value in list(self.sample)[:SAMPLE_ITEMS]]
        self.rows = list(self.rows)[:SAMPLE_ITEMS]
        self.file = shorten(str(self.file), TEXT_CHARS)
        self.rule = shorten(str(self.rule), TEXT_CHARS)
        if self.column is not None:
            self.column = shorten(str(self.column))

    def describe(self) -> str:
        parts = [f"{shorten(str(self.file), TEXT_CHARS)}:"]
        if self.column:
            parts.append(f"column '{shorten(str(self.column))}'")
        parts.append(f"fails rule {shorten(str(self.rule), TEXT_CHARS)}")
        if self.count is not None:
            parts.append(f"({self.count} bad value{'s' if self.count != 1 else ''})")
        text = " ".join(parts)
        if self.sample:
            shown = ", ".join(
                repr(shorten(value)) if isinstance(value, str) else shorten(repr(value))
                for value in self.sample[:5]
            )
            text += f"; e.g. {shown}"
        if self.rows:
            text += f"; rows {', '.join(str(row) for row in self.rows[:5])}"
        return text

    def as_dict(self) -> dict:
        return {
            "file": shorten(str(self.file), TEXT_CHARS),
            "rule": shorten(str(self.rule), TEXT_CHARS),
            "column": None if self.column is None else shorten(str(self.column)),
            "sample": [shorten(str(value)) for value in self.sample[:SAMPLE_ITEMS]],
            "rows": self.rows[:SAMPLE_ITEMS],
            "count": self.count,
        }


class MetiersError(Exception):
    """Base of the errors the CLI turns into a message and an exit code."""

    exit_code = EXIT_INTERNAL


class UsageError(MetiersError):
    """The command was asked for something that does not exist or cannot be done."""

    exit_code = EXIT_USAGE


class DataRejected(MetiersError):
    """Input data break a rule: nothing is published."""

    exit_code = EXIT_DATA_REJECTED

    def __init__(
        self,
        problems: list[DataProblem],
        stage: str = "validation",
        reports: list[str] | None = None,
    ) -> None:
        self.problems = problems
        self.stage = stage
        self.reports = reports or []
        lines = [f"{stage} rejected the data ({len(problems)} problem(s)); nothing published:"]
        lines += [f"  - {problem.describe()}" for problem in problems[:MESSAGE_PROBLEMS]]
        if len(problems) > MESSAGE_PROBLEMS:
            hidden = len(problems) - MESSAGE_PROBLEMS
            lines.append(f"  ... and {hidden} more problem(s), listed in the quarantine reports")
        if self.reports:
            lines.append("quarantine reports:")
            lines += [f"  {report}" for report in self.reports]
        super().__init__("\n".join(lines))


class RefreshLocked(MetiersError):
    """Another refresh holds the lock on the marts folder."""

    exit_code = EXIT_USAGE


def is_expected(error: BaseException | None) -> bool:
    """A data rejection or a usage error: an ordinary outcome with a message for people, not
    a bug (exit 3) whose traceback someone needs."""
    return isinstance(error, MetiersError) and error.exit_code != EXIT_INTERNAL


class QuietExpectedErrors(logging.Filter):
    """Orchestrators log every exception a task or flow raises with its traceback. For an
    expected outcome the command prints the message once, so the log keeps one line naming
    the outcome and drops the traceback; bugs keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if is_expected(error):
            headline = str(error).splitlines()[0] if str(error) else ""
            record.msg = f"{type(error).__name__}: {headline}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_expected_errors(logger_names: tuple[str, ...]) -> None:
    """Attach `QuietExpectedErrors` once to each named logger."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(item, QuietExpectedErrors) for item in logger.filters):
            logger.addFilter(QuietExpectedErrors())
