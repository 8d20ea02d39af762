"""Errors the pipeline reports to people, and the exit code each one maps to."""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_PUBLISHED = 0
EXIT_DATA_REJECTED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


@dataclass
class DataProblem:
    """One broken rule in one file: enough for an operator to find and fix the bad values."""

    file: str
    rule: str
    column: str | None = None
    sample: list = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    count: int | None = None

    def describe(self) -> str:
        parts = [f"{self.file}:"]
        if self.column:
            parts.append(f"column '{self.column}'")
        parts.append(f"fails rule {self.rule}")
        if self.count is not None:
            parts.append(f"({self.count} bad value{'s' if self.count != 1 else ''})")
        text = " ".join(parts)
        if self.sample:
            shown = ", ".join(repr(value) for value in self.sample[:5])
            text += f"; e.g. {shown}"
        if self.rows:
            text += f"; rows {', '.join(str(row) for row in self.rows[:5])}"
        return text

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "rule": self.rule,
            "column": self.column,
            "sample": [str(value) for value in self.sample[:20]],
            "rows": self.rows[:20],
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
        lines += [f"  - {problem.describe()}" for problem in problems]
        if self.reports:
            lines.append("quarantine reports:")
            lines += [f"  {report}" for report in self.reports]
        super().__init__("\n".join(lines))


class RefreshLocked(MetiersError):
    """Another refresh holds the lock on the marts folder."""

    exit_code = EXIT_USAGE
