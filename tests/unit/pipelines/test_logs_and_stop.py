"""A build's log takes what the process and its children write to file descriptors 1 and 2, the real
stdout and stderr stay ours; a stop ends the children, spares what it is told to until the end, says what
it stopped once, and ends the process with the signal's exit code, even from a build that ignores it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from support import ROOT

LOGGED = """
import atexit, subprocess, sys
from pathlib import Path
from pipelines.logs import BuildLog

verbose = sys.argv[2] == "verbose"
with BuildLog(Path(sys.argv[1]), verbose=verbose, restore=False) as log:
    log.keep = True
    print("python stdout")
    print("python stderr", file=sys.stderr)
    subprocess.run(["sh", "-c", "echo child stdout; echo child stderr >&2"], check=True)
    print("ours", file=log.stderr, flush=True)
    print("/datasets/x/v1", file=log.stdout, flush=True)
atexit.register(lambda: print("at exit", file=sys.stderr))
"""


def _python(script: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)


def test_the_log_takes_the_libraries_and_children_and_stdout_keeps_the_path(tmp_path):
    log = tmp_path / "build.log"
    done = _python(LOGGED, str(log), "quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "/datasets/x/v1\n"
    assert done.stderr == "ours\n"
    assert log.read_text().splitlines() == ["python stdout", "python stderr", "child stdout", "child stderr",
                                            "at exit"]


def test_verbose_shows_the_log_as_it_grows(tmp_path):
    done = _python(LOGGED, str(tmp_path / "build.log"), "verbose")
    assert done.stdout == "/datasets/x/v1\n"
    for line in ("python stderr", "child stdout", "child stderr", "ours"):
        assert line in done.stderr.splitlines()


HALF_LINE = """
import os, sys, time
from pathlib import Path
from pipelines.logs import BuildLog

with BuildLog(Path(sys.argv[1]), verbose=True, restore=False) as log:
    log.keep = True
    os.write(2, b"a library's half")
    time.sleep(0.5)  # the tail reads the log every 0.1 s: it has seen the half line
    print("ours", file=log.stderr, flush=True)
    os.write(2, b" line\\n")
    os.write(2, b"no newline at the end")
"""


def test_verbose_copies_whole_lines_so_ours_never_splits_a_librarys(tmp_path):
    done = _python(HALF_LINE, str(tmp_path / "build.log"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["ours", "a library's half line", "no newline at the end"]


STOPPED = """
import os, signal, subprocess, sys, threading, time
import pipelines.stop as stop_module
from pipelines.stop import BuildStopped, StopOnSignal

stop_module.DEADLINE_S = float(sys.argv[1])
ignore = sys.argv[2] == "ignore"
work = subprocess.Popen(["sleep", "120"])
server = subprocess.Popen(["sleep", "120"])
print(work.pid, server.pid, flush=True)
stop = StopOnSignal(spare=lambda: {server.pid}, on_exit=lambda s: print("stopped", s, flush=True))
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
with stop:
    try:
        time.sleep(60)
    except BuildStopped as e:
        print("work", "ended" if work.poll() is not None else "running",
              "server", "ended" if server.poll() is not None else "running", flush=True)
        if ignore:  # a build that goes on regardless: the deadline ends it
            time.sleep(60)
        stop.exit_now(e.signum)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[1].split()[0] == "Z"  # a zombie of a process that has ended
    except FileNotFoundError:
        return True


def test_a_stop_ends_the_children_spares_the_server_until_the_end_and_exits_143():
    started = time.monotonic()
    done = _python(STOPPED, "15", "heed")
    lines = done.stdout.splitlines()
    work, server = map(int, lines[0].split())
    assert done.returncode == 143
    assert lines[1:] == ["work ended server running", "stopped 15"]  # the server is spared until the end
    assert _gone(work) and _gone(server)  # both gone by the end
    assert time.monotonic() - started < 10


def test_a_build_that_ignores_the_stop_is_ended_at_the_deadline():
    started = time.monotonic()
    done = _python(STOPPED, "1", "ignore")
    lines = done.stdout.splitlines()
    assert done.returncode == 143 and lines[-1] == "stopped 15"
    assert all(_gone(int(pid)) for pid in lines[0].split())
    assert time.monotonic() - started < 10
