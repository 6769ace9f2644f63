"""The Prefect flow of a build: one task per stage group (fused streaming stages, or a barrier), then
one that writes the version."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipelines import settings

# A worker or `serve` imports this module to run a deployment: the engines' environment (Prefect's
# home among it) is set before any engine is imported.
settings.configure_environment()

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402

from flows.artifacts import progress_artifacts  # noqa: E402
from pipelines.errors import TRANSIENT_ERRORS, USER_ERRORS  # noqa: E402
from pipelines.plan import BuildPlan, plan_build  # noqa: E402
from pipelines.run import run_group  # noqa: E402
from pipelines.stop import BuildStopped, reinstall, requested  # noqa: E402
from pipelines.version import write_version  # noqa: E402


def _run_name() -> str:
    p = flow_run.parameters
    plan = p.get("plan")
    if isinstance(plan, BuildPlan):
        return f"{plan.recipe.name}-{plan.version}"
    return f"{Path(p['recipe']).stem}-build"  # named after planning, in the flow


@task(cache_policy=NO_CACHE)
def group_task(plan: BuildPlan, group: list[int]) -> list[dict]:
    with progress_artifacts(plan):
        try:
            return run_group(plan, group)
        except Exception:
            if (signum := requested()) is not None:  # an engine's error as it was ended: the stop itself
                raise BuildStopped(signum) from None
            raise


@task(name="write-version", cache_policy=NO_CACHE)
def write_task(plan: BuildPlan, results: list[dict], started_at: datetime) -> str:
    return str(write_version(plan, results, started_at))


def _retries(plan: BuildPlan, group: list[int]) -> dict:
    """Prefect retries with backoff, as the recipe says, for a group with a stage that can fail
    transiently (reads remote inputs, talks to a model server)."""
    specs = [plan.stages[i].spec for i in group]
    if not any(spec.transient for spec in specs):
        return {}
    policy = plan.recipe.retries
    own = [spec.retries for spec in specs if getattr(spec, "retries", None) is not None]
    attempts = max(own) if own else policy.attempts
    if not attempts:
        return {}
    return {"retries": attempts,
            "retry_delay_seconds": [policy.delay_seconds * policy.backoff**k for k in range(attempts)],
            "retry_jitter_factor": policy.jitter or None, "retry_condition_fn": _may_pass}


def _may_pass(task, task_run, state) -> bool:
    """Retry anything but a user's mistake (a bad recipe fails the same way every time) and a stop."""
    if requested() is not None:
        return False
    try:
        state.result()
    except TRANSIENT_ERRORS:
        return True
    except USER_ERRORS:
        return False
    except Exception:  # noqa: BLE001 (an engine's own error: a crashed worker, a full disk)
        return True
    return True


# Parameters are not validated: `plan` is the caller's own object, handed on as is.
@flow(name="build-dataset", flow_run_name=_run_name, validate_parameters=False)
def build_flow(recipe: str, overrides: list[str] | None = None, out: str | None = None,
               plan: BuildPlan | None = None) -> dict:
    """Build a dataset from a recipe into the versioned store; a no-op if it is up to date. `plan`: the
    recipe already planned (by `pipelines build`); a deployment's run plans it here."""
    started_at = datetime.now(UTC)
    if plan is None:
        plan = plan_build(recipe, overrides or [], out)
    with plan.store.lock():
        # Named again under the lock: another build may have written a version meanwhile.
        plan = plan.refreshed()
        if plan.up_to_date:
            return {"path": str(plan.path), "version": plan.version, "up_to_date": True}
        reinstall()  # the CLI's stop on SIGTERM, over the flow engine's own (a crash it would retry)
        name = f"{plan.recipe.name}-{plan.version}"
        if flow_run.name != name:
            with get_client(sync_client=True) as client:
                client.update_flow_run(flow_run.id, name=name)
        results = []
        for group in plan.groups():
            label = "+".join(plan.stages[i].name for i in group)
            task = group_task.with_options(name=f"{group[0]}-{label}", **_retries(plan, group))
            results += task(plan, group)
        path = write_task(plan, results, started_at)
    return {"path": path, "version": plan.version, "up_to_date": False}


def build(recipe: str, overrides: list[str] | None = None, out: str | None = None,
          plan: BuildPlan | None = None) -> dict:
    """build_flow run here, as `pipelines build` does. On Prefect's temporary API (no PREFECT_API_URL) the
    flow run sends no heartbeats: they tell a lasting server that a run crashed, the temporary one ends with
    the build, and Prefect's heartbeat thread sleeps in whole seconds, so a build waited up to 1 s for it."""
    from prefect.settings import get_current_settings, temporary_settings

    if get_current_settings().api.url:
        return build_flow(recipe=recipe, overrides=overrides, out=out, plan=plan)
    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        return build_flow(recipe=recipe, overrides=overrides, out=out, plan=plan)
