"""The real parts the integration tests share: S3 servers and one vLLM engine of the tiny model (per worker
when the suite runs in parallel; the tests that use the engine all run on one), and the tiny model itself,
built once per run."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API (moto's server) on 127.0.0.1 for the session."""
    from support.s3_server import S3Server

    server = S3Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_auth():
    """A second S3 server that checks signatures and IAM policies: a user allowed one bucket."""
    from support.s3_server import S3Server

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
    """A tiny random-weight Llama built here (no download), for the vLLM tests: once per run, in the
    temporary folder the parallel workers share, the first to need it building it under a lock."""
    from support.tiny_model import build_tiny_model

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker's base is a folder of the run's
        shared = shared.parent
    with open(shared / "tiny-llama.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return build_tiny_model(shared / "models" / "tiny-llama")


@pytest.fixture(scope="session")
def backend_spec(tiny_model) -> dict:
    """The tiny model on the vLLM engine, started once for the session and shared by every stage."""
    from pipelines.engines.backends import shared_backend

    spec = {"kind": "vllm", "model": str(tiny_model), "max_model_len": 2048}
    shared_backend(spec).llm  # noqa: B018 (starts the engine)
    return spec


@pytest.fixture(scope="session", autouse=True)
def _stop_engines():
    """Shut vLLM engines down while pytest's streams are still open (they log on exit)."""
    yield
    import gc

    from pipelines.engines.backends import release_all

    release_all()
    gc.collect()
