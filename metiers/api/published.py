"""The published file as the API reads it: one read-only snapshot per version, with the
response bodies of that version kept in memory.

The published file is opened once per version and shared by all requests. Each request
stats the file: when a refresh or a rollback has swapped a new one in, the next request
opens it, while requests still running on the previous version finish on it (their
open file keeps the old inode alive). No restart, no failed request.

Each version is attached read-only to its own in-memory DuckDB database rather than opened
with `duckdb.connect(path)`: DuckDB's client caches databases by path, so a second
`connect(path)` while an older connection is open would return the older version.

A version never changes, so each body is built (queried, validated by its model, serialized)
once per version and then served from memory: this is why the API answers faster than a
direct DuckDB lookup (docs/performance.md, "HTTP API load").
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from starlette.concurrency import run_in_threadpool

from metiers.present import mart

# The client-facing text of each failure; the same words whatever the server's paths.
NOT_PUBLISHED = "no published mart yet: run `metiers refresh` on the server"
UNREADABLE = "the published mart cannot be opened; the server log has the details"

BodyBuilder = Callable[[duckdb.DuckDBPyConnection], bytes]


class MartUnavailable(Exception):
    """No published file yet (or it cannot be opened). `str(error)` is the detail for the
    server log; clients get `code` and `message` only."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.message = message


class Snapshot:
    """One published version, attached read-only; one cursor per worker thread.

    Each response body is built once and kept with the version (up to BODY_CACHE_LIMIT
    bodies); a new version starts with an empty cache.
    """

    BODY_CACHE_LIMIT = 4096

    def __init__(self, path: Path, key: tuple[int, ...]) -> None:
        self.key = key
        self.database = duckdb.connect(":memory:")
        self.database.execute(f"ATTACH '{_sql_string(str(path))}' AS mart (READ_ONLY)")
        self.database.execute("USE mart")
        info = mart.publication(self.database)
        self.version: str = info.get("version") or "unversioned"
        published_at = info.get("published_at")
        self.published_at: datetime | None = (
            published_at.astimezone(UTC) if isinstance(published_at, datetime) else None
        )
        self._local = threading.local()
        self._bodies: dict[tuple, bytes] = {}

    @property
    def etag(self) -> str:
        """The only validator: the publication version, quoted."""
        return f'"{self.version}"'

    def body(self, key: tuple, build: BodyBuilder) -> bytes:
        """The body for `key`, built on this version the first time it is asked for."""
        cached = self._bodies.get(key)
        if cached is None:
            cached = build(self.cursor())
            if len(self._bodies) < self.BODY_CACHE_LIMIT:
                self._bodies[key] = cached
        return cached

    async def body_async(self, key: tuple, build: BodyBuilder) -> bytes:
        """A kept body at once, on the event loop; a new one is built in the thread pool,
        since DuckDB queries block."""
        cached = self._bodies.get(key)
        if cached is not None:
            return cached
        return await run_in_threadpool(self.body, key, build)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of this thread to this version (DuckDB connections are per thread)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self.database.cursor()
            cursor.execute("USE mart")
            self._local.cursor = cursor
        return cursor


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


class PublishedMart:
    """The current version of the published file, reopened when the file is replaced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        try:
            stat = os.stat(self.path)
        except OSError as error:
            code, message = (
                ("not_published", NOT_PUBLISHED)
                if isinstance(error, FileNotFoundError)
                else ("mart_unreadable", UNREADABLE)
            )
            raise MartUnavailable(code, message, f"cannot stat {self.path}: {error}") from None
        # A swap gives the path another inode (or, for a rollback, an older one).
        key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns)
        current = self._current
        if current is not None and current.key == key:
            return current
        with self._lock:
            if self._current is None or self._current.key != key:
                try:
                    self._current = Snapshot(self.path, key)
                except duckdb.Error as error:
                    raise MartUnavailable(
                        "mart_unreadable", UNREADABLE, f"cannot open {self.path}: {error}"
                    ) from None
            return self._current
