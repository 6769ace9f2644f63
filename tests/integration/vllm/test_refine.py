"""Generate, verify, refine with the real engine (the tiny model): a sample that fails a check goes back with
its failure, the row records its attempts, every sample is counted once, and the rejects keep what the model
wrote and what each check said."""

from __future__ import annotations

import json

import pytest

from pipelines.engines.backends import shared_backend
from transforms.synth.cache import GenerationCache
from transforms.synth.generator import NEGATIVES, REJECTED, ROWS, Generator
from transforms.synth.sampling import Sampling
from transforms.synth.select import Selection
from transforms.synth.task import definition_from
from transforms.synth.tasks import build_task

pytestmark = pytest.mark.slow

TASK = {"name": "short", "prompt": "Say something about {{ topic }}.", "inputs": ["topic"],
        "schema": {"type": "object", "properties": {"text": {"type": "string", "maxLength": 40}},
                   "required": ["text"]},
        # The random model writes a digit now and then: some samples pass at once, some after feedback, some
        # never.
        "checks": [{"type": "regex", "field": "text", "pattern": "[0-9]", "name": "no_digit"}],
        "refine": {"rounds": 2}}


def test_failed_samples_go_back_with_their_failure_and_rows_keep_their_trajectory(tmp_path, backend_spec):
    task = build_task(definition_from(TASK), selection=Selection("all", negatives=True))
    backend = shared_backend(backend_spec)
    generator = Generator(backend, task, Sampling(n=3, seed=2, max_tokens=24, temperature=1.2),
                          GenerationCache(tmp_path / "cache.sqlite"))
    records = [{"id": f"t{i}", "topic": f"topic number {i}"} for i in range(12)]
    out = list(generator.chunk(records))
    rows = [r for k, r in out if k == ROWS]
    rejects = [r for k, r in out if k == REJECTED]
    pairs = [r for k, r in out if k == NEGATIVES]
    counts = generator.counts
    assert len(rows) + len(rejects) == 12 * 3  # every sample counted once, refined or not
    passed = [counts[f"refine_round_{k}_passed"] for k in range(3)]
    assert sum(passed) == len(rows) and counts["refine_round_1_tried"] >= counts["refine_round_2_tried"] > 0
    assert counts["refine_round_1_tried"] == 12 * 3 - passed[0]  # each failure went back once
    for row in rows:
        trajectory = json.loads(row["trajectory"])
        assert row["attempts"] == len(trajectory) + 1 and any(c.isdigit() for c in row["text"])
        assert all(a["reason"] == "no_digit" and not any(c.isdigit() for c in json.loads(a["output"])["text"])
                   for a in trajectory)
    refined = [r for r in rows if r["attempts"] > 1]
    assert refined  # some passed only after feedback
    # A refined row's failed attempts are pairs against it, apart from the samples' own pairs.
    own = [p for p in pairs if p["sample"] >= 3]
    assert len(own) == sum(r["attempts"] - 1 for r in refined)
    chosen = {(p["source_id"], p["chosen_sample"]) for p in own}
    assert chosen == {(r["source_id"], r["sample"]) for r in refined}
    for reject in rejects:
        assert reject["reason"] == "no_digit" and reject["output"]
        assert reject["checks"] == [{"check": "no_digit", "passed": False, "detail": ""}]
        assert len(json.loads(reject["trajectory"])) == 2  # sent back twice, failed three times

    # The conversation a refine sends: the prompt, the model's answer, the failure.
    messages = task.refine_messages(records[0], [('{"text": "hi"}', "no_digit", "")])
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert "no_digit" in messages[-1]["content"]

    # Run again: everything comes from the cache, the same outputs.
    again = Generator(backend, task, Sampling(n=3, seed=2, max_tokens=24, temperature=1.2),
                      GenerationCache(tmp_path / "cache.sqlite"))
    assert list(again.chunk(records)) == out
    assert again.counts["generated_prompts"] == 0
