"""The Python runtime: which interpreter runs inside the sandbox, what of it is visible, and its harness."""

from __future__ import annotations

import functools
import json
import marshal
import os
import stat
import subprocess
import sys
from pathlib import Path

from transforms.sandbox import harness
from transforms.sandbox.errors import SandboxUnavailable
from transforms.sandbox.limits import Limits
from transforms.sandbox.program import Program

# Where a system keeps its shared libraries and programs (merged into /usr or not): visible read-only.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")


class PythonRuntime:
    """CPython with no site-packages (-S): the program and its tests see the standard library only."""

    language = "python"
    sets_limits = True  # its harness sets the rlimits before the program runs (one exec fewer than prlimit)

    def __init__(self, executable: str | None = None):
        self.executable = executable  # None: this interpreter's base, else the system's python3

    def resolve(self, uid: int) -> None:
        """Choose the interpreter the sandbox's user (`uid`) can reach, or refuse in one line."""
        given = [self.executable] if self.executable else [
            os.path.realpath(getattr(sys, "_base_executable", sys.executable)), "/usr/bin/python3",
            "/usr/local/bin/python3"]
        for candidate in given:
            path = os.path.realpath(candidate)
            if os.path.isfile(path) and reachable(path, uid):
                self.path, self.info = path, describe_interpreter(path)
                return
        raise SandboxUnavailable(
            f"sandbox: no Python interpreter that the sandbox's user (uid {uid}) can run: tried "
            f"{', '.join(given)} (a folder on the way not searchable by others?); install python3 under /usr "
            "or give the runtime an interpreter others can read")

    def describe(self) -> str:
        return f"python {self.info['version']} ({self.path})"

    def binds(self) -> list[str]:
        """bubblewrap options: the system and the interpreter read-only, its site-packages hidden."""
        args = []
        for path in SYSTEM:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        prefix = self.info["prefix"]
        if not any(prefix == p or prefix.startswith(p + "/") for p in SYSTEM):
            args += ["--ro-bind", prefix, prefix]
        for site in self.info["site"]:  # installed packages (maybe the build's own) are not the program's
            if os.path.isdir(site) and any(os.scandir(site)):
                args += ["--tmpfs", site]
        return args

    def env(self) -> dict[str, str]:
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
                "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}

    def argv(self) -> list[str]:
        return [self.path, "-S", "-B", "-c", BOOT]

    def preamble(self) -> bytes:
        """What stdin holds first, written as the sandbox starts (before any program is known): the harness,
        compiled by this interpreter and marshalled (the host writes it; nothing is unmarshalled the other
        way). The interpreter starts, loads it and waits for its job."""
        harness = _compiled(self.path)
        return len(harness).to_bytes(4, "little") + harness

    def payload(self, program: Program, nonce: str, fd: int, limits: Limits) -> bytes:
        """The job, after the preamble, marshalled: the program, the run's nonce and channel, the limits;
        its length first (stdin's end is not waited for: a process the caller forks may hold its pipe)."""
        job = marshal.dumps({"code": program.code, "tests": program.tests, "entry_point": program.entry_point,
                             "nonce": nonce, "fd": fd, "limits": limits.rlimits()})
        return len(job).to_bytes(8, "little") + job


# Loads the harness from stdin (compiled once by the sandbox's interpreter: parsing it was a sixth of a small
# run's CPU) while no program is known, then waits for the job and runs it: a sandbox started ahead of its
# program has its interpreter up and its harness loaded when the job comes.
BOOT = """import marshal, sys
_read = sys.stdin.buffer.read
_harness = {"__name__": "harness"}
exec(marshal.loads(_read(int.from_bytes(_read(4), "little"))), _harness)
_harness["main"](marshal.loads(_read(int.from_bytes(_read(8), "little"))))
"""


@functools.cache
def _compiled(path: str) -> bytes:
    """The harness's code object, marshalled by the interpreter at `path` (its own bytecode format)."""
    # Imported (its top level only defines things) so that it is part of every code version that runs it.
    source = Path(harness.__file__).read_bytes()
    compile_it = ("import marshal, sys; sys.stdout.buffer.write(marshal.dumps(compile("
                  "sys.stdin.buffer.read(), '<harness>', 'exec')))")
    try:
        return subprocess.run([path, "-I", "-S", "-c", compile_it], input=source, capture_output=True,
                              env={}, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise SandboxUnavailable(f"sandbox: {path} cannot compile the harness ({e})") from None


@functools.cache
def describe_interpreter(path: str) -> dict:
    """The interpreter's version, prefix and site-packages folders (asked once, with no site import)."""
    ask = ("import json, sys, sysconfig; p = sysconfig.get_paths(); print(json.dumps({'version': "
           "sys.version.split()[0], 'prefix': sys.base_prefix, "
           "'site': sorted({p['purelib'], p['platlib']})}))")
    try:
        out = subprocess.run([path, "-I", "-S", "-c", ask], capture_output=True, text=True, env={},
                             timeout=30, check=True).stdout
        return json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        raise SandboxUnavailable(f"sandbox: the interpreter {path} does not run ({e})") from None


def reachable(path: str, uid: int) -> bool:
    """Whether `uid` (not in the file's group) may run `path`: every folder on the way searchable."""
    if uid == os.geteuid():
        return os.access(path, os.X_OK)
    parts = Path(path).parts
    for i in range(1, len(parts) + 1):
        st = os.stat(Path(*parts[:i]))
        need = stat.S_IXOTH if i < len(parts) else stat.S_IXOTH | stat.S_IROTH
        own = (stat.S_IXUSR if i < len(parts) else stat.S_IXUSR | stat.S_IRUSR) if st.st_uid == uid else 0
        if st.st_mode & need != need and not (own and st.st_mode & own == own):
            return False
    return True
