"""read: the recipe's input files as documents (WARC/WET pages, JSONL or Parquet records)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from pipelines import storage
from pipelines.engines.datatrove.reader import WarcRecordReader
from pipelines.engines.datatrove.records import JsonlRecordReader, ParquetRecordReader
from pipelines.stages.base import FIELD_PATTERN, Spec, StreamingStage
from pipelines.storage import check_options, read_root

RECORD_FORMATS = ("jsonl", "parquet")


class InputSpec(Spec):
    format: Literal["warc", "wet", "jsonl", "parquet"] = "warc"
    # Local globs or URLs of any fsspec filesystem (s3://, gs://, hf://, https://); or a listing file,
    # one path a line (.gz read as gzip), relative ones joined to `base` (default: the listing's folder).
    paths: list[str] = []
    paths_file: str | None = None
    base: str | None = None  # the folder a listing's relative lines are under
    # Files (of the globs or the listing): this share of them, each in or out by its path and the seed.
    sample: float | None = Field(None, gt=0, le=1)
    seed: int = 0  # which share the sample is
    max_files: int | None = Field(None, ge=1)  # the first N files, in input order (after sampling)
    # Records: the first N of each input file that become documents (and of a synthesize stage's prompts
    # file); `pipelines build --limit N` sets it for a preview.
    limit: int | None = Field(None, ge=1)
    missing: Literal["error", "skip"] = "error"  # listed files that do not exist
    # Passed to the filesystem (endpoint_url, profile, anon, requester_pays, client_kwargs); never a
    # secret: credentials come from the environment or a profile.
    storage_options: dict[str, Any] = {}
    # Common Crawl truncates records at 1 MiB; anything far above is not a web page.
    max_record_bytes: int = Field(2_000_000, gt=0)
    # Records (JSONL, Parquet: seed data, synthetic instruction or QA rows): the fields that make a
    # record's text, joined by a blank line, and the field with its id (the file and line if absent).
    text_fields: list[Annotated[str, Field(pattern=FIELD_PATTERN)]] | None = Field(None, min_length=1)
    id_field: str = "id"

    @model_validator(mode="after")
    def _where(self) -> InputSpec:
        if bool(self.paths) == (self.paths_file is not None):
            raise ValueError("give paths (globs or URLs) or paths_file (a listing), one of the two")
        if self.paths_file is None and self.base is not None:
            raise ValueError("base applies to the relative lines of a paths_file listing; paths are globs "
                             "or URLs relative to the recipe")
        check_options(self.storage_options, "storage_options")
        return self

    @model_validator(mode="after")
    def _fields_for_records(self) -> InputSpec:
        if self.format in RECORD_FORMATS:
            self.text_fields = self.text_fields or ["text"]
        elif self.text_fields is not None:
            formats = " and ".join(RECORD_FORMATS)
            raise ValueError(f"text_fields applies to {formats} inputs, not {self.format}")
        return self

    @property
    def records(self) -> bool:
        return self.format in RECORD_FORMATS

    def stage(self, inputs: list[str]) -> ReadStage:
        """The stage that reads these input files (absolute paths or URLs, in input order)."""
        return ReadStage(input=self, inputs=inputs)


# Where the input files are and how they are listed: their content (checksums) is what counts.
# (`limit` is not where they are, but it is fingerprinted only when set: see ReadStage.fingerprint_params.)
WHERE_INPUTS_ARE = {"paths", "paths_file", "base", "sample", "seed", "max_files", "limit", "missing",
                    "storage_options"}


READ_BLOCK = 8 * 2**20  # s3fs's read-ahead block for inputs (its default is 50 MB)


class ReadStage(StreamingStage):
    """Reads the input files in order, counting every record it does not keep by reason."""

    type: Literal["read"] = "read"
    input: InputSpec
    inputs: list[str]  # the files, absolute paths or URLs, in input order
    in_recipe = False  # the recipe's `input:`, not one of its stages
    transient = True  # its inputs may be remote
    libraries = ("faust-cchardet",)  # warcio's charset detection, never imported by our code
    # Its cache would be its inputs again (HTML in full): writing it cost more than reading the WARCs.
    cache_output = False

    def fingerprint_params(self) -> dict:
        # Its output is known by the inputs' content, which the plan fingerprints, not by where they are;
        # a limited read is another output (a preview never stands in for the whole build in the cache).
        params = self.input.model_dump(mode="json", exclude=WHERE_INPUTS_ARE)
        return params | ({"limit": self.input.limit} if self.input.limit else {})

    @property
    def counts_words(self) -> bool:
        return self.input.format != "warc"

    def steps(self, work: Path | str) -> list:
        root, relative = read_root(self.inputs)
        # The list of files goes where the tasks look: a local folder, or the remote stage cache's.
        listing = storage.join(work, "inputs.txt")
        storage.write_bytes(listing, ("\n".join(relative) + "\n").encode())
        order = {rel: i for i, rel in enumerate(relative)}
        spec = self.input
        # datatrove opens (folder, options) on any fsspec filesystem and streams each file from it: on
        # S3 by ranged reads of READ_BLOCK bytes, so a task holds one block of a 1 GB WARC, not 50 MB.
        options = spec.storage_options
        if storage.protocol(root) in ("s3", "s3a"):
            options = {"default_block_size": READ_BLOCK, **options}
        root = (root, options) if options else root
        if spec.records:
            cls = JsonlRecordReader if spec.format == "jsonl" else ParquetRecordReader
            return [cls(root, str(listing), spec.text_fields, spec.id_field,
                        spec.max_record_bytes, order, spec.limit)]
        return [WarcRecordReader(root, str(listing), spec.max_record_bytes, order, spec.limit)]
