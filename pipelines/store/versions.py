"""Versions of one dataset: listed, locked, staged in a temporary folder and renamed into place."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

from pipelines.errors import StoreError

VERSION_RE = re.compile(r"^v(\d+)$")
STAGING_PREFIX = ".staging-"


class DatasetStore:
    """The versions of one dataset under a store root."""

    def __init__(self, root: Path, dataset: str):
        self.root = Path(root)
        self.dataset = dataset
        self.folder = self.root / dataset

    def versions(self) -> list[str]:
        """Complete versions, oldest first (a folder is a version only once renamed into place)."""
        if not self.folder.is_dir():
            return []
        found = [p.name for p in self.folder.iterdir() if VERSION_RE.match(p.name)]
        found = [v for v in found if (self.folder / v / "manifest.json").is_file()]
        return sorted(found, key=lambda v: int(v[1:]))

    def latest(self) -> str | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def next_version(self) -> str:
        latest = self.latest()
        return f"v{int(latest[1:]) + 1}" if latest else "v1"

    def path(self, version: str) -> Path:
        return self.folder / version

    def manifest(self, version: str | None = None) -> dict:
        """The manifest of a version (the latest if none is named)."""
        version = version or self.latest()
        if version is None:
            raise StoreError(f"dataset '{self.dataset}' has no built version under {self.root}")
        if version not in self.versions():
            raise StoreError(
                f"dataset '{self.dataset}' has no version '{version}' under {self.root}"
                f" (versions: {', '.join(self.versions()) or 'none'})"
            )
        return json.loads((self.path(version) / "manifest.json").read_text())

    def find_build(self, fingerprint: str) -> str | None:
        """The version built from exactly this recipe, input and code, if any."""
        for version in reversed(self.versions()):
            if self.manifest(version).get("build_fingerprint") == fingerprint:
                return version
        return None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One build of a dataset at a time; the lock dies with its process."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                # Under the lock no other build runs: staging folders left here are from a crash.
                for stale in self.folder.glob(f"{STAGING_PREFIX}*"):
                    shutil.rmtree(stale, ignore_errors=True)
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def stage_version(self, version: str) -> Iterator[Path]:
        """A temporary folder that becomes `version` only if the block completes."""
        target = self.path(version)
        if target.exists():
            raise StoreError(f"{target} already exists: versions are immutable")
        staging = self.folder / f"{STAGING_PREFIX}{version}-{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True)
        try:
            yield staging
            _seal(staging)
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _seal(folder: Path) -> None:
    """Flush every file to disk and make it read-only: a version never changes."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
