"""Prefect flow `refresh`: the one refresh sequence (`metiers.refresh.pipeline.refresh_with`) with
every stage run as a Prefect task of its name: discover, intake (one per raw file, submitted
to the task runner), quarantine, build, validate-marts, publish, report.

Prefect only: this module declares how a stage becomes a task (timeouts, the retries of
`metiers.core.config.RETRY_POLICIES`, no cache) and which task runner runs the intakes; the
order of the stages and what each one does are metiers' own, shared with `--no-prefect`.
Tasks exchange paths, hashes and validation summaries, never DataFrames. An unchanged raw file
is not read again: the intake reuses its record in metiers' own JSON intake cache
(metiers.validate.intake_cache), the same cache as `--no-prefect`. Prefect neither caches nor
persists a task's result, so no pickle is ever read back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from metiers.core.config import Settings, prepare_environment

prepare_environment()

from prefect import Task, flow, get_run_logger, pause_flow_run, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.exceptions import FlowPauseTimeout  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.input import RunInput  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from metiers.core.config import (  # noqa: E402
    FLOW_TIMEOUT_SECONDS,
    RETRY_POLICIES,
    TASK_TIMEOUT_SECONDS,
)
from metiers.core.errors import UsageError, quiet_expected_errors  # noqa: E402
from metiers.core.progress import track  # noqa: E402
from metiers.core.source_registry import load_release_policy  # noqa: E402
from metiers.publish import release  # noqa: E402
from metiers.publish.publication import Publication  # noqa: E402
from metiers.refresh import pipeline  # noqa: E402
from metiers.refresh.runner import Log, Result  # noqa: E402

# A rejection is an ordinary outcome: its task and the flow end Failed with the message, and
# the terminal shows it once, without Prefect's tracebacks (bugs keep theirs).
quiet_expected_errors(("prefect.task_runs", "prefect.flow_runs"))


def _transient(stage: Task, _task_run: Any, state: Any) -> bool:
    """Prefect's retry condition: retry what the stage's policy retries (an OSError), never
    a rejection or a bug."""
    try:
        state.result()
    except BaseException as error:
        return RETRY_POLICIES[stage.name].retries_on(error)
    return False


def _retry_options(name: str) -> dict[str, Any]:
    """The task options of the stage's `RetryPolicy` (none for a stage without one)."""
    policy = RETRY_POLICIES.get(name)
    if policy is None:
        return {}
    return {
        "retries": policy.retries,
        "retry_delay_seconds": policy.delays(),
        "retry_jitter_factor": policy.jitter_factor or None,
        "retry_condition_fn": _transient,
    }


@functools.cache
def stage_task(name: str, function: Callable[..., Any]) -> Task:
    """The Prefect task `name` that runs `function`: no cache and no persisted result (the
    intake cache is metiers' own JSON), the stage's retries and its timeout. Intake has no
    timeout: its tasks run in Prefect's thread pool, where a timeout cannot interrupt a
    blocking read and only adds a warning per task; the flow's timeout applies."""
    return task(
        function,
        name=name,
        cache_policy=NO_CACHE,
        persist_result=False,
        timeout_seconds=TASK_TIMEOUT_SECONDS.get(name),
        **_retry_options(name),
    )


class PrefectRunner:
    """Runs each stage of the refresh sequence as a Prefect task in the current flow run."""

    def __init__(self, log: Log) -> None:
        self.log = log

    def run_stage(self, name: str, function: Callable[..., Result], *args: Any) -> Result:
        # quote(): Prefect would walk every argument looking for futures to wait on (the
        # intakes, the outcomes): 0.3 s per task. Stages exchange plain values, never futures.
        return stage_task(name, function)(*(quote(argument) for argument in args))

    def map_stage(
        self,
        name: str,
        function: Callable[..., Result],
        calls: list[tuple],
        label: Callable[[tuple], str],
    ) -> list[Result]:
        """One task per call, submitted to the flow's task runner (threads, or Dask); a task
        that failed after its retries fails the stage."""
        stage = stage_task(name, function)
        futures = {stage.submit(*call): call for call in calls}
        results = {}
        for future in track(
            as_completed(list(futures)),
            len(futures),
            name,
            lambda future: label(futures[future]),
            log=self.log,
        ):
            results[future] = future.result()
        return [results[future] for future in futures]


class ReleaseDecision(RunInput):
    """The form the Prefect UI shows on a run paused for a release decision."""

    decision: Literal["approve", "reject"]
    reason: str = ""
    decided_by: str = ""
    release_at: str = ""  # an embargo, ISO 8601 (Europe/Brussels without an offset)


def wait_for_decision(settings: Settings, publication: Publication) -> Publication:
    """Pause the run until an operator approves or rejects the candidate in the Prefect UI
    (or through its API), then release or reject it. After `[release]
    approval_timeout_minutes` without an answer the candidate keeps waiting for `metiers
    release`: never released by default. Prefect ends such a run Failed ("never resumed"),
    whatever the flow returns: an expired pause cannot end otherwise."""
    logger = get_run_logger()
    waiting = release.read_candidate(settings)
    if waiting is None or waiting.version != publication.version or waiting.status != "waiting":
        logger.info("candidate %s needs no pause: it was decided already", publication.version)
        return publication
    summary = release.decision_summary(settings)
    logger.info("candidate %s waits for a decision:\n%s", publication.version, summary)
    form = ReleaseDecision.with_initial_data(description=summary)
    timeout = load_release_policy(settings.sources_file).approval_timeout_minutes * 60
    try:
        answer = pause_flow_run(wait_for_input=form, timeout=timeout, poll_interval=5)
    except FlowPauseTimeout:
        logger.warning(
            "no decision after %d minutes: candidate %s keeps waiting (`metiers release` or "
            "`metiers reject`)",
            timeout // 60,
            publication.version,
        )
        return publication
    decided_by = answer.decided_by.strip() or "prefect"
    current = release.read_candidate(settings)
    if (
        current is None
        or current.version != publication.version
        or current.status not in (release.OPEN)
    ):
        # Decided meanwhile (the CLI, another run): that decision stands.
        state = f"{current.version} is {current.status}" if current else "none"
        logger.warning(
            "the %s in Prefect is not applied: candidate %s was decided meanwhile (latest: %s)",
            answer.decision,
            publication.version,
            state,
        )
        return publication
    if answer.decision == "reject":
        outcome = release.reject(
            settings,
            answer.reason or "rejected in Prefect",
            decided_by=decided_by,
            version=publication.version,
            channel="prefect",
        )
        logger.info("candidate %s rejected by %s: %s", outcome.version, decided_by, answer.reason)
        return replace(publication, status="rejected", path=outcome.path)
    outcome = release.release(
        settings,
        decided_by=decided_by,
        reason=answer.reason or None,
        at=release.parse_time(answer.release_at) if answer.release_at.strip() else None,
        version=publication.version,
        channel="prefect",
    )
    logger.info("candidate %s %s by %s", outcome.version, outcome.status, decided_by)
    return replace(
        publication, status="published" if outcome.status == "released" else outcome.status
    )


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
    await_decision: bool = False,
) -> Publication:
    """Refresh the published mart from the raw folder; publish only what validates, and
    nothing when no input changed (unless `full`). With `await_decision` (the scheduled
    deployment), a candidate that needs a release decision pauses the run for it."""
    defaults = Settings()
    settings = Settings(
        raw_dir=Path(raw_dir) if raw_dir else defaults.raw_dir,
        marts_dir=Path(marts_dir) if marts_dir else defaults.marts_dir,
        staging_dir=Path(staging_dir) if staging_dir else None,
        min_records=min_records or defaults.min_records,
        sources_file=Path(sources_file) if sources_file else defaults.sources_file,
        data_docs=data_docs,
    )
    publication = pipeline.refresh_with(PrefectRunner(get_run_logger()), settings, full, trigger)
    if await_decision and publication.needs_decision:
        return wait_for_decision(settings, publication)
    return publication


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
