"""Dedup throughput of our stages / datatrove's dedup run alone on the same input; peak memory at 1x, 10x.

    python bench/dedup.py [--pairs 150] [--repeats 3]

Input: the tests' planted near-duplicate corpus (tests/near_duplicates.py: pairs at seven Jaccard
similarities plus as many unrelated 300-word records), as JSONL, read once into the stage cache.
- dedup_minhash: our stage (datatrove's signatures and buckets, our input-order cluster, datatrove's
  filter, the side table) / datatrove's MinhashDedupSignature -> Buckets -> Cluster -> Filter alone.
- dedup_exact: our stage (the same four passes on a one-bucket content hash) / datatrove's
  ExactDedupSignature -> ExactFindDedups -> ExactDedupFilter alone.
Both sides read the same cached documents with the same tasks and workers and write zstd JSONL.
Speeds are medians of --repeats runs at 1x and 10x; memory is the peak resident set of a whole
`pipelines build` process or any of its workers (getrusage of its children), at 1x and 10x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

TASKS, WORKERS = 4, 2
BIN = Path(sys.executable).parent
PROBE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
         "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def write_case(folder: Path, pairs: int) -> tuple[Path, list[dict]]:
    from near_duplicates import LEVELS, corpus, write_jsonl

    records = corpus(pairs_per_level=pairs, seed=1, singles=pairs * len(LEVELS) * 2)
    write_jsonl(records, folder / "data", files=TASKS)
    recipe = folder / "recipe.yaml"
    recipe.write_text(f"""\
name: bench-dedup
input: {{format: jsonl, paths: ["{folder}/data/*.jsonl"]}}
executor: {{tasks: {TASKS}, workers: {WORKERS}}}
stages:
  - {{type: dedup_exact}}
  - {{type: dedup_minhash}}
""")
    return recipe, records


def time_ours(recipe: Path, state: Path, index: int) -> tuple[float, Path]:
    """Seconds of stage `index` alone, and the cached input it read (what the raw side reads too)."""
    from pipelines.plan import plan_build
    from pipelines.run import run_stage

    os.environ["PIPELINES_HOME"] = str(state)
    plan = plan_build(str(recipe), [], state / "out")
    for i in range(index):
        run_stage(plan, i)
    shutil.rmtree(plan.cache_dir / plan.stages[index].fingerprint, ignore_errors=True)
    started = time.perf_counter()
    run_stage(plan, index)
    return time.perf_counter() - started, plan.cache_dir / plan.stages[index - 1].fingerprint / "data"


def report_recall(records: list[dict], kept_dir: Path, threshold: float) -> None:
    """Planted pairs found, by measured similarity: recall above the threshold, precision of what went."""
    from near_duplicates import measured_jaccard

    from pipelines.engines.datatrove import cache as dt

    kept = {doc.id for stream in dt.iter_cached(kept_dir) for doc in stream}
    jaccard = measured_jaccard(records)
    removed = {r["id"] for r in records} - kept
    found = {pair: f"{pair}-copy" in removed for pair in jaccard}
    for low, high in ((0.0, 0.55), (0.55, 0.65), (0.65, 0.75), (0.75, 0.85), (0.85, 1.0)):
        hits = [found[p] for p, s in jaccard.items() if low <= s < high]
        if hits:
            print(f"    Jaccard {low:.2f}-{high:.2f}: {sum(hits):4d} / {len(hits):4d} pairs found "
                  f"({sum(hits) / len(hits):.1%})")
    true = sum(1 for p, hit in found.items() if hit and jaccard[p] >= threshold)
    above = sum(1 for s in jaccard.values() if s >= threshold)
    print(f"    threshold {threshold:.3f}: recall above it {true / above:.1%}; precision of the removed "
          f"{true / max(1, len(removed)):.1%} ({len(removed)} removed, "
          f"{sum(1 for r in removed if not r.endswith('-copy'))} not a planted copy)")


def time_datatrove(kind: str, cached: Path, work: Path) -> float:
    """Seconds of datatrove's own dedup steps on the same cached documents."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.exact_dedup import (
        ExactDedupConfig,
        ExactDedupFilter,
        ExactDedupSignature,
        ExactFindDedups,
    )
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from transforms.dedup import normalize

    shutil.rmtree(work, ignore_errors=True)

    def read():
        return JsonlReader(str(cached), glob_pattern="*.jsonl.zst", compression="zstd")

    def write():
        return JsonlWriter(str(work / "out"), output_filename="${rank}.jsonl.zst", compression="zstd")

    def content(doc) -> str:
        return normalize(doc.text)

    if kind == "dedup_minhash":
        config = MinhashConfig()
        runs = [
            ([read(), MinhashDedupSignature(str(work / "sigs"), config)], TASKS),
            ([MinhashDedupBuckets(str(work / "sigs"), str(work / "pairs"), config=config)],
             config.num_buckets),
            ([MinhashDedupCluster(str(work / "pairs"), str(work / "remove"), config=config)], 1),
            ([read(), MinhashDedupFilter(str(work / "remove")), write()], TASKS),
        ]
    else:
        config = ExactDedupConfig(content_getter=content)
        runs = [
            ([read(), ExactDedupSignature(str(work / "sigs"), config)], TASKS),
            ([ExactFindDedups(str(work / "sigs"), str(work / "dups"), config)], 1),
            ([read(), ExactDedupFilter(str(work / "dups"), config), write()], TASKS),
        ]
    started = time.perf_counter()
    for i, (steps, tasks) in enumerate(runs):
        LocalPipelineExecutor(steps, tasks=tasks, workers=min(WORKERS, tasks),
                              logging_dir=str(work / f"logs-{i}")).run()
    return time.perf_counter() - started


def _last_fingerprint(recipe: Path, state: Path) -> str:
    from pipelines.plan import plan_build

    return plan_build(str(recipe), [], state / "out").stages[-1].fingerprint


def peak_rss_mib(recipe: Path, state: Path) -> float:
    cmd = [str(BIN / "pipelines"), "build", str(recipe), "--out", str(state / "out")]
    env = {**os.environ, "PIPELINES_HOME": str(state)}
    out = subprocess.run([sys.executable, "-c", PROBE, *cmd], env=env, capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=150, help="planted pairs per similarity level at 1x")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from pipelines import settings

    settings.configure_environment()
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (1, 10):
            case = Path(tmp) / f"{scale}x"
            recipe, records = write_case(case, args.pairs * scale)
            n = len(records)
            for index, kind in ((1, "dedup_exact"), (2, "dedup_minhash")):
                ours, inputs = zip(*(time_ours(recipe, case / "state", index) for _ in range(args.repeats)),
                                   strict=True)
                raw = [time_datatrove(kind, inputs[0], case / "raw") for _ in range(args.repeats)]
                ours_rate, raw_rate = n / statistics.median(ours), n / statistics.median(raw)
                print(f"{scale:2d}x {n:7,d} records  {kind:13s}  ours {ours_rate:8,.0f} rec/s  "
                      f"datatrove alone {raw_rate:8,.0f} rec/s  ratio {ours_rate / raw_rate:.2f}", flush=True)
                if kind == "dedup_minhash" and scale == 1:
                    from pipelines.stages.dedup_minhash import MinhashDedupStage

                    output = inputs[0].parent.parent / _last_fingerprint(recipe, case / "state") / "data"
                    report_recall(records, output, MinhashDedupStage(type="dedup_minhash").threshold)
            peak = peak_rss_mib(recipe, case / "build")
            print(f"{scale:2d}x {n:7,d} records  whole build (exact + minhash) peak RSS {peak:7.1f} MiB",
                  flush=True)


if __name__ == "__main__":
    main()
