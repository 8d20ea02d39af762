"""Prefect flow `refresh`: intake (ingest + validate each raw file) -> quarantine and decide ->
build -> validate marts -> publish.

Orchestration only: every task calls one stage of `metiers.pipeline`. Tasks exchange paths,
hashes and validation summaries, never DataFrames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metiers.config import Settings, prepare_environment

prepare_environment()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from metiers import pipeline  # noqa: E402
from metiers.build import build_marts, remove_stale_builds, remove_stale_partials  # noqa: E402
from metiers.errors import UsageError  # noqa: E402
from metiers.publish import Publication, publish, refresh_lock  # noqa: E402
from metiers.quarantine import FileIntake, Intake, decide  # noqa: E402
from metiers.report import write_html_report  # noqa: E402
from metiers.validate import ValidationOutcome  # noqa: E402


@task(name="intake", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def intake_task(source: str, raw_path: Path, settings: Settings) -> FileIntake:
    return pipeline.take_in_one((source, raw_path), settings)


@task(name="quarantine", cache_policy=NO_CACHE)
def decide_task(files: list[FileIntake], settings: Settings, run_id: str) -> Intake:
    return decide(files, settings, run_id)


@task(name="build", cache_policy=NO_CACHE)
def build_task(intake: Intake, settings: Settings, run_id: str) -> Path:
    return build_marts(intake, settings, run_id)


@task(name="validate-marts", cache_policy=NO_CACHE)
def validate_marts_task(build_path: Path, settings: Settings) -> list[ValidationOutcome]:
    return pipeline.check_marts(build_path, settings)


@task(name="report", cache_policy=NO_CACHE)
def report_task(
    files: list[FileIntake], mart_outcomes: list, settings: Settings, run_id: str
) -> Path | None:
    return write_html_report(files, mart_outcomes, settings, run_id)


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(
    build_path: Path,
    intake: Intake,
    mart_outcomes: list[ValidationOutcome],
    settings: Settings,
    run_id: str,
) -> Publication:
    return publish(build_path, intake, mart_outcomes, settings, run_id)


@flow(name="refresh", log_prints=True)
def refresh(
    raw_dir: str | None = None,
    marts_dir: str | None = None,
    staging_dir: str | None = None,
    min_records: int | None = None,
    sources_file: str | None = None,
) -> Publication:
    """Refresh the published mart from the raw folder; publish only what validates."""
    defaults = Settings()
    settings = Settings(
        raw_dir=Path(raw_dir) if raw_dir else defaults.raw_dir,
        marts_dir=Path(marts_dir) if marts_dir else defaults.marts_dir,
        staging_dir=Path(staging_dir) if staging_dir else None,
        min_records=min_records or defaults.min_records,
        sources_file=Path(sources_file) if sources_file else defaults.sources_file,
    )
    logger = get_run_logger()
    with refresh_lock(settings.marts_dir):
        remove_stale_builds(settings.marts_dir)
        remove_stale_partials(settings.staging_dir)
        run_id = pipeline.new_run_id()
        files = pipeline.raw_files(settings)
        logger.info("taking in %d raw files from %s", len(files), settings.raw_dir)
        futures = [intake_task.submit(source, path, settings) for source, path in files]
        taken = [future.result() for future in futures]
        mart_outcomes: list[ValidationOutcome] = []
        try:
            intake = decide_task(taken, settings, run_id)
            for source in intake.excluded_sources:
                logger.warning("optional source %s left out: a file failed validation", source)
            build_path = build_task(intake, settings, run_id)
            mart_outcomes = validate_marts_task(build_path, settings)
            pipeline.accept_marts(mart_outcomes, build_path)
            publication = publish_task(build_path, intake, mart_outcomes, settings, run_id)
            logger.info("published version %s to %s", publication.version, publication.path)
            return publication
        finally:
            report = report_task(taken, mart_outcomes, settings, run_id)
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
