"""The progress of each LLM stage as a Prefect progress artifact of its task run: prompts done of all, with
samples, output tokens a second and the time left in its description, updated while it generates."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator

EVERY_S = 5.0  # an artifact's updates at most this often (and at the end)
log = logging.getLogger(__name__)


def describe(done: int, total: int, figures: dict) -> str:
    parts = [f"{done:,}/{total:,} prompts"]
    if figures.get("samples") is not None:
        parts.append(f"{figures['samples']:,} samples")
    if figures.get("kept") is not None:
        parts.append(f"{figures['kept']:,} rows kept")
    if figures.get("samples_per_s"):
        parts.append(f"{figures['samples_per_s']:,} samples/s")
    if figures.get("output_tokens_per_s"):
        parts.append(f"{figures['output_tokens_per_s']:,} output tokens/s")
    if figures.get("eta_s") is not None and done < total:
        parts.append(f"ETA {figures['eta_s']:,.0f} s")
    return ", ".join(parts)


class _Artifacts:
    """Wraps a plan's progress: reports go on to what was there (the CLI's display), and an LLM stage's
    (figures with unit="prompts") also to its progress artifact, created at its first report."""

    def __init__(self, plan, downstream, task_run_id, flow_run_id):
        self.plan, self.downstream = plan, downstream
        self.task_run_id, self.flow_run_id = task_run_id, flow_run_id
        self.ids: dict[int, object] = {}
        self.sent: dict[int, float] = {}

    def __call__(self, index: int, done: int, total: int, **figures) -> None:
        if self.downstream:
            self.downstream(index, done, total, **figures)
        if figures.get("unit") != "prompts":
            return
        now = time.monotonic()
        if index in self.ids and now - self.sent.get(index, 0) < EVERY_S and done < total:
            return
        self.sent[index] = now
        try:
            self._post(index, 100.0 * done / total if total else 100.0, describe(done, total, figures))
        except Exception as e:  # noqa: BLE001 (an artifact is a view: the build goes on without it)
            log.warning("progress artifact of stage %s not updated: %s", index, e)

    def _post(self, index: int, progress: float, description: str) -> None:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import ArtifactCreate, ArtifactUpdate

        stage = self.plan.stages[index].name
        with get_client(sync_client=True) as client:
            if index not in self.ids:
                key = re.sub(r"[^a-z0-9-]+", "-", f"{self.plan.recipe.name}-{stage}-progress".lower())
                self.ids[index] = client.create_artifact(ArtifactCreate(
                    key=key, type="progress", data=progress, description=f"{stage}: {description}",
                    task_run_id=self.task_run_id, flow_run_id=self.flow_run_id)).id
            else:
                client.update_artifact(self.ids[index], ArtifactUpdate(
                    data=progress, description=f"{stage}: {description}"))


@contextlib.contextmanager
def progress_artifacts(plan) -> Iterator[None]:
    """While a task runs its stages, their LLM progress also goes to artifacts of that task run."""
    from prefect.runtime import flow_run, task_run

    downstream = plan.progress
    plan.progress = _Artifacts(plan, downstream, task_run.id, flow_run.id)
    try:
        yield
    finally:
        plan.progress = downstream
