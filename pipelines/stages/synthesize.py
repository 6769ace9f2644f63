"""synthesize: synthetic records from a task (template, schema, checks) and a model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from pipelines import settings
from pipelines.errors import PipelinesError
from pipelines.stages.base import ROWS, BarrierStage, Spec, StageContext, VersionContext, absolute
from transforms.synth.calibration import check_calibration
from transforms.synth.funnels import FUNNELS
from transforms.synth.pairwise import check_pairwise
from transforms.synth.prompts import check_prompts, read_schema, read_seeds
from transforms.synth.tasks import BUILTIN, Selection, Task, build_task, read_definition, task_file

NEGATIVES = "negatives.jsonl"  # its chosen/rejected pairs of passing and failed samples, sorted
PAIRS = "pairs.jsonl"  # pairwise judging: the pairs of responses it puts to the judge
COMPARISONS = "comparisons.jsonl"  # pairwise judging: every pair with both orders' verdicts, sorted


class SamplingSpec(Spec):
    """vLLM's SamplingParams that change what is generated."""

    n: int = Field(1, ge=1)
    seed: int = 0
    temperature: float = Field(0.7, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int = Field(256, ge=1)
    stop: list[str] = []
    frequency_penalty: float = Field(0.0, ge=-2, le=2)  # OpenAI's and vLLM's: < 0 repeats, > 0 varies


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
    model: str = "smollm2-135m-instruct"  # a built-in, a model folder, or a Hub id
    backend: Literal["vllm", "openai"] = "vllm"
    base_url: str | None = None  # the server, for the openai backend
    max_model_len: int = Field(2048, ge=16)
    sampling: SamplingSpec = SamplingSpec()
    chunk_size: int = Field(512, ge=1)  # prompts per generate call
    calibrate: CalibrateSpec | None = None  # a judge: agreement with people on a labelled sample first
    seeds: str | None = None  # a task with seeds (self_instruct): a JSONL or Parquet file of seed tasks
    count: int = Field(100, ge=1)  # a task with seeds: prompts to make from them
    retries: int | None = Field(None, ge=0)  # of the whole stage; default: the recipe's retries.attempts
    runner: str = "DirectRunner"
    beam_options: list[str] = []  # further Beam flags: Dataflow, Flink or Spark settings

    transient = True  # a model server may be down for a while
    path_fields = ("model", "seeds", "prompts")

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
        if self.backend == "openai" and not self.base_url:
            raise ValueError("the openai backend needs base_url (e.g. http://127.0.0.1:8000/v1)")
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
                     "inputs": self.inputs, "carry": self.carry, "checks": self.checks}
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

    def check(self) -> None:
        """Its options, schema, seeds and prompts, and a model that can be loaded (the engine starts in the
        stage)."""
        from transforms.synth.backends import check_model
        from transforms.synth.models import BUILTIN, builtin_gguf

        task = self.make_task()
        if self.prompts is not None:
            renamed = {task_field: source for task_field, source in self.fields.items()}
            check_prompts(self.prompts, ["id", *(renamed.get(f, f) for f in task.inputs)])
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
        return {"kind": "vllm", "model": model, "max_model_len": self.max_model_len}

    def run(self, ctx: StageContext) -> dict:
        """Generate the task over its input (the curated documents, an earlier stage's rows, a file of
        prompts or seeds), then sort its rows; returns the stage's funnel."""
        from pipelines.engines.beam import ToRecord, shared_backend
        from pipelines.engines.datatrove.cache import CACHE_GLOB
        from transforms.synth.judging import judge_report
        from transforms.synth.rows import sort_rows, write_sorted

        task, params, backend = self.make_task(), self.sampling_params(), self.backend_spec()
        if task.takes_seeds:
            seeds = read_seeds(self.seeds, task.definition.seeds.field)
            source, keep = list(task.slots(seeds, self.count, seed=self.sampling.seed)), ()
        elif self.prompts is not None:
            source, keep = self.prompts, task.inputs  # streamed by the engine's reader
        elif task.graph == "pairwise":
            source, keep = str(ctx.work / PAIRS), None
            self.write_pairs(ctx, ctx.work / PAIRS)
        elif self.input is None:
            source = str(ctx.documents() / CACHE_GLOB)
            keep = tuple(dict.fromkeys(("text", *task.inputs)))
        else:
            source, keep = str(ctx.rows(self.input)), task.inputs
        # Before the real work: a judge below the recipe's kappa would waste it.
        calibration = self.calibration(ctx, task, params, backend) if self.calibrate else None
        to_record = None if keep is None else ToRecord(self.fields, keep)  # pairs are records already
        out = ctx.work / "generated"
        counts = self.generate(source, task, params, backend, out, to_record)
        rows, late_drops = sort_rows(_records(out, "rows"), ctx.work / ROWS, task, self.config_name)
        negatives = 0
        if self.negatives:
            negatives = write_sorted(_records(out, "negatives"), ctx.work / NEGATIVES,
                                     f"{self.config_name}_negatives")
        dropped = {k.removeprefix("rejected_"): v for k, v in counts.items() if k.startswith("rejected_")}
        for reason, n in late_drops.items():
            dropped[reason] = dropped.get(reason, 0) + n
        units, dropped, losses = FUNNELS[task.graph](counts, rows, dropped, params.n)
        if units - rows - sum(dropped.values()):
            dropped["unaccounted"] = units - rows - sum(dropped.values())
        engine = shared_backend(backend)
        judging = {}
        if task.graph == "pairwise":
            config = f"{self.config_name}_comparisons"
            written = write_sorted(_records(out, "comparisons"), ctx.work / COMPARISONS, config)
            judging = {"pairwise": judge_report(ctx.work / COMPARISONS, config, written, self.sampling.seed)}
        prefix = "judge_" if task.graph == "pairwise" else ""
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
                "select": self.select,
                "checks": [c.reason for c in task.checks],
                **({"negatives": {"config": f"{self.config_name}_negatives", "rows": negatives}}
                   if self.negatives else {}),
                "generated_prompts": counts.get(f"{prefix}generated_prompts", 0),
                "cached_prompts": counts.get(f"{prefix}cached_prompts", 0),
                # Backends (engines) the run started: one per worker process that generated; 0 where this
                # process already held one.
                "backends_made": counts.get("backends_made", 0),
                **({"sample_losses": losses} if losses else {}),
                **judging,
                **({"calibration": calibration} if calibration else {}),
            },
        }

    def generate(self, source: list[dict] | str, task: Task, params, backend: dict, out: Path,
                 to_record=None) -> dict[str, int]:
        """The task over `source` on the stage's engine: rows, rejects and pairs as JSONL shards in `out`;
        the engine's counters."""
        from pipelines.engines.beam import run_synthesis

        generations = str(settings.state_dir() / "generations.sqlite")
        return run_synthesis(source, backend, task, params, generations, out, self.chunk_size, self.runner,
                             self.beam_options, to_record)

    def calibration(self, ctx: StageContext, task: Task, params, backend: dict) -> dict:
        """The judge on the labelled sample, against the people's labels; stops the build where kappa is
        below min_kappa."""
        from transforms.synth.calibration import calibrate

        spec = self.calibrate
        made = iter(range(1_000_000))

        def generate(records: list[dict], judge: Task, output: str) -> list[dict]:
            out = ctx.work / "calibration" / str(next(made))
            self.generate(records, judge, params, backend, out)
            return list(_records(out, output))

        report = calibrate(task, spec.labels, spec.label, spec.field, generate)
        report |= {"labels": Path(spec.labels).name, "min_kappa": spec.min_kappa}
        if spec.min_kappa is not None and (report["kappa"] is None or report["kappa"] < spec.min_kappa):
            figure = "undefined" if report["kappa"] is None else f"{report['kappa']:.3f}"
            raise PipelinesError(f"calibrate: the judge's kappa with the labels of {report['labels']} is "
                                 f"{figure} ({report['judged']} of {report['items']} items judged), below "
                                 f"min_kappa {spec.min_kappa}: its labels are not used")
        return report

    def write_pairs(self, ctx: StageContext, out: Path) -> int:
        """The pairs of responses to judge, from the rows of `input` (and of each `against` config) as the
        stages before this one left them, prompt by prompt (source_id); how many."""
        from transforms.synth.pairwise import comparisons
        from transforms.synth.rows import merged_by_source

        configs = [self.input, *self.against]
        prompt, response = self.fields.get("prompt", "prompt"), self.fields.get("response", "response")
        made = 0
        with open(out, "w") as f:
            for prompt_id, groups in merged_by_source([ctx.rows(c) for c in configs]):
                responses = [(c if self.against else f"{c}:{row['sample']}", row["sample"], row)
                             for c, rows in zip(configs, groups, strict=True) for row in rows]
                for row in (r for _, _, r in responses):
                    missing = [k for k in (prompt, response) if k not in row]
                    if missing:
                        raise PipelinesError(f"{self.task}: the rows of {configs} have no {missing[0]!r} "
                                             f"field (fields: {', '.join(sorted(row))}); map them with "
                                             "fields: {prompt: <field>, response: <field>}")
                for pair in comparisons(prompt_id, responses, prompt, response, across=bool(self.against)):
                    made += 1
                    f.write(json.dumps(pair, ensure_ascii=False, sort_keys=True) + "\n")
        return made

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        """Its rows as Parquet under data/<config>/, typed by its record schema; its negatives under
        data/<config>_negatives/, its comparisons and the Bradley-Terry table of a pairwise judge."""
        from schemas.synthetic import SCHEMAS
        from transforms.synth.judging import write_strengths
        from transforms.synth.rows import pairs_of_kept_rows

        synth = result["synth"]
        final = out.rows(synth["config"])  # the rows as the last stage on the config left them
        with open(final) as f:
            shards = out.write_split((json.loads(line) for line in f), self.make_task().arrow_schema(),
                                     synth["config"])
        negatives = synth.get("negatives", {})
        if negatives.get("rows"):
            kept = [0]
            pairs = pairs_of_kept_rows(out.made / NEGATIVES, final, kept)
            shards += out.write_split(pairs, SCHEMAS["negatives"], negatives["config"])
            # A pair whose chosen row a record stage removed (a duplicate, a contaminated prompt) goes with
            # it; version_configs, called next, reports what was written.
            negatives["removed_with_their_rows"] = negatives["rows"] - kept[0]
            negatives["rows"] = kept[0]
        calibration = synth.get("calibration")
        if calibration:
            from pipelines.store.plots import calibration_png

            calibration["plot"] = f"calibration-{synth['config']}.png"
            shards.append(calibration_png(calibration, out.folder / calibration["plot"]))
        pairwise = synth.get("pairwise")
        if pairwise:
            with open(out.made / COMPARISONS) as f:
                shards += out.write_split((json.loads(line) for line in f), SCHEMAS["comparisons"],
                                          pairwise["config"])
            pairwise["table"] = f"bradley_terry-{synth['config']}.csv"
            shards.append(write_strengths(pairwise["bradley_terry"], out.folder / pairwise["table"]))
        return shards

    def version_configs(self, result: dict, split: str) -> dict[str, dict]:
        synth = result["synth"]
        config = synth["config"]
        configs = {config: {"record_type": synth["record_type"] or config, "rows": result["out"],
                            "path": f"data/{config}/{split}-*.parquet"}}
        negatives = synth.get("negatives", {})
        if negatives.get("rows"):
            configs[negatives["config"]] = {"record_type": "negatives", "rows": negatives["rows"],
                                            "path": f"data/{negatives['config']}/{split}-*.parquet"}
        pairwise = synth.get("pairwise")
        if pairwise and pairwise["comparisons"]:
            configs[pairwise["config"]] = {"record_type": "comparisons", "rows": pairwise["comparisons"],
                                           "path": f"data/{pairwise['config']}/{split}-*.parquet"}
        return configs

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        return render("synthetic.md.j2", stages=results, kept=[_kept(s["synth"]) for s in results])


def _kept(synth: dict) -> str:
    """Which samples a stage kept, in the card's words."""
    if synth.get("pairwise"):
        return "pairs whose two orders chose the same response (see Pairwise judging)"
    checks = ", ".join(f"`{c}`" for c in synth.get("checks", []))
    kept = {"all": "every sample that passes", "first": "the first sample that passes",
            "majority": "the majority answer, if it passes",
            "verified": "every sample whose answer matches the reference"}[synth.get("select", "all")]
    kept += f" {checks}" if checks else ""
    negatives = synth.get("negatives")
    if negatives:
        kept += f"; {negatives['rows']:,} chosen/rejected pairs of passing and failed samples in " \
                f"`{negatives['config']}`"
    return kept


def _records(folder: Path, name: str):
    """The records of one of the engine's outputs (rows, rejected, negatives, comparisons), streamed."""
    from pipelines.engines.beam import iter_jsonl

    return iter_jsonl(folder, name)
