"""Prefect flow `refresh`: discover and hash -> intake (ingest + validate each raw file) ->
quarantine and decide -> build -> validate marts -> publish -> report.

Orchestration only: every task calls one stage of `metiers`. Tasks exchange paths, hashes
and validation summaries, never DataFrames. An unchanged raw file is not read again: the
intake task reuses its record in metiers' own JSON intake cache (metiers.incremental, keyed on
path, content hash and the rules that read it), the same cache as `--no-prefect`. Prefect
neither caches nor persists the task's result, so no pickle is ever read back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metiers.config import Settings, prepare_environment

prepare_environment()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from metiers import pipeline  # noqa: E402
from metiers.build import build_marts  # noqa: E402
from metiers.config import FLOW_TIMEOUT_SECONDS, TASK_TIMEOUT_SECONDS  # noqa: E402
from metiers.errors import UsageError, quiet_expected_errors  # noqa: E402
from metiers.incremental import build_key, take_in_incremental  # noqa: E402
from metiers.ingest import printable  # noqa: E402
from metiers.progress import track  # noqa: E402
from metiers.publish import Publication, publish, unchanged_publication  # noqa: E402
from metiers.quarantine import FileIntake, Intake, decide, take_in  # noqa: E402
from metiers.report import report_wanted, write_report_or_warn  # noqa: E402
from metiers.runs import RunRecord  # noqa: E402
from metiers.validate import ValidationOutcome  # noqa: E402

# A rejection is an ordinary outcome: its task and the flow end Failed with the message, and
# the terminal shows it once, without Prefect's tracebacks (bugs keep theirs).
quiet_expected_errors(("prefect.task_runs", "prefect.flow_runs"))


def _transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry reading on I/O trouble (a share that hiccups), not on bugs; data problems are
    recorded in the intake, never raised."""
    try:
        state.result()
    except OSError:
        return True
    except BaseException:
        return False
    return False


@task(
    name="intake",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=_transient,
    # No task timeout: intake tasks run in Prefect's thread pool, where a timeout cannot
    # interrupt a blocking read and only adds a warning per task; the flow's timeout applies.
)
def intake_task(
    source: str, raw_path: Path, sha256: str, settings: Settings, run_id: str, full: bool
) -> FileIntake:
    """One raw file's intake, reused from the JSON intake cache when the file is unchanged
    (never with `full`); `take_in` is looked up here so tests can make reading fail."""
    return take_in_incremental(source, raw_path, sha256, settings, run_id, full, take=take_in)


@task(
    name="discover",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_condition_fn=_transient,
    timeout_seconds=TASK_TIMEOUT_SECONDS["discover"],
)
def discover_task(settings: Settings) -> list[tuple[str, Path, str]]:
    return pipeline.hashed_raw_files(settings)


@task(name="quarantine", cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_SECONDS["quarantine"])
def decide_task(files: list[FileIntake], settings: Settings, run_id: str) -> Intake:
    return decide(files, settings, run_id)


@task(name="build", cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_SECONDS["build"])
def build_task(intake: Intake, settings: Settings, run_id: str) -> Path:
    return build_marts(intake, settings, run_id)


@task(
    name="validate-marts",
    cache_policy=NO_CACHE,
    timeout_seconds=TASK_TIMEOUT_SECONDS["validate-marts"],
)
def validate_marts_task(build_path: Path, settings: Settings) -> list[ValidationOutcome]:
    return pipeline.check_marts(build_path, settings)


@task(name="report", cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_SECONDS["report"])
def report_task(
    files: list[FileIntake], mart_outcomes: list, settings: Settings, run_id: str
) -> Path | None:
    return write_report_or_warn(files, mart_outcomes, settings, run_id)


@task(name="publish", cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_SECONDS["publish"])
def publish_task(
    build_path: Path,
    intake: Intake,
    mart_outcomes: list[ValidationOutcome],
    settings: Settings,
    run: RunRecord,
    key: str,
) -> Publication:
    return publish(build_path, intake, mart_outcomes, settings, run.run_id, run=run, key=key)


def _take_in_all(
    items: list[tuple[str, Path, str]], settings: Settings, run_id: str, full: bool
) -> list[FileIntake]:
    """Submit one intake per file (a cached intake whose staged batch has gone is a miss)."""
    logger = get_run_logger()
    futures = {
        intake_task.submit(source, path, sha256, settings, run_id, full): (source, path, sha256)
        for source, path, sha256 in items
    }
    done: dict[tuple[str, Path, str], FileIntake] = {}
    for future in track(
        as_completed(list(futures)),
        len(futures),
        "intake",
        lambda future: f"{futures[future][0]}/{printable(futures[future][1].name)}",
        log=logger,
    ):
        done[futures[future]] = future.result()
    return [done[item] for item in items]


@flow(name="refresh", log_prints=True, timeout_seconds=FLOW_TIMEOUT_SECONDS)
def refresh(
    raw_dir: str | None = None,
    marts_dir: str | None = None,
    staging_dir: str | None = None,
    min_records: int | None = None,
    sources_file: str | None = None,
    full: bool = False,
    trigger: str = "flow",
    data_docs: bool = False,
) -> Publication:
    """Refresh the published mart from the raw folder; publish only what validates, and
    nothing when no input changed (unless `full`)."""
    defaults = Settings()
    settings = Settings(
        raw_dir=Path(raw_dir) if raw_dir else defaults.raw_dir,
        marts_dir=Path(marts_dir) if marts_dir else defaults.marts_dir,
        staging_dir=Path(staging_dir) if staging_dir else None,
        min_records=min_records or defaults.min_records,
        sources_file=Path(sources_file) if sources_file else defaults.sources_file,
        data_docs=data_docs,
    )
    logger = get_run_logger()
    with pipeline.recorded_run(settings, full, trigger) as run:
        with run.stage("discover"):
            items = discover_task(settings)
        logger.info("taking in %d raw files from %s", len(items), settings.raw_dir)
        with run.stage("intake"):
            taken = _take_in_all(items, settings, run.run_id, full)
        run.note_inputs(taken, settings)
        reused = sum(1 for item in taken if item.reused_by(run.run_id))
        logger.info("%d file(s) read, %d unchanged and reused", len(taken) - reused, reused)
        mart_outcomes: list[ValidationOutcome] = []
        unchanged = False
        try:
            with run.stage("quarantine"):
                intake = decide_task(quote(taken), settings, run.run_id)
            for source in intake.excluded_sources:
                logger.warning("optional source %s left out: a file failed validation", source)
            key = build_key(items, settings)
            current = None if full else unchanged_publication(settings, key, run.run_id)
            if current is not None:
                unchanged = True
                run.finish("unchanged", current.version)
                logger.info("no input changed: version %s stays published", current.version)
                return current
            with run.stage("build"):
                build_path = build_task(quote(intake), settings, run.run_id)
            with run.stage("validate-marts"):
                mart_outcomes = validate_marts_task(build_path, settings)
                pipeline.accept_marts(mart_outcomes, build_path)
            with run.stage("publish"):
                publication = publish_task(
                    build_path, quote(intake), quote(mart_outcomes), settings, quote(run), key
                )
            run.finish("published", publication.version)
            logger.info("published version %s to %s", publication.version, publication.path)
            return publication
        finally:
            run.note_inputs(taken, settings)
            if not unchanged and report_wanted(taken, mart_outcomes, settings):
                with run.stage("report"):
                    report = report_task(quote(taken), quote(mart_outcomes), settings, run.run_id)
                logger.info("validation report: %s", report)


TASK_RUNNERS = ("default", "dask")


def task_runner_for(
    name: str, dask_address: str | None = None, cluster_kwargs: dict | None = None
) -> Any:
    """The Prefect task runner of a refresh: Prefect's default (threads in this process), or
    Dask through prefect-dask, on the cluster at `dask_address` or on a local cluster
    started for the run. Only the intake tasks (one per raw file: per source and, for the
    register, per year partition) are submitted to it; the build and publication, the one
    writer of the DuckDB file, stay in the flow's process."""
    if name == "default":
        if dask_address:
            raise UsageError("--dask-address needs --task-runner dask")
        return None
    if name != "dask":
        raise UsageError(f"unknown task runner {name!r}: choose one of {', '.join(TASK_RUNNERS)}")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as error:
        raise UsageError(
            "the dask task runner needs prefect-dask: pip install 'metiers-en-chiffres[dask]'"
        ) from error
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs=cluster_kwargs or {"n_workers": 2, "threads_per_worker": 1},
    )


def run_refresh_flow(
    task_runner: str = "default",
    dask_address: str | None = None,
    cluster_kwargs: dict | None = None,
    **parameters: Any,
) -> Publication:
    """Run the flow `refresh` with the chosen task runner."""
    runner = task_runner_for(task_runner, dask_address, cluster_kwargs)
    chosen = refresh if runner is None else refresh.with_options(task_runner=runner)
    return chosen(**parameters)


if __name__ == "__main__":
    refresh()
