"""Load benchmark of the HTTP API, next to the same lookup done directly in DuckDB.

Starts `metiers serve` (uvicorn) in a subprocess on loopback, then drives it from this process
with a bounded load, through a lean HTTP/1.1 client of its own: a fixed number of card lookups
(`GET /metiers/{slug}?lang=`, every métier in every language in turn) over N concurrent
keep-alive connections, either paced at `--rate` requests per second or as fast as the server
answers (`--rate 0`). It reports requests per second, p50, p99 and max latency and the
errors. In the same run it times the same lookup (`metiers.present.mart.card_document`) directly
on a
read-only DuckDB connection and prints the ratio.

    nice .venv/bin/python bench/api_load.py --marts-dir data/marts   # 200 req/s, 50 conns
    nice .venv/bin/python bench/api_load.py --rate 0          # saturating, closed loop

Without a published mart in --marts-dir it refreshes the bundled sample into a temporary
folder first (about a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metiers.core.config import Settings, prepare_environment  # noqa: E402
from metiers.core.paths import DEFAULT_MARTS_DIR  # noqa: E402
from metiers.present import mart  # noqa: E402


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 5000 samples is the 4950th smallest)."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def summary(name: str, latencies_ms: list[float], elapsed_s: float, errors: int) -> dict:
    return {
        "name": name,
        "requests": len(latencies_ms) + errors,
        "rps": (len(latencies_ms) + errors) / elapsed_s,
        "p50_ms": statistics.median(latencies_ms),
        "p99_ms": percentile(latencies_ms, 0.99),
        "max_ms": max(latencies_ms),
        "errors": errors,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lookups(marts_dir: Path) -> list[tuple[str, str]]:
    with mart.connect_published(marts_dir) as connection:
        slugs = [row["slug"] for row in mart.list_metiers(connection)]
    return [(slug, lang) for slug in slugs for lang in ("fr", "nl", "en")]


class Connection:
    """One kept-alive HTTP/1.1 connection on raw asyncio streams. The load generator must
    cost far less than the server it measures: a full client library (httpx) spends more
    CPU per request than the API does, on the same two CPUs."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        request = f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def drive(
    port: int, targets: list[tuple[str, str]], total: int, connections: int, rate: float
) -> tuple[list[float], int, float, Counter]:
    """`total` requests over `connections` connections; paced at `rate` per second if > 0."""
    latencies: list[float] = []
    problems: Counter[str] = Counter()
    issued = 0
    start = time.perf_counter()

    async def worker() -> None:
        nonlocal issued
        connection = Connection("127.0.0.1", port)
        try:
            while issued < total:
                number = issued
                issued += 1
                if rate > 0:
                    delay = start + number / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                slug, lang = targets[number % len(targets)]
                sent = time.perf_counter()
                try:
                    status = await connection.get(f"/metiers/{slug}?lang={lang}")
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    problems[type(error).__name__] += 1
                    await connection.close()
                    connection = Connection("127.0.0.1", port)
                    continue
                if status == 200:
                    latencies.append((time.perf_counter() - sent) * 1000)
                else:
                    problems[f"HTTP {status}"] += 1
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, sum(problems.values()), time.perf_counter() - start, problems


def direct(marts_dir: Path, targets: list[tuple[str, str]], total: int) -> dict:
    """The same card lookups straight on DuckDB, one connection, one after another."""
    latencies = []
    with mart.connect_published(marts_dir) as connection:
        start = time.perf_counter()
        for number in range(total):
            slug, lang = targets[number % len(targets)]
            sent = time.perf_counter()
            mart.card_document(connection, slug, lang)
            latencies.append((time.perf_counter() - sent) * 1000)
        elapsed = time.perf_counter() - start
    return summary("direct DuckDB (card_document)", latencies, elapsed, 0)


def start_server(marts_dir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "metiers", "serve", "--port", str(port),
         "--marts-dir", str(marts_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"server did not start: {process.stderr.read().decode()[-2000:]}")


def show(row: dict) -> None:
    print(
        f"{row['name']:<42} {row['requests']:>7} req  {row['rps']:>8.0f} req/s  "
        f"p50 {row['p50_ms']:>7.2f} ms  p99 {row['p99_ms']:>7.2f} ms  "
        f"max {row['max_ms']:>7.2f} ms  errors {row['errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marts-dir", type=Path, default=DEFAULT_MARTS_DIR)
    parser.add_argument("--requests", type=int, default=5000, help="requests in the timed run")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections")
    parser.add_argument(
        "--rate", type=float, default=200, help="requests per second offered; 0 = no pacing"
    )
    parser.add_argument("--warmup", type=int, default=500, help="untimed requests first")
    args = parser.parse_args()
    prepare_environment()

    marts_dir = args.marts_dir
    if not mart.published_path(marts_dir).exists():
        from metiers.refresh.pipeline import run_refresh

        marts_dir = Path(tempfile.mkdtemp(prefix="api-load-")) / "marts"
        print(f"no published mart in {args.marts_dir}: refreshing the bundled sample into "
              f"{marts_dir}", file=sys.stderr)  # fmt: skip
        run_refresh(Settings(marts_dir=marts_dir))

    targets = lookups(marts_dir)
    load_before = os.getloadavg()[0]
    port = free_port()
    server = start_server(marts_dir, port)
    try:
        asyncio.run(drive(port, targets, args.warmup, args.connections, 0))
        latencies, errors, elapsed, problems = asyncio.run(
            drive(port, targets, args.requests, args.connections, args.rate)
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    paced = f"paced at {args.rate:g}/s" if args.rate > 0 else "unpaced"
    api = summary(f"HTTP API, {args.connections} conns, {paced}", latencies, elapsed, errors)
    baseline = direct(marts_dir, targets, min(args.requests, 2000))
    print(f"card lookups over {len(targets)} (métier, language) pairs, mart {marts_dir}")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before the run, "
        f"{os.getloadavg()[0]:.1f} after (other processes share these CPUs)"
    )
    show(api)
    if problems:
        print(f"  errors: {dict(problems)}")
    show(baseline)
    print(
        f"ratio API / direct: p50 {api['p50_ms'] / baseline['p50_ms']:.1f}x, "
        f"p99 {api['p99_ms'] / baseline['p99_ms']:.1f}x"
    )
    target_met = api["p99_ms"] < 20 and api["errors"] == 0
    print(f"target p99 < 20 ms with zero errors: {'met' if target_met else 'NOT met'}")


if __name__ == "__main__":
    main()
