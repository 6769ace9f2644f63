"""Root's sandboxes started by a small process of the sandbox's user: setpriv runs once per thread instead of
once per run, and bubblewrap is spawned by that process instead of the caller's (large) one."""

from __future__ import annotations

import marshal
import os
import socket
import subprocess
import sys
import threading

from transforms.sandbox.python import describe_interpreter, reachable

# The descriptors a sandbox started by the launcher has: stdin, stderr, the harness's reports and bubblewrap's
# status at these numbers; stdout is /dev/null.
REPORTS_FD, STATUS_FD = 3, 4

# The launcher: receives a command and its four descriptors (stdin, stderr, reports, status), spawns it in a
# session of its own with those descriptors and nothing else it holds (all else it has is close-on-exec), and
# answers `ok <pid>` with a pidfd of it. It reaps what it spawned and, as a child subreaper, the sandboxes'
# inits that bubblewrap leaves as it ends (else they wait on the system's init, which a container may lack).
# It ends when the caller closes its end (or dies: setpriv --pdeathsig), and the sandboxes it started die
# with it (bubblewrap's --die-with-parent).
LAUNCHER = """import fcntl, marshal, os, selectors, signal, socket
try:
    import ctypes
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
sock = socket.socket(fileno=0)
ended, wake = os.pipe()
os.set_blocking(wake, False)
signal.set_wakeup_fd(wake)
signal.signal(signal.SIGCHLD, lambda *_: None)
sel = selectors.DefaultSelector()
sel.register(sock, selectors.EVENT_READ)
sel.register(ended, selectors.EVENT_READ)
def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
while True:
    for key, _ in sel.select():
        if key.fileobj == ended:
            os.read(ended, 1 << 12)
            reap()
            continue
        message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 4, socket.MSG_CMSG_CLOEXEC)
        if not message:
            reap()
            os._exit(0)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds]
        for fd in fds:
            os.close(fd)
        try:
            argv = marshal.loads(message)
            actions = [(os.POSIX_SPAWN_DUP2, fd, n) for fd, n in zip(high, (0, 2, REPORTS_FD, STATUS_FD))]
            actions.append((os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0))
            pid = os.posix_spawn(argv[0], argv, {}, file_actions=actions, setsid=True)
            pidfd = os.pidfd_open(pid)
        except Exception as e:
            sock.send(("! " + repr(e)).encode())
            continue
        finally:
            for fd in high:
                os.close(fd)
        socket.send_fds(sock, [b"ok " + str(pid).encode()], [pidfd])
        os.close(pidfd)
""".replace("REPORTS_FD", str(REPORTS_FD)).replace("STATUS_FD", str(STATUS_FD))


def launcher_python(drop: list[str], uid: int) -> str | None:
    """An interpreter `uid` can run for a launcher (Python 3.9 or newer: pidfds, descriptors over sockets)
    where setpriv can tie it to its caller (--pdeathsig, util-linux 2.33); None: setpriv is run each run."""
    usage = subprocess.run([drop[0], "--help"], capture_output=True, text=True, env={}).stdout
    if "--pdeathsig" not in usage:
        return None
    for candidate in (getattr(sys, "_base_executable", sys.executable), "/usr/bin/python3",
                      "/usr/local/bin/python3"):
        path = os.path.realpath(candidate)
        if os.path.isfile(path) and reachable(path, uid):
            version = describe_interpreter(path)["version"]
            if tuple(int(n) for n in version.split(".")[:2]) >= (3, 9):
                return path
    return None


class Launcher:
    """A launcher process, run as the sandbox's user by `drop` (setpriv ...), with the interpreter `python`;
    used by the thread that started it (its death ends the launcher: --pdeathsig)."""

    def __init__(self, drop: list[str], python: str):
        self.owner = os.getpid()
        self.thread = threading.current_thread()  # it dies with this thread (--pdeathsig)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            command = [*drop, "--pdeathsig", "SIGKILL", "--", python, "-I", "-S", "-B", "-c", LAUNCHER]
            self.proc = subprocess.Popen(command, stdin=theirs, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, env={}, cwd="/", start_new_session=True)
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        self.lock = threading.Lock()

    def alive(self) -> bool:
        """Whether it can start sandboxes: this process's, not closed and still running."""
        return self.owner == os.getpid() and self.sock.fileno() >= 0 and self.proc.poll() is None

    def spawn(self, argv: list[str], fds: tuple[int, int, int, int]) -> tuple[int, int]:
        """Start `argv` with (stdin, stderr, reports, status) at 0, 2, REPORTS_FD and STATUS_FD: its pid and a
        pidfd of it. OSError where it cannot."""
        with self.lock:
            socket.send_fds(self.sock, [marshal.dumps(argv)], list(fds))
            answer, got, _, _ = socket.recv_fds(self.sock, 1 << 12, 1)
        if answer.startswith(b"ok ") and len(got) == 1:
            return int(answer[3:]), got[0]
        for fd in got:
            os.close(fd)
        raise OSError(answer[2:].decode("utf-8", "replace") if answer else "the sandbox launcher has ended")

    def close(self) -> None:
        """End it (its sandboxes end with it); in a forked child, only forget it."""
        self.sock.close()
        if self.owner != os.getpid():
            return
        try:
            self.proc.wait(1.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
