"""Planning a build: the recipe validated, inputs and stages fingerprinted, the stages grouped into runs, and
the version found (up to date) or named."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import code_version, settings, storage
from pipelines.errors import USER_ERRORS, RecipeError
from pipelines.fingerprint import FileHashes
from pipelines.inputs import InputFile, expand
from pipelines.recipe import Recipe, load_recipe, sha256_json
from pipelines.stage_cache import RemoteStageCache
from pipelines.stages.base import Stage
from pipelines.stages.read import WHERE_INPUTS_ARE, InputSpec
from pipelines.store import DatasetStore
from pipelines.store.versions import PREVIEW_PREFIX

ProgressFn = Callable[..., None]  # (stage index, done, total, **figures)
# The code that writes a version from the stages' outputs: part of every build's fingerprint.
WRITER_MODULES = ("pipelines.version",)
VERSION_ROW_MODULES = ("pipelines.engines.datatrove.version_rows",)  # what makes a version's row


@dataclass
class StagePlan:
    name: str
    fingerprint: str
    spec: Stage
    auto: bool = False  # added by the plan, not named in the recipe (a synthetic config's decontamination)


@dataclass
class BuildPlan:
    recipe: Recipe
    recipe_path: Path
    overrides: list[str]
    inputs: list[dict]
    stages: list[StagePlan]
    fingerprint: str
    store: DatasetStore
    version: str
    up_to_date: bool
    parent: str | None
    cache_dir: Path = field(default_factory=lambda: settings.state_dir() / "stages")
    # The stage cache on object storage, which cache_dir is then the driver's working copy of.
    cache_url: str | None = field(default_factory=settings.stage_cache_url)
    # Shown by the process that started the build; travels with the plan, not through a global.
    progress: ProgressFn | None = field(default=None, repr=False, compare=False)
    missing_inputs: list[str] = field(default_factory=list)  # listed, not found, skipped (input.missing)
    # `build --limit N`: a version of its own (preview-<fingerprint>), never a vN nor published.
    preview: bool = False

    @property
    def path(self) -> Path | str:
        """Where the version is (or will be): a local folder, or a URL on object storage."""
        return self.store.path(self.version)

    def last_document_stage(self) -> int:
        """The index of the last stage whose output is the curated documents."""
        return max(i for i, s in enumerate(self.stages) if s.spec.makes_documents)

    def made(self, i: int) -> Path:
        """Stage i's folder in the local stage cache."""
        return self.cache_dir / self.stages[i].fingerprint

    def version_rows(self) -> str:
        """The folder name, in the last documents stage's output, of the version's rows its tasks wrote: named
        after the code that makes a row, so a row made by other code is never read."""
        return f"version-rows-{code_version.code_version(VERSION_ROW_MODULES)}"

    def rows(self, config: str, before: int | None = None) -> Path:
        """The rows file of a synthetic config as stage `before` reads it (default: as the version holds
        it): that of the last stage before it that wrote the config."""
        end = len(self.stages) if before is None else before
        writer = next((k for k in reversed(range(end)) if self.stages[k].spec.rows_file(config)), None)
        if writer is None:  # the recipe's check makes this unreachable from a recipe
            raise KeyError(f"no stage before stage {end} writes config {config!r}")
        return self.made(writer) / self.stages[writer].spec.rows_file(config)

    def fuses(self, i: int) -> bool:
        """Whether stage i streams documents, fused with its streaming neighbours (a stage on a synthetic
        config's rows runs alone)."""
        spec = self.stages[i].spec
        return spec.streams and spec.makes_documents

    def groups(self) -> list[list[int]]:
        """The stages in runs: consecutive streaming stages fused into one, each barrier alone."""
        groups: list[list[int]] = []
        for i in range(len(self.stages)):
            if self.fuses(i) and groups and self.fuses(groups[-1][-1]):
                groups[-1].append(i)
            else:
                groups.append([i])
        return groups

    def keeps_output(self, i: int) -> bool:
        """Whether stage i writes its output to the stage cache: every stage does, but one that need not
        (the read stage) when the next stage streams on from it in the same pass."""
        last = i + 1 == len(self.stages)
        return self.stages[i].spec.cache_output or last or not self.fuses(i + 1)

    @property
    def remote_cache(self) -> RemoteStageCache | None:
        return RemoteStageCache(self.cache_url) if self.cache_url else None

    def libraries(self) -> list[str]:
        """Every library the build's stages run on: what each worker must have alike."""
        return sorted({lib for s in self.stages for lib in type(s.spec).library_names()})

    def refreshed(self) -> BuildPlan:
        """The same plan, its version named again: another build may have written one meanwhile."""
        if self.preview:
            return dataclasses.replace(self, up_to_date=_exists(self.store, self.version))
        existing = self.store.find_build(self.fingerprint)
        return dataclasses.replace(self, version=existing or self.store.next_version(),
                                   up_to_date=existing is not None, parent=self.store.latest())


def plan_build(recipe_ref: str, overrides: list[str] = (), out: str | Path | None = None,
               preview: bool = False) -> BuildPlan:
    """Validate the recipe, fingerprint inputs and stages, and find or name the version (`preview`: the
    preview-<fingerprint> folder of a build on input.limit records of each input)."""
    recipe, recipe_path = load_recipe(recipe_ref, list(overrides))
    if preview and not recipe.input.limit:
        raise RecipeError("a preview builds on the first N records of each input: give --limit N")
    for i, spec in enumerate(recipe.stages):
        try:
            spec.check()
        except USER_ERRORS as e:
            raise RecipeError(f"{recipe_path}: stages.{i}: {e}") from None
    _check_row_fields(recipe, recipe_path)
    policy = recipe.retries
    found = expand(recipe.input, (policy.attempts, policy.delay_seconds, policy.backoff))
    if recipe.input.format == "parquet":
        _check_parquet_inputs(found.files, recipe.input, recipe_path)
    hashes = FileHashes(settings.state_dir() / "input-hashes.json")
    # A remote object is known by its store's checksum (an ETag, a Hub sha256): nothing is downloaded.
    inputs = [{"path": f.path, "name": f.name, "bytes": f.size, "checksum": f.checksum} if f.remote else
              {"path": f.path, "name": f.name, "bytes": f.size, "sha256": hashes.sha256(Path(f.path))}
              for f in found.files]

    # The read stage's parent is its inputs' content.
    fingerprint = sha256_json([i.get("sha256") or i["checksum"] for i in inputs])
    store = DatasetStore(out or settings.default_out_dir(), recipe.name)
    stages = []
    for spec, auto in planned_stages(recipe.input.stage([i["path"] for i in inputs]), recipe.stages):
        _resolve(spec, StagePlanning(store.root, recipe.name, fingerprint), recipe, recipe_path)
        # A model retrained or a benchmark edited in place is another stage: content counts.
        fingerprint = sha256_json({"stage": spec.type, "params": spec.fingerprint_params(),
                                   "files_sha256": [hashes.sha256(Path(f)) for f in spec.files()],
                                   "parent": fingerprint, "code": spec.code_version()})
        stages.append(StagePlan(spec.name, fingerprint, spec, auto))
    hashes.save()

    # The executor and the retries change how the work is spread and failures met, not what is made:
    # they are not part of the build.
    recipe_data = recipe.model_dump(mode="json", exclude={
        "executor": True, "retries": True, "input": WHERE_INPUTS_ARE, "stages": True})
    recipe_data["stages"] = [spec.fingerprint_params() for spec in recipe.stages]
    build_fp = sha256_json({"recipe": recipe_data, "last_stage": fingerprint,
                            "writer": code_version.code_version(WRITER_MODULES, extra=templates_digest())})
    if preview:
        version = f"{PREVIEW_PREFIX}{build_fp[:12]}"
        return BuildPlan(recipe, recipe_path, list(overrides), inputs, stages, build_fp, store, version,
                         up_to_date=_exists(store, version), parent=None, missing_inputs=found.missing,
                         preview=True)
    existing = store.find_build(build_fp)
    return BuildPlan(recipe, recipe_path, list(overrides), inputs, stages, build_fp, store,
                     version=existing or store.next_version(), up_to_date=existing is not None,
                     parent=store.latest(), missing_inputs=found.missing)


def _exists(store: DatasetStore, version: str) -> bool:
    """Whether the store holds this version, complete."""
    try:
        store.manifest(version)
    except USER_ERRORS:
        return False
    return True


@dataclass
class StagePlanning:
    """The PlanContext of a stage: what it sees of the build being planned."""

    store_root: Path | str
    dataset: str
    input_fingerprint: str


def _resolve(spec: Stage, ctx: StagePlanning, recipe: Recipe, recipe_path: Path) -> None:
    """A stage pins what it reads from outside its input (a dedup stage's references), or fails in a line."""
    try:
        spec.resolve(ctx)
    except USER_ERRORS as e:
        where = next((f"stages.{i}" for i, s in enumerate(recipe.stages) if s is spec), spec.name)
        raise RecipeError(f"{recipe_path}: {where}: {e}") from None


def templates_digest() -> str:
    """The card's templates: data files, not imported code, yet part of what writes a version."""
    from pipelines.render import TEMPLATES

    return sha256_json({p.name: p.read_text() for p in sorted(TEMPLATES.glob("*.j2"))})


def planned_stages(read: Stage, specs: list[Stage]) -> Iterator[tuple[Stage, bool]]:
    """The read stage and the recipe's stages, each with whether the plan added it: after a stage that
    creates a synthetic config, the stages the recipe's stages add for it (a decontamination)."""
    yield read, False
    for spec in specs:
        yield spec, False
        if spec.new_config is not None:
            for other in specs:
                added = other.added_for_config(spec.new_config, specs)
                if added is not None:
                    yield added, True


def _check_row_fields(recipe: Recipe, recipe_path: Path) -> None:
    """A stage that reads an earlier config's rows names fields they have: a misspelt one would skip every
    row, or write a column of nulls. One line, before any model loads."""
    columns: dict[str, list[str] | None] = {}
    for i, spec in enumerate(recipe.stages):
        for config, where, fields in spec.reads():
            have = columns.get(config)
            missing = [f for f in fields if have is not None and f not in have]
            if missing:
                raise RecipeError(f"{recipe_path}: stages.{i}.{where}: the rows of {config!r} have no "
                                  f"{', '.join(map(repr, missing))} (they have {', '.join(have)})")
        if spec.new_config is not None:
            columns[spec.new_config] = spec.row_fields()
        for config in columns:  # a judge that annotates adds its columns to the rows it judged
            if columns[config] is not None:
                columns[config] = [*columns[config], *(f.name for f in spec.annotations(config))]


def _check_parquet_inputs(files: list[InputFile], spec: InputSpec, recipe_path: Path) -> None:
    """Every Parquet input is readable and has the text fields: read from each footer, not the data."""
    import pyarrow.parquet as pq

    for f in files:
        try:
            if f.remote:
                fs, path = storage.filesystem(f.path, spec.storage_options)
                with fs.open(path, "rb") as handle:
                    names = pq.read_schema(handle).names
            else:
                names = pq.read_schema(f.path).names
        except USER_ERRORS:
            raise
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise RecipeError(f"{recipe_path}: input.paths: {f.path} is not a readable Parquet file "
                              f"({str(e).splitlines()[0]})") from None
        missing = [field for field in spec.text_fields if field not in names]
        if missing:
            raise RecipeError(f"{recipe_path}: input.text_fields: {f.path} has no "
                              f"{', '.join(map(repr, missing))} column (columns: {', '.join(names[:20])})")
