"""A contained run: a program and its tests in a bubblewrap sandbox (new user, pid, network, mount, IPC and
UTS namespaces), held to rlimits and a wall-clock limit, its verdict from the harness's reports."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
import weakref
from collections import deque

from transforms.sandbox.errors import SandboxUnavailable
from transforms.sandbox.launcher import Launcher, launcher_python
from transforms.sandbox.limits import Limits
from transforms.sandbox.program import Program
from transforms.sandbox.python import PythonRuntime
from transforms.sandbox.result import Reports, Result, signal_of, verdict
from transforms.sandbox.started import Started

NOBODY = 65534  # who the sandbox runs as, outside, when started by root: RLIMIT_NPROC never binds root
INSIDE = 1000  # who it runs as inside: not root, so it holds no capability even in its own namespaces
# Sandboxes started ahead per thread: two in flight keep a caller that runs one program after another from
# waiting on a start-up (about 4 MB of memory each while idle; bench/README.md has the figures).
AHEAD = 2
# Devices it may open (no /dev/pts, no /dev/shm, none of the host's hardware); no /proc at all.
DEVICES = [a for d in ("null", "zero", "full", "random", "urandom")
           for a in ("--dev-bind", f"/dev/{d}", f"/dev/{d}")]
INSTALL = ("install it (`apt-get install bubblewrap` on Debian or Ubuntu, `dnf install bubblewrap` on "
           "Fedora); code is never run outside a sandbox")


class Sandbox:
    """Runs programs contained: `run(program)` -> Result, a fresh sandbox each run. With `ahead` (n), a
    thread's next n sandboxes start while its run goes on, then wait idle for their programs (`close()`
    ends them): a run then waits only for its program, on cores that would idle between runs.
    Refuses (SandboxUnavailable, one line) where bubblewrap, util-linux or user namespaces are missing: there
    is no uncontained fallback."""

    def __init__(self, runtime=None, limits: Limits | None = None, bwrap: str = "bwrap",
                 prlimit: str = "prlimit", setpriv: str = "setpriv", ahead: int = AHEAD):
        self.runtime = runtime or PythonRuntime()
        self.limits = limits or Limits()
        self.bwrap, self.prlimit, self.setpriv = bwrap, prlimit, setpriv
        self.ahead = int(ahead)  # sandboxes started ahead per thread (a bool reads as 1 or 0)
        self._options: list[str] | None = None  # bubblewrap and its options, all but the per-run ones
        self._inside: list[str] = []  # what runs before the runtime inside (prlimit, where it sets limits)
        self._drop: list[str] = []  # setpriv and its options, where root drops to NOBODY
        self._launch_with: str | None = None  # the interpreter of root's launchers (none: setpriv each run)
        self._started()

    def _started(self) -> None:
        """Per thread: the sandboxes started ahead and the launcher; all known to close()."""
        self._local = threading.local()
        self._lock = threading.Lock()
        self._spares: set[Started] = set()
        self._launchers: set[Launcher] = set()
        # A Sandbox dropped leaves nothing running.
        weakref.finalize(self, _discard, self._spares, self._launchers, self._lock)

    def __getstate__(self) -> dict:
        skip = ("_local", "_lock", "_spares", "_launchers")
        return {k: v for k, v in self.__dict__.items() if k not in skip} | {"_options": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)  # checked again (ready) where it is unpickled
        self._started()

    @property
    def user(self) -> int | None:
        """The uid it drops to before creating namespaces (root only): the run's processes then count."""
        return NOBODY if os.geteuid() == 0 else None

    def ready(self) -> Sandbox:
        """Check once that a contained run works here; raise SandboxUnavailable saying what is missing."""
        if self._options is not None:
            return self
        try:  # how a run is watched and killed: pidfds (Linux 5.3)
            os.close(os.pidfd_open(os.getpid()))
        except (AttributeError, OSError) as e:
            raise SandboxUnavailable(f"sandbox: needs Linux 5.3 or newer (pidfd_open): {e}") from None
        bwrap = shutil.which(self.bwrap)
        if bwrap is None:
            raise SandboxUnavailable(f"sandbox: bubblewrap is not installed (no `{self.bwrap}`): {INSTALL}")
        usage = subprocess.run([bwrap, "--help"], capture_output=True, text=True, env={}).stdout
        if "--size" not in usage:
            raise SandboxUnavailable(f"sandbox: {bwrap} is too old (no --size for a bounded /tmp): "
                                     "bubblewrap 0.6 or newer is needed")
        # Dropping to NOBODY by an exec of setpriv, not by Popen(user=): that would fork the whole caller
        # (tens of ms at a worker's size) where Popen otherwise uses vfork. Once per thread where it can: a
        # launcher of NOBODY's spawns the sandboxes (an exec and 1-2 ms of CPU fewer a run).
        self._drop = [_tool(self.setpriv), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] \
            if self.user is not None else []
        self._launch_with = launcher_python(self._drop, NOBODY) if self._drop else None
        # Rlimits: set by the runtime's harness where it can (Python's), else by prlimit inside the sandbox
        # (after its user namespace exists: RLIMIT_NPROC set before would cap all sandboxes together).
        self._inside = [] if getattr(self.runtime, "sets_limits", False) else [_tool(self.prlimit)]
        self.runtime.resolve(self.user if self.user is not None else os.geteuid())
        self._options = self._base(bwrap, "--disable-userns" in usage)
        probe = self._run(Program("", "assert True"), self.limits, ahead=0)
        if not probe.passed:
            self._options = None
            self.close()
            why = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else probe.reason
            raise SandboxUnavailable(
                f"sandbox: bubblewrap cannot start a sandbox here ({why}); it needs user namespaces "
                "(sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 "
                "an AppArmor profile that lets bwrap use them)")
        return self

    def _base(self, bwrap: str, disable_userns: bool) -> list[str]:
        env = [a for k, v in self.runtime.env().items() for a in ("--setenv", k, v)]
        return [bwrap, "--unshare-all", "--unshare-user", *(["--disable-userns"] if disable_userns else []),
                "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--uid", str(INSIDE),
                "--gid", str(INSIDE), "--hostname", "sandbox", *self.runtime.binds(), *DEVICES,
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
        return self._run(program, limits or self.limits, self.ahead)

    def _run(self, program: Program, limits: Limits, ahead: int) -> Result:
        if self._options is None:
            self.ready()
        key = self._command(limits)
        sandbox = self._spare(key)
        try:
            sandbox = sandbox or self._start(key)
        except OSError as e:
            raise SandboxUnavailable(f"sandbox: cannot start {self._options[0]}: {e}") from None
        nonce = secrets.token_hex(16)
        given = time.monotonic()  # the wall-clock limit runs from here: a sandbox started ahead waited idle
        sandbox.give(self.runtime.payload(program, nonce, sandbox.fd, limits))
        self._keep(key, ahead)  # the next runs' sandboxes start now, while this one runs
        reports = Reports(nonce)
        stderr, killed = sandbox.watch(reports, given + limits.timeout)
        seconds = time.monotonic() - given
        exit_status = None if killed else _exit_status(sandbox.exit_code)
        # SIGXCPU at the CPU limit; SIGKILL a second later where the program ignored it (its CPU time is not
        # reported back through bubblewrap: a SIGKILL after at least the limit in wall time counts).
        killed_by = -exit_status if exit_status is not None and exit_status < 0 else None
        over_cpu = killed_by == signal.SIGXCPU or (killed_by == signal.SIGKILL and seconds >= limits.cpu)
        tail = stderr.decode("utf-8", "replace").splitlines()[-limits.stderr_lines:]
        return verdict(reports, exit_status, killed, over_cpu, seconds, "\n".join(tail))

    def _command(self, limits: Limits) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """bubblewrap and its options for a run held to `limits`, and what runs inside: a sandbox started
        ahead for the same is as good as a new one."""
        tmp = ("--size", str(limits.tmp_mb << 20), "--tmpfs", "/tmp")
        inside = (*self._inside, *limits.prlimit(), "--") if self._inside else ()
        return (*self._options, *tmp), (*inside, *self.runtime.argv())

    def _start(self, key: tuple[tuple[str, ...], tuple[str, ...]]) -> Started:
        """A sandbox for `key`, started by this thread's launcher (a new one if it has ended), else here."""
        preamble = getattr(self.runtime, "preamble", None)
        preamble = preamble() if preamble is not None else b""
        if self._launch_with is None:
            return Started(*key, preamble, drop=[*self._drop, "--"] if self._drop else [])
        for attempt in (1, 2):
            launcher = getattr(self._local, "launcher", None)
            if launcher is None or not launcher.alive():
                self._prune()
                launcher = self._local.launcher = Launcher(self._drop, self._launch_with)
                with self._lock:
                    self._launchers.add(launcher)
            try:
                return Started(*key, preamble, launcher)
            except OSError:
                if attempt == 2:
                    raise
                launcher.close()  # it died (killed, or its thread's launcher closed): once more, a new one
        raise AssertionError("unreachable")

    def _spare(self, key: tuple[tuple[str, ...], tuple[str, ...]]) -> Started | None:
        """This thread's oldest sandbox started ahead for `key` that is still up (others are ended)."""
        queue = self._queue()
        while queue:
            spare = queue.popleft()
            with self._lock:
                if spare not in self._spares:  # close() has ended it
                    continue
                self._spares.discard(spare)
            if spare.key == key and spare.alive():
                return spare
            spare.discard()
        return None

    def _queue(self) -> deque[Started]:
        if not hasattr(self._local, "spares"):
            self._local.spares = deque()
        return self._local.spares

    def _keep(self, key: tuple[tuple[str, ...], tuple[str, ...]], ahead: int) -> None:
        """Start sandboxes for this thread's next runs, up to `ahead` of them. Kept per thread: bubblewrap
        dies with the thread that started it (--die-with-parent), so only that thread may hand it a job."""
        queue = self._queue()
        if ahead and len(self._spares) > ahead * threading.active_count():
            self._prune()
        while len(queue) < ahead:
            try:
                spare = self._start(key)
            except OSError:
                return  # the next run starts its own, and says why if it cannot
            spare.key = key
            queue.append(spare)
            with self._lock:
                self._spares.add(spare)

    def _prune(self) -> None:
        """Forget what threads that have ended left (their sandboxes and launchers died with them): a caller
        that runs programs from short-lived threads does not pile up descriptors."""
        with self._lock:
            spares = {s for s in self._spares if not s.thread.is_alive()}
            launchers = {launcher for launcher in self._launchers if not launcher.thread.is_alive()}
            self._spares -= spares
            self._launchers -= launchers
        for spare in spares:
            spare.discard()
        for launcher in launchers:
            launcher.close()

    def close(self) -> None:
        """Kill the sandboxes started ahead (each thread's next) and end the launchers: nothing of this
        Sandbox is left running (a later run starts what it needs again)."""
        _discard(self._spares, self._launchers, self._lock)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _discard(spares: set[Started], launchers: set[Launcher], lock: threading.Lock) -> None:
    with lock:
        taken, ended = list(spares), list(launchers)
        spares.clear()
        launchers.clear()
    for spare in taken:
        spare.discard()
    for launcher in ended:
        launcher.close()


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
