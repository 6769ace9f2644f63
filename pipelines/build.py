"""Build planning and execution: fingerprints, the stage cache, and writing a version."""

from __future__ import annotations

import contextlib
import fcntl
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
from pipelines import settings, synthesis
from pipelines.engines import datatrove as dt
from pipelines.engines import records
from pipelines.errors import PipelinesError, RecipeError
from pipelines.fingerprint import FileHashes, sha256_file
from pipelines.recipe import (
    DecontamStage,
    ExactDedupStage,
    MinhashDedupStage,
    QualityStage,
    Recipe,
    SynthesizeStage,
    expand_inputs,
    load_recipe,
    sha256_json,
)
from pipelines.stages import (
    STAGES,
    check_stage,
    funnel,
    middle_step,
    run_decontam,
    run_dedup,
    run_quality,
    stage_files,
)
from pipelines.store import DatasetStore
from pipelines.store.card import render_card
from pipelines.store.plots import funnel_png, scores_png
from pipelines.store.writer import merge_in_input_order, write_split
from schemas.document import DOCUMENT_SCHEMA, document_row
from schemas.record import record_row, record_schema

ProgressFn = Callable[[int, int, int], None]  # (stage index, tasks done, tasks)


@dataclass
class StagePlan:
    name: str
    fingerprint: str


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

    @property
    def path(self) -> Path:
        return self.store.path(self.version)


def plan_build(recipe_ref: str, overrides: list[str] = (), out: Path | None = None) -> BuildPlan:
    """Validate the recipe, fingerprint inputs and stages, and find or name the version."""
    recipe, recipe_path = load_recipe(recipe_ref, list(overrides))
    for i, spec in enumerate(recipe.stages):
        try:
            check_stage(spec)
        except PipelinesError as e:
            raise RecipeError(f"{recipe_path}: stages.{i}: {e}") from None
    files = expand_inputs(recipe)
    if recipe.input.format == "parquet":
        _check_parquet_inputs(files, recipe.input.text_fields, recipe_path)
    hashes = FileHashes(settings.state_dir() / "input-hashes.json")
    inputs = [{"path": str(f), "name": f.name, "bytes": f.stat().st_size, "sha256": hashes.sha256(f)}
              for f in files]

    read_params = recipe.input.model_dump(mode="json", exclude={"paths"})
    fingerprint = sha256_json({"stage": "read", "params": read_params,
                               "inputs": [i["sha256"] for i in inputs],
                               "code": STAGES["read"].code_version()})
    stages = [StagePlan("read", fingerprint)]
    for spec in recipe.stages:
        # A model retrained or a benchmark edited in place is another stage: content counts.
        # Retries change how failures are met, not what a stage makes: not part of the fingerprint.
        params = spec.model_dump(mode="json", exclude={"retries"})
        fingerprint = sha256_json({"stage": spec.type, "params": params,
                                   "files_sha256": [hashes.sha256(Path(f)) for f in stage_files(spec)],
                                   "parent": fingerprint, "code": STAGES[spec.type].code_version()})
        # Synthesize stages are told apart by the config they write: synthesize-qa, synthesize-critique.
        name = f"synthesize-{synthesis.config_name(spec)}" if isinstance(spec, SynthesizeStage) else spec.type
        stages.append(StagePlan(name, fingerprint))
    hashes.save()

    # The executor and the retries change how the work is spread and failures met, not what is made:
    # they are not part of the build.
    recipe_data = recipe.model_dump(mode="json", exclude={
        "executor": True, "retries": True, "input": {"paths"}, "stages": {"__all__": {"retries"}}})
    build_fp = sha256_json({"recipe": recipe_data, "last_stage": fingerprint,
                            "writer": writer_code_version()})
    store = DatasetStore(out or settings.default_out_dir(), recipe.name)
    existing = store.find_build(build_fp)
    return BuildPlan(recipe, recipe_path, list(overrides), inputs, stages, build_fp, store,
                     version=existing or store.next_version(), up_to_date=existing is not None,
                     parent=store.latest())


def _check_parquet_inputs(files: list[Path], text_fields: list[str], recipe_path: Path) -> None:
    """Every Parquet input is readable and has the text fields: read from each footer, not the data."""
    import pyarrow.parquet as pq

    for f in files:
        try:
            names = pq.read_schema(f).names
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise RecipeError(f"{recipe_path}: input.paths: {f} is not a readable Parquet file "
                              f"({str(e).splitlines()[0]})") from None
        missing = [field for field in text_fields if field not in names]
        if missing:
            raise RecipeError(f"{recipe_path}: input.text_fields: {f} has no {', '.join(map(repr, missing))} "
                              f"column (columns: {', '.join(names[:20])})")


def writer_code_version() -> str:
    import inspect

    import pipelines.store.card as card
    import pipelines.store.writer as writer
    import schemas.document as document
    import schemas.record as record

    return sha256_json([inspect.getsource(m) for m in (card, writer, document, record)])[:16]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def run_stage(plan: BuildPlan, index: int, progress: ProgressFn | None = None) -> dict:
    """Run one stage on datatrove, or reuse its cached output; returns its funnel."""
    stage = plan.stages[index]
    final = plan.cache_dir / stage.fingerprint
    with _file_lock(plan.cache_dir / f"{stage.fingerprint}.lock"):
        if (final / "funnel.json").is_file():
            if progress:
                tasks = plan.recipe.executor.tasks
                progress(index, tasks, tasks)
            return json.loads((final / "funnel.json").read_text()) | {"cached": True}
        # A killed run leaves .partial with datatrove's completion markers: finished tasks are
        # not run again, unless the work was split into another number of tasks.
        work = plan.cache_dir / f"{stage.fingerprint}.partial"
        tasks = str(plan.recipe.executor.tasks)
        if work.is_dir() and _read(work / "tasks") != tasks:
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        (work / "tasks").write_text(tasks)
        started = time.monotonic()
        executor = plan.recipe.executor

        def run(steps: list, logging_dir: Path, tasks: int | None = None) -> list[dict]:
            report = (lambda done, total: progress(index, done, total)) if progress else None
            return dt.run_pipeline(steps, logging_dir, tasks or executor.tasks, executor, report)

        previous = plan.cache_dir / plan.stages[index - 1].fingerprint / "data" if index else None
        spec = plan.recipe.stages[index - 1] if index else None
        if isinstance(spec, SynthesizeStage):
            result = _synthesize(plan, index, spec, work)
            if progress:
                progress(index, 1, 1)
        elif previous is not None and not any(previous.glob(dt.CACHE_GLOB)):
            # The previous stage kept nothing.
            result = {"in": 0, "out": 0, "dropped": {}, "words_out": 0, "words_dropped": {}}
        elif isinstance(spec, QualityStage):
            result = run_quality(spec, previous, work, run)
        elif isinstance(spec, DecontamStage):
            result = run_decontam(spec, previous, work, run)
        elif isinstance(spec, ExactDedupStage | MinhashDedupStage):
            result = run_dedup(spec, previous, work, run)
        else:
            result = funnel(stage.name, run(_stage_steps(plan, index, work), work))
        result = {"name": stage.name, "fingerprint": stage.fingerprint, **result,
                  "seconds": round(time.monotonic() - started, 3)}
        (work / "funnel.json").write_text(json.dumps(result, indent=2))
        os.rename(work, final)
        return result | {"cached": False}


def _synthesize(plan: BuildPlan, index: int, spec: SynthesizeStage, work: Path) -> dict:
    """A synthesize stage on its input: the curated documents, or an earlier synthesize stage's rows."""
    specs = plan.recipe.stages
    if spec.input is None:
        last_doc = _last_document_stage(plan)
        source = str(plan.cache_dir / plan.stages[last_doc].fingerprint / "data" / dt.CACHE_GLOB)
        keep = ("text",)
    else:
        producer = next(i for i, s in enumerate(specs, 1)
                        if isinstance(s, SynthesizeStage) and synthesis.config_name(s) == spec.input)
        source = str(plan.cache_dir / plan.stages[producer].fingerprint / synthesis.ROWS)
        keep = synthesis.TASKS[spec.task].inputs
    return synthesis.run_synthesize(spec, source, spec.fields, keep, work)


def _last_document_stage(plan: BuildPlan) -> int:
    """The index (in plan.stages) of the last stage whose output is documents."""
    return max(i for i, s in enumerate([None, *plan.recipe.stages]) if not isinstance(s, SynthesizeStage))


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


def _stage_steps(plan: BuildPlan, index: int, work: Path) -> list:
    writer = dt.cache_writer(work / "data")
    if index == 0:
        files = [Path(i["path"]) for i in plan.inputs]
        root = Path(os.path.commonpath([f.parent for f in files]))
        relative = [str(f.relative_to(root)) for f in files]
        (work / "inputs.txt").write_text("\n".join(relative) + "\n")
        spec = plan.recipe.input
        order = {rel: i for i, rel in enumerate(relative)}
        if spec.records:
            cls = records.JsonlRecordReader if spec.format == "jsonl" else records.ParquetRecordReader
            reader = cls(str(root), str(work / "inputs.txt"), spec.text_fields, spec.id_field,
                         spec.max_record_bytes, order)
        else:
            reader = dt.WarcRecordReader(str(root), str(work / "inputs.txt"), spec.max_record_bytes, order)
        return [reader, writer]
    previous = plan.cache_dir / plan.stages[index - 1].fingerprint / "data"
    return [dt.cache_reader(previous), dt.tally_drops(middle_step(plan.recipe.stages[index - 1])), writer]


def write_version(plan: BuildPlan, results: list[dict], started_at: datetime) -> Path:
    """Write the curated documents, each synthetic config, the manifest and the card as a new immutable
    version."""
    recipe = plan.recipe
    last = plan.cache_dir / plan.stages[_last_document_stage(plan)].fingerprint / "data"
    docs = merge_in_input_order(dt.iter_cached(last), key=_order) if last.is_dir() else []
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
        side_tables = _copy_cluster_tables(plan, results, folder)
        configs = _write_synthetic_configs(plan, results, folder)
        shards += [shard for config in configs.values() for shard in config["shards"]]
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
            "code_version": code_version(),
            "stages": results,
            # Every dropped record under the stage and the rule that dropped it.
            "dropped": {f"{r['name']}:{reason}": n for r in results for reason, n in r["dropped"].items()},
            "rows": n_rows,
            "splits": {recipe.output.split: n_rows},
            # Synthetic record types, each its own config of the dataset.
            "configs": {name: {"record_type": c["record_type"], "rows": c["rows"], "path": c["path"]}
                        for name, c in configs.items()},
            "parent": plan.parent,
            "seconds": round((datetime.now(UTC) - started_at).total_seconds(), 3),
        }
        images = [funnel_png(manifest, folder / "funnel.png")]
        images += [scores_png(s["scores"], folder / "quality_scores.png")
                   for s in results if "scores" in s]
        (folder / "README.md").write_text(render_card(manifest))
        manifest["files"] = {str(p.relative_to(folder)): sha256_file(p)
                             for p in [*shards, *side_tables, *images, folder / "README.md"]}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return plan.path


def _write_synthetic_configs(plan: BuildPlan, results: list[dict], folder: Path) -> dict[str, dict]:
    """Each synthesize stage's rows as Parquet under data/<config>/, typed by its record schema."""
    from schemas.synthetic import SCHEMAS

    configs = {}
    output = plan.recipe.output
    for stage, result in zip(plan.stages, results, strict=True):
        if "synth" not in result:
            continue
        synth = result["synth"]
        rows_path = plan.cache_dir / stage.fingerprint / synthesis.ROWS
        with open(rows_path) as f:
            rows = (json.loads(line) for line in f)
            shards = write_split(rows, SCHEMAS[synth["record_type"]], folder / "data" / synth["config"],
                                 output.split, output.max_rows_per_shard, output.compression,
                                 output.max_shard_bytes)
        configs[synth["config"]] = {"record_type": synth["record_type"], "shards": shards,
                                    "rows": sum(_parquet_rows(s) for s in shards),
                                    "path": f"data/{synth['config']}/{output.split}-*.parquet"}
    return configs


def _copy_cluster_tables(plan: BuildPlan, results: list[dict], folder: Path) -> list[Path]:
    """Each dedup stage's side table (every clustered record, its cluster, kept or not) into the version."""
    tables = []
    for i, (stage, result) in enumerate(zip(plan.stages, results, strict=True)):
        if "dedup" in result:
            table = folder / "dedup" / f"{i}-{stage.name}.parquet"
            table.parent.mkdir(exist_ok=True)
            shutil.copyfile(plan.cache_dir / stage.fingerprint / "clusters.parquet", table)
            result["dedup"]["table"] = str(table.relative_to(folder))
            tables.append(table)
    return tables


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
        "stages": {name: d.code_version() for name, d in STAGES.items()},
        "writer": writer_code_version(),
    }
