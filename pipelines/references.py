"""What a dedup stage's `against:` names, and the indexes it resolves to when the build is planned.

A reference is a dataset of the store (`{dataset, version: vN | latest, config, out}`) or a corpus of files
(`{path, format, text_fields, id_field}`). A version is read through the dedup index its stage kept
(`index/<i>-<stage>/` in the version), and through those of the earlier versions of the same dataset it
was deduplicated against (a rolling corpus's months); a corpus is indexed when the stage first runs, cached
by its content. Each index comes with what the stage's fingerprint sees of it (the version's build and
index sha256s, the corpus files' sha256s): a new version of a reference reruns the stage.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines import settings, storage
from pipelines.errors import USER_ERRORS, RecipeError, StoreError
from pipelines.fingerprint import FileHashes
from pipelines.store import DatasetStore

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"  # a dataset's name, as a recipe's
FIELD = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Reference(BaseModel):
    """A dataset of the store, or a corpus of files, that a dedup stage removes copies of."""

    model_config = ConfigDict(extra="forbid")

    dataset: str | None = Field(None, pattern=NAME_PATTERN)
    version: str = Field("latest", pattern=r"^(latest|v[1-9][0-9]*)$")
    config: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")  # a synthetic config; unset: documents
    out: str | None = None  # the store root it is under; unset: the build's
    path: str | None = None  # a corpus: a glob or URL of JSONL or Parquet files
    format: Literal["jsonl", "parquet"] | None = None
    text_fields: list[FIELD] | None = Field(None, min_length=1)
    id_field: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Reference:
        if (self.dataset is None) == (self.path is None):
            raise ValueError("give dataset (a dataset of the store) or path (a corpus), one of the two")
        if self.dataset is not None:
            extra = [f for f in ("format", "text_fields", "id_field") if getattr(self, f) is not None]
            if extra:
                raise ValueError(f"{extra[0]}: a dataset's records are read through its index; {extra[0]} is "
                                 "for a corpus of files (path)")
            return self
        extra = [f for f in ("config", "out") if getattr(self, f) is not None]
        if extra or self.version != "latest":
            raise ValueError(f"{(extra or ['version'])[0]}: a corpus of files (path) has no versions or "
                             "configs; those are a dataset's")
        if self.format is None:
            suffixes = Path(self.path).suffixes
            guessed = "parquet" if ".parquet" in suffixes else "jsonl" if ".jsonl" in suffixes else None
            if guessed is None:
                raise ValueError("format: give jsonl or parquet (the path's suffix does not say)")
            self.format = guessed
        self.text_fields = self.text_fields or ["text"]
        self.id_field = self.id_field or "id"
        return self


class PlanContext(Protocol):
    """What resolving needs of the build being planned (pipelines.stages.base.PlanContext)."""

    store_root: Path | str
    dataset: str
    input_fingerprint: str


@dataclass(frozen=True)
class IndexSource:
    """One index a stage matches against: a version's, an earlier version's of the same dataset that one was
    deduplicated against (depth 1 and more), or a corpus's (no location until the stage indexes it)."""

    label: str  # how the card, the side table and the manifest name it: "crawl v3", "crawl v3 (qa)", a path
    reference: int  # which of the stage's `against` entries it comes from
    fingerprint: str
    location: str | None  # the index folder (a local path or a URL)
    info: dict = field(default_factory=dict)  # what the manifest records of it

    def report(self) -> dict:
        return {"label": self.label, "reference": self.reference, "fingerprint": self.fingerprint,
                **self.info}


def resolve(against: list[Reference], kind: str, params: dict, ctx: PlanContext) -> list[IndexSource]:
    """The indexes a dedup stage of `kind` with index `params` matches against (each reference's stage of
    that kind, on its `config`); a bad reference is a one-line error naming it (`against.<k>: ...`)."""
    sources: list[IndexSource] = []
    for k, ref in enumerate(against):
        try:
            found = (_version_sources(ref, k, kind, params, ctx) if ref.dataset is not None
                     else [_corpus_source(ref, k)])
        except USER_ERRORS as e:
            raise RecipeError(f"against.{k}: {e}") from None
        known = {s.fingerprint for s in sources}
        sources += [s for s in found if s.fingerprint not in known]  # a reference named twice: read once
    return sources


# ---- a dataset of the store ---------------------------------------------------------------------

def _version_sources(ref: Reference, k: int, kind: str, params: dict, ctx: PlanContext) -> list[IndexSource]:
    root = storage.location(ref.out) if ref.out else ctx.store_root
    store = DatasetStore(root, ref.dataset)
    # A rolling dataset deduplicated against its own latest version: there is none before its first build.
    own = ref.dataset == ctx.dataset and str(root) == str(ctx.store_root)
    config = ref.config
    name = kind if config is None else f"{kind}-{config}"  # the reference's stage, as its manifest names it
    version = ref.version
    if version == "latest":
        version = store.latest()
        if version is None and not own:
            raise StoreError(f"dataset '{ref.dataset}' has no built version under {root}")
        if own:
            version = _before_this_input(store, version, name, ctx.input_fingerprint)
        if version is None:
            return []
    manifest = store.manifest(version)
    label = f"{ref.dataset} {version}" + (f" ({config})" if config else "")
    stage = _dedup_stage(manifest, name)
    if stage is None:
        others = sorted({s["name"] for s in manifest["stages"] if "dedup" in s})
        raise RecipeError(f"{label} has no {name} stage to match against (its dedup stages: "
                          f"{', '.join(others) or 'none'}): add one to its recipe and build it again")
    index = stage["dedup"].get("index")
    if not index:
        raise RecipeError(f"{label} was built without an index of its {name} stage: build "
                          f"{ref.dataset} again with the stage's `index: true` (the default) and match "
                          "against that version")
    if index.get("params") != params:
        raise RecipeError(f"{label} was indexed with {_describe(index.get('params'))}, this stage has "
                          f"{_describe(params)}: give it the same to match against that index")
    files = {f: sha for f, sha in manifest["files"].items() if f.startswith(f"{index['path']}/")}
    info = {"kind": "version", "dataset": ref.dataset, "version": version, "config": config,
            "root": str(root), "index": index["path"], "records": index.get("records"), "depth": 0}
    sources = [IndexSource(label, k, _digest({"build": manifest["build_fingerprint"], "index": files}),
                           str(storage.join(store.path(version), index["path"])), info)]
    for earlier in stage["dedup"].get("against", []):  # its own months before it, already flattened
        if _same_dataset(earlier, ref.dataset, root):
            where = storage.join(DatasetStore(root, ref.dataset).path(earlier["version"]), earlier["index"])
            keep = {key: earlier[key] for key in ("kind", "dataset", "version", "config", "root", "index",
                                                  "records")}
            sources.append(IndexSource(earlier["label"], k, earlier["fingerprint"], str(where),
                                       keep | {"depth": earlier.get("depth", 0) + 1}))
    return sources


def _before_this_input(store: DatasetStore, version: str | None, name: str, input_fp: str) -> str | None:
    """The latest version to deduplicate against: not one built from this very input (a rerun of the same
    month), whose copies are this build's own; then what that version was deduplicated against."""
    while version is not None:
        stage = _dedup_stage(store.manifest(version), name)
        if stage is None or stage["dedup"].get("input_fingerprint") != input_fp:
            return version
        earlier = [e for e in stage["dedup"].get("against", [])
                   if _same_dataset(e, store.dataset, store.root) and not e.get("depth")]
        version = earlier[0]["version"] if earlier else None
    return None


def _dedup_stage(manifest: dict, name: str) -> dict | None:
    """The last dedup stage of a version by that name (its type, and its config where it ran on one)."""
    found = [s for s in manifest["stages"] if s.get("name") == name and "dedup" in s]
    return found[-1] if found else None


def _same_dataset(entry: dict, dataset: str, root: Path | str) -> bool:
    return (entry.get("kind"), entry.get("dataset"), entry.get("root")) == ("version", dataset, str(root))


def _describe(params: dict | None) -> str:
    return ", ".join(f"{k} {v}" for k, v in (params or {}).items()) or "other parameters"


# ---- a corpus of files --------------------------------------------------------------------------

def _corpus_source(ref: Reference, k: int) -> IndexSource:
    files = _expand(ref.path)
    if not files:
        raise RecipeError(f"path: no file matches '{ref.path}'")
    for path in files:
        _check_fields(path, ref)
    hashes = FileHashes(settings.state_dir() / "reference-hashes.json")
    content = [_content(path, hashes) for path in files]
    hashes.save()
    what = {"format": ref.format, "text_fields": ref.text_fields, "id_field": ref.id_field}
    info = {"kind": "corpus", "path": ref.path, "files": files, **what, "depth": 0}
    return IndexSource(ref.path, k, _digest({"files": content, **what}), None, info)


def _expand(pattern: str) -> list[str]:
    """The files a glob or URL names, sorted."""
    if not storage.is_url(pattern):
        return sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    fs, path = storage.filesystem(pattern)
    found = fs.glob(path, detail=True) if storage.GLOB_CHARS.search(path) else {path: fs.info(path)}
    prefix = storage.protocol(pattern)
    return sorted(f"{prefix}://{name}" for name, info in found.items() if info.get("type") == "file")


def _content(path: str, hashes: FileHashes) -> str:
    """A local file's sha256; a remote one's checksum as its filesystem gives it (an ETag, size, date)."""
    if not storage.is_url(path):
        return hashes.sha256(Path(path))
    fs, key = storage.filesystem(path)
    return f"fsspec:{fs.checksum(key)}"


def _check_fields(path: str, ref: Reference) -> None:
    """The corpus's records have its text fields: a Parquet file's columns, a JSONL file's first record."""
    import pyarrow.parquet as pq

    if storage.is_url(path):
        fs, key = storage.filesystem(path)
        opened = fs.open(key, "rb")
    else:
        opened = open(path, "rb")
    with opened as f:
        try:
            if ref.format == "parquet":
                names = pq.read_schema(f).names
            else:
                names = list(_first_record(f, path))
        except RecipeError:
            raise
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise RecipeError(f"path: {path} is not a readable {ref.format} file "
                              f"({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    missing = [name for name in ref.text_fields if name not in names]
    if missing:
        what = "column" if ref.format == "parquet" else "field in its first record"
        raise RecipeError(f"path: {path} has no {', '.join(map(repr, missing))} {what} "
                          f"(it has {', '.join(names[:20]) or 'none'}): set text_fields to those to compare")


def _first_record(f, path: str) -> dict[str, Any]:
    import gzip

    stream = gzip.open(f) if path.endswith(".gz") else f
    for line in stream:
        if line.strip():
            record = json.loads(line)
            if not isinstance(record, dict):
                raise RecipeError(f"path: {path}: its first line is not a JSON object")
            return record
    return {}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
