"""Dedup throughput of our stages / datatrove's dedup run alone on the same input; peak memory at 1x, 10x.
With --against: a 10% increment deduplicated against a 10x reference through the reference version's index,
against the same records deduplicated from scratch, and against the increment alone.

    python bench/dedup.py [--pairs 150] [--repeats 3]
    python bench/dedup.py --against [--unit 2000] [--repeats 3]

Input: the tests' planted near-duplicate corpus (tests/support/near_duplicates.py: pairs at seven Jaccard
similarities plus as many unrelated 300-word records), as JSONL, read once into the stage cache.
- dedup_minhash: our stage (datatrove's signatures and buckets, our input-order cluster, datatrove's
  filter, the side table) / datatrove's MinhashDedupSignature -> Buckets -> Cluster -> Filter alone.
- dedup_exact: our stage (the same four passes on a one-bucket content hash) / datatrove's
  ExactDedupSignature -> ExactFindDedups -> ExactDedupFilter alone.
Both sides read the same cached documents with the same tasks and workers and write zstd JSONL.
Speeds are medians of --repeats runs at 1x and 10x; memory is the peak resident set of a whole
`pipelines build` process or any of its workers (getrusage of its children), at 1x and 10x.

--against: a reference of 10 x --unit records (planted bases at Jaccard 0.8 and 0.9, and unrelated ones)
built once as a version with its dedup_minhash index; an increment of --unit records (a copy of each
planted base, and new records). Each run is the dedup_minhash stage alone in a process of its own (its
input already cached), timed, with the peak resident set of that process and its workers together:
- against: the increment, `against:` the reference version (its index read, its records not signed);
- scratch: the reference and the increment deduplicated together in one build;
- increment alone: the increment deduplicated within itself.
Recall is the share of planted copies removed, by level: across the boundary (against) and within one
build (scratch).
"""

from __future__ import annotations

import argparse
import json
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
    from support.near_duplicates import LEVELS, corpus, write_jsonl

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
    from support.near_duplicates import measured_jaccard

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


AGAINST_LEVELS = (0.8, 0.9)


class TreePeak:
    """The largest resident set of this process and its descendants (the executor's workers) together, and
    the CPU seconds they used, sampled every 20 ms while the block runs (CPU time is what other work on
    a shared machine disturbs least)."""

    def __enter__(self) -> TreePeak:
        import threading

        self.peak, self.done, self.cpu = 0, threading.Event(), {}
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()

    @property
    def cpu_seconds(self) -> float:
        return sum(after - before for before, after in self.cpu.values())

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.done.wait(0.02):
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                    used = proc.cpu_times()
                except psutil.Error:  # a worker that ended meanwhile
                    continue
                # From the first sample of a process on (this one's imports before the block are not counted).
                first = self.cpu.get(proc.pid, (used.user + used.system,))[0]
                self.cpu[proc.pid] = (first if proc.pid == me.pid else 0.0, used.user + used.system)
            self.peak = max(self.peak, total)


def write_against_case(folder: Path, unit: int) -> dict[str, Path]:
    """The reference (10 units) and the increment (1 unit) as JSONL, and the recipes of the four runs."""
    from support.near_duplicates import corpus, write_jsonl

    records = corpus(pairs_per_level=unit // 10, seed=2, singles=11 * unit)
    planted = [r for r in records if r.get("target") in AGAINST_LEVELS]
    bases, copies = planted[0::2], planted[1::2]
    singles = [r for r in records if "pair" not in r]
    cut = 10 * unit - len(bases)
    write_jsonl(bases + singles[:cut], folder / "a-reference", files=TASKS)  # sorted first: read first
    write_jsonl(copies + singles[cut:cut + unit - len(copies)], folder / "b-increment", files=TASKS)
    recipes = {}
    for name, paths, against in (
            ("reference", ["a-reference"], ""), ("scratch", ["a-reference", "b-increment"], ""),
            ("increment", ["b-increment"], ""),
            ("against", ["b-increment"], f", against: [{{dataset: bench-reference, out: {folder}/store}}]")):
        globs = ", ".join(f'"{folder}/{p}/*.jsonl"' for p in paths)
        recipes[name] = folder / f"{name}.yaml"
        recipes[name].write_text(f"""\
name: bench-{name}
input: {{format: jsonl, paths: [{globs}]}}
executor: {{tasks: {TASKS}, workers: {WORKERS}}}
stages:
  - {{type: dedup_minhash{against}}}
""")
    return recipes


def build_version(recipe: Path, state: Path, out: Path) -> None:
    """A version of the recipe in the store, with its index (the flow's steps, without Prefect)."""
    from datetime import UTC, datetime

    from pipelines.plan import plan_build
    from pipelines.run import run_group
    from pipelines.version import write_version

    os.environ["PIPELINES_HOME"] = str(state)
    plan = plan_build(str(recipe), [], out)
    results = [result for group in plan.groups() for result in run_group(plan, group)]
    with plan.store.lock():
        write_version(plan, results, datetime.now(UTC))


def run_stage_alone(recipe: str, state: str) -> None:
    """(In a process of its own) the recipe's dedup stage on its cached input; prints its seconds."""
    from pipelines.plan import plan_build
    from pipelines.run import run_stage

    os.environ["PIPELINES_HOME"] = state
    plan = plan_build(recipe, [], Path(state) / "out")
    run_stage(plan, 0)
    shutil.rmtree(plan.cache_dir / plan.stages[1].fingerprint, ignore_errors=True)
    with TreePeak() as memory:
        started = time.perf_counter()
        run_stage(plan, 1)
        seconds = time.perf_counter() - started
    print(f"{seconds:.3f} {memory.cpu_seconds:.3f} {memory.peak / 2**20:.1f}")


def timed_stage(recipe: Path, state: Path) -> tuple[float, float, float]:
    """The dedup stage's seconds, CPU seconds and peak resident set (MiB) of its process and workers."""
    cmd = [sys.executable, __file__, "--run-stage", str(recipe), str(state)]
    seconds, cpu, mib = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()[-3:]
    return float(seconds), float(cpu), float(mib)


def removed_copies(recipe: Path, state: Path, copies: list[str]) -> dict[float, tuple[int, int]]:
    """Per planted level, the copies the stage's last run removed, of how many."""
    from pipelines.engines.datatrove import cache as dt
    from pipelines.plan import plan_build

    os.environ["PIPELINES_HOME"] = str(state)
    plan = plan_build(str(recipe), [], state / "out")
    kept = {doc.id for stream in dt.iter_cached(plan.made(1) / "data") for doc in stream}
    return {level: (sum(1 for c in copies if c.startswith(f"{level}-") and c not in kept),
                    sum(1 for c in copies if c.startswith(f"{level}-"))) for level in AGAINST_LEVELS}


def measure_against(folder: Path, unit: int, repeats: int) -> None:
    recipes = write_against_case(folder, unit)
    started = time.perf_counter()
    build_version(recipes["reference"], folder / "reference-state", folder / "store")
    print(f"reference {10 * unit:,} records built with its index in {time.perf_counter() - started:.1f} s",
          flush=True)
    runs: dict[str, list[tuple[float, float, float]]] = {n: [] for n in ("against", "scratch", "increment")}
    for _ in range(repeats):  # interleaved: the machine's load falls on every kind alike
        for name in runs:
            runs[name].append(timed_stage(recipes[name], folder / f"{name}-state"))
            wall, cpu, rss = runs[name][-1]
            print(f"  {name:9s} {wall:7.2f} s  {cpu:7.2f} CPU s  {rss:7.1f} MiB", flush=True)
    median = {name: [statistics.median(run[k] for run in r) for k in range(3)] for name, r in runs.items()}
    for name, size in (("against", unit), ("scratch", 11 * unit), ("increment", unit)):
        wall, cpu, rss = median[name]
        print(f"{name:9s} {size:7,d} records signed  dedup_minhash {wall:7.2f} s  {cpu:7.2f} CPU s  "
              f"peak RSS {rss:7.1f} MiB", flush=True)
    for other in ("increment", "scratch"):
        ratios = [median["against"][k] / median[other][k] for k in range(3)]
        print(f"against / {other}: time {ratios[0]:.2f}, CPU time {ratios[1]:.2f}, memory {ratios[2]:.2f}")
    copies = [json.loads(line)["id"] for path in sorted((folder / "b-increment").glob("*.jsonl"))
              for line in open(path) if "-copy" in line]
    across = removed_copies(recipes["against"], folder / "against-state", copies)
    within = removed_copies(recipes["scratch"], folder / "scratch-state", copies)
    for level in AGAINST_LEVELS:
        (a, n), (w, _) = across[level], within[level]
        print(f"planted copies at Jaccard {level}: removed across the boundary {a}/{n} ({a / n:.1%}), "
              f"within one build {w}/{n} ({w / n:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=150, help="planted pairs per similarity level at 1x")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--against", action="store_true", help="an increment against a reference's index")
    parser.add_argument("--unit", type=int, default=2000, help="--against: records in the increment")
    parser.add_argument("--run-stage", nargs=2, metavar=("RECIPE", "STATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    from pipelines import settings

    if args.run_stage:
        os.environ["PIPELINES_HOME"] = args.run_stage[1]
        settings.configure_environment()
        run_stage_alone(*args.run_stage)
        return
    settings.configure_environment()
    if args.against:
        with tempfile.TemporaryDirectory() as tmp:
            measure_against(Path(tmp), args.unit, args.repeats)
        return
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
