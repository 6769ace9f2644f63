"""A build's log file: every line the engines and libraries write (vLLM, Ray, Beam, transformers, Prefect,
datatrove, tqdm bars, warnings), from this process and every process it starts, goes there instead of the
console; the console keeps our own lines, and stdout only the version's path."""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pipelines import settings


def log_path(name: str) -> Path:
    """A new log file for a build of `name`, under the state folder's logs/."""
    folder = settings.state_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{name}-{stamp}.log"
    n = 1
    while path.exists():  # two builds of one dataset in the same second
        n += 1
        path = folder / f"{name}-{stamp}-{n}.log"
    return path


def shown(path: Path) -> str:
    """A path as the console shows it: relative to the working folder when it is under it (shorter)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class BuildLog:
    """While inside, file descriptors 1 and 2 of this process write to the log file, and so do those of
    every process it starts (they inherit them): vLLM prints to stdout and its engine core is a child
    process, so nothing short of the descriptors catches them all. `stdout` and `stderr` are the real
    ones, kept for the version's path and our own lines. `verbose`: the log is also copied to the real
    stderr as it grows. `restore`: the descriptors are put back on leaving; a command that ends after its
    build leaves them to the log, so that what the libraries print at exit (Prefect's temporary API shutting
    down, an engine's last words) goes there too."""

    def __init__(self, path: Path, verbose: bool = False, restore: bool = True):
        self.path, self.verbose, self.restore = path, verbose, restore
        self.keep = False  # whether the file stays though nothing was written to it (set once a build starts)
        self.stdout: TextIO = sys.stdout
        self.stderr: TextIO = sys.stderr
        self._saved: list[int] = []
        self._tail: threading.Thread | None = None
        self._done = threading.Event()

    def __enter__(self) -> BuildLog:
        sys.stdout.flush()
        sys.stderr.flush()
        self._saved = [os.dup(1), os.dup(2)]
        # Inheritable copies would leak into every child, which then holds the terminal open.
        for fd in self._saved:
            os.set_inheritable(fd, False)
        log = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        self.stdout = os.fdopen(os.dup(self._saved[0]), "w", buffering=1, closefd=True)
        self.stderr = os.fdopen(os.dup(self._saved[1]), "w", buffering=1, closefd=True)
        if self.verbose:
            self._tail = threading.Thread(target=self._copy_to_stderr, daemon=True)
            self._tail.start()
        return self

    def __exit__(self, *exc) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        if self._tail is not None:
            self._done.set()
            self._tail.join(timeout=5)
        if not self.keep and self.path.stat().st_size == 0:  # nothing was built, nothing was said
            self.path.unlink(missing_ok=True)
        for stream in (self.stdout, self.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        if not self.restore:
            return
        os.dup2(self._saved[0], 1)
        os.dup2(self._saved[1], 2)
        for fd in self._saved:
            os.close(fd)
        for stream in (self.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass
        self.stdout, self.stderr = sys.stdout, sys.stderr

    def _copy_to_stderr(self) -> None:
        """-v: what the log gets, on the real stderr too, a fraction of a second later, in whole lines (a
        line ends at a newline or a progress bar's carriage return), so that our own lines never land in the
        middle of a library's."""
        with open(self.path, "rb") as log:
            partial = b""
            while True:
                done = self._done.is_set()  # before the read: what was written before the end is read
                chunk = log.read(1 << 16)
                if chunk:
                    data = partial + chunk
                    cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
                    if cut:
                        os.write(self._saved[1], data[:cut])
                    partial = data[cut:]
                    continue
                if done:
                    if partial:
                        os.write(self._saved[1], partial)
                    return
                time.sleep(0.1)
