"""Versions of one dataset: listed, locked, staged in a temporary folder and renamed into place.

On object storage (s3://, gs://, ...) there is no rename: a version is written file by file into its
own prefix, claimed first by a conditional put of `<version>/.writer` (If-None-Match: *, so two writers
of one version cannot both start), and committed by the last write, its manifest.json (also
conditional), which lists every file with its sha256. Anything without a manifest is not a version:
listing, reading, diffing and publishing ignore it, and the next build (under the dataset's lock, a
conditional put of `.lock` too) deletes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

from pipelines import settings, storage
from pipelines.errors import StoreError
from transforms.hashing import sha256_file

VERSION_RE = re.compile(r"^v(\d+)$")
# A preview (`build --limit N`): a version folder of its own, read like one, never listed among the vN.
PREVIEW_PREFIX = "preview-"
PREVIEW_RE = re.compile(r"^preview-[0-9a-f]{12}$")
STAGING_PREFIX = ".staging-"
WRITER = ".writer"  # a remote version's claim: who is writing it
MANIFEST = "manifest.json"  # written last: a remote version's commit


class DatasetStore:
    """The versions of one dataset under a store root: a local folder or a URL (s3://bucket/datasets)."""

    def __init__(self, root: str | Path, dataset: str):
        self.root = storage.location(root)
        self.dataset = dataset
        self.remote = isinstance(self.root, str)
        self.folder = storage.join(self.root, dataset)
        self._fs = None
        self.retries = (3, 1.0, 2.0)  # (attempts, delay_s, backoff) while a remote store does not answer

    @staticmethod
    def datasets(root: str | Path) -> list[str]:
        """The names of the datasets under a store root (those with a committed version or not)."""
        root = storage.location(root)
        if isinstance(root, Path):
            return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        fs, path = storage.filesystem(root)
        return sorted(_folders(_listing(fs, path, root)))

    @property
    def fs(self):
        """The remote store's filesystem (endpoint and credentials from the environment)."""
        if self._fs is None:
            self._fs = storage.filesystem(self.root)[0]
        return self._fs

    def _call(self, call, expected: tuple[type[BaseException], ...] = ()):
        attempts, delay, backoff = self.retries
        return storage.retrying(call, self.folder, self.fs, attempts, delay, backoff, expected=expected)

    def _key(self, *parts: str) -> str:
        return self.fs._strip_protocol(storage.join(self.folder, *parts))

    def versions(self) -> list[str]:
        """Complete versions, oldest first (a folder is a version only once renamed into place; a remote
        prefix only once its manifest is written)."""
        if self.remote:
            return sorted(self._remote_versions(committed=True), key=lambda v: int(v[1:]))
        if not self.folder.is_dir():
            return []
        found = [p.name for p in self.folder.iterdir() if VERSION_RE.match(p.name)]
        found = [v for v in found if (self.folder / v / "manifest.json").is_file()]
        return sorted(found, key=lambda v: int(v[1:]))

    def _remote_versions(self, committed: bool) -> list[str]:
        """The version prefixes with (or, committed=False, without) a manifest."""
        try:
            entries = self._call(lambda: self.fs.ls(self._key(), detail=True), expected=(FileNotFoundError,))
        except FileNotFoundError as e:
            entries = _nothing_there(e, self.folder, self.fs)
        names = [n for n in _folders(entries) if VERSION_RE.match(n)]
        exists = self.fs.exists
        return [n for n in names if self._call(lambda n=n: exists(self._key(n, MANIFEST))) == committed]

    def latest(self) -> str | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def next_version(self) -> str:
        latest = self.latest()
        return f"v{int(latest[1:]) + 1}" if latest else "v1"

    def path(self, version: str) -> str | Path:
        return storage.join(self.folder, version)

    def manifest(self, version: str | None = None) -> dict:
        """The manifest of a version (the latest if none is named)."""
        version = version or self.latest()
        if version is None:
            raise StoreError(f"dataset '{self.dataset}' has no built version under {self.root}")
        if self.remote and (VERSION_RE.match(version) or PREVIEW_RE.match(version)):
            # One request: a remote version is committed exactly when its manifest exists.
            with contextlib.suppress(FileNotFoundError):
                return json.loads(self._call(lambda: self.fs.cat_file(self._key(version, MANIFEST)),
                                             expected=(FileNotFoundError,)))
        elif not self.remote and (version in self.versions() or (
                PREVIEW_RE.match(version) and (self.path(version) / MANIFEST).is_file())):
            return json.loads((self.path(version) / "manifest.json").read_text())
        raise StoreError(f"dataset '{self.dataset}' has no version '{version}' under {self.root}"
                         f" (versions: {', '.join(self.versions()) or 'none'})")

    def local(self, version: str) -> Path:
        """A committed version as a local folder: itself, or for a remote store a copy checked against
        its manifest's sha256s (kept under $PIPELINES_HOME: versions never change)."""
        if not self.remote:
            return self.path(version)
        manifest = self.manifest(version)
        where = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        folder = settings.state_dir() / "store" / where / self.dataset / version
        if (folder / MANIFEST).is_file():
            return folder
        staging = folder.with_name(f"{STAGING_PREFIX}{version}-{uuid.uuid4().hex[:8]}")
        try:
            for name, digest in manifest["files"].items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                self._call(lambda n=name, t=target: self.fs.get_file(self._key(version, n), str(t)))
                if sha256_file(target) != digest:
                    raise StoreError(f"{self.path(version)}/{name} does not match the sha256 its manifest "
                                     "lists: the version was changed in the store")
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
            with contextlib.suppress(OSError):  # another process made the same copy meanwhile
                os.rename(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    def find_build(self, fingerprint: str) -> str | None:
        """The version built from exactly this recipe, input and code, if any."""
        for version in reversed(self.versions()):
            if self.manifest(version).get("build_fingerprint") == fingerprint:
                return version
        return None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One build of a dataset at a time; the lock dies with its process."""
        if self.remote:
            with self._remote_lock():
                yield
            return
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
    def _remote_lock(self) -> Iterator[None]:
        """The dataset's lock object; under it, what a killed build uploaded is deleted."""
        with storage.object_lock(self.fs, self._key(".lock"), f"{self.folder}/.lock", self.dataset):
            # Under the lock no other build writes: a version without a manifest is from a crash.
            for version in self._remote_versions(committed=False):
                self._call(lambda v=version: self.fs.rm(self._key(v), recursive=True))
            yield

    @contextlib.contextmanager
    def stage_version(self, version: str) -> Iterator[Path]:
        """A temporary folder that becomes `version` only if the block completes."""
        if self.remote:
            with self._stage_remote(version) as folder:
                yield folder
            return
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

    @contextlib.contextmanager
    def _stage_remote(self, version: str) -> Iterator[Path]:
        """Written in a local folder, then uploaded: the claim first, the files, the manifest last."""
        target = self.path(version)
        claim = storage.claim()
        writer = self._key(version, WRITER)
        try:
            self._call(lambda: self.fs.pipe_file(writer, json.dumps(claim).encode(), mode="create"),
                       expected=(FileExistsError,))
        except FileExistsError:
            retried = (storage.holder(self.fs, writer, target) or {}).get("token") == claim["token"]
            if not retried:  # (retried: our own put, answered late and sent again)
                done = self._call(lambda: self.fs.exists(self._key(version, MANIFEST)))
                raise StoreError(f"{target} already exists: versions are immutable" if done else
                                 f"{target} is being written by another build: versions are immutable"
                                 ) from None
        staging = settings.state_dir() / "uploads" / f"{self.dataset}-{version}-{claim['token'][:8]}"
        staging.mkdir(parents=True)
        ours = True  # whether what is under the prefix is this build's to delete on a failure
        try:
            yield staging
            files = sorted(p for p in staging.rglob("*") if p.is_file() and p != staging / MANIFEST)
            for path in files:
                key = self._key(version, str(path.relative_to(staging)))
                self._call(lambda p=path, k=key: self.fs.put_file(str(p), k))
            try:  # the commit: conditional, so a second writer that got this far still fails
                self._call(lambda: self.fs.pipe_file(self._key(version, MANIFEST),
                                                     (staging / MANIFEST).read_bytes(), mode="create"),
                           expected=(FileExistsError,))
            except FileExistsError:
                ours = False
                raise StoreError(f"{target} was committed by another build: versions are immutable") from None
        except BaseException:
            if ours:  # a failure, not a kill: what was uploaded goes now, not at the next build
                with contextlib.suppress(Exception):
                    self.fs.rm(self._key(version), recursive=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _listing(fs, path: str, url: str | Path) -> list[dict]:
    """The entries under a prefix, none if there is nothing there (but a missing bucket is an error)."""
    try:
        return storage.retrying(lambda: fs.ls(path, detail=True), url, fs, expected=(FileNotFoundError,))
    except FileNotFoundError as e:
        return _nothing_there(e, url, fs)


def _folders(entries: list[dict]) -> list[str]:
    """The names of the prefixes ("directories") in a listing."""
    return [e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e.get("type") == "directory"]


def _nothing_there(error: FileNotFoundError, url: str | Path, fs) -> list[dict]:
    """An empty prefix lists nothing; a missing bucket is the user's to fix, in one line."""
    if "bucket" in str(error).lower():
        raise storage.one_line(error, url, fs) from None
    return []


def _seal(folder: Path) -> None:
    """Flush every file to disk and make it read-only: a version never changes."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
