"""Sandboxed runs per second against bare `subprocess.run` of the same program, in the same run.

    python bench/execute.py [--runs 40] [--repeats 5] [--ahead N]

Two programs: a trivial one (one assignment, one assert) and a typical test file (a small function and
10 asserts, as MBPP or HumanEval rows are). Bare: `subprocess.run([python, -S, -B, -c, code + tests])`
with the same interpreter the sandbox runs (its exit status is the verdict). Sandboxed: `Sandbox.run` (a
new bubblewrap sandbox per run with new namespaces, rlimits set by the harness, the harness counting every
test; each thread's next sandboxes started while a run goes on: Sandbox's default, or --ahead N, 0 for
none). One at a time: a block of --runs bare runs back to back against a block of sandboxed ones, which
goes first alternating by round; runs/s over the whole block, so every sandbox started ahead is paid for
inside it (the sandboxed block starts with none). Then as many at once as there are cores: a thread pool
of bare runs against a fresh transforms.sandbox.Pool, whole rounds alternating. Medians of --repeats
rounds. Also: the start-up of an empty bubblewrap sandbox against util-linux `unshare` with the same
namespaces.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def block(call, runs: int, end=None) -> tuple[float, float, float]:
    """`call()` done `runs` times back to back, then `end()`: runs per second over the whole block (every
    start-up it caused, before or during a run, inside it), the median seconds one call waited and the CPU
    seconds a run took (see cpu_seconds)."""
    waited = []
    cpu, started = cpu_seconds(), time.perf_counter()
    for _ in range(runs):
        begun = time.perf_counter()
        call()
        waited.append(time.perf_counter() - begun)
    if end is not None:
        end()
    elapsed = time.perf_counter() - started
    return runs / elapsed, statistics.median(waited), (cpu_seconds() - cpu) / runs


def cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has reaped: the bare runs; root's sandboxes
    through their launchers, which reap every process of theirs and are reaped when the sandbox is closed.
    (Not root: bubblewrap's init and the program are reaped by the system's init, and not counted.)"""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


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
    parser.add_argument("--ahead", type=int, default=None,
                        help="sandboxes started ahead per thread (Sandbox(ahead=n)); 0: each run its own")
    args = parser.parse_args()
    sandbox = Sandbox() if args.ahead is None else Sandbox(ahead=args.ahead)
    sandbox.ready()
    python, cores = sandbox.runtime.path, os.cpu_count() or 1
    print(f"runtime: {sandbox.runtime.describe()}; {cores} cores; load {os.getloadavg()[0]:.1f}; "
          f"{sandbox.ahead} sandbox(es) started ahead per thread")
    print("start-up of an empty sandbox, median ms:",
          ", ".join(f"{k} {v:.1f}" for k, v in startup(args.runs).items()))
    for program in (TRIVIAL, TYPICAL):
        assert sandbox.run(program).passed
    for name, program in (("trivial", TRIVIAL), ("typical", TYPICAL)):
        bare_rates, ours, waits, cpus = [], [], [], []
        for i in range(args.repeats):  # one at a time: a block of each, which goes first alternating
            (b, b_wait, b_cpu), (o, o_wait, o_cpu) = in_turn(
                lambda p=program: block(lambda: bare(python, p), args.runs),
                lambda p=program: ours_block(sandbox, p, args.runs), i)
            bare_rates.append(b)
            ours.append(o)
            waits.append((b_wait, o_wait))
            cpus.append((b_cpu, o_cpu))
        report(name, 1, bare_rates, ours)
        print(f"{'':8}   one run waited (median of the rounds' medians): bare "
              f"{statistics.median(w[0] for w in waits) * 1000:.1f} ms, sandboxed "
              f"{statistics.median(w[1] for w in waits) * 1000:.1f} ms; CPU a run: bare "
              f"{statistics.median(c[0] for c in cpus) * 1000:.1f} ms, sandboxed "
              f"{statistics.median(c[1] for c in cpus) * 1000:.1f} ms"
              f"{'' if os.geteuid() == 0 else ' (not root: not all counted)'}")
    for name, program in (("trivial", TRIVIAL), ("typical", TYPICAL)):
        bare_rates, ours = [], []
        for i in range(args.repeats):  # `cores` at once: runs/s of a whole round, which first alternating
            b, o = in_turn(lambda p=program: throughput(lambda: bare(python, p), args.runs, cores),
                           lambda p=program: ours_pool(sandbox, p, args.runs, cores), i)
            bare_rates.append(b)
            ours.append(o)
        report(name, cores, bare_rates, ours)
    sandbox.close()
    print(f"load at the end {os.getloadavg()[0]:.1f}")


def in_turn(bare_side, our_side, i: int) -> tuple:
    """Both sides measured, bare first in even rounds and ours first in odd ones: (bare's, ours)."""
    if i % 2 == 0:
        return bare_side(), our_side()
    ours = our_side()
    return bare_side(), ours


def ours_block(sandbox: Sandbox, program: Program, runs: int) -> tuple[float, float, float]:
    """A block of sandboxed runs one at a time, the first from a cold start (no sandbox started ahead),
    ended by closing the sandboxes started ahead for runs that do not come (their time counts)."""
    sandbox.close()

    def call() -> None:
        assert sandbox.run(program).passed

    return block(call, runs, sandbox.close)


def ours_pool(sandbox: Sandbox, program: Program, runs: int, workers: int) -> float:
    """Runs per second of a fresh pool (none started ahead yet) doing `runs` runs, `workers` at once."""
    sandbox.close()
    started = time.perf_counter()
    with Pool(sandbox, workers) as pool:
        results = pool.run([program] * runs)
    assert all(r.passed for r in results)
    return runs / (time.perf_counter() - started)


def report(name: str, workers: int, bare_rates: list[float], ours: list[float]) -> None:
    b, o = statistics.median(bare_rates), statistics.median(ours)
    rounds = "; ".join(f"{side} " + ", ".join(f"{x:.1f}" for x in xs)
                       for side, xs in (("bare", bare_rates), ("sandboxed", ours)))
    print(f"{name:8} {workers} at once: bare {b:6.1f} runs/s, sandboxed {o:6.1f} runs/s, ratio {o / b:.2f}  "
          f"({rounds})")


if __name__ == "__main__":
    main()
