"""Synthesis on Beam with the real vLLM engine (CPU build here), on a tiny random model built locally."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from support import ROOT, TESTS
from support.synth import SAMPLING, documents

from pipelines.engines.backends import shared_backend
from pipelines.engines.beam import read_jsonl, run_synthesis
from transforms.synth.sampling import Sampling
from transforms.synth.tasks import load_task

PROVENANCE = {"source_id", "sample", "task", "model", "model_revision", "sampling", "template_sha256", "seed"}


def test_doc_qa_rows_are_schema_valid_and_carry_their_provenance(backend_spec, tmp_path):
    task = load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 1500})
    records = documents(copies=4)
    counts = run_synthesis(
        records, backend_spec, task, SAMPLING, str(tmp_path / "cache.db"), tmp_path / "out", chunk_size=32
    )
    rows, rejected = read_jsonl(tmp_path / "out", "rows"), read_jsonl(tmp_path / "out", "rejected")
    samples = len(records) * SAMPLING.n
    assert (
        len(rows) + len(rejected)
        == samples
        == counts["rows"] + sum(v for k, v in counts.items() if k.startswith("rejected_"))
    )
    invalid = [r for r in rejected if r["reason"] in ("unparsable", "schema_mismatch", "truncated")]
    assert len(invalid) <= 0.005 * samples, invalid[:3]
    backend = shared_backend(backend_spec)
    for row in rows:
        assert PROVENANCE <= set(row) and row["model"] == "tiny-llama" and row["seed"] == 3
        assert row["model_revision"] == backend.revision and row["template_sha256"] == task.template_sha256
        assert row["question"] and row["answer"]
    assert {r["source_id"] for r in rows} <= {r["id"] for r in records}


def test_unsupported_answers_are_counted_not_kept(backend_spec, tmp_path):
    # Random weights write random words: almost none come from the passage.
    counts = run_synthesis(
        documents(),
        backend_spec,
        load_task("doc_qa", {"min_support": 0.8, "max_passage_chars": 1500}),
        SAMPLING,
        str(tmp_path / "cache.db"),
        tmp_path / "out",
    )
    rows = read_jsonl(tmp_path / "out", "rows")
    assert counts.get("rejected_unsupported_answer", 0) > 0
    assert all(r["support"] >= 0.8 for r in rows)


def test_a_second_run_generates_nothing(backend_spec, tmp_path):
    backend = shared_backend(backend_spec)
    task, records = load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 1500}), documents(copies=2)
    first = run_synthesis(
        records, backend_spec, task, SAMPLING, str(tmp_path / "c.db"), tmp_path / "a", chunk_size=16
    )
    calls, sent = backend.calls, backend.prompts_sent
    second = run_synthesis(
        records, backend_spec, task, SAMPLING, str(tmp_path / "c.db"), tmp_path / "b", chunk_size=16
    )
    assert (backend.calls, backend.prompts_sent) == (calls, sent)
    assert second["cached_prompts"] == len(records) and "generated_prompts" not in second
    assert first["generated_prompts"] == len(records)
    assert sorted(map(str, read_jsonl(tmp_path / "a", "rows"))) == sorted(
        map(str, read_jsonl(tmp_path / "b", "rows"))
    )


KILLED = """\
import sys, time
from pathlib import Path
from pipelines.engines import beam
from transforms.synth.sampling import Sampling
from transforms.synth.tasks import load_task
from support.synth import SAMPLING, documents

if __name__ == "__main__":
    real = beam.GenerationCache.put
    def slow_put(self, items):  # a chunk persisted, then time for the test to kill us mid-run
        real(self, items)
        time.sleep(30)
    beam.GenerationCache.put = slow_put
    spec = {"kind": "vllm", "model": sys.argv[1], "max_model_len": 2048}
    task = load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 1500})
    beam.run_synthesis(documents(copies=3), spec, task, SAMPLING,
                       sys.argv[2], Path(sys.argv[3]), chunk_size=16)
"""


def test_a_build_killed_mid_generation_regenerates_only_what_was_missing(backend_spec, tmp_path):
    cache = tmp_path / "cache.db"
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{TESTS}"}
    proc = subprocess.Popen(
        [sys.executable, str(script), backend_spec["model"], str(cache), str(tmp_path / "x")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None and _cached(cache) == 0:
            time.sleep(0.5)
        assert _cached(cache) > 0, "the first chunk never reached the cache"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    saved = _cached(cache) // SAMPLING.n  # prompts whose samples were persisted before the kill
    records = documents(copies=3)
    assert 0 < saved < len(records)
    backend = shared_backend(backend_spec)
    sent = backend.prompts_sent
    counts = run_synthesis(
        records,
        backend_spec,
        load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 1500}),
        SAMPLING,
        str(cache),
        tmp_path / "out",
        chunk_size=16,
    )
    assert counts["cached_prompts"] == saved
    assert backend.prompts_sent - sent == counts["generated_prompts"] == len(records) - saved


def _cached(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM completions").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def test_prompts_longer_than_the_context_are_counted_and_skipped(backend_spec, tmp_path):
    records = documents()[:3] + [{"id": "huge", "text": "lighthouse keeper " * 3000}]
    counts = run_synthesis(
        records,
        backend_spec,
        load_task("doc_qa", {"min_support": 0.0, "max_passage_chars": 60_000}),
        SAMPLING,
        str(tmp_path / "cache.db"),
        tmp_path / "out",
    )
    rejected = read_jsonl(tmp_path / "out", "rejected")
    too_long = sorted((r["source_id"], r["sample"]) for r in rejected if r["reason"] == "prompt_too_long")
    assert too_long == [("huge", s) for s in range(SAMPLING.n)]  # each sample counted, none generated
    assert counts["rejected_prompt_too_long"] == SAMPLING.n
    rows = read_jsonl(tmp_path / "out", "rows")
    assert len(rows) + len(rejected) == len(records) * SAMPLING.n  # the funnel adds up


def test_critique_scores_with_a_threshold(backend_spec, tmp_path):
    pairs = [
        {"id": f"p{i}", "prompt": f"What is {i} plus {i}?", "response": f"It is {2 * i}."} for i in range(40)
    ]
    sampling, cache = Sampling(seed=1, max_tokens=400), str(tmp_path / "cache.db")
    run_synthesis(pairs, backend_spec, load_task("critique"), sampling, cache, tmp_path / "all")
    scores = {r["source_id"]: r["score"] for r in read_jsonl(tmp_path / "all", "rows")}
    assert len(scores) >= 0.995 * len(pairs) and all(1 <= s <= 10 for s in scores.values())
    for threshold in (sorted(scores.values())[len(scores) // 2], max(scores.values()) + 1):
        out = tmp_path / f"t{threshold}"
        task = load_task("critique", {"threshold": threshold})
        counts = run_synthesis(pairs, backend_spec, task, sampling, cache, out)
        assert "generated_prompts" not in counts  # judged once, thresholds applied to the cached verdicts
        kept = {r["source_id"] for r in read_jsonl(out, "rows")}
        assert kept == {i for i, s in scores.items() if s >= threshold}
        assert counts.get("rejected_below_threshold", 0) == sum(s < threshold for s in scores.values())


def test_preference_pairs_the_best_and_worst_judged_of_n_responses(backend_spec, tmp_path):
    from transforms.synth.tasks import load_task

    prompts = [{"id": f"p{i}", "prompt": f"Describe a lighthouse number {i}."} for i in range(12)]
    sampling = Sampling(n=4, seed=9, temperature=1.0, max_tokens=300)
    counts = run_synthesis(
        prompts, backend_spec, load_task("preference"), sampling, str(tmp_path / "cache.db"), tmp_path / "out"
    )
    pairs, rejected = read_jsonl(tmp_path / "out", "rows"), read_jsonl(tmp_path / "out", "rejected")
    assert counts["records"] == 12 and counts["judge_records"] == 12 * 4 - sum(
        v
        for k, v in counts.items()
        if k.startswith("rejected_") and k not in ("rejected_all_scores_equal", "rejected_too_few_judged")
    )
    # Random weights tend to give every response of a prompt the same score: then there is no pair, and
    # that is counted (the choice of best and worst itself is tested in
    # tests/unit/transforms/synth/test_tasks.py).
    lost = [r for r in rejected if r["reason"] in ("all_scores_equal", "too_few_judged")]
    assert len(pairs) + len(lost) == len({r["source_id"] for r in pairs + lost}) <= len(prompts)
    assert counts.get("rejected_all_scores_equal", 0) == sum(r["reason"] == "all_scores_equal" for r in lost)
    for pair in pairs:
        assert pair["chosen_score"] > pair["rejected_score"] and pair["chosen"] != pair["rejected"]
        assert pair["task"] == "preference" and pair["source_id"] in {p["id"] for p in prompts}
