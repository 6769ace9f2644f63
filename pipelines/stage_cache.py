"""The stage cache on object storage, so that the machines of a build share it with no shared disk.

Each stage's output lives under `<cache>/<fingerprint>/` (PIPELINES_HOME=s3://bucket/home keeps it at
`s3://bucket/home/stages`). As on object storage there is no rename, a stage is committed by its
`funnel.json`, uploaded last: a stage folder without one is work in progress, or left by a crash.
While a streaming stage runs, its tasks write their output, stats and datatrove's completion markers
under `<cache>/<fingerprint>.partial/` themselves (a rerun resumes from the tasks marked complete). The
driver keeps a local working copy of the stages it reads (funnels, side files, the version's rows).
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path

from pipelines import storage

FUNNEL = "funnel.json"  # a stage's commit: written last


class RemoteStageCache:
    """Stage folders under a URL, pulled to and pushed from the driver's local cache."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.fs = storage.filesystem(self.url)[0]

    def _key(self, *parts: str) -> str:
        return self.fs._strip_protocol(storage.join(self.url, *parts))

    def _call(self, call, expected: tuple[type[BaseException], ...] = ()):
        return storage.retrying(call, self.url, self.fs, expected=expected)

    def partial(self, fingerprint: str) -> str:
        """The URL that a running stage's tasks write under."""
        return storage.join(self.url, f"{fingerprint}.partial")

    def data(self, fingerprint: str) -> str:
        """The URL of a committed stage's output."""
        return storage.join(self.url, fingerprint, "data")

    def lock(self, fingerprint: str):
        """One machine at a time makes a stage (the others wait, then reuse it): a lock object."""
        # Waits as long as a lease: a stage on a crawl can take hours on another machine.
        return storage.object_lock(self.fs, self._key(f"{fingerprint}.lock"), storage.join(
            self.url, f"{fingerprint}.lock"), f"stage {fingerprint[:12]}", wait_s=storage.LOCK_LEASE_S)

    def has(self, fingerprint: str) -> bool:
        """Whether a stage is committed (its funnel written)."""
        return self._call(lambda: self.fs.exists(self._key(fingerprint, FUNNEL)))

    def pull(self, fingerprint: str, final: Path) -> bool:
        """Copy a committed stage into the local cache; False if it is not committed."""
        if not self.has(fingerprint):
            return False
        staging = final.with_name(f".pull-{final.name}-{uuid.uuid4().hex[:8]}")
        try:
            self._download(self._key(fingerprint), staging)
            if final.is_dir():  # kept without its output before: the committed copy is complete
                shutil.rmtree(final)
            staging.rename(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return True

    def pull_partial(self, fingerprint: str, work: Path, *parts: str) -> None:
        """Copy what a stage's tasks wrote remotely (under `parts`, or all of it) into its local work folder;
        a file copied before, as large, is not copied again."""
        self._download(self._key(f"{fingerprint}.partial", *parts), work.joinpath(*parts))

    def put_partial(self, fingerprint: str, work: Path, name: str) -> None:
        """Upload a file the driver wrote in a stage's local work folder, for the stage's tasks to read."""
        self._call(lambda: self.fs.put_file(str(work / name), self._key(f"{fingerprint}.partial", name)))

    def push(self, final: Path, fingerprint: str) -> None:
        """Upload a finished stage, its funnel last; one already committed (by another build) is kept."""
        if self.has(fingerprint):
            return
        files = sorted(p for p in final.rglob("*") if p.is_file() and p != final / FUNNEL)
        for path in files:
            key = self._key(fingerprint, str(path.relative_to(final)))
            self._call(lambda p=path, k=key: self.fs.put_file(str(p), k))
        funnel = (final / FUNNEL).read_bytes()
        with contextlib.suppress(FileExistsError):  # committed meanwhile by a build making the same bytes
            self._call(lambda: self.fs.pipe_file(self._key(fingerprint, FUNNEL), funnel, mode="create"),
                       expected=(FileExistsError,))

    def start(self, fingerprint: str, marker: str) -> None:
        """Begin (or resume) a stage's remote work: what a run split another way left is removed."""
        key = self._key(f"{fingerprint}.partial", "tasks")
        try:
            found = self._call(lambda: self.fs.cat_file(key), expected=(FileNotFoundError,)).decode()
        except FileNotFoundError:
            found = None
        if found != marker:
            self.remove_partial(fingerprint)
            self._call(lambda: self.fs.pipe_file(key, marker.encode()))

    def remove_partial(self, fingerprint: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._call(lambda: self.fs.rm(self._key(f"{fingerprint}.partial"), recursive=True),
                       expected=(FileNotFoundError,))

    def _download(self, key: str, folder: Path) -> None:
        """Every object under `key` into `folder`, by relative path."""
        try:
            found = self._call(lambda: self.fs.find(key, detail=True), expected=(FileNotFoundError,))
        except FileNotFoundError:
            found = {}
        for name, info in found.items():
            target = folder / name[len(key):].lstrip("/")
            if target.is_file() and target.stat().st_size == info["size"]:  # objects are written whole
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            self._call(lambda n=name, t=target: self.fs.get_file(n, str(t)))
        folder.mkdir(parents=True, exist_ok=True)
