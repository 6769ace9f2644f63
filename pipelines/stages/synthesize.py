"""synthesize: synthetic records from a task (template, schema, checks) and a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from pipelines import settings
from pipelines.errors import PipelinesError
from pipelines.stages.base import BarrierStage, Spec, StageContext, VersionContext, absolute
from pipelines.stages.synthetic import (
    annotate,
    annotated_file,
    annotation_fields,
    finish,
    synthetic_configs,
    write_synthetic,
)
from transforms.synth.calibration import check_calibration
from transforms.synth.pairwise import check_pairwise, write_pairs
from transforms.synth.prompts import check_prompts, read_schema, read_seeds
from transforms.synth.tasks import BUILTIN, Selection, Task, build_task, read_definition, task_file

PAIRS = "pairs.jsonl"  # pairwise judging: the pairs of responses it puts to the judge


class SamplingSpec(Spec):
    """vLLM's SamplingParams that change what is generated."""

    n: int = Field(1, ge=1)
    seed: int = 0
    temperature: float = Field(0.7, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int = Field(256, ge=1)
    stop: list[str] = []
    frequency_penalty: float = Field(0.0, ge=-2, le=2)  # OpenAI's and vLLM's: < 0 repeats, > 0 varies


class ResourcesSpec(Spec):
    """What each task of the stage holds on the executor (Ray task resources, Slurm's --gres and friends,
    CUDA_VISIBLE_DEVICES for local processes); unset: the executor's own settings."""

    gpus: int = Field(0, ge=0)
    cpus: int | None = Field(None, ge=1)
    memory_gb: float | None = Field(None, gt=0)


class CalibrateSpec(Spec):
    """A labelled sample the judge is scored against before its labels are used."""

    # JSONL of items with an id, the judge's inputs (prompt, response; or prompt, response_a, response_b)
    # and a person's label: a score, or a preference a | b | tie.
    labels: str
    label: str | None = None  # the label's field; default: score, or preference for a pairwise judge
    field: str = "score"  # a scoring judge's output field that is compared with the label
    min_kappa: float | None = Field(None, ge=-1, le=1)  # below it, the build stops: the labels are not used


class SynthesizeStage(BarrierStage):
    """Synthetic records from a task (its template, schema and checks) and a model."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["synthesize"]
    # A built-in task (doc_qa, self_instruct, critique, preference), `generate` (a task of the fields
    # below) or a task file (.yaml, .json) of the same fields.
    task: str
    config: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")  # the version's config (record type)
    input: str | None = None  # an earlier synthesize stage's config; default: the curated documents
    # judge_pairwise: further configs whose responses to the same prompts (by source_id) are compared with
    # input's; none: the samples of each prompt in input are compared with each other.
    against: list[str] = Field([], max_length=8)
    # Or a JSONL file of records to prompt with, each with an "id" (problems and their reference answers).
    prompts: str | None = None
    fields: dict[str, str] = {}  # task input field <- input record field, e.g. {prompt: question}
    options: dict[str, Any] = {}  # the task's own parameters (min_support, threshold, ...)
    # The task's definition (required for generate; over a built-in or file task, each replaces its own).
    system: str | None = None  # a system message template
    prompt: str | None = None  # the user message template: Jinja, sandboxed; the input's fields and options
    output_schema: dict | str | None = Field(None, alias="schema")  # JSON Schema, inline or a file
    inputs: list[str] | None = None  # the fields a prompt's record must have
    carry: list[str] | None = None  # input fields copied into each row
    checks: list[dict] | None = None  # from transforms/synth/checks: length, regex, grounded, ...
    # Which of a prompt's n samples become rows.
    select: Literal["all", "first", "majority", "verified"] = "all"
    answer: str = "answer"  # majority: the output field voted on
    negatives: bool = False  # also write failed samples of a prompt with a passing one as pairs
    response: str | None = None  # negatives: the output field a pair's texts are; default the first string
    # Generate, verify, refine: a sample that fails a check goes back to the model with the failure, up to
    # `rounds` more times (and an own `prompt` for the feedback turn: reason, detail, round).
    refine: dict[str, Any] | None = None
    keep_rejects: int | Literal["all"] = Field(100, ge=0)  # samples that are no rows kept per reason, to read
    annotate: bool = False  # a judge of an earlier config's rows: its verdicts also become columns of them
    model: str = "smollm2-135m-instruct"  # a built-in, a model folder, or a Hub id
    backend: Literal["vllm", "openai"] = "vllm"
    # The server for the openai backend, or a list of servers of one model: requests are spread over them.
    base_url: str | list[str] | None = None
    max_model_len: int = Field(2048, ge=16)
    sampling: SamplingSpec = SamplingSpec()
    chunk_size: int = Field(512, ge=1)  # prompts per generate call, and per checkpointed chunk of a task
    calibrate: CalibrateSpec | None = None  # a judge: agreement with people on a labelled sample first
    seeds: str | None = None  # a task with seeds (self_instruct): a JSONL or Parquet file of seed tasks
    count: int = Field(100, ge=1)  # a task with seeds: prompts to make from them
    retries: int | None = Field(None, ge=0)  # of the whole stage; default: the recipe's retries.attempts
    # Where it generates: `tasks` tasks of the recipe's executor, one engine each (default: one on this
    # machine, in the build's process; the executor's tasks on Ray or Slurm), each holding `resources`; or
    # a Beam runner (DataflowRunner, FlinkRunner, SparkRunner, DirectRunner) with its flags.
    tasks: int | None = Field(None, ge=1)
    resources: ResourcesSpec = ResourcesSpec()
    tensor_parallel_size: int = Field(1, ge=1)  # the GPUs one engine spans (vLLM's tensor parallelism)
    runner: str | None = None
    beam_options: list[str] = []  # further Beam flags: Dataflow, Flink or Spark settings

    transient = True  # a model server may be down for a while
    path_fields = ("model", "seeds", "prompts")
    placement = ("retries", "tasks", "resources", "runner", "beam_options", "base_url")

    @classmethod
    def resolve_paths(cls, data: dict, base: Path) -> None:
        from transforms.synth.models import BUILTIN

        model = data.get("model")
        # The name a server knows its model by, or a built-in's name, is not a path.
        named = model if data.get("backend") == "openai" or model in BUILTIN else None
        super().resolve_paths(data, base)
        if isinstance(named, str):
            data["model"] = named
        # A task or schema given as a file; a built-in task's name and an inline schema stay as they are.
        task, schema = data.get("task"), data.get("schema")
        if isinstance(task, str) and Path(task).suffix in (".yaml", ".yml", ".json"):
            data["task"] = absolute(task, base)
        if isinstance(schema, str):
            data["schema"] = absolute(schema, base)
        calibrate = data.get("calibrate")
        if isinstance(calibrate, dict) and isinstance(calibrate.get("labels"), str):
            calibrate["labels"] = absolute(calibrate["labels"], base)

    @model_validator(mode="after")
    def _consistent(self) -> SynthesizeStage:
        if self.tensor_parallel_size > max(self.resources.gpus, 1):
            raise ValueError(f"tensor_parallel_size: an engine spans {self.tensor_parallel_size} GPUs; give "
                             f"each task as many (resources: {{gpus: {self.tensor_parallel_size}}})")
        if self.annotate and self.input is None:
            raise ValueError("annotate: a judge annotates the rows of the config it judges; give "
                             "input: <config>")
        if self.backend == "openai" and not self.base_url:
            raise ValueError("the openai backend needs base_url (e.g. http://127.0.0.1:8000/v1)")
        if isinstance(self.base_url, list) and len(set(self.base_url)) < len(self.base_url):
            raise ValueError("base_url lists a server twice: give each server once")
        if sum(x is not None for x in (self.input, self.prompts, self.seeds)) > 1:
            raise ValueError("input, prompts and seeds are three sources of prompts: give one")
        if self.task == "generate":
            for field in ("config", "prompt", "output_schema"):
                if getattr(self, field) is None:
                    raise ValueError(f"task generate needs {field.removeprefix('output_')}: "
                                     + {"config": "the config its rows are written to",
                                        "prompt": "the user message template",
                                        "output_schema": "the JSON Schema of a completion"}[field])
        elif self.task not in BUILTIN and self.config is None:
            raise ValueError("a task file needs config: the config its rows are written to")
        elif self.task in BUILTIN:
            self._seeds_consistent(read_definition(self.task))
        return self

    def _seeds_consistent(self, definition) -> None:
        if (definition.seeds is not None) != (self.seeds is not None):
            raise ValueError("seeds is for a task that is prompted from seed tasks (self_instruct)"
                             if self.seeds else f"{self.task} needs seeds: a file of seed tasks")

    @property
    def new_config(self) -> str:
        return self.config_name

    @property
    def config_name(self) -> str:
        """The version's config its rows go to."""
        if self.config:
            return self.config
        return read_definition(self.task).record_type or self.task

    def row_fields(self) -> list[str]:
        return self.make_task().arrow_schema().names

    @property
    def name(self) -> str:
        # Told apart by the config they write: synthesize-qa, synthesize-critique.
        return f"synthesize-{self.config_name}"

    def definition(self):
        """The task's definition: a built-in's or a file's, the recipe's own fields laid over it."""
        from transforms.synth.task import definition_from

        overrides = {"system": self.system, "prompt": self.prompt, "schema": read_schema(self.output_schema),
                     "inputs": self.inputs, "carry": self.carry, "checks": self.checks, "refine": self.refine}
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if self.task == "generate":  # its options are the recipe's: no defaults to check them against
            data = {"name": self.config_name, "options": self.options, **overrides}
            return definition_from(data, "synthesize")
        return read_definition(self.task, overrides)

    def make_task(self) -> Task:
        """The task with the recipe's options; a bad template, schema, check or option is a one-line error."""
        definition = self.definition()
        try:
            self._seeds_consistent(definition)
        except ValueError as e:
            raise PipelinesError(str(e)) from None
        check_pairwise(definition, self.input, self.against, self.sampling.n, self.fields)
        if self.calibrate:
            check_calibration(definition, self.calibrate.labels, self.calibrate.label, self.calibrate.field)
        seeds = [s[definition.seeds.field] for s in read_seeds(self.seeds, definition.seeds.field)] \
            if self.seeds else None
        selection = Selection(self.select, self.answer, self.negatives, self.response)
        return build_task(definition, self.options, seeds, selection)

    def reads(self) -> list[tuple[str, str, list[str]]]:
        """An earlier config's fields it prompts with (renamed by `fields`) and carries into its rows."""
        if self.input is None:
            return []
        definition = self.definition()
        if definition.graph == "pairwise":
            needed = [self.fields.get(f, f) for f in ("prompt", "response")]
            return [(c, "fields", needed) for c in [self.input, *self.against]]
        return [(self.input, "fields, inputs or carry", list(dict.fromkeys(
            self.fields.get(f, f) for f in (*definition.inputs, *definition.carry))))]

    def check(self) -> None:
        """Its options, schema, seeds and prompts, the fields it carries, and a model that can be loaded (the
        engine starts in the stage)."""
        from transforms.synth.backends import check_model
        from transforms.synth.models import BUILTIN, builtin_gguf

        task = self.make_task()
        names = task.arrow_schema().names
        lost = [f for f in task.definition.carry if f not in names]
        if lost:  # a fixed record type's schema has no place for it: a column that would never be written
            raise PipelinesError(f"carry: {self.task} writes the {task.record_type} schema "
                                 f"({', '.join(names)}), which has no {lost[0]!r}; carry is for task: "
                                 "generate and task files")
        if self.prompts is not None:
            renamed = {task_field: source for task_field, source in self.fields.items()}
            check_prompts(self.prompts, ["id", *(renamed.get(f, f) for f in (*task.inputs,
                                                                              *task.definition.carry))])
        if self.backend == "openai":
            return
        if self.model in BUILTIN:
            builtin_gguf(self.model)
        else:
            check_model(self.model)

    def files(self) -> list[str]:
        """The task's file (a built-in's or the recipe's), a schema file, a local model and the seeds."""
        from transforms.synth.models import BUILTIN, builtin_gguf

        files = [] if self.task == "generate" else [str(task_file(self.task))]
        files += [p for p in (self.output_schema, self.seeds, self.prompts) if isinstance(p, str)]
        files += [self.calibrate.labels] if self.calibrate else []
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
        tp = self.tensor_parallel_size
        parallel = {"tensor_parallel_size": tp} if tp > 1 else {}
        return {"kind": "vllm", "model": model, "max_model_len": self.max_model_len, **parallel}

    def generation(self):
        """Where the stage generates: the executor's tasks, or a Beam runner."""
        from pipelines.engines.datatrove.executors import Resources
        from pipelines.synthesis import Generation

        resources = Resources(self.resources.gpus, self.resources.cpus, self.resources.memory_gb)
        return Generation(self.chunk_size, self.runner, tuple(self.beam_options), self.tasks, resources)

    def run(self, ctx: StageContext) -> dict:
        """Generate the task over its input (the curated documents, an earlier stage's rows, a file of
        prompts or seeds), then sort its rows; returns the stage's funnel."""
        from pipelines.engines.backends import shared_backend
        from pipelines.engines.datatrove.cache import CACHE_GLOB
        from transforms.synth.prompts import ToRecord

        task, params, backend = self.make_task(), self.sampling_params(), self.backend_spec()
        if task.takes_seeds:
            seeds = read_seeds(self.seeds, task.definition.seeds.field)
            source, keep = list(task.slots(seeds, self.count, seed=self.sampling.seed)), ()
        elif self.prompts is not None:
            source, keep = self.prompts, (*task.inputs, *task.definition.carry)  # streamed by the tasks
        elif task.graph == "pairwise":
            source, keep = str(ctx.work / PAIRS), None
            write_pairs(ctx.work / PAIRS, {c: ctx.rows(c) for c in [self.input, *self.against]}, self.fields,
                        self.task, across=bool(self.against))
        elif self.input is None:
            source = str(ctx.documents() / CACHE_GLOB)
            keep = tuple(dict.fromkeys(("text", *task.inputs, *task.definition.carry)))
        else:
            source, keep = str(ctx.rows(self.input)), (*task.inputs, *task.definition.carry)
        # Before the real work: a judge below the recipe's kappa would waste it.
        calibration = self.calibration(ctx, task, params, backend) if self.calibrate else None
        to_record = None if keep is None else ToRecord(self.fields, keep)  # pairs are records already
        generation = self.generation()
        counts, out = generation.run(ctx, source, backend, task, params, "generated", to_record)
        engine = shared_backend(backend)
        result = finish(ctx, out, task, params, counts, self.config_name, self.negatives,
                        None if self.keep_rejects == "all" else self.keep_rejects)
        if self.annotate:
            result["synth"]["annotated"] = annotate(ctx, out, task, self.input, self.config_name)
        result["synth"] |= {"task": self.task, "record_type": task.record_type, "model": engine.model_id,
                            "model_revision": engine.revision, "select": self.select,
                            **({"calibration": calibration} if calibration else {})}
        return result | {"executor": generation.where(ctx.executor)}

    def calibration(self, ctx: StageContext, task: Task, params, backend: dict) -> dict:
        """The judge on the labelled sample, against the people's labels; stops the build where kappa is
        below min_kappa."""
        from pipelines.synthesis import records_of
        from transforms.synth.calibration import calibrate

        spec = self.calibrate

        def generate(records: list[dict], judge: Task, output: str) -> list[dict]:
            _, out = self.generation().run(ctx, records, backend, judge, params, "calibration")
            return list(records_of(out, output))

        report = calibrate(task, spec.labels, spec.label, spec.field, generate)
        report |= {"labels": Path(spec.labels).name, "min_kappa": spec.min_kappa}
        if spec.min_kappa is not None and (report["kappa"] is None or report["kappa"] < spec.min_kappa):
            figure = "undefined" if report["kappa"] is None else f"{report['kappa']:.3f}"
            raise PipelinesError(f"calibrate: the judge's kappa with the labels of {report['labels']} is "
                                 f"{figure} ({report['judged']} of {report['items']} items judged), below "
                                 f"min_kappa {spec.min_kappa}: its labels are not used")
        return report

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        """Its rows as Parquet under data/<config>/ (typed by its record schema, and the columns later judges
        annotated), its negatives, comparisons, rejects and a judge's tables."""
        return write_synthetic(out, result["synth"], self.make_task().arrow_schema())

    def version_configs(self, result: dict, split: str) -> dict[str, dict]:
        return synthetic_configs(result, split)

    def rows_file(self, config: str) -> str | None:
        """A judge that annotates also writes the rows of the config it judged."""
        if self.annotate and config == self.input:
            return annotated_file(config)
        return super().rows_file(config)

    def annotations(self, config: str) -> list:
        """The columns it adds to the rows of the config it judged."""
        if self.annotate and config == self.input:
            return annotation_fields(self.make_task(), self.config_name)
        return []

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        return render("synthetic.md.j2", stages=results)
