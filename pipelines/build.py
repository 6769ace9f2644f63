"""Build planning and execution: fingerprints, the stage cache, fused stage groups, and writing a version."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pipelines
from pipelines import settings, storage
from pipelines.card import render_card
from pipelines.engines.datatrove.cache import Tally, cache_reader, cache_writer, iter_cached, tally_drops
from pipelines.engines.datatrove.run import run_pipeline
from pipelines.errors import USER_ERRORS, RecipeError
from pipelines.fingerprint import FileHashes, sha256_file
from pipelines.funnel import EMPTY_FUNNEL, records_read, stage_funnel
from pipelines.inputs import InputFile, expand
from pipelines.recipe import Recipe, load_recipe, sha256_json
from pipelines.stage_cache import RemoteStageCache
from pipelines.stages import STAGES, Stage, StageRun
from pipelines.stages.decontaminate import DecontamStage
from pipelines.stages.read import InputSpec, ReadStage
from pipelines.stages.records import RecordStage
from pipelines.stages.synthesize import ROWS
from pipelines.store import DatasetStore
from pipelines.store.plots import funnel_png
from pipelines.store.writer import merge_in_input_order, write_split
from schemas.document import DOCUMENT_SCHEMA, document_row
from schemas.record import record_row, record_schema

ProgressFn = Callable[[int, int, int], None]  # (stage index, tasks done, tasks)


@dataclass
class StagePlan:
    name: str
    fingerprint: str
    spec: Stage
    auto: bool = False  # added by the plan, not named in the recipe (a synthetic config's decontamination)


@dataclass
class BuildPlan:
    recipe: Recipe
    recipe_path: Path
    overrides: list[str]
    inputs: list[dict]
    stages: list[StagePlan]
    fingerprint: str
    store: DatasetStore
    version: str
    up_to_date: bool
    parent: str | None
    cache_dir: Path = field(default_factory=lambda: settings.state_dir() / "stages")
    # The stage cache on object storage, which cache_dir is then the driver's working copy of.
    cache_url: str | None = field(default_factory=settings.stage_cache_url)
    # Shown by the process that started the build; travels with the plan, not through a global.
    progress: ProgressFn | None = field(default=None, repr=False, compare=False)
    missing_inputs: list[str] = field(default_factory=list)  # listed, not found, skipped (input.missing)

    @property
    def path(self) -> Path | str:
        """Where the version is (or will be): a local folder, or a URL on object storage."""
        return self.store.path(self.version)

    def last_document_stage(self) -> int:
        """The index of the last stage whose output is the curated documents."""
        return max(i for i, s in enumerate(self.stages) if s.spec.makes_documents)

    def rows(self, config: str, before: int | None = None) -> Path:
        """The rows file of a synthetic config as stage `before` reads it (default: as the version holds
        it): that of the last stage before it that wrote the config, its synthesize or a record stage."""
        end = len(self.stages) if before is None else before
        writer = next((k for k in reversed(range(end)) if self.stages[k].spec.rows_config == config), None)
        if writer is None:  # the recipe's check makes this unreachable from a recipe
            raise KeyError(f"no stage before stage {end} writes config {config!r}")
        return self.cache_dir / self.stages[writer].fingerprint / ROWS

    def fuses(self, i: int) -> bool:
        """Whether stage i streams documents, fused with its streaming neighbours (a stage on a synthetic
        config's rows runs alone)."""
        spec = self.stages[i].spec
        return spec.streaming and spec.makes_documents

    def groups(self) -> list[list[int]]:
        """The stages in runs: consecutive streaming stages fused into one, each barrier alone."""
        groups: list[list[int]] = []
        for i in range(len(self.stages)):
            if self.fuses(i) and groups and self.fuses(groups[-1][-1]):
                groups[-1].append(i)
            else:
                groups.append([i])
        return groups

    def keeps_output(self, i: int) -> bool:
        """Whether stage i writes its output to the stage cache: every stage does, but one that need not
        (the read stage) when the next stage streams on from it in the same pass."""
        last = i + 1 == len(self.stages)
        return self.stages[i].spec.cache_output or last or not self.fuses(i + 1)

    @property
    def remote_cache(self) -> RemoteStageCache | None:
        return RemoteStageCache(self.cache_url) if self.cache_url else None

    def libraries(self) -> list[str]:
        """Every library the build's stages run on: what each worker must have alike."""
        return sorted({lib for s in self.stages for lib in s.spec.libraries})

    def refreshed(self) -> BuildPlan:
        """The same plan, its version named again: another build may have written one meanwhile."""
        existing = self.store.find_build(self.fingerprint)
        return dataclasses.replace(self, version=existing or self.store.next_version(),
                                   up_to_date=existing is not None, parent=self.store.latest())


# Where the input files are and how they are listed: their content (checksums) is what counts.
WHERE_INPUTS_ARE = {"paths", "paths_file", "base", "sample", "seed", "limit", "missing", "storage_options"}


def plan_build(recipe_ref: str, overrides: list[str] = (), out: str | Path | None = None) -> BuildPlan:
    """Validate the recipe, fingerprint inputs and stages, and find or name the version."""
    recipe, recipe_path = load_recipe(recipe_ref, list(overrides))
    for i, spec in enumerate(recipe.stages):
        try:
            spec.check()
        except USER_ERRORS as e:
            raise RecipeError(f"{recipe_path}: stages.{i}: {e}") from None
    _check_row_fields(recipe, recipe_path)
    policy = recipe.retries
    found = expand(recipe.input, (policy.attempts, policy.delay_seconds, policy.backoff))
    if recipe.input.format == "parquet":
        _check_parquet_inputs(found.files, recipe.input, recipe_path)
    hashes = FileHashes(settings.state_dir() / "input-hashes.json")
    # A remote object is known by its store's checksum (an ETag, a Hub sha256): nothing is downloaded.
    inputs = [{"path": f.path, "name": f.name, "bytes": f.size, "checksum": f.checksum} if f.remote else
              {"path": f.path, "name": f.name, "bytes": f.size, "sha256": hashes.sha256(Path(f.path))}
              for f in found.files]

    read = ReadStage(input=recipe.input, inputs=[i["path"] for i in inputs])
    read_params = recipe.input.model_dump(mode="json", exclude=WHERE_INPUTS_ARE)
    fingerprint = sha256_json({"stage": "read", "params": read_params,
                               "inputs": [i.get("sha256") or i["checksum"] for i in inputs],
                               "code": read.code_version()})
    stages = [StagePlan(read.name, fingerprint, read)]
    for spec, auto in planned_stages(recipe.stages):
        # A model retrained or a benchmark edited in place is another stage: content counts.
        # Retries change how failures are met, not what a stage makes: not part of the fingerprint.
        params = spec.model_dump(mode="json", exclude={"retries"})
        fingerprint = sha256_json({"stage": spec.type, "params": params,
                                   "files_sha256": [hashes.sha256(Path(f)) for f in spec.files()],
                                   "parent": fingerprint, "code": spec.code_version()})
        stages.append(StagePlan(spec.name, fingerprint, spec, auto))
    hashes.save()

    # The executor and the retries change how the work is spread and failures met, not what is made:
    # they are not part of the build.
    recipe_data = recipe.model_dump(mode="json", exclude={
        "executor": True, "retries": True, "input": WHERE_INPUTS_ARE, "stages": {"__all__": {"retries"}}})
    build_fp = sha256_json({"recipe": recipe_data, "last_stage": fingerprint,
                            "writer": writer_code_version()})
    store = DatasetStore(out or settings.default_out_dir(), recipe.name)
    existing = store.find_build(build_fp)
    return BuildPlan(recipe, recipe_path, list(overrides), inputs, stages, build_fp, store,
                     version=existing or store.next_version(), up_to_date=existing is not None,
                     parent=store.latest(), missing_inputs=found.missing)


def _check_row_fields(recipe: Recipe, recipe_path: Path) -> None:
    """A record stage on a config compares fields its rows have: a misspelt one would skip every row."""
    columns: dict[str, list[str]] = {}
    for i, spec in enumerate(recipe.stages):
        config, fields = spec.rows_config, getattr(spec, "fields", None)
        if config is None:
            continue
        if config not in columns:
            columns[config] = spec.row_fields()
        elif fields and columns[config] is not None:
            missing = [f for f in fields if f not in columns[config]]
            if missing:
                raise RecipeError(f"{recipe_path}: stages.{i}.fields: the rows of {config!r} have no "
                                  f"{', '.join(map(repr, missing))} (they have {', '.join(columns[config])})")


def planned_stages(specs: list[Stage]) -> Iterator[tuple[Stage, bool]]:
    """The recipe's stages, each with whether the plan added it: after each synthesize stage, a
    decontaminate stage on its config against each documents' decontaminate stage's benchmarks, unless
    that stage says `synthetic_configs: false` or the recipe decontaminates the config itself."""
    benchmarks = [s for s in specs if isinstance(s, DecontamStage) and s.covers_synthetic]
    own = {s.input for s in specs if isinstance(s, DecontamStage) and s.input is not None}
    for spec in specs:
        yield spec, False
        config = spec.rows_config
        if config is not None and not isinstance(spec, RecordStage) and config not in own:
            for stage in benchmarks:
                yield stage.on_config(config), True


def _check_parquet_inputs(files: list[InputFile], spec: InputSpec, recipe_path: Path) -> None:
    """Every Parquet input is readable and has the text fields: read from each footer, not the data."""
    import pyarrow.parquet as pq

    for f in files:
        try:
            if f.remote:
                fs, path = storage.filesystem(f.path, spec.storage_options)
                with fs.open(path, "rb") as handle:
                    names = pq.read_schema(handle).names
            else:
                names = pq.read_schema(f.path).names
        except USER_ERRORS:
            raise
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise RecipeError(f"{recipe_path}: input.paths: {f.path} is not a readable Parquet file "
                              f"({str(e).splitlines()[0]})") from None
        missing = [field for field in spec.text_fields if field not in names]
        if missing:
            raise RecipeError(f"{recipe_path}: input.text_fields: {f.path} has no "
                              f"{', '.join(map(repr, missing))} column (columns: {', '.join(names[:20])})")


def writer_code_version() -> str:
    import inspect

    import pipelines.card as card
    import pipelines.store.writer as writer
    import schemas.document as document
    import schemas.record as record

    return sha256_json([inspect.getsource(m) for m in (card, writer, document, record)])[:16]


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
            final = plan.cache_dir / plan.stages[i].fingerprint
            if remote and not (final / "funnel.json").is_file():  # made by another machine's build
                remote.pull(plan.stages[i].fingerprint, final)
            # A stage that kept no output is done, unless a stage after it now needs that output.
            if (final / "funnel.json").is_file() and (plan.stages[i].spec.cache_output or (
                    final / "data").is_dir() or not plan.keeps_output(i)):
                results[i] = json.loads((final / "funnel.json").read_text()) | {"cached": True}
                _report(plan, [i], plan.recipe.executor.tasks, plan.recipe.executor.tasks)
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
    ctx = StageRun(plan, first, previous, works[first], _runner(plan, [first]), tasks)
    if kept_nothing and spec.makes_documents:
        results = {i: dict(EMPTY_FUNNEL) for i in run}
    elif isinstance(spec, RecordStage) and spec.input is not None:
        results = {first: spec.run_on_rows(ctx)}
        _report(plan, run, 1, 1)
    elif not spec.streaming:
        results = {first: spec.run(ctx)}
        _report(plan, run, 1, 1)
    else:
        results = _run_fused(plan, run, works)
    if alone:  # what its tasks wrote, committed with it
        ctx.fetch()
    seconds = round((time.monotonic() - started) / len(run), 3)
    for i in run:
        stage = plan.stages[i]
        results[i] = {"name": stage.name, "type": stage.spec.type, "fingerprint": stage.fingerprint,
                      **results[i],
                      "seconds": seconds}
        (works[i] / "funnel.json").write_text(json.dumps(results[i], indent=2))
        final = plan.cache_dir / stage.fingerprint
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
    spans = []
    for i in run:
        spec = plan.stages[i].spec
        own = [tally_drops(step) for step in spec.steps(where[i])]
        spans.append((i, len(steps), len(steps) + len(own)))
        keep = plan.keeps_output(i)
        steps += [*own, cache_writer(storage.join(where[i], "data")) if keep else Tally(spec.counts_words)]
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
    while k >= 0 and not plan.stages[k].spec.cache_output and not _data(plan, k).is_dir():
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


def _data(plan: BuildPlan, i: int) -> Path:
    return plan.cache_dir / plan.stages[i].fingerprint / "data"


def _shared_data(plan: BuildPlan, i: int) -> Path | str:
    """Stage i's cached output where the tasks read it: on the remote stage cache if there is one (it is
    committed there before a later stage runs), else the local cache."""
    remote = plan.remote_cache
    if not remote:
        return _data(plan, i)
    fingerprint = plan.stages[i].fingerprint
    remote.push(plan.cache_dir / fingerprint, fingerprint)  # a no-op unless cached here only
    return remote.data(fingerprint)


def _funnel(plan: BuildPlan, i: int) -> dict:
    return json.loads((plan.cache_dir / plan.stages[i].fingerprint / "funnel.json").read_text())


def _runner(plan: BuildPlan, run: list[int]) -> Callable[..., list[dict]]:
    """run(steps, logging_dir, tasks=None): one executor run of the recipe's executor, with progress."""
    executor = plan.recipe.executor

    def run_steps(steps: list, logging_dir: Path, tasks: int | None = None) -> list[dict]:
        report = (lambda done, total: _report(plan, run, done, total)) if plan.progress else None
        return run_pipeline(steps, logging_dir, tasks or executor.tasks, executor, report, plan.libraries())

    return run_steps


def _report(plan: BuildPlan, run: list[int], done: int, total: int) -> None:
    if plan.progress:
        for i in run:
            plan.progress(i, done, total)


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


def write_version(plan: BuildPlan, results: list[dict], started_at: datetime) -> Path | str:
    """Write the curated documents, each stage's own files (synthetic configs, side tables, plots), the
    manifest and the card as a new immutable version."""
    recipe = plan.recipe
    last = plan.cache_dir / plan.stages[plan.last_document_stage()].fingerprint / "data"
    docs = merge_in_input_order(iter_cached(last), key=_order) if last.is_dir() else []
    spec = recipe.input
    if spec.records:
        schema = record_schema(spec.text_fields)
        rows = (record_row(doc.id, doc.metadata, spec.text_fields, spec.id_field) for doc in docs)
    else:
        schema, rows = DOCUMENT_SCHEMA, (document_row(doc.id, doc.text, doc.metadata) for doc in docs)
    with plan.store.stage_version(plan.version) as folder:
        shards = write_split(rows, schema, folder / "data", recipe.output.split,
                             recipe.output.max_rows_per_shard, recipe.output.compression,
                             recipe.output.max_shard_bytes)
        n_rows = sum(_parquet_rows(s) for s in shards)
        files = list(shards)
        configs = {}
        for i, (stage, result) in enumerate(zip(plan.stages, results, strict=True)):
            files += stage.spec.add_to_version(plan, i, result, folder)
            configs |= stage.spec.version_configs(result, recipe.output.split)
            if stage.auto:
                result["auto"] = True
        for name, config in configs.items():
            config |= config_report(plan, results, name)
        manifest = {
            "dataset": recipe.name,
            "version": plan.version,
            "created_at": started_at.isoformat(timespec="seconds"),
            "build_fingerprint": plan.fingerprint,
            "recipe": recipe.model_dump(mode="json"),
            "recipe_hash": recipe.content_hash(),
            "recipe_path": str(plan.recipe_path),
            "overrides": plan.overrides,
            "inputs": plan.inputs,
            "inputs_missing": plan.missing_inputs,  # listed in input.paths_file, not found, skipped
            "code_version": code_version(),
            "stages": results,
            # Every dropped record under the stage and the rule that dropped it.
            "dropped": {f"{r['name']}:{reason}": n for r in results for reason, n in r["dropped"].items()},
            "rows": n_rows,
            "splits": {recipe.output.split: n_rows},
            # Records of a stage's own type (synthetic rows), each its own config of the dataset.
            "configs": configs,
            "parent": plan.parent,
            "seconds": round((datetime.now(UTC) - started_at).total_seconds(), 3),
        }
        files.append(funnel_png(manifest, folder / "funnel.png"))
        (folder / "README.md").write_text(render_card(manifest))
        files.append(folder / "README.md")
        manifest["files"] = {str(p.relative_to(folder)): sha256_file(p) for p in files}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return plan.path


def config_report(plan: BuildPlan, results: list[dict], config: str) -> dict:
    """A synthetic config's rows as the version holds them (after its record stages), the stages that made
    them, and whether and against what they were decontaminated."""
    chain = [i for i, s in enumerate(plan.stages) if s.spec.rows_config == config]
    if not chain:  # a stage's second config (its negatives): written as the stage made it
        return {}
    decontaminated = []
    for i in chain:
        stage, result = plan.stages[i], results[i]
        if isinstance(stage.spec, DecontamStage):
            decontaminated.append({"stage": stage.name, "benchmarks": [b.name for b in stage.spec.benchmarks],
                                   "method": stage.spec.method, "n": stage.spec.n,
                                   "threshold": stage.spec.threshold, "auto": stage.auto,
                                   "removed": sum(result["dropped"].values())})
    # Why not, where it was not: the recipe lists no benchmarks, or its decontaminate stage opts out.
    opted_out = any(isinstance(s.spec, DecontamStage) and s.spec.input is None and not s.spec.covers_synthetic
                    for s in plan.stages)
    return {"rows": results[chain[-1]]["out"], "stages": [plan.stages[i].name for i in chain],
            "decontaminated": decontaminated, "decontamination_opted_out": opted_out and not decontaminated}


def _order(doc) -> tuple[int, int]:
    return doc.metadata["source_index"], doc.metadata["record_index"]


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def code_version() -> dict:
    """The package version, the git commit when built from a checkout, and each stage's code."""
    commit = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(pipelines.__file__).parent,
            capture_output=True, text=True, timeout=5,
        ).stdout.strip() or None
    return {
        "package": pipelines.__version__,
        "git_commit": commit,
        "stages": {name: cls.code_version() for name, cls in STAGES.items()},
        "writer": writer_code_version(),
    }
