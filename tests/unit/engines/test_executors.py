"""Each task of a stage holds what it asks: a local task sees its own GPUs (CUDA_VISIBLE_DEVICES)."""

from __future__ import annotations

import json
import os

from support.steps import SeenDevices

from pipelines.engines.datatrove.executors import Resources
from pipelines.engines.datatrove.run import run_pipeline
from pipelines.recipe import ExecutorSpec


def test_local_tasks_each_see_their_own_gpus(tmp_path):
    out = tmp_path / "seen"
    out.mkdir()
    spec = ExecutorSpec(kind="local", tasks=4, workers=2)
    run_pipeline([SeenDevices(str(out))], tmp_path / "logs", 4, spec, resources=Resources(gpus=2, workers=2))
    seen = [json.loads((out / f"{rank}.json").read_text()) for rank in range(4)]
    # Two worker slots of two GPUs each: a task sees one slot's pair, never another's, never all four.
    assert {s["devices"] for s in seen} <= {"0,1", "2,3"} and len({s["devices"] for s in seen}) == 2
    assert os.getpid() not in {s["pid"] for s in seen}


def test_without_gpus_a_task_sees_the_machines_setting(tmp_path):
    out = tmp_path / "seen"
    out.mkdir()
    spec = ExecutorSpec(kind="local", tasks=1, workers=1)
    run_pipeline([SeenDevices(str(out))], tmp_path / "logs", 1, spec, resources=Resources())
    assert json.loads((out / "0.json").read_text())["devices"] == os.environ.get("CUDA_VISIBLE_DEVICES")
