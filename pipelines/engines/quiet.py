"""Imports that must not reconfigure the process's logging."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_root_logger() -> Iterator[None]:
    """While inside, a root logger with no handler drops what it is sent instead of configuring itself.

    `logging.warning()` on an unconfigured root calls basicConfig(): apache_beam's import does so ("apitools
    not found"), which would put a stderr handler on the root of every process that imports it (the CLI's
    one-line errors, Prefect's log format).
    """
    root = logging.getLogger()
    guard = None if root.handlers else logging.NullHandler()
    if guard:
        root.addHandler(guard)
    try:
        yield
    finally:
        if guard:
            root.removeHandler(guard)
