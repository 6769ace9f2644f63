"""Shared fixtures: an isolated state folder per test, one Prefect home per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    """A fresh state folder (stage cache, input hashes) for one test."""
    home = tmp_path / "state"
    monkeypatch.setenv("PIPELINES_HOME", str(home))
    return home


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, fresh: bool = False,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the installed `pipelines` command as a user would; `fresh`: with no Prefect settings."""
    full_env = {k: v for k, v in os.environ.items() if not (fresh and k.startswith("PREFECT_"))}
    full_env |= {"COLUMNS": "200", **(env or {})}
    return subprocess.run([str(BIN / "pipelines"), *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API (moto's server) on 127.0.0.1 for the session."""
    from s3_server import S3Server

    server = S3Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_auth():
    """A second S3 server that checks signatures and IAM policies: a user allowed one bucket."""
    from s3_server import S3Server

    server = S3Server(auth=True)
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    """The S3 server, with the standard AWS variables pointing every client (and worker) at it."""
    import s3fs

    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    s3fs.S3FileSystem.clear_instance_cache()  # a filesystem made for another endpoint
    yield s3_server
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random-weight Llama built here (no download), for the vLLM tests."""
    from tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny-llama")


@pytest.fixture(scope="session")
def backend_spec(tiny_model) -> dict:
    """The tiny model on the vLLM engine, started once for the session and shared by every stage."""
    from pipelines.engines.beam import shared_backend

    spec = {"kind": "vllm", "model": str(tiny_model), "max_model_len": 2048}
    shared_backend(spec).llm  # noqa: B018 (starts the engine)
    return spec


@pytest.fixture(scope="session", autouse=True)
def _stop_engines():
    """Shut vLLM engines down while pytest's streams are still open (they log on exit)."""
    yield
    import gc

    from pipelines.engines import beam

    beam._BACKENDS.clear()
    gc.collect()
