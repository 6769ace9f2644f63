"""Runs a list of steps on an executor, with progress from the completion markers, and sums their stats."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from datatrove.pipeline.base import PipelineStep

from pipelines.engines.datatrove.executors import make_executor

DRIVER = "PIPELINES_DRIVER_PID"  # the build's own process: its engines serve later stages too


def run_pipeline(
    steps: list[PipelineStep],
    logging_dir: Path,
    tasks: int,
    executor_spec,
    on_progress: Callable[[int, int], None] | None = None,
    libraries: list[str] = (),
    resources=None,
) -> list[dict[str, float]]:
    """Run steps on the recipe's executor, each task holding `resources` (executors.Resources, default: the
    executor's own); resumes finished tasks; returns each step's summed stats."""
    os.environ[DRIVER] = str(os.getpid())  # tasks in this process keep their engines for later stages
    if executor_spec.kind == "local":
        _preload_forkserver(steps, libraries)
    executor = make_executor(executor_spec, steps, tasks, logging_dir, list(libraries), resources)
    done = threading.Event()
    watcher = None
    if on_progress:
        watcher = threading.Thread(
            target=_watch_completions, args=(logging_dir, tasks, on_progress, done), daemon=True
        )
        watcher.start()
    try:
        executor.run()
    finally:
        done.set()
        if watcher:
            watcher.join()
    return read_stats(logging_dir, len(steps))


# The modules of a library the build runs on that its steps import lazily, in every worker otherwise.
PRELOADED = {"spacy": "spacy", "trafilatura": "trafilatura", "fasttext-numpy2-wheel": "fasttext"}


def _preload_forkserver(steps: list[PipelineStep] = (), libraries: list[str] = ()) -> None:
    """Import the heavy step libraries once, in datatrove's forkserver, not in every worker.

    Each executor run has fresh workers; without this every worker of every run pays spaCy's and
    trafilatura's imports (~2 s a run here). Only the build's own: a forkserver starts once per process,
    for every run after it, and a build that never tokenizes need not wait for spaCy's import.
    """
    from multiprocess import forkserver

    # pandas: pyarrow imports it on its first conversion of Python rows (the version's rows, Parquet
    # writers), ~0.3 s in every worker of every stage otherwise
    modules = ["pipelines.engines.datatrove.cache", "datatrove.pipeline.filters",
               "datatrove.utils.word_tokenizers", "pandas"]
    modules += [PRELOADED[lib] for lib in libraries if lib in PRELOADED]
    # Steps on object storage: s3fs and botocore (~1 s to import) once, not in every worker.
    if any(_on_object_storage(step) for step in steps):
        modules += ["s3fs", "aiobotocore.session", "botocore.session", "botocore.client"]
    forkserver.set_forkserver_preload(modules)


def _on_object_storage(step: PipelineStep) -> bool:
    """Whether a step reads or writes a folder on a filesystem other than the local one."""
    for name in ("data_folder", "output_folder"):
        folder = getattr(step, name, None)
        protocol = getattr(getattr(folder, "fs", None), "protocol", "file")
        if folder is not None and not {"file", "local"} & set(
                (protocol,) if isinstance(protocol, str) else protocol):
            return True
    return False


def _watch_completions(logging_dir: Path | str, tasks: int, report, done: threading.Event) -> None:
    folder = _folder(logging_dir, "completions")

    def finished() -> int:
        try:
            return len(folder.list_files())
        except OSError:  # a remote folder that did not answer this once: asked again next time
            return 0

    report(finished(), tasks)
    while not done.wait(0.5):
        report(finished(), tasks)
    report(finished(), tasks)


def _folder(logging_dir: Path | str, name: str):
    """A folder of datatrove's logging dir, local or on object storage (the completion markers of a
    stage whose tasks ran with no shared disk)."""
    from datatrove.io import get_datafolder

    return get_datafolder(f"{str(logging_dir).rstrip('/')}/{name}")


def read_stats(logging_dir: Path | str, n_steps: int) -> list[dict[str, float]]:
    """Sum the per-task stats files (tasks finished in earlier, interrupted runs included)."""
    totals: list[dict[str, float]] = [{} for _ in range(n_steps)]
    folder = _folder(logging_dir, "stats")
    for name in sorted(folder.list_files(glob_pattern="*.json")) if folder.isdir("") else []:
        with folder.open(name, "rt") as handle:
            per_step = json.load(handle)
        for step, stats in zip(totals, per_step, strict=True):
            for key, value in stats["stats"].items():
                total = value["total"] if isinstance(value, dict) else value
                step[key] = step.get(key, 0) + total
    return totals
