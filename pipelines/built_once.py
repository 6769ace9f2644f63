"""Objects built once per key and kept under $PIPELINES_HOME (a decontaminate stage's benchmark index):
reused by every stage and every build that asks for the same key, read from disk once per process."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

from pipelines import settings, storage

T = TypeVar("T")
_PICKLED: dict[str, bytes] = {}  # this process's copies: each caller gets its own object from them


def built_once(kind: str, key: Any, build: Callable[[], T]) -> tuple[T, bool]:
    """The object of `key` (any JSON value: what it is built from), built by build() the first time it is
    asked for, on this machine; a fresh copy each call; and whether it was built before."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    if digest in _PICKLED:
        return pickle.loads(_PICKLED[digest]), True
    path = settings.state_dir() / kind / f"{digest}.pickle"
    # Two builds wanting the same object at once: one builds it, the other waits and reads it.
    with storage.file_lock(path.with_suffix(".lock")):
        data = path.read_bytes() if path.is_file() else None
        made = data is not None
        if data is None:
            data = pickle.dumps(build(), protocol=pickle.HIGHEST_PROTOCOL)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
    _PICKLED[digest] = data
    return pickle.loads(data), made
