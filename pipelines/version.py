"""Writing a version from a build's stage outputs: the curated documents as Parquet, each stage's own files
(synthetic configs, side tables, plots), the manifest and the card, renamed into place when complete."""

from __future__ import annotations

import contextlib
import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pipelines
from pipelines.card import render_card
from pipelines.engines.datatrove.cache import iter_cached
from pipelines.engines.datatrove.version_rows import read_version_rows, version_row, version_schema
from pipelines.fingerprint import sha256_file
from pipelines.plan import WRITER_MODULES, BuildPlan, templates_digest
from pipelines.stages import STAGES
from pipelines.store.charts import funnel_png
from pipelines.store.writer import merge_in_input_order, write_split


@dataclass
class VersionOutput:
    """The VersionContext of one stage: the version's folder and that stage's cached output."""

    plan: BuildPlan
    folder: Path
    index: int

    @property
    def made(self) -> Path:
        return self.plan.made(self.index)

    def rows(self, config: str) -> Path:
        return self.plan.rows(config)

    def extra_fields(self, config: str) -> list:
        return [f for stage in self.plan.stages for f in stage.spec.annotations(config)]

    def write_split(self, rows, schema, config: str) -> list[Path]:
        output = self.plan.recipe.output
        return write_split(rows, schema, self.folder / "data" / config, output.split,
                           output.max_rows_per_shard, output.compression, output.max_shard_bytes)


def write_version(plan: BuildPlan, results: list[dict], started_at: datetime) -> Path | str:
    """Write the curated documents, each stage's own files, the manifest and the card as a new immutable
    version."""
    recipe = plan.recipe
    made = plan.made(plan.last_document_stage())
    spec = recipe.input
    fields = spec.text_fields if spec.records else None
    schema = version_schema(fields)
    # The rows its tasks made as the documents passed; else (a stage cached before) its cache read again.
    rows = read_version_rows(made / plan.version_rows(), recipe.executor.tasks)
    if rows is None:
        cached = made / "data"
        docs = merge_in_input_order(iter_cached(cached), key=_order) if cached.is_dir() else []
        rows = (version_row(doc, fields, spec.id_field) for doc in docs)
    with plan.store.stage_version(plan.version) as folder:
        shards = write_split(rows, schema, folder / "data", recipe.output.split,
                             recipe.output.max_rows_per_shard, recipe.output.compression,
                             recipe.output.max_shard_bytes)
        n_rows = sum(_parquet_rows(s) for s in shards)
        files = list(shards)
        configs = {}
        for i, (stage, result) in enumerate(zip(plan.stages, results, strict=True)):
            files += stage.spec.add_to_version(VersionOutput(plan, folder, i), result)
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
        if plan.preview:  # `build --limit N`: the first N records of each input, never published
            manifest |= {"preview": True, "limit": recipe.input.limit}
        files.append(funnel_png(manifest, folder / "funnel.png"))
        (folder / "README.md").write_text(render_card(manifest))
        files.append(folder / "README.md")
        manifest["files"] = {str(p.relative_to(folder)): sha256_file(p) for p in files}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return plan.path


def config_report(plan: BuildPlan, results: list[dict], config: str) -> dict:
    """A synthetic config's rows as the version holds them (after its record stages), the stages that made
    them, and what each stage says of them (against what they were decontaminated)."""
    chain = [i for i, s in enumerate(plan.stages) if s.spec.rows_config == config]
    if not chain:  # a stage's second config (its negatives): written as the stage made it
        return {}
    said: dict[str, list] = {}
    for i, stage in enumerate(plan.stages):
        # The stages on the config's rows, and those of the documents that speak for every config.
        if i in chain or stage.spec.makes_documents:
            for key, values in stage.spec.describe_config(results[i], stage.auto).items():
                said.setdefault(key, []).extend(values)
    return {"rows": results[chain[-1]]["out"], "stages": [plan.stages[i].name for i in chain],
            **said}


def _order(doc) -> tuple[int, int]:
    return doc.metadata["source_index"], doc.metadata["record_index"]


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def code_version() -> dict:
    """The package version, the git commit when built from a checkout, and each stage's code."""
    from pipelines import code_version as versions

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
        "writer": versions.code_version(WRITER_MODULES, extra=templates_digest()),
    }
