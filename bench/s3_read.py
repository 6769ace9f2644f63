"""The read stage on object storage against the same files on local disk: throughput ratio and memory.

    python bench/s3_read.py [--files 4] [--mb 24] [--tasks 2] [--repeats 3]

WARC files (gzip, one response a page, pages of varied text) are written to a local folder and
uploaded to an S3 API on 127.0.0.1 (moto's server, tests/support/s3_server.py). Each repeat runs the read
stage as a build runs it (its datatrove steps, counted, on the local executor: --tasks tasks, as many
workers), once on the local paths and once on the s3:// URLs, alternating which goes first. Printed:
medians of MB/s and records/s, the ratio s3 / local (target >= 0.8), and the peak memory (PSS) of
the stage's worker processes against the size of one file: reading streams each object by ranged
requests (s3fs's read-ahead blocks), so the peak stays put however large the files are.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support.s3_server import S3Server  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

WORDS = ("river silt hills spring farmers banks plant water fallen usual bed maps valley mills family "
         "flour bakeries market town bridge visitors towpath morning herons shallows careless fish "
         "surface weather harvest stone road church school winter summer field orchard").split()


def page(rng: random.Random, i: int) -> bytes:
    """An article of a few hundred words drawn at random: compresses about as web text does."""
    paragraphs = "".join("<p>" + " ".join(rng.choices(WORDS, k=rng.randint(40, 120))) + ".</p>"
                         for _ in range(rng.randint(3, 8)))
    return (f"<html><head><title>story {i}</title></head><body><article><h1>story {i}</h1>{paragraphs}"
            "</article></body></html>").encode()


def write_warcs(folder: Path, files: int, mb: int) -> list[Path]:
    """`files` gzip WARC files of about `mb` MB each."""
    rng = random.Random(0)
    folder.mkdir(parents=True)
    paths = []
    for k in range(files):
        path = folder / f"crawl-{k:05d}.warc.gz"
        with open(path, "wb") as f:
            writer = WARCWriter(f, gzip=True)
            i = 0
            while f.tell() < mb * 2**20:
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                        protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    f"https://site{k}.example/{i}", "response", payload=io.BytesIO(page(rng, i)),
                    http_headers=http))
                i += 1
        paths.append(path)
    return paths


class PeakMemory:
    """The peak summed PSS (resident memory, pages shared by forked workers split between them) of this
    process's children but `exclude` (the S3 server), sampled."""

    def __init__(self, exclude: int):
        self.exclude, self.peak, self._stop = exclude, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = 0
            for child in me.children(recursive=True):
                try:
                    if child.pid != self.exclude and self.exclude not in [p.pid for p in child.parents()]:
                        total = total + child.memory_full_info().pss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)


def read_stage(paths: list[str], tasks: int, work: Path, server_pid: int) -> tuple[float, int, int]:
    """(seconds, records read, peak workers' PSS) of one read stage over `paths`."""
    from pipelines.engines.datatrove.cache import Tally
    from pipelines.engines.datatrove.run import run_pipeline
    from pipelines.stages.read import InputSpec, ReadStage

    work.mkdir(parents=True)
    stage = ReadStage(input=InputSpec(paths=paths, format="warc"), inputs=paths)
    steps = [*stage.steps(work), Tally(False)]
    started = time.perf_counter()
    with PeakMemory(server_pid) as memory:  # run as a build runs a stage: our executor, its forkserver
        stats = run_pipeline(steps, work / "logs", tasks, SimpleNamespace(kind="local", workers=tasks))
    seconds = time.perf_counter() - started
    return seconds, int(stats[-1].get("total", 0)), memory.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--mb", type=int, default=24, help="size of each WARC file")
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("LOGURU_LEVEL", "WARNING")
    base = Path(tempfile.mkdtemp(prefix="s3-read-"))
    local = write_warcs(base / "crawl", args.files, args.mb)
    size = sum(p.stat().st_size for p in local)
    server = S3Server()
    try:
        os.environ.update(server.env)  # the workers reach the server as any endpoint: the standard variables
        server.upload(base / "crawl", "bench", "crawl")
        remote = [f"s3://bench/crawl/{p.name}" for p in local]
        runs: dict[str, list[tuple[float, int, int]]] = {"local": [], "s3": []}
        for side in ("s3", "local"):  # warm-up, not counted: the forkserver, the page cache, the server
            paths = [str(p) for p in local] if side == "local" else remote
            read_stage(paths, args.tasks, base / f"warm-up-{side}", server.process.pid)
        for repeat in range(args.repeats):
            order = ["local", "s3"] if repeat % 2 == 0 else ["s3", "local"]
            for side in order:
                paths = [str(p) for p in local] if side == "local" else remote
                work = base / f"run-{repeat}-{side}"
                runs[side].append(read_stage(paths, args.tasks, work, server.process.pid))
                seconds, records, peak = runs[side][-1]
                print(f"repeat {repeat} {side:5s}: {seconds:6.2f} s, {records} records, "
                      f"{size / 2**20 / seconds:6.1f} MB/s, peak workers' PSS {peak / 2**20:.0f} MB",
                      flush=True)
    finally:
        server.stop()

    def median(side: str, k: int) -> float:
        return statistics.median(r[k] for r in runs[side])

    records = runs["local"][0][1]
    assert all(r[1] == records for side in runs for r in runs[side]), "both sides read the same records"
    print(f"\n{args.files} files x {args.mb} MB ({size / 2**20:.0f} MB gzip, {records:,} records), "
          f"{args.tasks} tasks, median of {args.repeats}:")
    print("| source | MB/s | records/s | peak workers' PSS |")
    print("|---|---:|---:|---:|")
    for side in ("local", "s3"):
        seconds = median(side, 0)
        print(f"| {side} | {size / 2**20 / seconds:.1f} | {records / seconds:,.0f} | "
              f"{median(side, 2) / 2**20:.0f} MB |")
    print(f"ratio s3 / local: {median('local', 0) / median('s3', 0):.2f} (target >= 0.8); "
          f"one file is {args.mb} MB")


if __name__ == "__main__":
    main()
