"""A contained run: a program and its tests in a bubblewrap sandbox (new user, pid, network, mount, IPC and
UTS namespaces), held to rlimits and a wall-clock limit, its verdict from the harness's reports."""

from __future__ import annotations

import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import time

from transforms.sandbox.errors import SandboxUnavailable
from transforms.sandbox.limits import Limits
from transforms.sandbox.program import Program
from transforms.sandbox.python import PythonRuntime
from transforms.sandbox.result import Reports, Result, signal_of, verdict

NOBODY = 65534  # who the sandbox runs as, outside, when started by root: RLIMIT_NPROC never binds root
INSIDE = 1000  # who it runs as inside: not root, so it holds no capability even in its own namespaces
STDERR_KEEP = 16 << 10  # bytes of stderr kept while it runs (the last lines are cut from them)
REPORTS_MAX = 1 << 20  # bytes of reports believed: more is a program writing on the channel
GONE_WITHIN = 10.0  # seconds a killed sandbox has to be gone, every process of it
# Devices it may open (no /dev/pts, no /dev/shm, none of the host's hardware); no /proc at all.
DEVICES = [a for d in ("null", "zero", "full", "random", "urandom")
           for a in ("--dev-bind", f"/dev/{d}", f"/dev/{d}")]
INSTALL = ("install it (`apt-get install bubblewrap` on Debian or Ubuntu, `dnf install bubblewrap` on "
           "Fedora); code is never run outside a sandbox")


class Sandbox:
    """Runs programs contained: `run(program)` -> Result, a fresh sandbox each run. Refuses
    (SandboxUnavailable, one line) where bubblewrap, util-linux or user namespaces are missing: there is no
    uncontained fallback."""

    def __init__(self, runtime=None, limits: Limits | None = None, bwrap: str = "bwrap",
                 prlimit: str = "prlimit", setpriv: str = "setpriv"):
        self.runtime = runtime or PythonRuntime()
        self.limits = limits or Limits()
        self.bwrap, self.prlimit, self.setpriv = bwrap, prlimit, setpriv
        self._options: list[str] | None = None  # bubblewrap and its options, all but the per-run ones
        self._inside: list[str] = []  # what runs before the runtime inside (prlimit, where it sets limits)

    def __getstate__(self) -> dict:
        return self.__dict__ | {"_options": None}  # checked again where it is unpickled

    @property
    def user(self) -> int | None:
        """The uid it drops to before creating namespaces (root only): the run's processes then count."""
        return NOBODY if os.geteuid() == 0 else None

    def ready(self) -> Sandbox:
        """Check once that a contained run works here; raise SandboxUnavailable saying what is missing."""
        if self._options is not None:
            return self
        try:  # how a run is watched and fed: pidfds (Linux 5.3) and memory files (Linux 3.17)
            os.close(os.pidfd_open(os.getpid()))
            os.close(os.memfd_create("probe", os.MFD_CLOEXEC))
        except (AttributeError, OSError) as e:
            raise SandboxUnavailable(f"sandbox: needs Linux 5.3 or newer (pidfd_open, memfd_create): {e}") \
                from None
        bwrap = shutil.which(self.bwrap)
        if bwrap is None:
            raise SandboxUnavailable(f"sandbox: bubblewrap is not installed (no `{self.bwrap}`): {INSTALL}")
        usage = subprocess.run([bwrap, "--help"], capture_output=True, text=True, env={}).stdout
        if "--size" not in usage:
            raise SandboxUnavailable(f"sandbox: {bwrap} is too old (no --size for a bounded /tmp): "
                                     "bubblewrap 0.6 or newer is needed")
        # Dropping to NOBODY by an exec of setpriv, not by Popen(user=): that would fork the whole caller
        # (tens of ms at a worker's size) where Popen otherwise uses vfork.
        drop = [_tool(self.setpriv), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"] \
            if self.user is not None else []
        # Rlimits: set by the runtime's harness where it can (Python's), else by prlimit inside the sandbox
        # (after its user namespace exists: RLIMIT_NPROC set before would cap all sandboxes together).
        self._inside = [] if getattr(self.runtime, "sets_limits", False) else [_tool(self.prlimit)]
        self.runtime.resolve(self.user if self.user is not None else os.geteuid())
        self._options = drop + self._base(bwrap, "--disable-userns" in usage)
        probe = self.run(Program("", "assert True"))
        if not probe.passed:
            self._options = None
            why = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else probe.reason
            raise SandboxUnavailable(
                f"sandbox: bubblewrap cannot start a sandbox here ({why}); it needs user namespaces "
                "(sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 "
                "an AppArmor profile that lets bwrap use them)")
        return self

    def _base(self, bwrap: str, disable_userns: bool) -> list[str]:
        tmp = ["--size", str(self.limits.tmp_mb << 20), "--tmpfs", "/tmp"]
        env = [a for k, v in self.runtime.env().items() for a in ("--setenv", k, v)]
        return [bwrap, "--unshare-all", "--unshare-user", *(["--disable-userns"] if disable_userns else []),
                "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--uid", str(INSIDE),
                "--gid", str(INSIDE), "--hostname", "sandbox", *self.runtime.binds(), *DEVICES, *tmp,
                "--chdir", "/tmp", "--clearenv", *env]

    def runtime_info(self) -> str:
        """The runtime that would run programs here (its interpreter and version), without starting one."""
        self.runtime.resolve(self.user if self.user is not None else os.geteuid())
        return self.runtime.describe()

    def describe(self) -> dict:
        """What runs programs here, for reports: the runtime and the limits."""
        self.ready()
        return {"runtime": self.runtime.describe(), "limits": vars(self.limits).copy()}

    def run(self, program: Program, limits: Limits | None = None) -> Result:
        """One contained run of `program` (a fresh sandbox each time): its Result."""
        if self._options is None:
            self.ready()
        limits = limits or self.limits
        nonce = secrets.token_hex(16)
        reports_r, reports_w = os.pipe()  # the harness's reports
        info_r, info_w = os.pipe()  # bubblewrap's: the sandbox's first process, to kill it all at the limit
        job = os.memfd_create("job", os.MFD_CLOEXEC)
        started = time.monotonic()
        try:
            os.write(job, self.runtime.payload(program, nonce, reports_w, limits))
            os.lseek(job, 0, os.SEEK_SET)
            inside = [*self._inside, *limits.prlimit(), "--"] if self._inside else []
            command = [*self._options, "--info-fd", str(info_w), "--", *inside, *self.runtime.argv()]
            proc = subprocess.Popen(command, stdin=job, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    pass_fds=(reports_w, info_w), env={}, start_new_session=True)
        except OSError as e:
            os.close(reports_r)
            os.close(info_r)
            raise SandboxUnavailable(f"sandbox: cannot start {self._options[0]}: {e}") from None
        finally:
            for fd in (reports_w, info_w, job):
                os.close(fd)
        reports = Reports(nonce)
        stderr, killed = _watch(proc, reports_r, info_r, reports, started + limits.timeout)
        proc.wait()
        seconds = time.monotonic() - started
        exit_status = None if killed else _exit_status(proc.returncode)
        # SIGXCPU at the CPU limit; SIGKILL a second later where the program ignored it (its CPU time is not
        # reported back through bubblewrap: a SIGKILL after at least the limit in wall time counts).
        killed_by = -exit_status if exit_status is not None and exit_status < 0 else None
        over_cpu = killed_by == signal.SIGXCPU or (killed_by == signal.SIGKILL and seconds >= limits.cpu)
        tail = stderr.decode("utf-8", "replace").splitlines()[-limits.stderr_lines:]
        return verdict(reports, exit_status, killed, over_cpu, seconds, "\n".join(tail))


def _watch(proc: subprocess.Popen, reports_r: int, info_r: int, reports: Reports, deadline: float):
    """Read reports and stderr until the sandbox has ended and both are closed, or until the deadline (then
    kill it all, found from bubblewrap's info); returns the tail of stderr and whether it was killed."""
    tail, size, killed = bytearray(), 0, False
    exited = os.pidfd_open(proc.pid)
    with selectors.DefaultSelector() as sel:
        for fd in (reports_r, proc.stderr.fileno(), exited):
            sel.register(fd, selectors.EVENT_READ)
        try:
            while len(sel.get_map()):
                left = deadline - time.monotonic()
                if left <= 0 and not killed:
                    killed = _kill(proc, info_r)  # then what it wrote before it died is read to the end
                elif killed and left < -GONE_WITHIN:
                    break
                for key, _ in sel.select(max(left, 0) if not killed else 1.0):
                    if key.fd == exited:  # the pipes close with it: read them to their ends, then stop
                        sel.unregister(exited)
                        continue
                    data = os.read(key.fd, 1 << 16)
                    if not data:
                        sel.unregister(key.fd)
                    elif key.fd == reports_r:
                        size += len(data)
                        if size > REPORTS_MAX:
                            reports.broken = "too many reports"
                        reports.feed(data)
                    else:
                        tail += data
                        del tail[:-STDERR_KEEP]
        finally:
            for fd in (reports_r, info_r, exited):
                os.close(fd)
            proc.stderr.close()
    return bytes(tail), killed


def _kill(proc: subprocess.Popen, info_r: int) -> bool:
    """Kill the sandbox and wait until every process of it is gone: its first process (the init of its pid
    namespace, whose death takes the namespace's every process with it), then bubblewrap if it lingers."""
    os.set_blocking(info_r, False)
    try:
        first = json.loads(os.read(info_r, 1 << 16))["child-pid"]  # bubblewrap wrote it as it started
    except (OSError, ValueError, KeyError, TypeError):
        first = None  # not started yet: bubblewrap's group is all there is
    if first is not None:
        try:
            gone = os.pidfd_open(first)
        except ProcessLookupError:
            pass
        else:
            try:
                os.kill(first, signal.SIGKILL)
                with selectors.DefaultSelector() as sel:
                    sel.register(gone, selectors.EVENT_READ)
                    sel.select(GONE_WITHIN)
            finally:
                os.close(gone)
    try:
        proc.wait(1.0)  # bubblewrap reaps its first process and ends
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    return True


def _tool(name: str) -> str:
    """A util-linux program the sandbox needs (setpriv, prlimit), or the one-line refusal."""
    path = shutil.which(name)
    if path is None:
        raise SandboxUnavailable(f"sandbox: util-linux's {name} is not installed (no `{name}`): install "
                                 "util-linux; code is never run outside a sandbox")
    return path


def _exit_status(code: int) -> int:
    """bubblewrap's exit code as the program's: negative for the signal that killed it."""
    number = signal_of(code)
    return -number if number is not None else code
