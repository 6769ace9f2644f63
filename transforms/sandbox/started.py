"""One sandbox, started before its program is known: bubblewrap's process, its pipes, the runtime waiting on
stdin for its job. Used for one run, then gone."""

from __future__ import annotations

import os
import re
import select
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Sequence

from transforms.sandbox.launcher import REPORTS_FD, STATUS_FD, Launcher

STDERR_KEEP = 16 << 10  # bytes of stderr kept while it runs (the last lines are cut from them)
REPORTS_MAX = 1 << 20  # bytes of reports believed: more is a program writing on the channel
STATUS_MAX = 1 << 16  # bytes of bubblewrap's status kept (a few short JSON lines)
GONE_WITHIN = 10.0  # seconds a killed sandbox has to be gone, every process of it
LINGER = 2.0  # seconds its pipes are read after bubblewrap ended (they close as soon as its processes die)
# bubblewrap's --json-status-fd: the sandbox's first process as it starts, the program's exit code as it ends.
CHILD_PID = re.compile(rb'"child-pid": (\d+)')
EXIT_CODE = re.compile(rb'"exit-code": (\d+)')
SETUP_FAILED = 1  # bubblewrap's own exit code where it could not make the sandbox (and so reported none)


class Started:
    """A sandbox up (or on its way up) with its runtime's preamble on stdin; `give(job)` hands it the one job
    it will ever run, `watch(...)` reads its reports and stderr until it has ended or is killed. Spawned by
    `launcher` where there is one (root's runs), else by this process, through `drop` (setpriv) if given."""

    def __init__(self, options: Sequence[str], inside: Sequence[str], preamble: bytes,
                 launcher: Launcher | None = None, drop: Sequence[str] = ()):
        self.owner = os.getpid()  # a forked child must neither use nor kill its parent's sandboxes
        self.thread = threading.current_thread()  # bubblewrap (or its launcher) dies with it
        self.key: tuple | None = None  # what it was started for (its command), where kept for a later run
        self.proc: subprocess.Popen | None = None  # bubblewrap, where this process is its parent
        self.exit_code: int | None = None
        self.reports, reports_w = os.pipe()  # the harness's reports
        self.status, status_w = os.pipe()  # bubblewrap's: its first process and the program's exit code
        stdin_r, self.stdin = os.pipe()  # the preamble now, the job when there is one: then its end
        self.stderr, stderr_w = os.pipe()
        self.said = b""  # what bubblewrap's status said so far
        self.pending = preamble
        try:
            if launcher is not None:
                self.fd = REPORTS_FD  # the channel's number inside
                command = [*options, "--json-status-fd", str(STATUS_FD), "--", *inside]
                self.pid, self.pidfd = launcher.spawn(command, (stdin_r, stderr_w, reports_w, status_w))
            else:
                self.fd = reports_w  # passed as it is
                command = [*drop, *options, "--json-status-fd", str(status_w), "--", *inside]
                self.proc = subprocess.Popen(command, stdin=stdin_r, stdout=subprocess.DEVNULL,
                                             stderr=stderr_w, pass_fds=(reports_w, status_w), env={},
                                             start_new_session=True)
                self.pid, self.pidfd = self.proc.pid, os.pidfd_open(self.proc.pid)
        except BaseException:
            for fd in (self.reports, self.status, self.stdin, self.stderr):
                os.close(fd)
            raise
        finally:
            for fd in (reports_w, status_w, stdin_r, stderr_w):
                os.close(fd)
        os.set_blocking(self.stdin, False)
        os.set_blocking(self.status, False)
        self._write()  # a preamble under a pipe's size goes at once; the rest with the job

    def alive(self) -> bool:
        """Whether it can still take a job: this process's, and bubblewrap not ended."""
        return self.owner == os.getpid() and self.pidfd >= 0 and not _ended(self.pidfd, 0)

    def give(self, job: bytes) -> None:
        """The job, after the preamble; stdin ends with it (what does not fit the pipe goes as it is read)."""
        self.pending += job
        self._write()

    def _write(self) -> bool:
        """Write what the pipe takes now: True once all is written (or the reader is gone)."""
        try:
            while self.pending:
                self.pending = self.pending[os.write(self.stdin, self.pending[:1 << 16]):]
        except BlockingIOError:
            return False
        except OSError:  # it ended without reading its job (EPIPE): what it said on stderr tells why
            self.pending = b""
        return True

    def watch(self, reports, deadline: float) -> tuple[bytes, bool]:
        """Feed its job, read reports (into `reports`), stderr and bubblewrap's status until it has ended and
        they are closed, or until the deadline (then kill it all); returns the tail of stderr and whether it
        was killed. Its exit code is then `exit_code`."""
        tail, size, killed, ended = bytearray(), 0, False, None
        with selectors.DefaultSelector() as sel:
            for fd in (self.reports, self.stderr, self.status, self.pidfd):
                sel.register(fd, selectors.EVENT_READ)
            if self.stdin >= 0:
                sel.register(self.stdin, selectors.EVENT_WRITE)
            try:
                while any(fd != self.stdin for fd in sel.get_map()):
                    now = time.monotonic()
                    left, lingered = deadline - now, now - ended if ended is not None else 0.0
                    if left <= 0 and not killed:
                        killed = self._kill()  # then what it wrote before it died is read to the end
                    elif (killed and left < -GONE_WITHIN) or lingered > LINGER:
                        break  # a process outside (a fork of the caller) holds a pipe open: enough
                    wait = max(left, 0) if not killed else 1.0
                    for key, _ in sel.select(wait if ended is None else min(wait, LINGER - lingered)):
                        if key.fd == self.stdin:
                            if self._write() or killed:
                                sel.unregister(self.stdin)
                                self._close_stdin()
                        elif key.fd == self.pidfd:  # the pipes close with it: read them to their ends
                            sel.unregister(self.pidfd)
                            ended = time.monotonic()
                        elif key.fd == self.status:
                            if not self._read_status():
                                sel.unregister(self.status)
                        elif not (data := os.read(key.fd, 1 << 16)):
                            sel.unregister(key.fd)
                        elif key.fd == self.reports:
                            size += len(data)
                            if size > REPORTS_MAX:
                                reports.broken = "too many reports"
                            reports.feed(data)
                        else:
                            tail += data
                            del tail[:-STDERR_KEEP]
            except BaseException:  # interrupted: nothing of it is left running
                if self.alive():
                    self._kill()
                raise
            finally:
                self._reap()
                self.close()
        found = EXIT_CODE.search(self.said)
        self.exit_code = int(found.group(1)) if found else (
            self.proc.returncode if self.proc is not None else SETUP_FAILED)
        return bytes(tail), killed

    def _read_status(self) -> bool:
        """Read what bubblewrap's status has now: False at its end."""
        try:
            data = os.read(self.status, 1 << 12)
        except BlockingIOError:
            return True
        if len(self.said) < STATUS_MAX:
            self.said += data
        return bool(data)

    def _reap(self) -> None:
        """Wait for bubblewrap itself to end (it does once its first process has), and reap it if ours."""
        if self.pidfd >= 0 and not _ended(self.pidfd, GONE_WITHIN):
            os.killpg(self.pid, signal.SIGKILL)  # its session: bubblewrap and whatever it had not yet made
        if self.proc is not None:
            self.proc.wait()

    def _close_stdin(self) -> None:
        if self.stdin >= 0:
            os.close(self.stdin)
            self.stdin = -1

    def close(self) -> None:
        """Close this end of its pipes (it is not killed: see discard)."""
        self._close_stdin()
        for name in ("reports", "status", "stderr", "pidfd"):
            if getattr(self, name) >= 0:
                os.close(getattr(self, name))
                setattr(self, name, -1)

    def discard(self) -> None:
        """An unused sandbox: killed (every process of it) and reaped; in a forked child, only forgotten."""
        if self.owner == os.getpid() and self.pidfd >= 0:
            if self.alive():
                self._kill()
            self._reap()
        self.close()

    def _kill(self) -> bool:
        """Kill the sandbox and wait until every process of it is gone: its first process (the init of its
        pid namespace, whose death takes the namespace's every process with it), then bubblewrap if it
        lingers."""
        self._read_status()  # bubblewrap writes it in one go as the sandbox starts
        found = CHILD_PID.search(self.said)  # none: not started yet, bubblewrap's session is all there is
        if found is not None and not _ended(self.pidfd, 0):  # while bubblewrap lives, its first is not reaped
            try:
                gone = os.pidfd_open(int(found.group(1)))
            except ProcessLookupError:
                pass
            else:
                try:
                    signal.pidfd_send_signal(gone, signal.SIGKILL)  # that process, even if its pid is reused
                    _ended(gone, GONE_WITHIN)
                except ProcessLookupError:
                    pass
                finally:
                    os.close(gone)
        if found is None or not _ended(self.pidfd, 1.0):  # else bubblewrap reaps its first process and ends
            os.killpg(self.pid, signal.SIGKILL)
            _ended(self.pidfd, GONE_WITHIN)
        return True


def _ended(pidfd: int, timeout: float) -> bool:
    """Whether the process of `pidfd` has ended, waiting up to `timeout` seconds for it."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(timeout * 1000))
