"""A decontaminate stage's benchmark index is built once per benchmarks' content and method, then reused by
every stage and build that asks for the same (from disk in another process, from memory in this one)."""

from __future__ import annotations

import json

from pipelines import built_once
from pipelines.stages.decontaminate import DecontamStage

ITEMS = [{"id": "q1", "question": "How many apples does Sam have after giving away three of his ten?",
          "answer": "7"},
         {"id": "q2", "question": "What is the capital city of the imaginary kingdom of Eldoria today?",
          "answer": "Brightwater"}]


def stage(tmp_path, **params) -> DecontamStage:
    bench = [{"name": "qa", "path": str(tmp_path / "bench.jsonl"), "shape": "gsm8k", "id_field": "id"}]
    return DecontamStage(type="decontaminate", benchmarks=bench, **params)


def test_the_index_is_built_once_and_reused_until_the_benchmark_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(built_once, "_PICKLED", {})
    (tmp_path / "bench.jsonl").write_text("".join(json.dumps(i) + "\n" for i in ITEMS))
    calls = []
    original = DecontamStage._index
    monkeypatch.setattr(DecontamStage, "_index", lambda self: calls.append(1) or original(self))

    first = stage(tmp_path).steps(tmp_path / "w1")[0]
    assert calls == [1] and first.index.stats()["items"] == {"qa": 2}
    # Another stage of the same build (a synthetic config's, another action): the same index, not rebuilt.
    second = stage(tmp_path, action="mark").steps(tmp_path / "w2")[0]
    assert calls == [1] and second.index is not first.index
    assert second.index.match("Sam had ten apples. How many apples does Sam have after giving away "
                                "three of his ten? He has seven.")
    # Another build, in another process: read from $PIPELINES_HOME.
    monkeypatch.setattr(built_once, "_PICKLED", {})
    third = stage(tmp_path)
    third.steps(tmp_path / "w3")
    assert calls == [1] and third._index_stats["reused"]
    # Other parameters or another benchmark content: another index.
    stage(tmp_path, n=7).steps(tmp_path / "w4")
    (tmp_path / "bench.jsonl").write_text(json.dumps(ITEMS[0]) + "\n")
    assert stage(tmp_path).steps(tmp_path / "w5")[0].index.stats()["items"] == {"qa": 1}
    assert calls == [1, 1, 1]
