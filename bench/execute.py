"""Sandboxed runs per second against bare `subprocess.run` of the same program, in the same run.

    python bench/execute.py [--runs 40] [--repeats 5]

Two programs: a trivial one (one assignment, one assert) and a typical test file (a small function and
10 asserts, as MBPP or HumanEval rows are). Bare: `subprocess.run([python, -S, -B, -c, code + tests])`
with the same interpreter the sandbox runs (its exit status is the verdict). Sandboxed: `Sandbox.run` (a
bubblewrap sandbox with new namespaces, rlimits through prlimit, the harness counting every test). Both
one run at a time (bare and sandboxed alternating run by run; runs/s from a round's median latency),
then both with as many at once as there are cores (a thread pool of bare runs against
transforms.sandbox.Pool, whole rounds interleaved). Medians of --repeats rounds.
Also: the start-up of an empty bubblewrap sandbox against util-linux `unshare` with the same namespaces.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transforms.sandbox import Pool, Program, Sandbox  # noqa: E402

TRIVIAL = Program("x = 1\n", "assert x == 1\n")
TYPICAL = Program('''\
def longest_run(values):
    """The length of the longest run of equal neighbours."""
    best = run = 0
    previous = object()
    for value in values:
        run = run + 1 if value == previous else 1
        best = max(best, run)
        previous = value
    return best
''', "\n".join([
    "assert longest_run([]) == 0", "assert longest_run([1]) == 1", "assert longest_run([1, 1]) == 2",
    "assert longest_run([1, 2, 2, 3]) == 2", "assert longest_run('aaabba') == 3",
    "assert longest_run([0] * 50) == 50", "assert longest_run([1, 2, 1, 2]) == 1",
    "assert longest_run([None, None]) == 2", "assert longest_run(range(10)) == 1",
    "assert longest_run([3, 3, 3, 1, 1, 1, 1]) == 4"]) + "\n")


def bare(python: str, program: Program) -> None:
    done = subprocess.run([python, "-S", "-B", "-c", program.code + "\n" + program.tests],
                          capture_output=True, env={})
    assert done.returncode == 0, done.stderr


def latencies(calls: list, runs: int) -> list[list[float]]:
    """Seconds of each call, `runs` times, the calls alternating (load on a shared machine hits all alike)."""
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for call, spent in zip(calls, times, strict=True):
            started = time.perf_counter()
            call()
            spent.append(time.perf_counter() - started)
    return times


def throughput(call, runs: int, workers: int) -> float:
    """Runs per second of `call()` done `runs` times, `workers` at once."""
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as threads:
        list(threads.map(lambda _: call(), range(runs)))
    return runs / (time.perf_counter() - started)


def startup(runs: int) -> dict[str, float]:
    """Milliseconds to start and end an empty sandbox (`true`): bubblewrap against `unshare`."""
    spellings = {
        "bwrap": ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/usr",
                  "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink",
                  "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--",
                  "/usr/bin/true"],
        "unshare": ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--mount", "--ipc",
                    "--uts", "--mount-proc", "/usr/bin/true"],
        "bare": ["/usr/bin/true"],
    }
    times: dict[str, list[float]] = {k: [] for k in spellings}
    for _ in range(runs):
        for name, argv in spellings.items():
            started = time.perf_counter()
            subprocess.run(argv, check=True, env={})
            times[name].append((time.perf_counter() - started) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="runs per measurement")
    parser.add_argument("--repeats", type=int, default=5, help="rounds; medians are quoted")
    args = parser.parse_args()
    sandbox = Sandbox().ready()
    python, cores = sandbox.runtime.path, os.cpu_count() or 1
    print(f"runtime: {sandbox.runtime.describe()}; {cores} cores; load {os.getloadavg()[0]:.1f}")
    print("start-up of an empty sandbox, median ms:",
          ", ".join(f"{k} {v:.1f}" for k, v in startup(args.runs).items()))
    for program in (TRIVIAL, TYPICAL):
        assert sandbox.run(program).passed
    for name, program in (("trivial", TRIVIAL), ("typical", TYPICAL)):
        bare_rates, ours = [], []
        for _ in range(args.repeats):  # one at a time: runs/s from the median latency of a round
            b, o = latencies([lambda p=program: bare(python, p), lambda p=program: sandbox.run(p)], args.runs)
            bare_rates.append(1 / statistics.median(b))
            ours.append(1 / statistics.median(o))
        report(name, 1, bare_rates, ours)
    with Pool(sandbox, cores) as pool:
        for name, program in (("trivial", TRIVIAL), ("typical", TYPICAL)):
            bare_rates, ours = [], []
            for _ in range(args.repeats):  # `cores` at once: runs/s of a whole round
                bare_rates.append(throughput(lambda p=program: bare(python, p), args.runs, cores))
                started = time.perf_counter()
                results = pool.run([program] * args.runs)
                ours.append(args.runs / (time.perf_counter() - started))
                assert all(r.passed for r in results)
            report(name, cores, bare_rates, ours)


def report(name: str, workers: int, bare_rates: list[float], ours: list[float]) -> None:
    b, o = statistics.median(bare_rates), statistics.median(ours)
    rounds = "; ".join(f"{side} " + ", ".join(f"{x:.1f}" for x in xs)
                       for side, xs in (("bare", bare_rates), ("sandboxed", ours)))
    print(f"{name:8} {workers} at once: bare {b:6.1f} runs/s, sandboxed {o:6.1f} runs/s, ratio {o / b:.2f}  "
          f"({rounds})")


if __name__ == "__main__":
    main()
