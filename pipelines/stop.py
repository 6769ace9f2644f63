"""A stop that stops: SIGINT or SIGTERM ends a build within seconds. The processes it started (executor
workers, vLLM engine cores, a local Ray) are ended first, then BuildStopped is raised where the build is:
not an Exception, so no retry policy sees it; no version is written; finished stages and generated chunks
stay in the stage cache for the next build to resume from."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable

SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_S = 3.0  # how long a child has to end on SIGTERM before it is killed
DEADLINE_S = 15.0  # after a stop, the process ends by then, whatever the build is doing


class BuildStopped(BaseException):  # noqa: N818 (like KeyboardInterrupt: not an error, a request)
    """The build was asked to stop (SIGINT, SIGTERM)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a process ended by that signal


def children(spare: set[int] = frozenset()) -> list:
    """This process's descendants, without those under a spared pid (and the spared ones)."""
    import psutil

    found = []
    for child in psutil.Process().children(recursive=False):
        if child.pid in spare:
            continue
        found.append(child)
        try:
            found += [c for c in child.children(recursive=True) if c.pid not in spare]
        except psutil.Error:
            continue
    return found


def end(processes: list, grace: float = GRACE_S) -> None:
    """SIGTERM to each, then SIGKILL to those still there after `grace` seconds."""
    import psutil

    for p in processes:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(processes, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)


class StopOnSignal:
    """While inside (in the main thread), SIGINT and SIGTERM stop the build: the children are ended, but
    those `spare()` names (the orchestrator's own server, which records the stop), and BuildStopped is
    raised in the main thread, whose handler calls exit_now(). A second signal, or a build still running
    DEADLINE_S after the first, calls it at once. `on_exit(signum)` says what was stopped, once."""

    active: StopOnSignal | None = None  # the one in force in this process, for reinstall()

    def __init__(self, spare: Callable[[], set[int]] = set, on_exit: Callable[[int], None] | None = None):
        self.spare, self.on_exit = spare, on_exit
        self.signum: int | None = None
        self._previous: dict[int, object] = {}
        self._exiting = threading.Lock()

    def __enter__(self) -> StopOnSignal:
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        StopOnSignal.active = self
        return self

    def __exit__(self, *exc) -> None:
        StopOnSignal.active = None
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def install(self) -> None:
        """Put the handlers back where another library replaced them (an orchestrator's own)."""
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame) -> None:
        if self.signum is not None:  # asked twice: no more waiting
            self.exit_now(self.signum)
        self.signum = signum
        threading.Thread(target=self._deadline, daemon=True).start()
        spare = set(self.spare())
        end(children(spare))
        raise BuildStopped(signum)

    def _deadline(self) -> None:
        time.sleep(DEADLINE_S)
        self.exit_now(self.signum)

    def exit_now(self, signum: int) -> None:
        """Say what was stopped, end every child (the orchestrator's server too) and the process, skipping
        the exit handlers: they would talk to the server that is gone."""
        if not self._exiting.acquire(blocking=False):  # once, from whichever thread gets here first
            if threading.current_thread() is threading.main_thread():
                return  # a signal during the exit: the exit goes on where it was
            threading.Event().wait()  # the deadline's thread: the main thread is ending the process
        if self.on_exit:
            try:
                self.on_exit(signum)
            except Exception:  # noqa: BLE001 (the process ends whatever the message does)
                pass
        end(children(), grace=2.0)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(128 + signum)


def reinstall() -> None:
    """Inside an orchestrator's run that installed its own SIGTERM handler (Prefect's flow engine turns it
    into a crash it may retry): ours again, if a command put them in force."""
    if StopOnSignal.active is not None:
        StopOnSignal.active.install()


def requested() -> int | None:
    """The signal that asked this process's build to stop, if one did: whatever an engine raised after it (a
    broken pipe to the engine that was ended) is that stop, not a failure to retry."""
    return StopOnSignal.active.signum if StopOnSignal.active is not None else None
