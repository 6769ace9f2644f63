"""`pipelines build synth-demo` (what `make demo` builds), run once per test run with the real SmolLM2 and
shared by the modules that look at it: its version, and the console it printed (stdout not a terminal, 80
columns), kept beside it. Under pytest-xdist the first worker to need it builds it, under a lock."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from support import run_cli


def shared_folder(tmp_path_factory) -> Path:
    """The run's temporary folder that every parallel worker sees."""
    shared = tmp_path_factory.getbasetemp()
    return shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared


def built_demo(tmp_path_factory) -> dict:
    """{base, env, path, returncode, stdout, stderr}: the demo's first build, made once per run."""
    shared = shared_folder(tmp_path_factory)
    base = shared / "synth-demo"
    env = {"PIPELINES_HOME": str(base / "state"), "COLUMNS": "80"}
    with open(shared / "synth-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        console = base / "console.json"
        if not console.is_file():
            base.mkdir(exist_ok=True)
            done = run_cli("build", "synth-demo", "--out", str(base / "out"), env=env, cwd=base, timeout=1500)
            console.write_text(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                           "stderr": done.stderr}))
    return {"base": base, "env": env, "path": base / "out" / "synth-demo" / "v1",
            **json.loads(console.read_text())}
