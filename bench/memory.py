"""Peak memory of `pipelines build` at 1x and 10x the input: flat means it streams.

    python bench/memory.py [--recipe web-quality|web-demo] [--copies 20]

Each build runs as its own `pipelines build` process on the fixture pages copied under distinct
URLs; the peak is the largest resident set of that process or any of its workers
(getrusage(RUSAGE_CHILDREN).ru_maxrss, read in a fresh process per build).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from curation import train_model, write_input  # noqa: E402

BIN = Path(sys.executable).parent
PROBE = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
         "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_rss_mib(recipe: str, copies: int, work: Path, model: Path) -> tuple[int, float]:
    docs = write_input(work / "data", copies)
    cmd = [str(BIN / "pipelines"), "build", recipe, "--out", str(work / "out"),
           "--set", f"input.paths=[{work / 'data'}/*.warc.gz]"]
    if recipe == "web-quality":
        cmd += ["--set", f"stages.quality.model={model}"]
    env = {**os.environ, "PIPELINES_HOME": str(work / "state")}
    out = subprocess.run([sys.executable, "-c", PROBE, *cmd], env=env, capture_output=True,
                         text=True, check=True)
    return docs, int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", choices=["web-demo", "web-quality"], default="web-quality")
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = train_model(Path(tmp) / "model")
        small = peak_rss_mib(args.recipe, args.copies, Path(tmp) / "1x", model)
        large = peak_rss_mib(args.recipe, args.copies * 10, Path(tmp) / "10x", model)
    print(f"{args.recipe}:  1x {small[0]:6d} pages  peak {small[1]:7.1f} MiB")
    print(f"{args.recipe}: 10x {large[0]:6d} pages  peak {large[1]:7.1f} MiB")
    print(f"ratio peak 10x/1x: {large[1] / small[1]:.2f}  (1.00 = flat)")


if __name__ == "__main__":
    main()
