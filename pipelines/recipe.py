"""Recipes: YAML data validated by pydantic. Nothing in a recipe is executed."""

from __future__ import annotations

import hashlib
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from pipelines.errors import RecipeError
from pipelines.inputs import InputFile, expand
from pipelines.stages import STAGE_TYPES, RecipeStage, Spec, stage_class
from pipelines.stages.read import InputSpec
from pipelines.stages.records import RecordStage
from pipelines.storage import is_url

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


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
    stages: list[RecipeStage] = Field(min_length=1)
    output: OutputSpec = OutputSpec()

    @model_validator(mode="after")
    def _records_last(self) -> Recipe:
        """Stages that write records of their own config come after those that curate the documents, each
        config written once; a stage reads a config (`input:`) only after a synthesize stage writes it."""
        configs: list[str] = []
        for i, stage in enumerate(self.stages):
            if stage.makes_documents:
                if configs:
                    how = (f"give it input: <config> ({', '.join(configs)}) to run it on a config's rows"
                           if isinstance(stage, RecordStage) else f"{stage.type} cannot run on rows")
                    raise ValueError(f"stages.{i}: document stages come before the synthesize stages; {how}")
                continue
            # A pairwise judge also reads the configs it compares input's responses `against`.
            sources = [("input", getattr(stage, "input", None))]
            sources += [(f"against.{k}", c) for k, c in enumerate(getattr(stage, "against", []))]
            for where, source in sources:
                if source is not None and source not in configs:
                    raise ValueError(f"stages.{i}.{where}: no earlier synthesize stage writes config "
                                     f"{source!r} (earlier: {', '.join(configs) or 'none'})")
            if isinstance(stage, RecordStage):  # its rows go back to the config it runs on
                continue
            if stage.config_name in configs:
                raise ValueError(f"stages.{i}.config: {stage.config_name!r} is written by an earlier "
                                 "stage: give this one its own config")
            configs.append(stage.config_name)
        return self

    def content_hash(self) -> str:
        """sha256 of the recipe's canonical JSON."""
        return sha256_json(self.model_dump(mode="json"))


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
    """Make the input globs and the stages' file paths absolute, relative to `base`."""
    if isinstance(data.get("input"), dict):
        spec = data["input"]
        paths = spec.get("paths")
        if isinstance(paths, str):
            paths = spec["paths"] = [paths]
        if isinstance(paths, list):
            spec["paths"] = [_absolute(p, base) for p in paths]
        for name in ("paths_file", "base"):  # a listing, and the folder its relative lines are under
            if isinstance(spec.get(name), str):
                spec[name] = _absolute(spec[name], base)
    for stage in data.get("stages") or []:
        if isinstance(stage, dict):
            stage_class(str(stage.get("type"))).resolve_paths(stage, base)


def _absolute(path: Any, base: Path) -> Any:
    """A local path made absolute relative to `base`; a URL (s3://, hf://, https://) as it is."""
    if not isinstance(path, str) or is_url(path):
        return path
    return os.path.normpath(base / path)


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
    message, got = first["msg"].removeprefix("Value error, "), first.get("input")
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field += ".type"
        message = f"unknown stage type; expected one of {', '.join(map(repr, STAGE_TYPES))}"
        got = first.get("ctx", {}).get("tag")
    if first["type"] != "missing" and isinstance(got, (str, int, float, bool)):
        message += f" (got {got!r})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if not loc and message.startswith("stages."):  # the recipe's own check names the field itself
        return f"{message}{more}"
    return f"{field}: {message}{more}"


def expand_inputs(recipe: Recipe) -> list[InputFile]:
    """The input files the recipe names, in input order; a glob that matches nothing is an error."""
    return expand(recipe.input).files
