"""A real Ray cluster on this machine: `ray start --block` nodes, each a process tree a test can kill as
a machine dies, and the questions a test asks of them (what runs there, which ranks, which actors)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil

from support import BIN, free_port


class Node:
    """One `ray start --block` and everything it starts (raylet, agents, workers), on this machine."""

    def __init__(self, temp_dir: Path, *args: str, ray: Path = BIN / "ray"):
        self.temp_dir = temp_dir
        self.log = temp_dir.with_suffix(".log")
        # The workers' temporary files (task logs before they are copied, what a killed task leaves)
        # go under the cluster's folder, removed with it.
        (temp_dir.parent / "tmp").mkdir(exist_ok=True)
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "TMPDIR": str(temp_dir.parent / "tmp")}
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [str(ray), "start", "--block", "--num-cpus=1", f"--temp-dir={temp_dir}",
                 "--object-store-memory=100000000", f"--dashboard-agent-listen-port={free_port()}", *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in self.log.read_text():
            assert self.proc.poll() is None, f"ray start failed: {self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "ray start timed out"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole node at once, as a machine that dies: Ray's workers have process groups
        of their own, so the tree is walked, not the group."""
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(procs, timeout=30)

    def _asked(self, question) -> list:
        """`question(process)` of each process of this node that still answers."""
        try:
            procs = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        answers = []
        for proc in procs:
            try:
                answers.append(question(proc))
            except psutil.Error:
                pass
        return answers

    def running(self, title: str) -> bool:
        """Whether a process of this node runs `title` (Ray titles a busy actor ray::Class.method)."""
        return any(self._asked(lambda proc: f"ray::{title}" in " ".join(proc.cmdline())))

    def ranks(self) -> set[int]:
        """The ranks whose tasks this node runs now: each task's log is open in a scratch folder that
        names its rank (pipelines-ray-<rank>-...)."""
        scratch = re.compile(r"pipelines-ray-(\d{5})-")
        found = self._asked(lambda proc: [f.path for f in proc.open_files()])
        return {int(m[1]) for paths in found for path in paths if (m := scratch.search(path))}

    def actors(self, name: str) -> int:
        """Actors of class `name` this node ran: Ray's worker logs name each actor when it starts."""
        logs = self.temp_dir.glob("session_latest/logs/worker-*.out")
        return sum(path.read_text(errors="replace").count(f":actor_name:{name}\n") for path in logs)


class Cluster:
    """A head and a worker node on 127.0.0.1, one CPU each, under `base`; `ray`: the command that starts
    each node (another machine's view of the files can be made by wrapping it)."""

    def __init__(self, base: Path, ray: Path = BIN / "ray"):
        self.base, self.ray = base, ray
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        self.head = Node(base / "h", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                         "--num-gpus=1", "--include-dashboard=false", f"--dashboard-port={free_port()}",
                         f"--ray-client-server-port={free_port()}", ray=ray)
        self.worker = self.start_worker()

    def start_worker(self, name: str = "w") -> Node:
        # One logical GPU a node: a stage that asks for `resources: {gpus: 1}` gets one task a node (Ray sets
        # its CUDA_VISIBLE_DEVICES), the CPU engine doing the work.
        return Node(self.base / name, f"--address={self.address}", "--num-gpus=1", ray=self.ray)

    def stop(self) -> None:
        for node in (self.worker, self.head):
            node.kill()
