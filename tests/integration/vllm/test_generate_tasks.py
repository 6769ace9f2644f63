"""Synthesis as executor tasks with the real engine (the tiny model, in this process): records sharded by
a stable key, chunks checkpointed, a task killed mid-stage resumed from its last finished chunk, and the
same rows whatever the number of tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.engines.datatrove.generate import GenerateTasks, read_progress, shard_of
from pipelines.engines.datatrove.run import run_pipeline
from pipelines.recipe import ExecutorSpec
from transforms.synth.rows import sort_rows
from transforms.synth.sampling import Sampling
from transforms.synth.task import definition_from
from transforms.synth.tasks import build_task

TASK = {"name": "answers", "prompt": "Answer briefly: {{ question }}", "inputs": ["question"],
        "schema": {"type": "object", "properties": {"answer": {"type": "string", "maxLength": 16}},
                   "required": ["answer"]}}


class Killed(Exception):
    """A task lost mid-stage (a node gone), where it lands."""


def _records(path: Path, n: int = 20) -> Path:
    path.write_text("".join(json.dumps({"id": f"q{i:02d}", "question": f"{i} + {i}?"}) + "\n"
                            for i in range(n)))
    return path


def _run(tmp: Path, source: Path, spec: dict, tasks: int, name: str) -> tuple[list[dict], Path]:
    task = build_task(definition_from(TASK))
    step = GenerateTasks([str(source)], str(tmp / name), spec, task, Sampling(n=2, seed=1, max_tokens=16),
                         str(tmp / f"{name}.sqlite"), chunk_size=3)
    # workers 1: the tasks run one after the other in this process, on the session's engine.
    executor = ExecutorSpec(kind="local", tasks=tasks, workers=1)
    stats = run_pipeline([step], tmp / f"{name}-tasks", tasks, executor)
    return stats, tmp / name


def _rows(tmp: Path, folder: Path) -> str:
    from pipelines.synthesis import records_of

    out = tmp / f"{folder.name}.rows.jsonl"
    sort_rows(records_of(folder, "rows"), out, build_task(definition_from(TASK)), "answers")
    return out.read_text()


def test_the_shard_of_a_record_is_stable_and_spreads():
    ids = [f"r{i}" for i in range(1000)]
    shards = [shard_of(i, 4) for i in ids]
    assert shards == [shard_of(i, 4) for i in ids]  # the same on every call (and machine: no salt)
    assert all(200 <= shards.count(k) <= 300 for k in range(4))


@pytest.mark.slow
def test_a_killed_task_resumes_from_its_last_chunk_and_the_rows_do_not_depend_on_tasks(
        tmp_path, backend_spec, monkeypatch):
    source = _records(tmp_path / "q.jsonl")
    one, one_out = _run(tmp_path, source, backend_spec, 1, "one")
    assert one[0]["records"] == 20 and one[0]["generated_prompts"] == 20
    assert read_progress(str(one_out))["prompts"] == 20

    # Three tasks; the second is lost after its first chunk's marker.
    writes = {"n": 0}
    original = GenerateTasks._write

    def dies(out, stem, *args):
        if stem.startswith("00001-") and stem != "00001-00000":
            raise Killed(stem)
        writes["n"] += 1
        return original(out, stem, *args)

    monkeypatch.setattr(GenerateTasks, "_write", staticmethod(dies))
    with pytest.raises(Exception):  # noqa: B017 (datatrove re-raises the task's error its own way)
        _run(tmp_path, source, backend_spec, 3, "three")
    markers = sorted(p.name for p in (tmp_path / "three").glob("done-*"))
    assert "done-00001-00000" in markers and "done-00001-00001" not in markers
    before = (tmp_path / "three" / "done-00001-00000").stat().st_mtime_ns
    monkeypatch.setattr(GenerateTasks, "_write", staticmethod(original))
    three, three_out = _run(tmp_path, source, backend_spec, 3, "three")
    # The finished chunk was not written again; every record was counted once; nothing generated twice
    # (the run's own cache): the rerun generated only what the lost task had not finished.
    assert (tmp_path / "three" / "done-00001-00000").stat().st_mtime_ns == before
    assert three[0]["records"] == 20
    assert read_progress(str(three_out))["chunks_resumed"] >= 1
    assert _rows(tmp_path, three_out) == _rows(tmp_path, one_out) != ""
