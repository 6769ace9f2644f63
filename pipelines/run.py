"""Running a planned build's stages: each group of fused streaming stages as one datatrove run, each other
stage alone with its narrow context, every output committed to the stage cache (and its remote twin)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import storage
from pipelines.engines.datatrove.cache import Tally, cache_reader, cache_writer, tally_drops
from pipelines.engines.datatrove.heartbeat import Heartbeat, read_heartbeats
from pipelines.engines.datatrove.run import run_pipeline
from pipelines.engines.datatrove.version_rows import VersionRows
from pipelines.funnel import EMPTY_FUNNEL, records_read, stage_funnel
from pipelines.plan import BuildPlan

HEARTBEATS = "heartbeats"  # under a run's logging folder: what its tasks have read so far


@dataclass
class StageRun:
    """The StageContext of stage `index` of a plan: all that stage sees of the build."""

    plan: BuildPlan = field(repr=False)
    index: int
    work: Path
    previous: Path | str | None  # the previous stage's cached output, where the tasks read it
    # Where its tasks write: `work`, or its twin on the remote stage cache (no disk shared with them).
    remote: Path | str | None = None

    @property
    def executor(self):
        return self.plan.recipe.executor

    @property
    def limit(self) -> int | None:
        """input.limit: the first N records of each input file (a preview's, or the recipe's)."""
        return self.plan.recipe.input.limit

    @property
    def fingerprint(self) -> str:
        return self.plan.stages[self.index].fingerprint

    @property
    def input_fingerprint(self) -> str:
        return self.plan.stages[self.index - 1].fingerprint

    def progress(self, done: int, total: int, **figures) -> None:
        _report(self.plan, [self.index], done, total, **figures)

    def at(self, *parts: str) -> Path | str:
        return storage.join(self.remote or self.work, *parts)

    def fetch(self, *parts: str) -> Path:
        if isinstance(self.remote, str):
            self.plan.remote_cache.pull_partial(self.fingerprint, self.work, *parts)
        return self.work.joinpath(*parts)

    def upload(self, name: str) -> Path | str:
        if isinstance(self.remote, str):
            self.plan.remote_cache.put_partial(self.fingerprint, self.work, name)
        return self.at(name)

    def shared(self, path: Path) -> Path | str:
        if not isinstance(self.remote, str):
            return path
        remote, parts = self.plan.remote_cache, path.relative_to(self.plan.cache_dir).parts
        remote.push(self.plan.cache_dir / parts[0], parts[0])  # a no-op unless cached here only
        return storage.join(remote.url, *parts)

    def documents(self) -> Path:
        return self.plan.made(self.plan.last_document_stage()) / "data"

    def rows(self, config: str) -> Path:
        return self.plan.rows(config, self.index)

    def run(self, steps: list, logging_dir: Path | str, tasks: int | None = None,
            resources=None) -> list[dict]:
        return _runner(self.plan, [self.index])(steps, logging_dir, tasks, resources)

    def cached(self, step: str, key: str, make: Callable[[Path], None]) -> tuple[Path, bool]:
        final = self.plan.cache_dir / step / key
        # Two builds that differ only after this step (another threshold) share it: one makes it, one waits.
        with storage.file_lock(final.with_name(f"{key}.lock")):
            if final.is_dir():
                return final, True
            work = final.with_name(f"{key}.partial")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            make(work)
            work.rename(final)
        return final, False


def run_stage(plan: BuildPlan, index: int) -> dict:
    """Run one stage on its own (reading the previous stage's cache), or reuse its cached output."""
    return run_group(plan, [index])[0]


def run_group(plan: BuildPlan, group: list[int]) -> list[dict]:
    """Run a group of stages (consecutive streaming stages, or one barrier), reusing each cached one;
    returns their funnels."""
    results: dict[int, dict] = {}
    remote = plan.remote_cache
    with contextlib.ExitStack() as locks:
        for i in group:  # in stage order, so concurrent builds sharing stages cannot deadlock
            locks.enter_context(storage.file_lock(plan.cache_dir / f"{plan.stages[i].fingerprint}.lock"))
            if remote:  # and builds on other machines
                locks.enter_context(remote.lock(plan.stages[i].fingerprint))
        for i in group:
            final = plan.made(i)
            if remote and not (final / "funnel.json").is_file():  # made by another machine's build
                remote.pull(plan.stages[i].fingerprint, final)
            # A stage that kept no output is done, unless a stage after it now needs that output.
            if (final / "funnel.json").is_file() and (plan.stages[i].spec.cache_output or (
                    final / "data").is_dir() or not plan.keeps_output(i)):
                results[i] = json.loads((final / "funnel.json").read_text()) | {"cached": True}
                _report(plan, [i], plan.recipe.executor.tasks, plan.recipe.executor.tasks, cached=True)
        pending = [i for i in group if i not in results]
        # Fingerprints chain, so what is left is a suffix; run each stretch of pending stages as one.
        while pending:
            run = [pending[0]]
            while len(run) < len(pending) and pending[len(run)] == run[-1] + 1:
                run.append(pending[len(run)])
            pending = pending[len(run):]
            results.update(_run_fresh(plan, run))
    return [results[i] for i in group]


def _run_fresh(plan: BuildPlan, run: list[int]) -> dict[int, dict]:
    started = time.monotonic()
    # A killed run leaves .partial folders with datatrove's completion markers: finished tasks are not
    # run again, unless the work was split into another number of tasks or into other stage groups.
    marker = f"{plan.recipe.executor.tasks} {run[0]}-{run[-1]}"
    remote = plan.remote_cache
    works = {}
    for i in run:
        work = plan.cache_dir / f"{plan.stages[i].fingerprint}.partial"
        if work.is_dir() and _read(work / "tasks") != marker:
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        (work / "tasks").write_text(marker)
        works[i] = work
        if remote:
            remote.start(plan.stages[i].fingerprint, marker)
    first = run[0]
    spec = plan.stages[first].spec
    kept_nothing = first and plan.stages[first - 1].spec.makes_documents and not _funnel(plan, first - 1)[
        "out"]
    alone = not plan.fuses(first)
    previous = _shared_data(plan, first - 1) if first and alone else None
    tasks = remote.partial(plan.stages[first].fingerprint) if remote else None
    ctx = StageRun(plan, first, works[first], previous, tasks)
    if kept_nothing and spec.makes_documents:
        results = {i: dict(EMPTY_FUNNEL) for i in run}
    elif alone:
        results = {first: spec.run_alone(ctx)}
        _report(plan, run, 1, 1)
    else:
        results = _run_fused(plan, run, works)
    if alone:  # what its tasks wrote, committed with it
        ctx.fetch()
    seconds = round((time.monotonic() - started) / len(run), 3)
    for i in run:
        stage = plan.stages[i]
        # Where it ran; a stage that ran elsewhere (synthesis on Beam, or on fewer tasks) says so itself.
        where = {"kind": plan.recipe.executor.kind, "tasks": plan.recipe.executor.tasks}
        results[i] = {"name": stage.name, "type": stage.spec.type, "fingerprint": stage.fingerprint,
                      "executor": where, **results[i], "seconds": seconds}
        (works[i] / "funnel.json").write_text(json.dumps(results[i], indent=2))
        final = plan.made(i)
        if final.is_dir():  # done before without its output, which a later stage now reads
            shutil.rmtree(final)
        os.rename(works[i], final)
        if remote:  # committed for every machine, its funnel last; the tasks' remote work goes
            remote.push(final, stage.fingerprint)
            remote.remove_partial(stage.fingerprint)
        results[i] |= {"cached": False}
    return results


def _run_fused(plan: BuildPlan, run: list[int], works: dict[int, Path]) -> dict[int, dict]:
    """Consecutive streaming stages as one datatrove pipeline, a cache writer teed after each stage: each
    stage keeps its own cache, funnel and drop reasons, and a later change reruns from there."""
    remote = plan.remote_cache
    # Where each stage's tasks write: the local work folder, or its remote twin (pulled back after).
    where = {i: remote.partial(plan.stages[i].fingerprint) if remote else works[i] for i in run}
    steps, records_in = _source(plan, run[0], where[run[0]])
    # Counts what the first stage reads, for the live display (datatrove's stats come when a task ends).
    beat = Heartbeat(str(storage.join(where[run[-1]], HEARTBEATS)))
    steps += [beat] if steps else []
    spans = []
    for i in run:
        spec = plan.stages[i].spec
        own = [tally_drops(step) for step in spec.steps(where[i])]
        own += [beat] if not steps else []  # after the read stage's reader
        spans.append((i, len(steps), len(steps) + len(own)))
        keep = plan.keeps_output(i)
        steps += [*own, cache_writer(storage.join(where[i], "data")) if keep else Tally(spec.counts_words)]
    last = plan.last_document_stage()
    if last in run and plan.keeps_output(last):  # the version's rows, made as the documents pass
        spec = plan.recipe.input
        steps.append(VersionRows(str(storage.join(where[last], plan.version_rows())),
                                 spec.text_fields if spec.records else None, spec.id_field))
    # Its logs, stats and completion markers live with the last stage of the group.
    stats = _runner(plan, run)(steps, where[run[-1]])
    for i in run:
        if where[i] != works[i]:
            remote.pull_partial(plan.stages[i].fingerprint, works[i])
    results = {}
    if records_in == -1:  # read from the previous stage's cache: what its reader read
        records_in = records_read(stats[0])
    for i, start, end in spans:
        spec = plan.stages[i].spec
        if records_in is None:  # the read stage: what its reader read
            records_in = records_read(stats[start])
        result = stage_funnel(records_in, stats[start:end], stats[end], spec.drop_aliases)
        results[i] = spec.finish(works[i], result)
        records_in = result["out"]
    return results


def _source(plan: BuildPlan, first: int, work: Path | str) -> tuple[list, int | None]:
    """The steps that feed stage `first`, and the records they give it (-1: count them as read; None: it
    reads the inputs itself): the previous stage's cache or, where that stage kept none (the read
    stage), its steps run again, from the last stage that kept its output."""
    if not first:
        return [], None
    again = []
    k = first - 1
    while k >= 0 and not plan.stages[k].spec.cache_output and not (plan.made(k) / "data").is_dir():
        again.insert(0, k)
        k -= 1
    # A remote twin's tasks read the previous stage from the remote cache (committed before this ran).
    steps = [cache_reader(_shared_data(plan, k))] if k >= 0 else []
    for j in again:
        sub = storage.join(work, f"source-{j}")
        if isinstance(sub, Path):
            sub.mkdir(exist_ok=True)
        steps += plan.stages[j].spec.steps(sub)
    return steps, _funnel(plan, first - 1)["out"] if again else -1


def _shared_data(plan: BuildPlan, i: int) -> Path | str:
    """Stage i's cached output where the tasks read it: on the remote stage cache if there is one (it is
    committed there before a later stage runs), else the local cache."""
    remote = plan.remote_cache
    if not remote:
        return plan.made(i) / "data"
    fingerprint = plan.stages[i].fingerprint
    remote.push(plan.cache_dir / fingerprint, fingerprint)  # a no-op unless cached here only
    return remote.data(fingerprint)


def _funnel(plan: BuildPlan, i: int) -> dict:
    return json.loads((plan.made(i) / "funnel.json").read_text())


def _runner(plan: BuildPlan, run: list[int]) -> Callable[..., list[dict]]:
    """run(steps, logging_dir, tasks=None): one executor run of the recipe's executor, with progress."""
    executor = plan.recipe.executor

    def run_steps(steps: list, logging_dir: Path, tasks: int | None = None, resources=None) -> list[dict]:
        report = _Rates(plan, run, storage.join(logging_dir, HEARTBEATS)) if plan.progress else None
        return run_pipeline(steps, logging_dir, tasks or executor.tasks, executor, report, plan.libraries(),
                            resources)

    return run_steps


class _Rates:
    """Tasks done, with the records the tasks have read and how fast (MB/s of their text) where they count
    them (a Heartbeat step)."""

    def __init__(self, plan: BuildPlan, run: list[int], heartbeats: Path | str):
        self.plan, self.run, self.heartbeats = plan, run, str(heartbeats)
        self.first: tuple[float, int] | None = None  # when the run started, and the bytes of resumed tasks
        self.figures: dict = {}
        self.read_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.read_at >= 2.0 or done >= total:
            self.read_at = now
            beats = read_heartbeats(self.heartbeats)
            if self.first is None:
                self.first = (now, beats["bytes"])
            if beats["records"]:
                seconds = now - self.first[0]
                self.figures = {"records": beats["records"]}
                if seconds > 1:
                    self.figures["mb_per_s"] = (beats["bytes"] - self.first[1]) / seconds / 1e6
        _report(self.plan, self.run, done, total, **self.figures)


def _report(plan: BuildPlan, run: list[int], done: int, total: int, **figures) -> None:
    if plan.progress:
        for i in run:
            plan.progress(i, done, total, **figures)


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None
