"""The Prefect flow of a build: one task per stage, then one that writes the version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from pipelines.build import BuildPlan, ProgressFn, plan_build, run_stage, write_version
from pipelines.errors import PipelinesError, TransientError
from pipelines.recipe import SynthesizeStage, load_recipe
from pipelines.settings import default_out_dir
from pipelines.store import DatasetStore

# Progress is shown by the process that started the flow; it cannot travel as a parameter.
_progress: ProgressFn | None = None


def set_progress(callback: ProgressFn | None) -> None:
    global _progress
    _progress = callback


def _plan(recipe: str, overrides: list[str] | None, out: str | None) -> BuildPlan:
    return plan_build(recipe, overrides or [], Path(out) if out else None)


def _run_name() -> str:
    p = flow_run.parameters
    plan = _plan(p["recipe"], p.get("overrides"), p.get("out"))
    return f"{plan.recipe.name}-{plan.version}"


@task(cache_policy=NO_CACHE)
def stage_task(plan: BuildPlan, index: int) -> dict:
    return run_stage(plan, index, _progress)


@task(name="write-version", cache_policy=NO_CACHE)
def write_task(plan: BuildPlan, results: list[dict], started_at: datetime) -> str:
    return str(write_version(plan, results, started_at))


# The stages that can fail transiently: reading inputs (they may be remote) and model servers.
TRANSIENT = (SynthesizeStage,)


def _retries(plan: BuildPlan, index: int) -> dict:
    """Prefect retries with backoff, as the recipe says, for the stages that can fail transiently."""
    policy = plan.recipe.retries
    spec = plan.recipe.stages[index - 1] if index else None
    if spec is not None and not isinstance(spec, TRANSIENT):
        return {}
    attempts = policy.attempts if getattr(spec, "retries", None) is None else spec.retries
    if not attempts:
        return {}
    return {"retries": attempts,
            "retry_delay_seconds": [policy.delay_seconds * policy.backoff**k for k in range(attempts)],
            "retry_jitter_factor": policy.jitter or None, "retry_condition_fn": _may_pass}


def _may_pass(task, task_run, state) -> bool:
    """Retry anything but a user's mistake: a bad recipe fails the same way every time."""
    try:
        state.result()
    except TransientError:
        return True
    except PipelinesError:
        return False
    except Exception:  # noqa: BLE001 (an engine's own error: a crashed worker, a full disk)
        return True
    return True


@flow(name="build-dataset", flow_run_name=_run_name)
def build_flow(recipe: str, overrides: list[str] | None = None, out: str | None = None) -> dict:
    """Build a dataset from a recipe into the versioned store; a no-op if it is up to date."""
    started_at = datetime.now(UTC)
    spec, _ = load_recipe(recipe, overrides or [])
    with DatasetStore(Path(out) if out else default_out_dir(), spec.name).lock():
        # Planned again under the lock: another build may have written a version meanwhile.
        plan = _plan(recipe, overrides, out)
        if plan.up_to_date:
            return {"path": str(plan.path), "version": plan.version, "up_to_date": True}
        name = f"{plan.recipe.name}-{plan.version}"
        if flow_run.name != name:
            with get_client(sync_client=True) as client:
                client.update_flow_run(flow_run.id, name=name)
        results = [
            stage_task.with_options(name=f"{i}-{stage.name}", **_retries(plan, i))(plan, i)
            for i, stage in enumerate(plan.stages)
        ]
        path = write_task(plan, results, started_at)
    return {"path": path, "version": plan.version, "up_to_date": False}
