"""Peak memory of `pipelines build` at 1x and 10x the input: flat means it streams.

    python bench/memory.py [--recipe web-quality|web-demo] [--copies 20]
    python bench/memory.py --recipe synthesize [--records 1000] [--model PATH]

Each build runs as its own `pipelines build` process on the fixture pages copied under distinct
URLs; the peak is the largest resident set of that process or any of its workers
(getrusage(RUSAGE_CHILDREN).ru_maxrss, read in a fresh process per build).

`--recipe synthesize` builds a recipe of one synthesize stage (`task: generate`, a schema and a
length check, n=1, max_tokens 16) over --records and 10x --records JSONL prompts on the real vLLM
engine with the tiny model of the tests (or --model). The build runs in the probe's own process
(the CLI called in-process), so the figure is the peak resident set of the process that runs the
Beam pipeline, reads the input, holds the chunks and sorts the rows (getrusage(RUSAGE_SELF));
the engine's own processes (the model and its KV cache, the same at any input size) are reported
apart (RUSAGE_CHILDREN).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


SYNTH_PROBE = ("import resource, sys; sys.argv = ['pipelines', *sys.argv[1:]]; from flows.cli import app\n"
               "try:\n    app()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
               "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
SYNTH_RECIPE = """\
name: synth-memory
input: {{format: jsonl, paths: ["{data}"], text_fields: [question]}}
executor: {{tasks: 1, workers: 1}}
stages:
  - type: synthesize
    task: generate
    config: math
    prompt: "Solve: {{{{ question }}}}"
    schema:
      type: object
      properties:
        answer: {{type: string, enum: ["7", "8"]}}
      required: [answer]
    inputs: [question]
    checks:
      - {{type: length, field: answer, min: 1}}
    model: {model}
    sampling: {{n: 1, seed: 0, max_tokens: 16}}
"""


def synth_peak_mib(records: int, work: Path, model: Path) -> tuple[int, float, float]:
    """The build's own peak RSS and its engine processes' peak, MiB, for `records` prompts."""
    work.mkdir(parents=True)
    data = work / "problems.jsonl"
    with open(data, "w") as f:
        for i in range(records):
            f.write(json.dumps({"id": f"p{i}", "question": f"Problem {i}: what is {i % 7} + {7 - i % 7}?"})
                    + "\n")
    recipe = work / "recipe.yaml"
    recipe.write_text(SYNTH_RECIPE.format(data=data, model=model))
    env = {**os.environ, "PIPELINES_HOME": str(work / "state")}
    cmd = [sys.executable, "-c", SYNTH_PROBE, "build", str(recipe), "--out", str(work / "out")]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    peak = next(line for line in out.stdout.splitlines() if line.startswith("PEAK "))
    own, engine = map(int, peak.split()[1:])
    return records, own / 1024, engine / 1024


def synth_main(records: int, model: str | None) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.tiny_model import build_tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(model) if model else build_tiny_model(Path(tmp) / "tiny-llama")
        small = synth_peak_mib(records, Path(tmp) / "1x", path)
        large = synth_peak_mib(records * 10, Path(tmp) / "10x", path)
    for label, (count, own, engine) in (("1x", small), ("10x", large)):
        print(f"synthesize: {label:>3} {count:6d} prompts  peak {own:7.1f} MiB "
              f"(engine processes {engine:7.1f} MiB)")
    print(f"ratio peak 10x/1x: {large[1] / small[1]:.2f}  (1.00 = flat; {large[1] - small[1]:+.1f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", choices=["web-demo", "web-quality", "synthesize"], default="web-quality")
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--model")
    args = parser.parse_args()
    if args.recipe == "synthesize":
        synth_main(args.records, args.model)
        return
    with tempfile.TemporaryDirectory() as tmp:
        model = train_model(Path(tmp) / "model")
        small = peak_rss_mib(args.recipe, args.copies, Path(tmp) / "1x", model)
        large = peak_rss_mib(args.recipe, args.copies * 10, Path(tmp) / "10x", model)
    print(f"{args.recipe}:  1x {small[0]:6d} pages  peak {small[1]:7.1f} MiB")
    print(f"{args.recipe}: 10x {large[0]:6d} pages  peak {large[1]:7.1f} MiB")
    print(f"ratio peak 10x/1x: {large[1] / small[1]:.2f}  (1.00 = flat)")


if __name__ == "__main__":
    main()
