"""Many contained runs at once: a fixed number of sandboxes in flight, results in input order."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from transforms.sandbox.program import Program
from transforms.sandbox.result import Result
from transforms.sandbox.runner import Sandbox


class Pool:
    """`size` sandboxes at a time (default: the cores): each run is its own processes, so threads that
    wait on them spread the work over the cores."""

    def __init__(self, sandbox: Sandbox | None = None, size: int | None = None):
        self.sandbox = (sandbox or Sandbox()).ready()
        self.size = max(1, size or os.cpu_count() or 1)
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="sandbox")

    def submit(self, program: Program) -> Future:
        """A future of the program's Result: it runs when one of the `size` sandboxes is free."""
        return self._threads.submit(self.sandbox.run, program)

    def map(self, programs: Iterable[Program], ahead: int = 4) -> Iterator[Result]:
        """Each program's Result, in order; at most `size` run at once, `ahead` x size are read ahead (a
        slow run holds back the results after it, not the runs)."""
        pending: deque[Future] = deque()
        for program in programs:
            pending.append(self.submit(program))
            if len(pending) >= ahead * self.size:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def run(self, programs: list[Program]) -> list[Result]:
        return list(self.map(programs))

    def close(self) -> None:
        """Wait for the runs submitted, then end the sandboxes its threads had started ahead."""
        self._threads.shutdown(wait=True)
        self.sandbox.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
