"""Throughput of our synthesis stage / raw `vllm.LLM.generate`, same prompts, same SamplingParams (structured
outputs included), same engine, same run; and the generation cache's look-up overhead per record.

    python bench/synth.py [--task generate|doc_qa] [--model PATH] [--records 1024] [--n 4] [--chunk 512]
                          [--max-tokens 128] [--repeats 3] [--engine executor|beam] [--tasks N]

Without --model the tiny random Llama of the tests is built locally (fast, meaningless but schema-valid
text): the speed of the stage around the engine is what is measured. --model takes SmolLM2 or another.

The default task is a recipe's own `task: generate` definition: a system and a prompt template, an output
schema (a solution and an answer) sent as structured outputs, three checks (answer_match against the
record's reference, a length and a regex), `select: verified`, n samples per prompt. `--task doc_qa` is
the built-in grounded-QA task over the sample pages (n as given). The records are a JSONL file read the
way the synthesize stage reads its input (ReadFromText, the task's fields).

`--engine` chooses how ours runs: `executor` (the default of a recipe: the stage's task step on the local
executor, in this process) or `beam` (the DirectRunner). `--tasks N` (N > 1) measures the multi-task mode:
N tasks of the stage on the local executor (N processes, one engine each, the records sharded by the stage's
own stable key) against N raw processes that each `LLM.generate` the same shard, both timed whole (engine
start-up included, the same on both sides), same run.

Both sides send the same rendered prompts with the identical SamplingParams (the backend's own
`sampling_params(sampling, schema)`, so the same guided-decoding request) to one engine: ours through
Beam (read, BatchElements chunks, prompt-length checks, cache look-ups and writes, parsing, schema
validation, checks, selection, JSONL out) with an empty cache each time, raw as one `llm.generate` call
per chunk. The two alternate which goes first in each repeat. Then ours again on the full cache:
(time - nothing) / records is the look-up overhead per record. Medians of --repeats.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# A recipe's own task, as `task: generate` in a synthesize stage says it
# (tests/integration/vllm/test_synth_generate.py).
GENERATE = {
    "name": "math",
    "system": "You are a careful {{ subject }} tutor.",
    "prompt": "Solve, then give the final answer: {{ question }}",
    "schema": {
        "type": "object",
        "properties": {
            "solution": {"type": "string", "minLength": 1, "maxLength": 60},
            "answer": {"type": "string", "enum": ["7", "8"]},
        },
        "required": ["solution", "answer"],
        "additionalProperties": False,
    },
    "inputs": ["question", "reference"],
    "options": {"subject": "arithmetic"},
    "checks": [
        {"type": "answer_match", "field": "answer", "reference": "reference"},
        {"type": "length", "field": "solution", "unit": "words", "min": 2, "name": "too_short"},
        {"type": "regex", "field": "solution", "pattern": "[A-Za-z]", "name": "no_words"},
    ],
}
PROBLEMS = [("Tom has 3 apples and buys 4 more. How many apples?", 7), ("What is 4 + 4?", 8),
            ("A week has how many days?", 7), ("How many colours has a rainbow?", 7),
            ("What is 14 / 2?", 7), ("What is 3 + 4?", 7)]


def make_task(name: str):
    from transforms.synth.select import Selection
    from transforms.synth.task import definition_from
    from transforms.synth.tasks import build_task, load_task

    if name == "doc_qa":
        return load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 600})
    return build_task(definition_from(GENERATE), selection=Selection("verified"))


def make_records(name: str, count: int) -> list[dict]:
    """Distinct prompts: each record's text is numbered (ours generates each distinct prompt once)."""
    if name == "doc_qa":
        from support.pages import load_pages

        texts = [p["main_text"] for p in load_pages("sample")]
        return [{"id": f"r{i}", "text": f"Note {i}. {texts[i % len(texts)]}"} for i in range(count)]
    return [{"id": f"p{i}", "question": f"Problem {i}. {q}", "reference": f"So.\n#### {a}"}
            for i, (q, a) in enumerate(PROBLEMS[i % len(PROBLEMS)] for i in range(count))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--task", choices=["generate", "doc_qa"], default="generate")
    parser.add_argument("--model")
    parser.add_argument("--records", type=int, default=1024)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=512)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engine", choices=["executor", "beam"], default="executor")
    parser.add_argument("--tasks", type=int, default=1)
    args = parser.parse_args()
    if args.tasks > 1:
        return multi_task(args)

    from support.tiny_model import build_tiny_model

    from pipelines.engines.backends import shared_backend
    from pipelines.engines.beam import iter_jsonl, run_synthesis
    from transforms.synth.prompts import ToRecord
    from transforms.synth.sampling import Sampling

    tmp = Path(tempfile.mkdtemp())
    model = args.model or str(build_tiny_model(tmp / "tiny-llama"))
    spec = {"kind": "vllm", "model": model, "max_model_len": 2048}
    backend = shared_backend(spec)
    task = make_task(args.task)
    sampling = Sampling(n=args.n, seed=0, max_tokens=args.max_tokens, temperature=args.temperature)
    records = make_records(args.task, args.records)
    source = tmp / "records.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    to_record = ToRecord({}, tuple(dict.fromkeys(("text", *task.inputs))) if args.task == "doc_qa"
                         else task.inputs)
    prompts = [backend.render(task.messages(r)) for r in records]
    assert len(set(prompts)) == len(prompts)
    params = backend.sampling_params(sampling, task.schema)  # the one ours sends: same structured outputs
    backend.llm.generate(prompts[:8], params, use_tqdm=False)  # warm-up, both sides

    def raw() -> tuple[float, int, int]:
        started, tokens, completions = time.perf_counter(), 0, 0
        for start in range(0, len(prompts), args.chunk):
            outputs = backend.llm.generate(prompts[start : start + args.chunk], params, use_tqdm=False)
            tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
            completions += sum(len(o.outputs) for o in outputs)
        return time.perf_counter() - started, tokens, completions

    def ours(cache: Path, out: Path) -> tuple[float, dict]:
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        if args.engine == "beam":
            counts = run_synthesis(str(source), spec, task, sampling, str(cache), out, chunk_size=args.chunk,
                                   to_record=to_record)
        else:
            counts = on_executor(source, spec, task, sampling, cache, out, args.chunk, 1, to_record)
        return time.perf_counter() - started, counts

    def generated_tokens(cache: Path) -> int:
        with sqlite3.connect(cache) as db:
            return db.execute("SELECT SUM(tokens) FROM completions").fetchone()[0]

    raw_runs, our_runs, raw_done, our_done, cached_runs, reasons = [], [], [], [], [], {}
    for i in range(args.repeats):
        cache, out = tmp / f"cache-{i}.db", tmp / "out"
        sides = ["raw", "ours"] if i % 2 == 0 else ["ours", "raw"]
        for side in sides:
            if side == "raw":
                seconds, tokens, completions = raw()
                raw_runs.append(tokens / seconds)
                raw_done.append(completions / seconds)
                continue
            seconds, counts = ours(cache, out)
            samples = sum(1 for _ in iter_jsonl(out, "rows")) + sum(1 for _ in iter_jsonl(out, "rejected"))
            assert samples == len(records) * sampling.n, (samples, counts)
            assert counts.get("generated_prompts") == len(records), counts
            our_runs.append(generated_tokens(cache) / seconds)
            our_done.append(len(records) * sampling.n / seconds)
            reasons = {k: v for k, v in counts.items() if k.startswith("rejected_") or k == "rows"}
        cached_runs.append(ours(cache, out)[0])
    raw_rate, our_rate = statistics.median(raw_runs), statistics.median(our_runs)
    raw_per, our_per = statistics.median(raw_done), statistics.median(our_done)
    checks = ", ".join(c.reason for c in task.checks) or "none"
    print(
        f"model {Path(model).name}, task {task.name} (schema as structured outputs; checks: {checks}; "
        f"select {task.selection.mode}): {len(records)} prompts x n={sampling.n}, chunks of {args.chunk}, "
        f"max_tokens {args.max_tokens}, medians of {args.repeats}"
    )
    print(f"  samples: {dict(sorted(reasons.items()))}")
    print(f"  raw LLM.generate          {raw_rate:8,.0f} tokens/s  {raw_per:7,.1f} completions/s")
    print(f"  ours ({args.engine:8}, cache, parse) {our_rate:8,.0f} tokens/s  {our_per:7,.1f} completions/s")
    print(f"  ratio ours/raw            {our_rate / raw_rate:8.3f} (tokens)   "
          f"{our_per / raw_per:7.3f} (completions)")
    print(f"  runs raw   {', '.join(f'{r:,.0f}' for r in raw_runs)} tokens/s")
    print(f"  runs ours  {', '.join(f'{r:,.0f}' for r in our_runs)} tokens/s")
    cached = statistics.median(cached_runs)
    print(
        f"  fully cached rerun        {cached:8.2f} s  = {cached / len(records) * 1e3:.2f} ms per record "
        "(Beam start, look-up, parse, write)"
    )
    shutil.rmtree(tmp, ignore_errors=True)


def on_executor(source: Path, spec: dict, task, sampling, cache: Path, out: Path, chunk: int, tasks: int,
                to_record) -> dict:
    """The synthesize stage's task step on the local executor: `tasks` processes (1: this process)."""
    from pipelines.engines.datatrove.generate import GenerateTasks
    from pipelines.engines.datatrove.run import run_pipeline
    from pipelines.recipe import ExecutorSpec

    step = GenerateTasks([str(source)], str(out), spec, task, sampling, str(cache), chunk, to_record)
    stats = run_pipeline([step], out.with_name(out.name + "-tasks"), tasks,
                         ExecutorSpec(kind="local", tasks=tasks, workers=tasks))
    shutil.rmtree(out.with_name(out.name + "-tasks"), ignore_errors=True)
    return {k: int(v) for k, v in stats[0].items()}


def _raw_shard(model: str, records: Path, rank: int, tasks: int, n: int, max_tokens: int, temperature: float,
               chunk: int, out: Path) -> None:
    """One raw process: its shard (the stage's own key) with `LLM.generate`, the same SamplingParams."""
    from pipelines.engines.backends import shared_backend
    from pipelines.engines.datatrove.generate import shard_of
    from transforms.synth.sampling import Sampling

    task = make_task("generate")
    backend = shared_backend({"kind": "vllm", "model": model, "max_model_len": 2048})
    mine = [json.loads(line) for line in records.read_text().splitlines()]
    mine = [r for r in mine if shard_of(r["id"], tasks) == rank]
    params = backend.sampling_params(Sampling(n=n, seed=0, max_tokens=max_tokens, temperature=temperature),
                                     task.schema)
    prompts = [backend.render(task.messages(r)) for r in mine]
    tokens = 0
    for start in range(0, len(prompts), chunk):
        outputs = backend.llm.generate(prompts[start : start + chunk], params, use_tqdm=False)
        tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
    out.write_text(json.dumps({"tokens": tokens, "completions": len(prompts) * n}))
    backend.close()  # as the stage's tasks do: multiprocessing would wait at exit for the engine's processes


def multi_task(args) -> None:
    """N tasks of the stage on the local executor against N raw LLM.generate processes, same shards."""
    import multiprocessing

    from support.tiny_model import build_tiny_model

    from transforms.synth.prompts import ToRecord
    from transforms.synth.sampling import Sampling

    tmp = Path(tempfile.mkdtemp())
    model = args.model or str(build_tiny_model(tmp / "tiny-llama"))
    spec = {"kind": "vllm", "model": model, "max_model_len": 2048}
    task = make_task("generate")
    sampling = Sampling(n=args.n, seed=0, max_tokens=args.max_tokens, temperature=args.temperature)
    source = tmp / "records.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in make_records("generate", args.records)))
    ours_runs, raw_runs = [], []
    for i in range(args.repeats):
        for side in (["raw", "ours"] if i % 2 == 0 else ["ours", "raw"]):
            started = time.perf_counter()
            if side == "raw":
                context = multiprocessing.get_context("spawn")
                procs = [context.Process(target=_raw_shard, args=(model, source, r, args.tasks, args.n,
                         args.max_tokens, args.temperature, args.chunk, tmp / f"raw-{r}.json"))
                         for r in range(args.tasks)]
                for proc in procs:
                    proc.start()
                for proc in procs:
                    proc.join()
                done = [json.loads((tmp / f"raw-{r}.json").read_text()) for r in range(args.tasks)]
                raw_runs.append(sum(d["completions"] for d in done) / (time.perf_counter() - started))
            else:
                counts = on_executor(source, spec, task, sampling, tmp / f"cache-{i}.db", tmp / f"out-{i}",
                                     args.chunk, args.tasks, ToRecord({}, task.inputs))
                assert counts.get("records") == args.records, counts
                ours_runs.append(args.records * args.n / (time.perf_counter() - started))
    raw, ours = statistics.median(raw_runs), statistics.median(ours_runs)
    print(f"{args.tasks} tasks, {args.records} prompts x n={args.n}, max_tokens {args.max_tokens}, chunks of "
          f"{args.chunk}, engine start-up included on both sides, medians of {args.repeats}")
    print(f"  raw: {args.tasks} LLM.generate processes  {raw:7.1f} completions/s "
          f"(runs {', '.join(f'{r:.1f}' for r in raw_runs)})")
    print(f"  ours: {args.tasks} executor tasks          {ours:7.1f} completions/s "
          f"(runs {', '.join(f'{r:.1f}' for r in ours_runs)})")
    print(f"  ratio ours/raw {ours / raw:.3f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
