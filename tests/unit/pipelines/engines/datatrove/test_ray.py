"""The Ray executor with no cluster: one-line errors when nothing answers at the address, and a task lost
between its last step and its log's copy runs again (as Ray's retry on another node does)."""

from __future__ import annotations

import time

import pytest
from support import free_port


@pytest.mark.parametrize("how", ["address", "RAY_ADDRESS"])
def test_no_cluster_at_the_address_is_a_one_line_error(how, tmp_path, monkeypatch):
    from pipelines.engines.datatrove.executors import make_executor
    from pipelines.engines.datatrove.ray import RayClusterError
    from pipelines.recipe import ExecutorSpec

    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    if how == "RAY_ADDRESS":  # what `auto` (the default) finds first
        monkeypatch.setenv("RAY_ADDRESS", address)
    spec = ExecutorSpec(kind="ray", ray={"address": address if how == "address" else "auto"})
    started = time.monotonic()
    with pytest.raises(RayClusterError) as error:
        make_executor(spec, [], 1, tmp_path / "stage", []).run()
    message = str(error.value)
    assert "\n" not in message and message.startswith("executor ray: no Ray cluster answers at")
    assert address.split(":")[1] in message and "ray start --head" in message
    assert time.monotonic() - started < 10  # not ray.init's minutes of retries
    assert not (tmp_path / "stage" / "completions").exists()


def test_a_task_lost_before_its_log_was_copied_runs_again(tmp_path, monkeypatch):
    """A node that dies after a task's last step but before datatrove copies its log to the stage
    folder leaves no completion marker: the retry runs the task and writes its log."""
    from datatrove.pipeline.base import PipelineStep

    from pipelines.engines.datatrove.ray import RayExecutor

    class Nothing(PipelineStep):
        name = "nothing"

        def run(self, data, rank=0, world_size=1):
            yield from ()

    class NodeDied(BaseException):
        """SIGKILL, where it lands."""

    executor = RayExecutor([Nothing()], tasks=1, logging_dir=str(tmp_path))
    copy = executor.logging_dir.open

    def dies_at_the_log_copy(path, mode="r", *args, **kwargs):
        if path.startswith("logs/") and "w" in mode:
            raise NodeDied
        return copy(path, mode, *args, **kwargs)

    monkeypatch.setattr(executor.logging_dir, "open", dies_at_the_log_copy)
    with pytest.raises(NodeDied):
        executor._run_for_rank(0)
    assert not (tmp_path / "completions" / "00000").exists()
    monkeypatch.setattr(executor.logging_dir, "open", copy)
    executor._run_for_rank(0)  # Ray's retry, on another node
    assert (tmp_path / "completions" / "00000").is_file()
    assert "Processing done for rank=0" in (tmp_path / "logs" / "task_00000.log").read_text()
