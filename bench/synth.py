"""Tokens per second of our synthesis stage / raw `vllm.LLM.generate`, same prompts, same engine, same run;
and the generation cache's lookup overhead per record.

    python bench/synth.py [--model PATH] [--records 512] [--chunk 512] [--repeats 3]

Without --model the tiny random Llama of the tests is built locally (fast, meaningless text; the speed
of a stage around the engine is what is measured). The task is doc_qa with structured outputs over the
sample pages; both sides send the same rendered prompts with the same SamplingParams to one engine:
ours through Beam (BatchElements chunks, cache look-ups and writes, parsing, checks, JSONL out) with an
empty cache each time, raw as one `llm.generate` call per chunk. Then ours again on a full cache:
(time - nothing) / records is the look-up overhead per record. Medians of --repeats.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--records", type=int, default=512)
    parser.add_argument("--chunk", type=int, default=512)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from pages import load_pages
    from tiny_model import build_tiny_model

    from pipelines.engines.beam import read_jsonl, run_synthesis, shared_backend
    from transforms.synth.sampling import Sampling
    from transforms.synth.tasks import load_task

    tmp = Path(tempfile.mkdtemp())
    model = args.model or str(build_tiny_model(tmp / "tiny-llama"))
    spec = {"kind": "vllm", "model": model, "max_model_len": 2048}
    backend = shared_backend(spec)
    task, sampling = (
        load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 600}),
        Sampling(n=1, seed=0, max_tokens=args.max_tokens),
    )
    texts = [p["main_text"] for p in load_pages("sample")]
    records = [{"id": f"r{i}", "text": f"Note {i}. {texts[i % len(texts)]}"} for i in range(args.records)]
    prompts = [backend.render(task.messages(r)) for r in records]
    params = backend.sampling_params(sampling, task.schema)
    backend.llm.generate(prompts[:8], params, use_tqdm=False)  # warm-up, both sides

    def raw() -> tuple[float, int]:
        started, tokens = time.perf_counter(), 0
        for start in range(0, len(prompts), args.chunk):
            outputs = backend.llm.generate(prompts[start : start + args.chunk], params, use_tqdm=False)
            tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
        return time.perf_counter() - started, tokens

    def ours(cache: Path, out: Path) -> float:
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        run_synthesis(records, spec, task, sampling, str(cache), out, chunk_size=args.chunk)
        return time.perf_counter() - started

    raw_runs, our_runs, cached_runs = [], [], []
    for i in range(args.repeats):
        seconds, tokens = raw()
        raw_runs.append(tokens / seconds)
        cache = tmp / f"cache-{i}.db"
        seconds = ours(cache, tmp / "out")
        generated = len(read_jsonl(tmp / "out", "rows")) + len(read_jsonl(tmp / "out", "rejected"))
        assert generated == len(records) * sampling.n
        our_runs.append(tokens / seconds)  # the same prompts and seeds: the same tokens
        cached_runs.append(ours(cache, tmp / "out"))
    raw_rate, our_rate = statistics.median(raw_runs), statistics.median(our_runs)
    print(
        f"model {Path(model).name}: {len(records)} prompts, chunks of {args.chunk}, "
        f"max_tokens {args.max_tokens}, medians of {args.repeats}"
    )
    print(f"  raw LLM.generate        {raw_rate:10,.0f} tokens/s")
    print(f"  ours (Beam, cache, parse) {our_rate:8,.0f} tokens/s")
    print(f"  ratio ours/raw          {our_rate / raw_rate:10.2f}")
    cached = statistics.median(cached_runs)
    print(
        f"  fully cached rerun      {cached:10.2f} s  = {cached / len(records) * 1e3:.2f} ms per record "
        "(Beam start, look-up, parse, write)"
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
