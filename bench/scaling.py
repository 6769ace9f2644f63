"""How the curation stages scale: documents per second at 1, 2 and 4 workers on the same input, and the
peak memory of one worker at 1x and 10x the input.

    python bench/scaling.py [--copies 100] [--repeats 3] [--memory-copies 10] [--ray]

The stages are web-demo's (WARC read -> trafilatura -> fastText language filter), run as a build runs
them (`run_stage`: datatrove executor, counted reader, stage cache) with a cold cache each time, on the
fixture's pages copied under distinct URLs into 4 files, as 4 tasks. Prefect and the version writer are
left out: they cost the same whatever the workers. With 1 worker datatrove runs the tasks in this
process; with more, in a pool of forked processes. --ray adds the same runs on datatrove's Ray executor
(a one-node Ray cluster started here with 4 CPUs). Memory: the largest VmHWM (peak resident set, read
from /proc while the run goes) of a pool worker plus its extraction sandbox, at 2 workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from curation import TASKS, write_input  # noqa: E402

from pipelines import settings  # noqa: E402

WORKERS = (1, 2, 4)


def run_stages(data: Path, work: Path, workers: int, ray_address: str | None = None) -> dict[str, float]:
    """Seconds each of web-demo's stages takes on `data` with a cold stage cache, and their total."""
    from pipelines.plan import plan_build
    from pipelines.run import run_stage

    os.environ["PIPELINES_HOME"] = str(work / "state")
    overrides = [f"input.paths=[{data}/*.warc.gz]", f"executor.tasks={TASKS}", f"executor.workers={workers}"]
    if ray_address:
        overrides += ["executor.kind=ray", f"executor.ray.address={ray_address}"]
    plan = plan_build("web-demo", overrides, work / "out")
    seconds = {}
    for index, stage in enumerate(plan.stages):
        start = time.perf_counter()
        run_stage(plan, index)
        seconds[stage.name] = time.perf_counter() - start
    return seconds | {"total": sum(seconds.values())}


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)


class WorkerPeaks(threading.Thread):
    """Samples VmHWM (peak RSS) of every process below this one while a run goes."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval, self.done = interval, threading.Event()
        self.peak_kib: dict[int, int] = {}
        self.parent: dict[int, int] = {}
        self.cmdline: dict[int, str] = {}

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.done.wait(self.interval):
            for proc in me.children(recursive=True):
                try:
                    status = _status(proc.pid)
                    self.peak_kib[proc.pid] = max(self.peak_kib.get(proc.pid, 0),
                                                  int(status.get("VmHWM", "0 kB").split()[0]))
                    self.parent[proc.pid] = int(status["PPid"])
                    self.cmdline.setdefault(proc.pid, " ".join(proc.cmdline()))
                except (OSError, KeyError, psutil.Error):
                    pass

    def worker_mib(self) -> float:
        """The largest footprint of one pool worker: its own peak plus its children's (the sandbox)."""
        servers = {pid for pid, cmd in self.cmdline.items() if "forkserver" in cmd}
        workers = [pid for pid, parent in self.parent.items() if parent in servers]
        footprints = [self.peak_kib[w] + sum(kib for pid, kib in self.peak_kib.items()
                                             if self.parent.get(pid) == w) for w in workers]
        return max(footprints) / 1024 if footprints else float("nan")


def peak_worker_mib(data: Path, work: Path, workers: int = 2) -> float:
    sampler = WorkerPeaks()
    sampler.start()
    try:
        run_stages(data, work, workers)
    finally:
        sampler.done.set()
        sampler.join()
    return sampler.worker_mib()


def start_ray(base: Path, cpus: int) -> tuple[subprocess.Popen, str]:
    """A one-node Ray cluster (`ray start --head --block`) with `cpus` CPUs; returns it and its address."""
    import socket

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    port = free_port()
    log = base / "ray.log"
    cmd = [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", f"--num-cpus={cpus}",
           "--node-ip-address=127.0.0.1", f"--port={port}", "--include-dashboard=false",
           f"--dashboard-port={free_port()}", f"--ray-client-server-port={free_port()}",
           f"--dashboard-agent-listen-port={free_port()}", f"--temp-dir={base / 'r'}",
           "--object-store-memory=100000000"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    while "Ray runtime started" not in log.read_text():
        if proc.poll() is not None:
            raise RuntimeError(f"ray start failed: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    return proc, f"127.0.0.1:{port}"


def stop_ray(proc: subprocess.Popen) -> None:
    """The node and all it started (Ray's workers have process groups of their own)."""
    import psutil
    import ray

    ray.shutdown()
    root = psutil.Process(proc.pid)
    procs = [root, *root.children(recursive=True)]
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=30)


def table(rates: dict[tuple[str, int], list[dict[str, float]]]) -> list[str]:
    """docs/s medians per executor and workers, all stages and the extract stage, vs 1 worker."""
    rows = [f"{'executor':<8} {'workers':>7} {'all stages':>11} {'vs 1':>6} {'extract':>9} {'vs 1':>6}"
            "   (all stages, each run)"]
    for name in ("local", "ray"):
        base = None
        for workers in WORKERS:
            runs = rates.get((name, workers))
            if not runs:
                continue
            total = statistics.median(r["total"] for r in runs)
            extract = statistics.median(r["extract"] for r in runs)
            base = base or (total, extract)
            each = ", ".join(f"{r['total']:.0f}" for r in runs)
            rows.append(f"{name:<8} {workers:>7} {total:>11.1f} {total / base[0]:>5.2f}x {extract:>9.1f} "
                        f"{extract / base[1]:>5.2f}x   ({each})")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100, help="copies of the fixture's pages (scaling)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-copies", type=int, default=10, help="copies for the 1x memory run")
    parser.add_argument("--ray", action="store_true", help="also on Ray: a one-node cluster started here")
    args = parser.parse_args()
    settings.configure_environment()
    cores = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="scal-", dir="/tmp") as tmp:
        tmp = Path(tmp)
        docs = write_input(tmp / "data", args.copies)
        run_stages(tmp / "data", tmp / "warmup", 2)  # imports, datatrove's forkserver
        rates: dict[tuple[str, int], list[dict[str, float]]] = {}

        def measure(name: str, address: str | None = None) -> None:
            for i in range(args.repeats):  # interleaved, so drift in machine load hits every setting
                for workers in WORKERS:
                    seconds = run_stages(tmp / "data", tmp / f"{name}-{workers}-{i}", workers, address)
                    rates.setdefault((name, workers), []).append({k: docs / v for k, v in seconds.items()})

        measure("local")
        if args.ray:
            proc, address = start_ray(tmp, cpus=max(WORKERS))
            try:
                run_stages(tmp / "data", tmp / "ray-warmup", 2, address)  # joins, ships the code
                measure("ray", address)
            finally:
                stop_ray(proc)
        small = write_input(tmp / "mem-1x", args.memory_copies)
        large = write_input(tmp / "mem-10x", args.memory_copies * 10)
        memory = [(n, peak_worker_mib(tmp / f"mem-{x}", tmp / f"mem-run-{x}")) for n, x in
                  ((small, "1x"), (large, "10x"))]

    print(f"scaling: web-demo's stages (read, trafilatura, langid) on {docs} pages in {TASKS} files, "
          f"{TASKS} tasks, {args.repeats} runs each, cold stage cache")
    if cores < max(WORKERS):
        print(f"this machine has {cores} CPU cores: more workers than cores cannot scale ({max(WORKERS)} "
              f"workers on {cores} cores are expected to be no faster than {cores})")
    print(f"load average when it started: {load:.1f} (other work on the machine slows every setting)")
    print("documents per second (median); each stage pays a fixed start (its worker pool, its Ray actors),")
    print("so the stages together scale less than the extract stage, which holds most of the work:")
    print("\n".join(table(rates)))
    (n1, m1), (n10, m10) = memory
    print("peak memory of one worker (local, 2 workers; VmHWM of its process + its extraction sandbox,")
    print("the shared pages of the libraries preloaded in datatrove's forkserver counted in each):")
    print(f"   1x {n1:6d} pages: {m1:7.1f} MiB")
    print(f"  10x {n10:6d} pages: {m10:7.1f} MiB")
    print(f"  ratio 10x/1x: {m10 / m1:.2f}  (1.00 = flat: a worker streams its documents)")


if __name__ == "__main__":
    main()
