"""Shared fixtures: an isolated state folder per test, one Prefect home per session; and which tests share a
worker when the suite runs in parallel (`make test`: pytest-xdist, --dist loadgroup).

The helpers every test imports are the `support` package (tests/support/); the heavy session resources
(servers, the tiny model and its vLLM engine) are in tests/integration/conftest.py.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before anything imports prefect: one Prefect home (and so one temporary API database) for
# the whole session, outside the user's home.
_SESSION = Path(tempfile.mkdtemp(prefix="pipelines-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION / "prefect")
os.environ.pop("PREFECT_API_URL", None)
# Prefect logs the temporary server's shutdown after pytest has closed its captured streams.
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

from pipelines import settings  # noqa: E402

settings.configure_environment()

# Tests that use the session's vLLM engine run on one worker, so that it starts once per run.
ENGINE = "backend_spec"


def xdist_group(item: pytest.Item) -> str:
    """The worker group of a test: the engine's, or its module's (its module fixtures are made once)."""
    if ENGINE in item.fixturenames:
        return "vllm-engine"
    return item.nodeid.split("::", 1)[0]


def _order(item: pytest.Item) -> int:
    """Longest first: the engine's group, then the other real parts, the unit tests last to fill in."""
    if ENGINE in item.fixturenames:
        return 0
    return 1 if item.nodeid.startswith("tests/integration/") else 2


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """On an xdist worker under loadgroup, each test goes to its group's worker (xdist reads the mark after
    this), the groups handed out in this order (with --no-loadscope-reorder)."""
    if getattr(config.option, "loadgroup", False):  # set on the workers of `--dist loadgroup`
        items.sort(key=_order)  # stable: a module's tests keep their order
        for item in items:
            item.add_marker(pytest.mark.xdist_group(xdist_group(item)))


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    """A fresh state folder (stage cache, input hashes) for one test."""
    home = tmp_path / "state"
    monkeypatch.setenv("PIPELINES_HOME", str(home))
    return home


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


def pytest_sessionfinish(session, exitstatus):
    """Stop the temporary Prefect servers builds in this process started: Prefect stops them at exit, and an
    xdist worker leaves without running exit handlers (one was found running after the session)."""
    import sys

    server = sys.modules.get("prefect.server.api.server")
    if server is not None:
        for instance in list(server.SubprocessASGIServer._instances.values()):
            instance.stop()
