"""The recipe's input files, wherever fsspec reaches: local globs, s3://, gs://, hf://, https:// and
listings of paths (Common Crawl's warc.paths.gz), each with what its store says about its content."""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipelines import storage
from pipelines.errors import PipelinesError, RecipeError
from pipelines.stages.read import InputSpec


@dataclass(frozen=True)
class InputFile:
    path: str  # absolute local path or URL
    name: str
    size: int
    checksum: str | None = None  # the store's own: an S3 ETag, a GCS md5, a Hub sha256 (None: local)

    @property
    def remote(self) -> bool:
        return storage.is_url(self.path)


@dataclass
class Inputs:
    files: list[InputFile]
    missing: list[str]  # listed in paths_file but not found (skipped as the recipe says)


def expand(spec: InputSpec, retries: tuple[int, float, float] = (3, 1.0, 2.0)) -> Inputs:
    """The input files in input order: globs sorted and deduplicated, a listing in its own order; a glob
    that matches nothing and an unreachable store are errors."""
    if spec.paths_file is not None:
        return _listed(spec, retries)
    seen: dict[str, InputFile] = {}
    for pattern in spec.paths:
        matched = _remote_glob(pattern, spec, retries) if storage.is_url(pattern) else _local_glob(pattern)
        if not matched:
            raise RecipeError(f"input.paths: no file matches '{pattern}'")
        seen.update((f.path, f) for f in matched)
    files = sorted(seen.values(), key=lambda f: f.path)
    chosen = set(_chosen([f.path for f in files], spec))
    if not chosen:
        raise RecipeError(f"input.sample: none of the {len(files)} files of input.paths is in the sample "
                          f"of {spec.sample:g}; raise it or change input.seed")
    files = [f for f in files if f.path in chosen]
    _one_filesystem([f.path for f in files])
    return Inputs(files, [])


def _chosen(paths: list[str], spec: InputSpec) -> list[str]:
    """The files of the input that are built from: a deterministic `sample` of them, then the first
    `max_files`."""
    if spec.sample is not None:
        paths = [p for p in paths if _sampled(p, spec.sample, spec.seed)]
    return paths[: spec.max_files] if spec.max_files is not None else paths


def _local_glob(pattern: str) -> list[InputFile]:
    found = []
    for p in glob.glob(pattern, recursive=True):
        if os.path.isfile(p):
            found.append(InputFile(p, Path(p).name, os.stat(p).st_size))
    return found


def _remote_glob(pattern: str, spec: InputSpec, retries) -> list[InputFile]:
    fs, path = storage.filesystem(pattern, spec.storage_options)
    proto = storage.protocol(pattern)
    if storage.GLOB_CHARS.search(path):
        found = storage.retrying(lambda: fs.glob(path, detail=True), pattern, fs, *retries)
        infos = [i for i in found.values() if i.get("type") == "file"]
        if not infos:  # a glob in a bucket that does not exist matches nothing too: say which it is
            prefix = storage.GLOB_CHARS.split(path, 1)[0].rsplit("/", 1)[0]
            try:
                storage.retrying(lambda: fs.info(prefix), pattern, fs, *retries)
            except PipelinesError as e:
                if "no such file" not in str(e):
                    raise
    else:
        try:
            infos = [storage.retrying(lambda: fs.info(path), pattern, fs, *retries)]
        except PipelinesError as e:
            if "no such file" in str(e):
                return []
            raise
        if infos[0].get("type") != "file":  # a folder: its files, as a glob of ** would give
            found = storage.retrying(lambda: fs.find(path, detail=True), pattern, fs, *retries)
            infos = [i for i in found.values() if i.get("type") == "file"]
    return [_remote_file(proto, fs, info) for info in infos]


def _remote_file(proto: str, fs, info: dict) -> InputFile:
    url = fs.unstrip_protocol(info["name"]) if proto not in ("http", "https") else info["name"]
    return InputFile(url, url.rstrip("/").rsplit("/", 1)[-1], int(info.get("size") or 0), checksum(info))


def checksum(info: dict) -> str:
    """What the store says about an object's content, from a listing or a HEAD: no download. A new
    upload of an object changes it (an ETag, a generation, a sha256, a modification time)."""
    lfs = info.get("lfs")
    if isinstance(lfs, dict) and lfs.get("sha256"):  # the Hub: an LFS file's sha256
        return f"sha256:{lfs['sha256']}"
    for key, kind in (("blob_id", "git-blob"), ("md5Hash", "md5"), ("crc32c", "crc32c")):
        if info.get(key):  # the Hub's git blob id; GCS's md5 (or crc32c for composite objects)
            generation = f"@{info['generation']}" if info.get("generation") else ""
            return f"{kind}:{info[key]}{generation}"
    etag = info.get("ETag") or info.get("etag")
    if etag:  # S3 (a multipart ETag is not an md5, but changes with the object), HTTP servers
        version = f"@{info['VersionId']}" if info.get("VersionId") else ""
        return f"etag:{str(etag).strip(chr(34))}{version}"
    modified = next((info[k] for k in ("LastModified", "Last-Modified", "mtime", "last_modified", "updated")
                     if info.get(k)), None)
    if modified is not None:
        return f"size-mtime:{info.get('size')}:{modified}"
    raise RecipeError(f"input.paths: {info.get('name')} has no checksum, ETag or modification time "
                      "to fingerprint it by")


def _listed(spec: InputSpec, retries) -> Inputs:
    """The files a listing names, one per line (gzip-compressed if it ends in .gz), relative ones joined
    to `base`; a deterministic `sample` and then the first `max_files` of them."""
    listing = spec.paths_file
    lines = _read_listing(listing, spec, retries)
    base = spec.base or _parent(listing)
    paths = [line if storage.is_url(line) or line.startswith("/") else storage.join(base, line)
             for line in lines]
    paths = _chosen(list(dict.fromkeys(str(p) for p in paths)), spec)
    if not paths:
        raise RecipeError(f"input.paths_file: {listing} names no file"
                          + (" after sampling" if spec.sample is not None else ""))
    _one_filesystem(paths)
    files, missing = _stat(paths, spec, retries)
    if missing and spec.missing == "error":
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise RecipeError(f"input.paths_file: {listing} names {len(missing)} files that do not exist "
                          f"({missing[0]}{more}); set input.missing: skip to build from the others")
    if not files:
        raise RecipeError(f"input.paths_file: none of the {len(paths)} files {listing} names exists")
    return Inputs(files, missing)


def _read_listing(listing: str, spec: InputSpec, retries) -> list[str]:
    import fsspec

    def read() -> str:
        with fsspec.open(str(listing), "rt", compression="infer",
                         **(spec.storage_options if storage.is_url(listing) else {})) as f:
            return f.read()

    if storage.is_url(listing):
        fs, _ = storage.filesystem(listing, spec.storage_options)
        text = storage.retrying(read, listing, fs, *retries)
    else:
        try:
            text = read()
        except OSError as e:
            raise RecipeError(f"input.paths_file: cannot read {listing} ({e.strerror or e})") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _parent(location: str) -> str:
    return location.rsplit("/", 1)[0] if storage.is_url(location) else str(Path(location).parent)


def _sampled(path: str, fraction: float, seed: int) -> bool:
    """Whether a listed file is in the sample: decided by its own path and the seed alone, so a longer
    listing keeps every file a shorter one sampled."""
    digest = hashlib.blake2b(f"{seed}:{path}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") < fraction * 2**64


def _stat(paths: list[str], spec: InputSpec, retries) -> tuple[list[InputFile], list[str]]:
    """Each listed file's size and checksum, from one listing per folder where a folder holds several."""
    if not storage.is_url(paths[0]):
        found = [p for p in paths if os.path.isfile(p)]
        missing = [p for p in paths if p not in set(found)]
        return [InputFile(p, Path(p).name, os.stat(p).st_size) for p in found], missing
    fs, _ = storage.filesystem(paths[0], spec.storage_options)
    http = storage.protocol(paths[0]) in ("http", "https")
    folders: dict[str, list[str]] = {}
    for p in paths:
        folders.setdefault(_parent(p), []).append(p)
    infos: dict[str, dict] = {}
    for folder, members in folders.items():
        if len(members) > 1 and not http:  # one listing for many HEADs
            root = fs._strip_protocol(folder)
            try:
                listed = storage.retrying(lambda r=root: fs.ls(r, detail=True), folder, fs, *retries)
            except PipelinesError as e:
                if "no such file" not in str(e):
                    raise
                listed = []
            infos |= {fs.unstrip_protocol(i["name"]): i for i in listed if i.get("type") == "file"}
        else:
            for p in members:
                try:
                    infos[p] = storage.retrying(lambda p=p: fs.info(fs._strip_protocol(p)), p, fs, *retries)
                except PipelinesError as e:
                    if "no such file" not in str(e):
                        raise
    files = [InputFile(p, p.rsplit("/", 1)[-1], int(infos[p].get("size") or 0), checksum(infos[p]))
             for p in paths if p in infos]
    return files, [p for p in paths if p not in infos]


def _one_filesystem(paths: list[str]) -> None:
    """One read stage reads one filesystem: its files share a root folder there."""
    kinds = {storage.protocol(p) for p in paths}
    if len(kinds) > 1:
        raise RecipeError(f"input.paths: the inputs are on {' and '.join(sorted(kinds))}: put them on one "
                          "filesystem (copy the local ones up, or build each apart)")
