"""The execute stage through the CLI: a code corpus with hostile programs builds and finishes, each program
contained and counted by its reason; `mark` keeps every record with its result; no sandbox: no build."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support import BIN, run_cli

RECIPE = Path(__file__).resolve().parents[2] / "data" / "recipes" / "execute.yaml"
SECRET = "sandbox-build-secret-7c1e"
ADD = "def add(a, b):\n    return a + b\n"
TESTS = "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n"
pytestmark = [pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed"),
              pytest.mark.slow]


def corpus(port: int, home: Path) -> list[dict]:
    """Records (id, prompt, code, tests) and the reason each must be counted under."""
    hostile = {
        "fork_bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n"
                      "    except OSError:\n        pass\n", "timeout"),
        "infinite_loop": ("while True:\n    pass\n", "timeout"),
        "memory_hog": ("hog = bytearray(10 * 1024 ** 3)\n", "memory"),
        "write_10_gb": ("with open('big', 'wb') as f:\n    for _ in range(10240):\n"
                        "        f.write(b'0' * 2 ** 20)\n", "crashed"),
        "socket": (f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\n", "crashed"),
        "shadow": ("print(open('/etc/shadow').read())\n", "crashed"),
        "credentials": (f"print(open({str(home / '.aws' / 'credentials')!r}).read())\n", "crashed"),
        "environ": ("import os\nraise SystemExit(str(dict(os.environ)))\n", "crashed"),
        "kill_parent": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
                        "os.kill(-1, signal.SIGKILL)\n", "crashed"),
        "exit_early": ("import sys\nsys.exit(0)\n", "crashed"),
        "os_exit_early": ("import os\nos._exit(0)\n", "crashed"),
        "wrong": (ADD.replace("+", "-"), "tests_failed"),
        "syntax": ("def add(a, b)\n    return a\n", "syntax_error"),
    }
    records = [{"id": f"good-{i}", "prompt": "add two numbers", "code": ADD, "tests": TESTS, "want": "passed"}
               for i in range(3)]
    records += [{"id": name, "prompt": f"hostile: {name}", "code": code, "tests": TESTS, "want": want}
                for name, (code, want) in hostile.items()]
    records.append({"id": "untested", "prompt": "no tests", "code": ADD, "tests": "", "want": "no_tests"})
    return records


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The corpus built twice (remove, then mark) while a listener waits on 127.0.0.1 and a secret is set."""
    base = tmp_path_factory.mktemp("execute")
    home = base / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(f"[default]\naws_secret_access_key = {SECRET}\n")
    accepted, stop = [], threading.Event()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)

        def accept():
            while not stop.is_set():
                try:
                    accepted.append(server.accept())
                except TimeoutError:
                    continue

        thread = threading.Thread(target=accept)
        thread.start()
        try:
            records = corpus(server.getsockname()[1], home)
            data = base / "corpus.jsonl"
            data.write_text("".join(json.dumps(r) + "\n" for r in records))
            env = {"PIPELINES_HOME": str(base / "state"), "HOME": str(home), "AWS_SECRET_ACCESS_KEY": SECRET}
            common = ["--out", str(base / "out"), "--set", f"input.paths=[{data}]"]
            removed = run_cli("build", str(RECIPE), *common, env=env)
            marked = run_cli("build", str(RECIPE), *common, "--set", "stages.execute.action=mark", env=env)
        finally:
            stop.set()
            thread.join()
    return {"base": base, "records": records, "removed": removed, "marked": marked, "accepted": accepted}


def version(base: Path, name: str) -> tuple[dict, list[dict]]:
    folder = base / "out" / "execute-corpus" / name
    return json.loads((folder / "manifest.json").read_text()), pq.read_table(folder / "data").to_pylist()


def test_a_build_of_hostile_programs_finishes_and_counts_each_by_reason(builds):
    assert builds["removed"].returncode == 0, builds["removed"].stderr[-3000:]
    manifest, rows = version(builds["base"], "v1")
    stage = next(s for s in manifest["stages"] if s["type"] == "execute")
    want: dict[str, int] = {}
    for record in builds["records"]:
        want[record["want"]] = want.get(record["want"], 0) + 1
    assert stage["execute"]["reasons"] == dict(sorted(want.items()))
    assert stage["dropped"] == {k: v for k, v in sorted(want.items()) if k != "passed"}
    assert sorted(r["id"] for r in rows) == ["good-0", "good-1", "good-2"]
    assert builds["accepted"] == []  # nothing reached the listener on 127.0.0.1
    card = (builds["base"] / "out" / "execute-corpus" / "v1" / "README.md").read_text()
    assert "## Execution" in card and "timeout 2" in card


def test_mark_keeps_every_record_with_its_result_and_no_secret(builds):
    assert builds["marked"].returncode == 0, builds["marked"].stderr[-3000:]
    manifest, rows = version(builds["base"], "v2")
    assert len(rows) == len(builds["records"])
    stage = next(s for s in manifest["stages"] if s["type"] == "execute")
    assert stage["dropped"] == {} and stage["execute"]["column"] == "execution"
    results = {r["id"]: json.loads(r["extra"])["execution"] for r in rows}
    for record in builds["records"]:
        assert results[record["id"]]["reason"] == record["want"], (record["id"], results[record["id"]])
    assert results["wrong"]["failed"] == ["assert add(1, 2) == 3: AssertionError (tests.py line 1)",
                                          "assert add(-1, 1) == 0: AssertionError (tests.py line 2)"]
    assert "PYTHONHASHSEED" in results["environ"]["failed"][0]
    folder = builds["base"] / "out" / "execute-corpus" / "v2"
    for path in folder.rglob("*"):  # the credentials and the secret never reached the version
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_no_bubblewrap_no_build_and_one_line_why(tmp_path):
    data = tmp_path / "corpus.jsonl"
    data.write_text(json.dumps({"id": "a", "prompt": "p", "code": ADD, "tests": TESTS}) + "\n")
    # The tools on PATH but bubblewrap: the stage refuses before any work.
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("setpriv", "prlimit", "python3"):
        found = shutil.which(name)
        if found:
            (tools / name).symlink_to(found)
    result = run_cli("build", str(RECIPE), "--out", str(tmp_path / "out"), "--set", f"input.paths=[{data}]",
                     env={"PIPELINES_HOME": str(tmp_path / "state"), "PATH": f"{BIN}:{tools}"})
    assert result.returncode != 0
    assert "sandbox: bubblewrap is not installed (no `bwrap`)" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
