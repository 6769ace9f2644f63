"""The generation cache shared by a stage's tasks: several processes opening one new file at once."""

from __future__ import annotations

import multiprocessing

from transforms.synth.cache import GenerationCache
from transforms.synth.sampling import Completion


def _open_and_put(path: str, barrier, n: int) -> None:
    barrier.wait()  # all at once, as the tasks of a stage start together
    cache = GenerationCache(path)
    cache.put([(f"key-{n}", Completion(f"text {n}", "stop", 2))])


def test_tasks_opening_one_new_cache_at_once_all_get_it(tmp_path):
    # SQLite answers a second process switching a new file to WAL "database is locked" at once (before the
    # wait, 5 to 8 of 120 such opens failed here); each must wait its turn instead.
    context = multiprocessing.get_context("fork")
    for round_ in range(10):
        path = str(tmp_path / f"cache-{round_}.db")
        barrier = context.Barrier(4)
        procs = [context.Process(target=_open_and_put, args=(path, barrier, n)) for n in range(4)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
        found = GenerationCache(path).get([f"key-{n}" for n in range(4)])
        assert sorted(c.text for c in found.values()) == [f"text {n}" for n in range(4)]
