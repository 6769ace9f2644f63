"""What a stage type is: its recipe model (data), its code version, its checks, and how it runs."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

from pipelines import storage
from pipelines.engines.libraries import library_version

if TYPE_CHECKING:
    from pipelines.build import BuildPlan

# The stage cache's reader and writer: every stage's output goes through them.
CACHE_MODULES = ("pipelines.engines.datatrove.cache",)


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class StageRun:
    """What a stage that runs on its own (a barrier) is given: its folders, the executor, the plan."""

    plan: BuildPlan
    index: int  # in plan.stages (0 is the read stage)
    previous: Path | str | None  # the previous stage's cached output, where the tasks read it
    work: Path  # this stage's local folder, renamed into the cache when the stage completes
    run: Callable[..., list[dict]]  # run(steps, logging_dir, tasks=None) -> each step's summed stats
    # Where its tasks write: `work`, or its twin on the remote stage cache (no disk shared with them).
    tasks: Path | str | None = None

    def at(self, *parts: str) -> Path | str:
        """A file or folder that the stage's tasks write (or read from what earlier tasks wrote)."""
        return storage.join(self.tasks or self.work, *parts)

    def fetch(self, *parts: str) -> Path:
        """What the tasks wrote under `parts`, in the local work folder (copied from the remote twin)."""
        if isinstance(self.tasks, str):
            self.plan.remote_cache.pull_partial(self.plan.stages[self.index].fingerprint, self.work, *parts)
        return self.work.joinpath(*parts)

    def upload(self, name: str) -> Path | str:
        """A file the driver wrote in `work`, where the tasks read it (copied to the remote twin)."""
        if isinstance(self.tasks, str):
            self.plan.remote_cache.put_partial(self.plan.stages[self.index].fingerprint, self.work, name)
        return self.at(name)

    def shared(self, path: Path) -> Path | str:
        """A file of a committed stage in the local cache, as the tasks read it: its remote copy if any."""
        if not isinstance(self.tasks, str):
            return path
        remote, parts = self.plan.remote_cache, path.relative_to(self.plan.cache_dir).parts
        remote.push(self.plan.cache_dir / parts[0], parts[0])  # a no-op unless cached here only
        return storage.join(remote.url, *parts)


class Stage(Spec):
    """A recipe stage: its fields are recipe data; its class says how it runs and what its output
    depends on. A subclass in pipelines/stages/<type>.py is all a new stage type needs."""

    type: str
    # Modules whose source makes the stage's code version, besides the file of its own class: the
    # transforms and engine steps it runs (read from their files, not imported).
    modules: ClassVar[tuple[str, ...]] = ()
    libraries: ClassVar[tuple[str, ...]] = ()
    # Whether it can fail transiently (reads remote inputs, talks to a model server): then retried.
    transient: ClassVar[bool] = False
    # Stats that a library step counts as drops under its own names, mapped to our reasons.
    drop_aliases: ClassVar[dict[str, str]] = {}
    # Fields that hold file paths, relative to the recipe file (made absolute when it is loaded).
    path_fields: ClassVar[tuple[str, ...]] = ()
    # Whether its output is the curated documents (False: records of its own config, like synthesis).
    makes_documents: ClassVar[bool] = True
    # Whether it always caches its output. False: only where a barrier or the version reads it; a
    # streaming stage after it gets its steps run again instead (the read stage: its inputs are its cache).
    cache_output: ClassVar[bool] = True

    @property
    def name(self) -> str:
        """The stage's name in the plan, the funnel and the Prefect task."""
        return self.type

    @property
    def rows_config(self) -> str | None:
        """The synthetic config whose rows this stage writes (ROWS in its cache folder): a synthesize stage's
        own config, or the one a record stage runs on; None for a stage of the documents."""
        return None if self.makes_documents else getattr(self, "config_name", None)

    def row_fields(self) -> list[str] | None:
        """The columns of the rows it writes to `rows_config`, where known before any work (a task's)."""
        return None

    def files(self) -> list[str]:
        """Files whose content the output depends on (models, benchmarks): part of the fingerprint."""
        return []

    def check(self) -> None:
        """Fail before any work on what would otherwise fail in every task."""

    @property
    def streaming(self) -> bool:
        """A step per document, fused with its neighbours into one datatrove run; else a barrier."""
        return False

    @property
    def counts_words(self) -> bool:
        """Whether its output's words are the dataset's (not HTML's): counted in the funnel."""
        return True

    def steps(self, work: Path | str) -> list:
        """A streaming stage's datatrove steps; side files go under `work` (a URL where the tasks write to
        the remote stage cache)."""
        raise NotImplementedError(f"{self.type} is not a streaming stage")

    def finish(self, work: Path, result: dict) -> dict:
        """A streaming stage's report, from the side files its steps wrote, added to its funnel."""
        return result

    def run(self, ctx: StageRun) -> dict:
        """A barrier stage's whole work; returns its funnel and report."""
        raise NotImplementedError(f"{self.type} is a streaming stage")

    def add_to_version(self, plan: BuildPlan, index: int, result: dict, folder: Path) -> list[Path]:
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
    def code_version(cls) -> str:
        """Changes when this stage's code, a module it runs or a library it runs on changes: then it
        reruns, and only it and what follows it."""
        h = hashlib.sha256()
        # The files of its class and of the stage classes it inherits from (not the base machinery).
        own = [k.__module__ for k in cls.__mro__ if issubclass(k, Stage) and k is not Stage]
        for module in dict.fromkeys([*own, *cls.modules, *CACHE_MODULES]):
            h.update(module_source(module).encode())
        for lib in cls.libraries:
            h.update(f"{lib}=={library_version(lib)}".encode())
        return h.hexdigest()[:16]


def module_source(name: str) -> str:
    """A module's source: from its loaded module if imported (a test may patch it), else its file."""
    module = sys.modules.get(name)
    if module is not None:
        return inspect.getsource(module)
    return Path(importlib.util.find_spec(name).origin).read_text()


def absolute(path: str, base: Path) -> str:
    return os.path.normpath(base / path)


def is_local_path(model: str, base: Path) -> bool:
    """A model file or folder, not a built-in name or a Hub id (org/name) that is no local path."""
    from transforms.synth.models import BUILTIN

    if model in BUILTIN:
        return False
    return (base / model).exists() or model.startswith((".", "/", "~")) or model.count("/") != 1
