"""One generation backend per process and spec, shared by every stage, task and DoFn in the process: an
engine is loaded once (on a GPU, twice the memory otherwise) and does one generate call at a time."""

from __future__ import annotations

import json
import threading

from transforms.synth.backends import OpenAIBackend, VLLMBackend

# Per process: a worker process (a task of an executor, a Beam SDK worker) makes its own from the spec it
# was given; nothing else of the launcher's state is read.
_BACKENDS: dict[str, object] = {}
_IN_USE: dict[str, threading.Lock] = {}  # one generate at a time per backend and process
_MAKING = threading.Lock()


def _key(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)


def shared(spec: dict) -> tuple[object, threading.Lock, bool]:
    """The process's backend for `spec`, its lock, and whether this call made it.

    Two threads of one process (a Beam SDK worker runs bundles on several) setting up at once must not each
    make a backend: two engines in one process.
    """
    key = _key(spec)
    with _MAKING:
        made = key not in _BACKENDS
        if made:
            options = {k: v for k, v in spec.items() if k != "kind"}
            _BACKENDS[key] = VLLMBackend(**options) if spec["kind"] == "vllm" else OpenAIBackend(**options)
            _IN_USE[key] = threading.Lock()
        return _BACKENDS[key], _IN_USE[key], made


def shared_backend(spec: dict):
    """One backend per process and spec: every stage and task in it reuses the engine."""
    return shared(spec)[0]


def release_all() -> None:
    """Stop every engine of the process now: left to the collector, one still referenced elsewhere outlives
    the process (a test session's engine was found running after the session)."""
    _IN_USE.clear()
    while _BACKENDS:
        _close(_BACKENDS.popitem()[1])


def release(spec: dict) -> None:
    """Stop the process's engine for `spec` now (a task ending in a process of its own: a pool worker, a Ray
    actor, a Slurm task), rather than when the process is killed: its engine's processes outlive it."""
    _IN_USE.pop(_key(spec), None)
    _close(_BACKENDS.pop(_key(spec), None))


def _close(backend) -> None:
    """Stop a backend's engine processes, where it has any (an HTTP client has none)."""
    if backend is not None and hasattr(backend, "close"):
        backend.close()
