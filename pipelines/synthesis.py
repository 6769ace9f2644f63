"""The synthesize stage: which records a task prompts with, its backend and model, and its sorted output."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from pipelines import settings
from pipelines.errors import PipelinesError
from pipelines.recipe import SynthesizeStage
from transforms.synth.backends import check_model as check_model_folder
from transforms.synth.backends import check_schema
from transforms.synth.models import BUILTIN, builtin_gguf, resolve_model
from transforms.synth.sampling import Sampling
from transforms.synth.tasks import TASKS, SelfInstruct, Task
from transforms.table_files import NotATable, detect_format, open_lines

ROWS = "rows.jsonl"  # a synthesize stage's output, sorted: what later stages and the writer read


def config_name(spec: SynthesizeStage) -> str:
    return spec.config or TASKS[spec.task].record_type


def sampling(spec: SynthesizeStage) -> Sampling:
    return Sampling(**spec.sampling.model_dump() | {"stop": tuple(spec.sampling.stop)})


def make_task(spec: SynthesizeStage) -> Task:
    """The task with the recipe's options; an option it does not take is a one-line error."""
    cls = TASKS[spec.task]
    accepted = [n for n in inspect.signature(cls.__init__).parameters if n not in ("self", "seeds")]
    unknown = [k for k in spec.options if k not in accepted]
    if unknown:
        raise PipelinesError(
            f"synthesize: {spec.task} has no option {unknown[0]!r} (options: {', '.join(accepted) or 'none'})"
        )
    options = dict(spec.options)
    if spec.task == "self_instruct":
        options["seeds"] = [s["instruction"] for s in read_seeds(spec.seeds)]
    task = cls(**options)
    check_schema(task.schema)
    return task


def read_seeds(path: str) -> list[dict]:
    """Seed tasks: records with an "instruction" (JSONL or Parquet); a few hundred, read whole."""
    try:
        kind = detect_format(Path(path))
    except NotATable as e:
        raise PipelinesError(f"synthesize: seeds {path} {e}") from None
    if kind == "parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
    elif kind == "jsonl":
        with open_lines(Path(path)) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    else:
        import datasets

        rows = datasets.load_from_disk(path).to_list()
    seeds = [r for r in rows if isinstance(r, dict) and isinstance(r.get("instruction"), str)]
    if not seeds:
        raise PipelinesError(f"synthesize: seeds {path} has no record with an 'instruction' text")
    return seeds


def check_model(spec: SynthesizeStage) -> None:
    """A model that can be loaded, checked before any work (the engine itself starts in the stage)."""
    if spec.backend == "openai":
        return
    if spec.model in BUILTIN:
        builtin_gguf(spec.model)
    else:
        check_model_folder(spec.model)


def model_files(spec: SynthesizeStage) -> list[str]:
    """The files whose content the stage depends on: a local model and the seeds."""
    files = [spec.seeds] if spec.seeds else []
    if spec.backend == "vllm":
        if spec.model in BUILTIN:
            files.append(str(builtin_gguf(spec.model)))
        elif Path(spec.model).is_dir():
            files.append(spec.model)
    return files


def backend_spec(spec: SynthesizeStage) -> dict:
    if spec.backend == "openai":
        return {
            "kind": "openai",
            "base_url": spec.base_url,
            "model": spec.model,
            "max_model_len": spec.max_model_len,
        }
    model = resolve_model(spec.model, settings.state_dir() / "models")
    return {"kind": "vllm", "model": model, "max_model_len": spec.max_model_len}


def sort_rows(beam_out: Path, out: Path, task: Task, config: str) -> tuple[int, dict[str, int]]:
    """Beam's row shards in (source id, sample) order, each with an id, as one JSONL file; the number of
    rows and what the task's last check dropped. Synthetic sets are small next to corpora: sorted in
    memory."""
    from pipelines.engines.beam import read_jsonl

    rows = sorted(read_jsonl(beam_out, "rows"), key=lambda r: (r["source_id"], r["sample"]))
    dropped: dict[str, int] = {}
    if isinstance(task, SelfInstruct):
        kept = []
        for row, reason in task.drop_near_copies(rows):
            if reason:
                dropped[reason] = dropped.get(reason, 0) + 1
            else:
                kept.append(row)
        rows = kept
    with open(out, "w") as f:
        for row in rows:
            f.write(
                json.dumps(
                    {"id": f"{config}:{row['source_id']}:{row['sample']}", **row},
                    ensure_ascii=False,
                    sort_keys=True,
                )
                + "\n"
            )
    return len(rows), dropped


def run_synthesize(
    spec: SynthesizeStage, source: list[dict] | str, fields: dict[str, str], keep: tuple[str, ...], work: Path
) -> dict:
    """Generate the task over its input on Beam, then sort its rows; returns the stage's funnel."""
    from pipelines.engines.beam import ToRecord, run_synthesis, shared_backend

    task, params, backend = make_task(spec), sampling(spec), backend_spec(spec)
    if spec.task == "self_instruct":
        source = list(SelfInstruct.slots(read_seeds(spec.seeds), spec.count, seed=spec.sampling.seed))
    counts = run_synthesis(
        source,
        backend,
        task,
        params,
        str(settings.state_dir() / "generations.sqlite"),
        work / "beam",
        spec.chunk_size,
        spec.runner,
        spec.beam_options,
        ToRecord(fields, keep),
    )
    rows, late_drops = sort_rows(work / "beam", work / ROWS, task, config_name(spec))
    dropped = {k.removeprefix("rejected_"): v for k, v in counts.items() if k.startswith("rejected_")}
    for reason, n in late_drops.items():
        dropped[reason] = dropped.get(reason, 0) + n
    sample_losses: dict[str, int] = {}
    if spec.task == "preference":
        # A pair per prompt: the funnel counts prompts; the samples and verdicts lost on the way are
        # reported apart. A prompt with fewer than two judged responses makes no pair.
        samples = counts.get("records", 0)
        sample_losses = {k: v for k, v in dropped.items() if k != "all_scores_equal"}
        sample_losses |= {"judge_" + k.removeprefix("judge_rejected_"): v for k, v in counts.items()
                          if k.startswith("judge_rejected_")}
        dropped = {"all_scores_equal": dropped.get("all_scores_equal", 0)}
        dropped["too_few_judged"] = samples - rows - dropped["all_scores_equal"]
        dropped = {k: v for k, v in dropped.items() if v}
    else:
        samples = counts.get("records", 0) * params.n
    if samples - rows - sum(dropped.values()):
        dropped["unaccounted"] = samples - rows - sum(dropped.values())
    engine = shared_backend(backend)
    return {
        "in": samples,
        "out": rows,
        "dropped": dict(sorted(dropped.items())),
        "synth": {
            "task": spec.task,
            "config": config_name(spec),
            "record_type": task.record_type,
            "model": engine.model_id,
            "model_revision": engine.revision,
            "sampling": params.as_dict(),
            "template_sha256": task.template_sha256,
            "generated_prompts": counts.get("generated_prompts", 0),
            "cached_prompts": counts.get("cached_prompts", 0),
            # Backends (engines) the run started: one per worker process that generated; 0 where this
            # process already held one.
            "backends_made": counts.get("backends_made", 0),
            **({"sample_losses": sample_losses} if sample_losses else {}),
        },
    }
