"""Runs synthesis on Apache Beam: a DoFn that holds one generation backend per worker (made in setup())
and generates whole chunks of prompts from BatchElements, hundreds to thousands per `generate` call.

Each chunk's completions go to the generation cache as soon as the backend returns them, so a killed
run started again regenerates nothing already generated. The runner comes from pipeline options;
by default the DirectRunner, named so that Beam never tries to download Prism.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

from pipelines.engines.quiet import quiet_root_logger

with quiet_root_logger():  # Beam warns through the root logger on import, which reconfigures logging
    import apache_beam as beam
    from apache_beam.metrics import Metrics
    from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.engines.backends import shared
from transforms.synth.backends import check_schema
from transforms.synth.cache import GenerationCache
from transforms.synth.generator import ROWS, Generator
from transforms.synth.pairs import pick_pair
from transforms.synth.pairwise import both_orders, decide
from transforms.synth.prompts import ToRecord
from transforms.synth.sampling import Sampling
from transforms.synth.task import Task

REJECTED = "rejected"
NEGATIVES = "negatives"  # the failed samples of a prompt that had a passing one, paired with it
COMPARISONS = "comparisons"  # pairwise: every pair of responses with both orders' verdicts, ties included
NAMESPACE = "synth"


class GenerateFn(beam.DoFn):
    """Prompts a chunk of records at once (transforms.synth.generator); emits the rows its selection keeps,
    each other sample with its reason, and chosen/rejected pairs of a prompt's passing and failed samples."""

    def __init__(self, backend: dict, task: Task, sampling: Sampling, cache_path: str, prefix: str = ""):
        check_schema(task.schema)
        self.backend_spec, self.task, self.sampling, self.cache_path = backend, task, sampling, cache_path
        self.prefix = prefix  # of the counters: a second generation step counts apart

    def setup(self):
        # _made is counted at the first bundle (metrics need a running step): the backends a run made,
        # one per worker process and model, each loading its own engine; 0 where the process had one.
        self.backend, self._in_use, self._made = shared(self.backend_spec)

    # The cache's SQLite connection lives for one bundle. An SDK worker (the DirectRunner's
    # multi_processing mode, Dataflow, Flink, Spark) runs a bundle on one thread of a pool, but a DoFn
    # instance's setup(), later bundles and teardown() can each be on another thread, and sqlite3 refuses
    # a connection used outside its own: made in setup(), it failed the worker process at teardown().
    # Opening one costs a millisecond; a bundle is chunks of hundreds of prompts.
    def start_bundle(self):
        self.cache = GenerationCache(self.cache_path)
        self.generator = Generator(self.backend, self.task, self.sampling, self.cache, self.prefix)
        if self._made:
            self._made = False
            Metrics.counter(NAMESPACE, "backends_made").inc()

    def finish_bundle(self):
        self.cache.close()

    def process(self, chunk: list[dict]):
        # The engine is shared by the process's threads and does one generate call at a time (vLLM's
        # LLM is not thread-safe; it batches within a call): a bundle on another thread waits. The
        # chunk's outputs are emitted after the lock is released, never from under it.
        with self._in_use:
            outputs = list(self.generator.chunk(chunk))
        for name, value in self.generator.counts.items():
            Metrics.counter(NAMESPACE, name).inc(value)
        self.generator.counts.clear()
        for kind, record in outputs:
            yield record if kind == ROWS else beam.pvalue.TaggedOutput(kind, record)


class Generate(beam.PTransform):
    """The rows and rejects of a task over a PCollection of records, in chunks of `chunk_size` prompts."""

    outputs = ("rows", REJECTED, NEGATIVES)  # what synthesis_graph writes, by name

    def __init__(self, backend: dict, task: Task, sampling: Sampling, cache_path: str, chunk_size: int = 512,
                 prefix: str = ""):
        super().__init__()
        self.backend, self.task, self.sampling = backend, task, sampling
        self.cache_path, self.chunk_size, self.prefix = cache_path, chunk_size, prefix

    def expand(self, records):
        # min = max: every generate call gets a full chunk but the last, not BatchElements' small start.
        batches = records | f"Chunk {self.task.name}" >> beam.BatchElements(
            min_batch_size=self.chunk_size, max_batch_size=self.chunk_size
        )
        outputs = batches | f"Generate {self.task.name}" >> beam.ParDo(
            GenerateFn(self.backend, self.task, self.sampling, self.cache_path, self.prefix)
        ).with_outputs(REJECTED, NEGATIVES, main="rows")
        return outputs.rows, outputs[REJECTED], outputs[NEGATIVES]


class ToJudge:
    """A sampled response as the record a judge rates, keyed back to its prompt's record."""

    def __call__(self, row: dict) -> dict:
        return {"id": f"{row['source_id']}#{row['sample']}", "prompt": row["prompt"],
                "response": row["response"]}


class PickPair(beam.DoFn):
    """The best- and worst-judged responses of one prompt as a chosen/rejected pair, or why there is none."""

    def __init__(self, task: Task, sampling: Sampling):
        self.task, self.sampling = task, sampling

    def process(self, element):
        prompt_id, verdicts = element
        verdicts = sorted(verdicts, key=lambda v: v["response_sample"])
        parsed = pick_pair(verdicts[0]["prompt"], [(v["response"], v["score"]) for v in verdicts])
        if parsed.row is None:
            Metrics.counter(NAMESPACE, f"rejected_{parsed.reason}").inc()
            yield beam.pvalue.TaggedOutput(REJECTED, {"source_id": prompt_id, "sample": None,
                                                      "reason": parsed.reason})
            return
        Metrics.counter(NAMESPACE, "pairs").inc()
        # The pair's provenance: how its responses were sampled, by which model.
        yield parsed.row | {"source_id": prompt_id, "sample": 0, "task": self.task.name,
                            "model": verdicts[0]["model"], "model_revision": verdicts[0]["model_revision"],
                            "sampling": json.dumps(self.sampling.as_dict(), sort_keys=True),
                            "template_sha256": self.task.template_sha256, "seed": self.sampling.seed}


class PreferencePairs(beam.PTransform):
    """n responses per prompt, each judged (n=1), grouped back by prompt into chosen/rejected pairs."""

    outputs = ("rows", REJECTED, NEGATIVES)

    def __init__(self, backend: dict, task: Task, sampling: Sampling, cache_path: str,
                 chunk_size: int = 512):
        super().__init__()
        self.backend, self.task, self.sampling = backend, task, sampling
        self.cache_path, self.chunk_size = cache_path, chunk_size

    def expand(self, records):
        task, sampling = self.task, self.sampling
        responses, rejected, _ = records | "Respond" >> Generate(self.backend, task, sampling,
                                                                 self.cache_path, self.chunk_size)
        judge_sampling = dataclasses.replace(sampling, n=1)
        verdicts, unjudged, _ = (responses | "To judge" >> beam.Map(ToJudge())
                              | "Judge" >> Generate(self.backend, task.judge, judge_sampling, self.cache_path,
                                                    self.chunk_size, prefix="judge_"))
        verdicts = verdicts | "Carry" >> beam.Map(_carry)
        grouped = verdicts | "By prompt" >> beam.GroupBy(_prompt_id)
        pairs = grouped | "Pick" >> beam.ParDo(PickPair(task, sampling)).with_outputs(REJECTED, main="pairs")
        lost = (rejected, unjudged, pairs[REJECTED]) | "Rejects" >> beam.Flatten()
        return pairs.pairs, lost, records.pipeline | "No negatives" >> beam.Create([])


def _prompt_id(verdict: dict) -> str:
    return verdict["prompt_id"]


def _carry(verdict: dict) -> dict:
    """A judge's row with the response it judged: its prompt and its sample."""
    prompt_id, _, sample = verdict["source_id"].rpartition("#")
    return verdict | {"prompt_id": prompt_id, "response_sample": int(sample)}


class BothOrders(beam.DoFn):
    """A pair of responses as the judge's two records, as made and swapped (MT-Bench's position swap)."""

    def process(self, comparison: dict):
        Metrics.counter(NAMESPACE, "comparisons").inc()
        yield from both_orders(comparison)


def _pair_key(record: dict) -> str:
    """The pair a record belongs to: its prompt's id and its pair index."""
    return f"{record['id']}#{record['pair']}"


def _pair_of(pair: dict) -> tuple[str, tuple]:
    return _pair_key(pair), ("pair", pair)


def _verdict_of(row: dict) -> tuple[str, tuple]:
    key, _, order = row["source_id"].rpartition("#")
    return key, ("verdict", order, row)


def _failure_of(reject: dict) -> tuple[str, tuple]:
    key, _, order = reject["source_id"].rpartition("#")
    return key, ("verdict", order, None)


class Decide(beam.DoFn):
    """A pair's two verdicts made one: a chosen/rejected row where both orders pick the same response, else
    why not (tie, position_inconsistent, unjudged); every pair, with both verdicts, as a comparison."""

    def __init__(self, task: Task, sampling: Sampling, model_id: str):
        self.task, self.sampling, self.model_id = task, sampling, model_id

    def process(self, element):
        _, items = element
        pair = next(item[1] for item in items if item[0] == "pair")
        judged = {item[1]: item[2] for item in items if item[0] == "verdict"}
        any_row = next((r for r in judged.values() if r), {})
        provenance = {"source_id": str(pair["id"]), "sample": pair["pair"], "task": self.task.name,
                      "model": any_row.get("model", self.model_id),
                      "model_revision": any_row.get("model_revision", ""),
                      "sampling": json.dumps(self.sampling.as_dict(), sort_keys=True),
                      "template_sha256": self.task.template_sha256, "seed": self.sampling.seed}
        comparison, row, reason = decide(pair, judged, provenance)
        yield beam.pvalue.TaggedOutput(COMPARISONS, comparison)
        if reason:
            Metrics.counter(NAMESPACE, f"rejected_{reason}").inc()
            yield beam.pvalue.TaggedOutput(REJECTED, {"source_id": str(pair["id"]), "sample": pair["pair"],
                                                      "reason": reason})
            return
        Metrics.counter(NAMESPACE, "rows").inc()
        yield row


class Pairwise(beam.PTransform):
    """Pairs of responses, each judged in both orders (n=1 per order), grouped back by pair and decided."""

    outputs = ("rows", REJECTED, COMPARISONS)

    def __init__(self, backend: dict, task: Task, sampling: Sampling, cache_path: str, chunk_size: int = 512):
        super().__init__()
        self.backend, self.task, self.sampling = backend, task, sampling
        self.cache_path, self.chunk_size = cache_path, chunk_size

    def expand(self, pairs):
        task, sampling = self.task, self.sampling
        orders = pairs | "Both orders" >> beam.ParDo(BothOrders())
        verdicts, failed, _ = orders | "Judge" >> Generate(self.backend, task, sampling, self.cache_path,
                                                           self.chunk_size, prefix="judge_")
        keyed = (pairs | "Key pairs" >> beam.Map(_pair_of),
                 verdicts | "Key verdicts" >> beam.Map(_verdict_of),
                 failed | "Key failures" >> beam.Map(_failure_of))
        grouped = keyed | "Together" >> beam.Flatten() | "By pair" >> beam.GroupByKey()
        decide = Decide(task, sampling, _model_id(self.backend))
        decided = grouped | "Decide" >> beam.ParDo(decide).with_outputs(REJECTED, COMPARISONS, main="rows")
        return decided.rows, decided[REJECTED], decided[COMPARISONS]


def _model_id(spec: dict) -> str:
    """The name rows give a model, as its backend does: a local folder's name, else the name served."""
    model = spec["model"]
    return Path(model).name if spec["kind"] == "vllm" and Path(model).is_dir() else model


def pipeline_options(runner: str = "DirectRunner", extra: Iterable[str] = ()) -> PipelineOptions:
    """Beam options from a runner name and any further flags (Dataflow, Flink or Spark settings)."""
    return PipelineOptions([f"--runner={runner}", *extra])


def run_synthesis(source: list[dict] | str, backend: dict, task: Task, sampling: Sampling, cache_path: str,
                  out_dir: Path, chunk_size: int = 512, runner: str = "DirectRunner",
                  extra_options: Iterable[str] = (), to_record: ToRecord | None = None) -> dict[str, int]:
    """Generate `task` over records (a list, or JSONL files by glob, streamed) on Beam; rows and rejects
    as JSONL in `out_dir`; returns the counters."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with beam.Pipeline(options=pipeline_options(runner, extra_options)) as p:
        synthesis_graph(p, source, backend, task, sampling, cache_path, out_dir, chunk_size, to_record)
    counters = p.result.metrics().query()["counters"]
    return {c.key.metric.name: c.committed for c in counters if c.key.metric.namespace == NAMESPACE}


def synthesis_graph(p: beam.Pipeline, source: list[dict] | str, backend: dict, task: Task, sampling: Sampling,
                    cache_path: str, out_dir: Path, chunk_size: int = 512,
                    to_record: ToRecord | None = None) -> None:
    """The synthesis pipeline's transforms on `p`: read or create the records, generate, write as JSONL.

    Everything in it is a module-level function or class holding plain data (the backend spec, the
    task, sampling, paths), pickled with Beam's pickler into the pipeline proto; a worker anywhere
    rebuilds its state from that alone (tests/integration/vllm/test_beam_runners.py checks it in a fresh
    process).
    """
    if isinstance(source, str):  # compression by suffix: datatrove's .jsonl.zst caches stream too
        lines = p | "Read" >> beam.io.ReadFromText(source)
        records = lines | "Records" >> beam.Map(to_record or json.loads)
    else:
        records = p | "Records" >> beam.Create(source)
    graph = GRAPHS[task.graph](backend, task, sampling, cache_path, chunk_size)
    outputs = records | f"Synthesize {task.name}" >> graph
    for name, pcoll in zip(graph.outputs, outputs, strict=True):
        (pcoll | f"Encode {name}" >> beam.Map(_dumps)
         | f"Write {name}" >> beam.io.WriteToText(str(out_dir / name), file_name_suffix=".jsonl",
                                                  shard_name_template="-SS-of-NN"))


# Each task's Beam graph, by the name it declares (a transform imports no engine): one generation, or
# responses then their judgements.
GRAPHS: dict[str, type[beam.PTransform]] = {"generate": Generate, "preference_pairs": PreferencePairs,
                                             "pairwise": Pairwise}


def _dumps(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def read_jsonl(folder: Path, name: str) -> list[dict]:
    return list(iter_jsonl(folder, name))


def iter_jsonl(folder: Path, name: str) -> Iterable[dict]:
    """The records of a Beam output's shards, streamed."""
    for path in sorted(folder.glob(f"{name}-*.jsonl")):
        with open(path) as f:
            for line in f:
                yield json.loads(line)
