"""The sandbox against hostile programs: each contained and counted by its reason; a pass proved by the
harness, never by an exit status; a refusal in one line where containment is missing."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from textwrap import dedent

import pytest

from transforms.errors import TransformError
from transforms.sandbox import REASONS, Limits, Pool, Program, Sandbox, SandboxUnavailable
from transforms.sandbox.result import Reports, verdict

ADD = "def add(a, b):\n    return a + b\n"
pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(limits=Limits(timeout=5)).ready()


def run(sandbox: Sandbox, code: str, tests: str = "assert True\n", **limits):
    return sandbox.run(Program(dedent(code), dedent(tests)), Limits(**{"timeout": 5, **limits}))


# What a test file can be.

def test_asserts_pass_and_each_assert_is_a_test(sandbox):
    result = run(sandbox, ADD, "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n")
    assert (result.reason, result.passed, result.tests, result.ran) == ("passed", True, 2, 2)
    assert result.exit_status == 0 and result.failed == ()


def test_a_failing_assert_names_itself_and_the_line(sandbox):
    result = run(sandbox, ADD, "import math\nassert add(1, 2) == 3\nassert add(2, 2) == 5, 'off by one'\n")
    assert result.reason == "tests_failed" and (result.tests, result.ran) == (2, 2)
    assert result.failed == ("assert add(2, 2) == 5, 'off by one': AssertionError: off by one "
                             "(tests.py line 3)",)
    assert "AssertionError: off by one" in result.stderr and 'File "tests.py", line 3' in result.stderr


def test_humaneval_check_is_called_with_the_entry_point(sandbox):
    tests = "METADATA = {}\n\ndef check(candidate):\n    assert candidate(2, 3) == 5\n"
    two = ADD + "def helper():\n    pass\n"
    assert sandbox.run(Program(two, tests, "add")).passed
    assert sandbox.run(Program(ADD, tests)).passed  # the code's only function
    wrong = sandbox.run(Program(two, tests))
    assert wrong.reason == "tests_failed" and "no entry point" in wrong.failed[0]


def test_test_functions_and_asserts_in_loops_are_tests(sandbox):
    tests = """\
        def test_one():
            assert add(1, 1) == 2

        def test_two():
            assert add(1, 1) == 3
        """
    result = run(sandbox, ADD, tests)
    assert (result.reason, result.tests, result.failed) == (
        "tests_failed", 2, ("test_two(): AssertionError (tests.py line 5)",))
    assert run(sandbox, ADD, "for i in range(5):\n    assert add(i, i) == 2 * i\n").tests == 1


def test_a_long_test_file_counts_every_failure_and_lists_the_first(sandbox):
    tests = "".join(f"assert add({i}, 0) == {i + 1}, 'x' * 150\n" for i in range(3000))
    result = run(sandbox, ADD, tests, timeout=30)
    assert (result.reason, result.tests, result.ran, result.failures, len(result.failed)) == (
        "tests_failed", 3000, 3000, 3000, 20)
    assert result.failed[-1].startswith("assert add(19, 0) == 20")


def test_syntax_errors_and_no_tests(sandbox):
    assert run(sandbox, "def add(a, b)\n    return a\n").reason == "syntax_error"
    assert run(sandbox, ADD, "assert add(1,\n").reason == "syntax_error"
    assert run(sandbox, ADD + "\0").reason == "syntax_error"
    assert run(sandbox, ADD, "x = add(1, 2)\n").reason == "no_tests"


def test_the_program_sees_the_standard_library_only(sandbox):
    assert run(sandbox, "import json, collections", "assert json.dumps([1]) == '[1]'").passed
    missing = run(sandbox, "import pyarrow")
    assert missing.reason == "crashed" and "ModuleNotFoundError" in missing.failed[0]


# Leaving early is failing, never passing.

@pytest.mark.parametrize("code", [
    "import sys\nsys.exit(0)\n", "raise SystemExit(0)\n", "import os\nos._exit(0)\n",
    "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"])
def test_exiting_before_the_tests_run_is_not_a_pass(sandbox, code):
    result = run(sandbox, code, "assert False\n")
    assert result.reason == "crashed" and not result.passed and result.ran == 0


def test_exiting_in_a_test_is_not_a_pass(sandbox):
    code = "import os, sys\ndef leave():\n    os._exit(0)\ndef quit():\n    sys.exit(0)\n"
    assert run(sandbox, code, "assert leave() is None\n").reason == "crashed"
    assert run(sandbox, code, "assert quit() is None\n").reason == "tests_failed"


def test_a_forged_success_is_not_a_pass(sandbox):
    # Success lines on stdout and on every descriptor it might guess is the channel, then a clean exit.
    code = """\
        import os
        print("passed")
        print("ok 1 - all tests passed")
        for fd in range(1, 64):
            for line in (b"x plan 0\\n", b"x code -\\n", b"x done\\n", b"done\\n"):
                try:
                    os.write(fd, line)
                except OSError:
                    pass
        os._exit(0)
        """
    result = run(sandbox, code, "assert False\n")
    assert result.reason == "crashed" and not result.passed


def test_a_child_that_returns_into_the_harness_reports_nothing(sandbox):
    assert run(sandbox, "import os\nos.fork()\n", "assert True\nassert 1 == 1\n").passed


def test_reports_without_the_nonce_or_out_of_order_are_not_believed():
    good = Reports("n")
    good.feed(b"n plan 1\nn code -\nn test 0 61 -\nn done\n")
    assert verdict(good, 0, False, False, 0.1, "").reason == "passed"
    for forged in (b"x plan 1\nx code -\nx test 0 61 -\nx done\n", b"n plan 1\nn code -\nn done\n",
                   b"n plan 2\nn code -\nn test 1 61 -\nn test 0 61 -\nn done\n", b"n done\n",
                   b"n plan 1\nn code -\nn test 0 61 -\nn done\nn plan 1\n"):
        reports = Reports("n")
        reports.feed(forged)
        assert verdict(reports, 0, False, False, 0.1, "").reason == "crashed", forged


# Contained: time, memory, processes, files.

def test_an_infinite_loop_is_killed_at_the_timeout(sandbox):
    result = run(sandbox, "while True:\n    pass\n", timeout=2)
    assert result.reason == "timeout" and result.ran == 0
    sleeper = run(sandbox, "import time\ntime.sleep(60)\n", timeout=2)
    assert sleeper.reason == "timeout" and sleeper.exit_status is None  # killed at the wall-clock limit
    partway = run(sandbox, ADD, "assert add(1, 1) == 2\nassert add(1, 1) == 3\nwhile True:\n    pass\n"
                                "assert add(2, 2) == 4\n", timeout=2)
    assert (partway.reason, partway.tests, partway.ran, partway.failures) == ("timeout", 3, 2, 1)


def test_a_program_that_ignores_sigxcpu_is_stopped_at_its_cpu_limit(sandbox):
    code = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n"
    result = run(sandbox, code, timeout=60, cpu_seconds=1)
    assert result.reason == "timeout" and result.exit_status == -signal.SIGKILL


def test_a_memory_hog_fails_with_memory(sandbox):
    result = run(sandbox, "hog = bytearray(10 * 1024 ** 3)\n")
    assert result.reason == "memory" and "MemoryError" in result.failed[0]
    assert run(sandbox, ADD, "assert len([0] * 10 ** 10) > 0\n").reason == "memory"


def _status(pid: str) -> dict[str, str]:
    path = Path("/proc") / pid / "status"
    return dict(line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)


def _processes_of(uid: int) -> list[str]:
    """The live processes (not zombies) of `uid` that this process or no one owns: those under another test's
    sandboxes (pytest-xdist runs other modules beside this one) lead up to that test's process instead."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = _status(status.parent.name)
            if int(fields["Uid"].split()[0]) != uid or fields["State"].strip().startswith("Z"):
                continue
            owner = fields["PPid"].strip()  # the first ancestor of another user: its sandbox's owner
            while owner not in ("0", "1") and int(_status(owner)["Uid"].split()[0]) == uid:
                owner = _status(owner)["PPid"].strip()
        except (OSError, KeyError):
            continue
        if owner in ("0", "1", str(os.getpid())):  # left behind: orphaned, or still under this test
            found.append(f"{status.parent.name} {fields['Name'].strip()}")
    return found


def test_a_fork_bomb_is_held_to_its_processes_and_leaves_nothing(sandbox):
    counted = """\
        import os, time
        forks = 0
        for _ in range(200):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            forks += 1
        """
    # Forking works, until the run holds 8 processes (its harness and the sandbox's init among them).
    assert run(sandbox, counted, "assert 3 <= forks < 8, forks\n", processes=8).passed
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    assert run(sandbox, bomb, timeout=3).reason == "timeout"
    if sandbox.user is not None:  # root's sandboxes run as nobody: none of them may be left behind
        sandbox.close()  # (but the one started ahead for the next run, which close() ends)
        assert _processes_of(sandbox.user) == []


def test_threads_count_as_processes(sandbox):
    code = """\
        import threading, time
        started = 0
        for _ in range(50):
            try:
                threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
            except RuntimeError:
                break
            started += 1
        """
    assert run(sandbox, code, "assert 3 <= started < 8, started\n", processes=8).passed


def test_a_10_gb_write_stops_at_the_file_size_limit(sandbox):
    one_file = """\
        with open("big", "wb") as f:
            for _ in range(10 * 1024):
                f.write(b"0" * 2 ** 20)
        """
    result = run(sandbox, one_file)
    assert result.reason == "crashed" and "File too large" in result.failed[0]
    many = """\
        for i in range(10 * 1024):
            with open(f"part{i}", "wb") as f:
                f.write(b"0" * 2 ** 20)
        """
    result = run(sandbox, many)
    assert result.reason == "crashed" and "No space left" in result.failed[0]  # the tmpfs is 64 MiB


# Contained: network, files, environment, other processes.

def test_no_network_a_listener_on_127_0_0_1_is_never_reached(sandbox):
    accepted, stop = [], threading.Event()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)
        port = server.getsockname()[1]

        def accept():
            while not stop.is_set():
                try:
                    accepted.append(server.accept())
                except TimeoutError:
                    continue

        thread = threading.Thread(target=accept)
        thread.start()
        try:
            code = f"""\
                import socket
                errors = []
                for host in ("127.0.0.1", "localhost", "10.0.0.1", "1.1.1.1"):
                    try:
                        socket.create_connection((host, {port}), timeout=1).close()
                    except OSError as e:
                        errors.append(type(e).__name__)
                """
            result = run(sandbox, code, "assert len(errors) == 4, errors\n")
        finally:
            stop.set()
            thread.join()
    assert result.passed, result
    assert accepted == []


def test_host_files_the_store_the_cache_and_credentials_are_not_there(sandbox, tmp_path, monkeypatch):
    secret = "AKIA-sandbox-test-secret-4b1d"
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(f"[default]\naws_secret_access_key = {secret}\n")
    store = tmp_path / "datasets" / "demo" / "v1"
    cache = tmp_path / "state" / "cache" / "0123abcd"
    for folder, name in ((store, "manifest.json"), (cache, "funnel.json")):
        folder.mkdir(parents=True)
        (folder / name).write_text(secret)
    monkeypatch.setenv("HOME", str(home))
    root = Path(__file__).resolve().parents[3]  # the project itself
    paths = [str(p) for p in (home / ".aws" / "credentials", store / "manifest.json", cache / "funnel.json",
                              "/etc/shadow", "/etc/passwd", root / "pyproject.toml", "~/.aws/credentials",
                              "/root/.aws/credentials", "/proc/1/environ")]
    code = f"""\
        import os, sys
        seen = []
        for path in {paths!r}:
            try:
                sys.stderr.write(open(os.path.expanduser(path)).read())
                seen.append(path)
            except OSError:
                pass
        top, here = sorted(os.listdir("/")), os.listdir(".")
        """
    tests = """\
        assert seen == [], seen
        assert top == ["bin", "dev", "lib", "lib64", "sbin", "tmp", "usr"] or "etc" not in top, top
        assert here == [], here
        """
    result = run(sandbox, code, tests)
    assert result.passed, result
    assert secret not in result.stderr


def test_the_callers_environment_is_not_passed(sandbox, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox-secret-value-9f8e")
    monkeypatch.setenv("HF_TOKEN", "hf_sandboxsecret")
    result = run(sandbox, "import os, sys\nprint(dict(os.environ), file=sys.stderr)\n"
                          "raise SystemExit(str(os.environ))\n")
    shown = result.stderr + " ".join(result.failed)
    assert result.reason == "crashed" and "PYTHONHASHSEED" in shown
    assert "sandbox-secret-value-9f8e" not in shown and "hf_sandbox" not in shown
    keys = ["HOME", "LANG", "PATH", "PWD", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "PYTHONIOENCODING"]
    assert run(sandbox, "import os\nkeys = sorted(os.environ)\n", f"assert keys == {keys!r}, keys\n").passed


def test_killing_its_parent_or_everything_reaches_nothing_outside(sandbox):
    sentinel = subprocess.Popen(["sleep", "60"])
    try:
        parent = """\
            import os, signal
            for sig in (signal.SIGTERM, signal.SIGKILL):
                os.kill(os.getppid(), sig)
            """
        assert run(sandbox, parent).passed  # its parent is the sandbox's init, which the kernel shields
        everything = f"""\
            import os, signal
            for pid in (1, {os.getpid()}, {sentinel.pid}):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            os.kill(-1, signal.SIGKILL)
            """
        assert run(sandbox, everything).reason == "crashed"  # it killed itself, and only itself
        assert sentinel.poll() is None
    finally:
        sentinel.kill()
        sentinel.wait()


def test_each_run_starts_from_an_empty_working_folder(sandbox):
    assert run(sandbox, "open('left-behind', 'w').write('x')\n").passed
    assert run(sandbox, "import os\nfiles = os.listdir('.')\n", "assert files == [], files\n").passed


def test_a_sandbox_started_ahead_is_new_and_has_seen_no_program(sandbox):
    # The first run leaves a process (pid 3 of its namespace) and a file; the next one, in the sandbox started
    # while the first ran, is the first program of new namespaces: its harness is pid 2, there is no pid 3.
    leaves = "import os, time\nif os.fork() == 0:\n    time.sleep(30)\n    os._exit(0)\nopen('left', 'w')\n"
    assert run(sandbox, leaves).passed
    assert sandbox.ahead and len(sandbox._spares) == sandbox.ahead  # this thread's next ones are waiting
    looks = """\
        import os
        me, files = os.getpid(), os.listdir(".")
        try:
            os.kill(3, 0)
            third = True
        except ProcessLookupError:
            third = False
        """
    assert run(sandbox, looks, "assert (me, files, third) == (2, [], False), (me, files, third)\n").passed


def test_the_program_holds_no_descriptor_but_its_own(sandbox):
    code = """\
        import os
        held = []
        for fd in range(1024):
            try:
                os.fstat(fd)
                held.append(fd)
            except OSError:
                pass
        """
    # stdin (at its end), stdout, stderr and the harness's report channel: nothing of the caller's
    assert run(sandbox, code, "assert held[:3] == [0, 1, 2] and len(held) == 4, held\n").passed


def test_a_fork_of_the_caller_holding_a_sandboxs_pipe_does_not_hold_its_run(sandbox):
    assert run(sandbox, ADD).passed  # the next sandbox is started: a fork now holds its stdin's other end
    child = os.fork()
    if child == 0:
        try:
            time.sleep(30)
        finally:
            os._exit(0)
    try:
        result = run(sandbox, ADD, "assert add(1, 2) == 3\n", timeout=20)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    assert result.passed and result.seconds < 10, result


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_close_ends_every_sandbox_started_ahead_and_the_launchers():
    sandbox = Sandbox(limits=Limits(timeout=5)).ready()
    with Pool(sandbox, 2) as pool:
        assert all(r.passed for r in pool.run([Program(ADD, "assert add(1, 1) == 2\n")] * 4))
        started = [s.pid for s in sandbox._spares] + [launcher.proc.pid for launcher in sandbox._launchers]
        assert started and all(_running(pid) for pid in started)
    assert not any(_running(pid) for pid in started)  # the pool's close() closed the sandbox
    assert sandbox.run(Program(ADD, "assert add(1, 1) == 2\n")).passed  # and a later run starts anew
    sandbox.close()


def test_a_sandbox_pickles_without_its_processes(sandbox):
    assert run(sandbox, ADD).passed
    again = pickle.loads(pickle.dumps(sandbox))
    try:
        assert again.run(Program(ADD, "assert add(2, 2) == 4\n")).passed
    finally:
        again.close()


# Many at once, and a refusal where there is no containment.

def test_a_pool_keeps_the_order_of_its_programs(sandbox):
    programs = [Program(ADD, f"assert add({i}, 1) == {i + 1 if i % 3 else 0}\n") for i in range(9)]
    with Pool(sandbox, 2) as pool:
        results = pool.run(programs)
    assert [r.reason for r in results] == ["tests_failed" if i % 3 == 0 else "passed" for i in range(9)]
    assert {r.reason for r in results} <= set(REASONS)


def test_refuses_in_one_line_without_bubblewrap(tmp_path):
    with pytest.raises(SandboxUnavailable) as missing:
        Sandbox(bwrap=str(tmp_path / "no-bwrap")).ready()
    message = str(missing.value)
    assert "\n" not in message and "bubblewrap is not installed" in message and "apt-get install" in message
    assert isinstance(missing.value, TransformError)  # the CLI prints it as one line


def test_refuses_where_namespaces_cannot_be_made():
    # A bwrap that answers --help like the real one but cannot create namespaces (a kernel without them),
    # in a folder that root's sandbox user (nobody) can reach.
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        fake = folder / "bwrap"
        fake.write_text("#!/bin/sh\n[ \"$1\" = --help ] && { echo '--size --disable-userns'; exit 0; }\n"
                        "echo 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
        fake.chmod(0o755)
        with pytest.raises(SandboxUnavailable) as refused:
            Sandbox(bwrap=str(fake)).ready()
    finally:
        shutil.rmtree(folder)
    assert "cannot start a sandbox here (bwrap: No permissions to create new namespace)" in str(refused.value)
    assert "\n" not in str(refused.value)


# The synthesis check.

def test_execute_check_counts_a_failing_sample_under_the_runs_reason():
    from transforms.synth.checks import CheckContext, parse_checks

    check = parse_checks([{"type": "execute", "code": "solution", "tests": "tests", "keep_as": "execution",
                           "timeout": 3}], {})[0]
    context = CheckContext()
    row = {"solution": "```python\n" + ADD + "```"}
    assert check.passes({"tests": "assert add(2, 2) == 4"}, row, context) is True
    assert row["execution"]["passed"] and row["execution"]["tests"] == 1
    failed = check.passes({"tests": "assert add(2, 2) == 5"}, {"solution": ADD}, context)
    assert failed.reason == "tests_failed" and "assert add(2, 2) == 5" in failed.detail  # what a refine says
    assert check.passes({}, {"solution": ADD}, context).reason == "no_tests"
    looping = {"solution": "while True: pass"}
    assert check.passes({"tests": "assert True"}, looping, context).reason == "timeout"
    named = parse_checks([{"type": "execute", "code": "solution", "tests": "tests", "name": "hidden"}], {})[0]
    assert named.passes({"tests": "assert False"}, {"solution": ""}, context).reason == "hidden_tests_failed"


def test_a_task_with_the_execute_check_rejects_by_reason_and_keeps_the_result():
    import pyarrow as pa

    from transforms.synth.task import Task, definition_from

    task = Task(definition_from({
        "name": "code", "prompt": "{{ problem }}", "inputs": ["problem", "tests"],
        "schema": {"type": "object", "properties": {"solution": {"type": "string"}},
                   "required": ["solution"]},
        "checks": [{"type": "execute", "code": "solution", "tests": "tests", "keep_as": "execution"}]}))
    record = {"problem": "add", "tests": "assert add(1, 2) == 3\n"}
    kept = task.parse(record, json.dumps({"solution": ADD}))
    assert kept.reason is None and kept.row["execution"]["reason"] == "passed"
    assert task.parse(record, json.dumps({"solution": ADD.replace("+", "-")})).reason == "tests_failed"
    assert task.parse(record, json.dumps({"solution": "import os\nos._exit(0)"})).reason == "crashed"
    execution = task.arrow_schema().field("execution").type
    assert pa.array([kept.row["execution"]], execution)[0].as_py()["passed"] is True
