"""`pipelines build --dry-run`: what a build would do, from its plan alone: each stage cached or to run, and
for a stage that prompts a model, how many prompts times how many samples, and which model. Nothing runs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from pipelines.plan import BuildPlan


def cached(plan: BuildPlan, i: int) -> bool:
    """Whether stage i would be reused from the stage cache (as run.run_group decides)."""
    final = plan.made(i)
    return (final / "funnel.json").is_file() and (
        plan.stages[i].spec.cache_output or (final / "data").is_dir() or not plan.keeps_output(i))


def _out(plan: BuildPlan, i: int) -> int | None:
    """The records stage i made, if it is cached."""
    if not cached(plan, i):
        return None
    return json.loads((plan.made(i) / "funnel.json").read_text())["out"]


def _records(path: str, limit: int | None) -> int:
    with open(path, "rb") as f:
        n = sum(1 for line in f if line.strip())
    return min(n, limit) if limit else n


def _prompts(plan: BuildPlan, i: int, spec) -> str:
    """How many prompts a model stage gets: counted from a file or a cached stage, else what they are."""
    if getattr(spec, "prompts", None):
        return f"{_records(spec.prompts, plan.recipe.input.limit):,} prompts"
    if getattr(spec, "seeds", None):
        return f"{spec.count:,} prompts (from seeds)"
    config = getattr(spec, "input", None)
    if isinstance(config, str):
        writer = next((k for k in reversed(range(i)) if plan.stages[k].spec.rows_config == config), None)
        n = _out(plan, writer) if writer is not None else None
        return f"{n:,} rows of {config}" if n is not None else f"the rows of {config}"
    last = max((k for k in range(i) if plan.stages[k].spec.makes_documents), default=0)
    n = _out(plan, last)
    return f"{n:,} documents" if n is not None else f"the documents of {plan.stages[last].name}"


def model_work(plan: BuildPlan, i: int) -> str | None:
    """What a stage that prompts a model would generate: prompts x samples, the model and its backend."""
    spec = plan.stages[i].spec
    rating = getattr(spec, "rating", None)
    if callable(rating):  # a stage that rates a sample of the documents with a model (quality_distill)
        rater = rating()
        return (f"rates up to {spec.sample:,} documents x {rater.sampling.n} samples, {rater.model} "
                f"({rater.backend})")
    sampling, model = getattr(spec, "sampling", None), getattr(spec, "model", None)
    if sampling is None or model is None or not hasattr(sampling, "n"):
        return None
    model_name = Path(model).name if Path(model).is_absolute() else model
    samples = f"{sampling.n} sample{'s' if sampling.n != 1 else ''}"
    return f"{_prompts(plan, i, spec)} x {samples}, {model_name} ({spec.backend})"


def describe(plan: BuildPlan, width: int = 80) -> list[str]:
    """The plan as lines of at most `width` columns."""
    total = sum(i.get("bytes", 0) for i in plan.inputs)
    states = [cached(plan, i) for i in range(len(plan.stages))]
    where = "up to date" if plan.up_to_date else f"would write {plan.version}"
    lines = textwrap.wrap(
        f"{plan.recipe.name}: {where}; {len(plan.inputs)} input file{'s' if len(plan.inputs) != 1 else ''} "
        f"({total / 1e6:,.1f} MB), "
        f"{len(plan.stages)} stages: {sum(states)} cached, {len(states) - sum(states)} to run"
        + (f"; input.limit {plan.recipe.input.limit} records a file" if plan.recipe.input.limit else ""),
        width, subsequent_indent="  ")
    name_w = min(max(len(s.name) for s in plan.stages), max(8, width - 20))
    for i, (stage, done) in enumerate(zip(plan.stages, states, strict=True)):
        name = stage.name if len(stage.name) <= name_w else stage.name[: name_w - 1] + "…"
        lines.append(f"{i:>3}  {name:<{name_w}}  {'cached' if done else 'to run'}"
                     + ("  (added)" if stage.auto else ""))
        work = None if done else model_work(plan, i)
        if work:
            lines += textwrap.wrap(work, width, initial_indent=" " * 7, subsequent_indent=" " * 9)
    return lines
