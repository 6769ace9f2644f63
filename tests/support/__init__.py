"""What the tests (and bench/) share: the checkout's paths, the installed `pipelines` command, a free port.

tests/ is on sys.path (pytest's `pythonpath`; bench adds it), so this package imports as `support`:

    from support import ROOT, BIN, run_cli, free_port
    from support.pages import load_pages
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout
TESTS = ROOT / "tests"  # its data/ holds the tests' own files: pages, recipes, benchmarks, golden hashes
BIN = Path(sys.executable).parent  # this virtualenv's commands: pipelines, prefect, ray, moto_server


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, fresh: bool = False,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the installed `pipelines` command as a user would; `fresh`: with no Prefect settings."""
    full_env = {k: v for k, v in os.environ.items() if not (fresh and k.startswith("PREFECT_"))}
    full_env |= {"COLUMNS": "200", **(env or {})}
    return subprocess.run([str(BIN / "pipelines"), *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)

