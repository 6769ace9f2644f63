"""The generation cache shared by a stage's tasks: several processes opening one new file at once."""

from __future__ import annotations

import subprocess
import sys
import time

from transforms.synth.cache import GenerationCache

# A task of its own: it waits for the go file, as the tasks of a stage start together, then opens the
# cache and writes one completion. Fresh interpreters, not forks of the test's process: a fork inherits
# whatever earlier tests in this worker left behind (engines' threads, gRPC's fork handlers).
TASK = """
import os, sys, time
from transforms.synth.cache import GenerationCache
from transforms.synth.sampling import Completion
path, n, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
open(f"{go}.ready-{n}", "w").close()
while not os.path.exists(go):
    time.sleep(0.0005)
GenerationCache(path).put([(f"key-{n}", Completion(f"text {n}", "stop", 2))])
"""


def test_tasks_opening_one_new_cache_at_once_all_get_it(tmp_path):
    # SQLite answers a second process switching a new file to WAL "database is locked" at once; each must
    # wait its turn instead (without the wait, 2 of 3 runs of 10 rounds failed here).
    for round_ in range(20):
        path, go = tmp_path / f"cache-{round_}.db", tmp_path / f"go-{round_}"
        procs = [subprocess.Popen([sys.executable, "-c", TASK, str(path), str(n), str(go)],
                                  stderr=subprocess.PIPE, text=True) for n in range(4)]
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob(f"{go.name}.ready-*"))) < 4:  # every task imported and waiting
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a task died"
            time.sleep(0.005)
        go.touch()
        errors = [proc.communicate(timeout=120)[1] for proc in procs]
        assert [proc.returncode for proc in procs] == [0, 0, 0, 0], "\n".join(errors)
        found = GenerationCache(path).get([f"key-{n}" for n in range(4)])
        assert sorted(c.text for c in found.values()) == [f"text {n}" for n in range(4)]
