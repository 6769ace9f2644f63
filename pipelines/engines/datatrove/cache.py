"""The stage cache: each stage's output as zstd JSONL, one file per task, and the per-task side files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from fsspec.compression import register_compression

CACHE_GLOB = "*.jsonl.zst"


def cache_reader(folder: Path) -> JsonlReader:
    """Reads a stage's cached output, one file per task, in task order."""
    return JsonlReader(str(folder), glob_pattern=CACHE_GLOB, compression="zstd")


def words(text: str) -> int:
    """Whitespace words: the funnel's token count (a subword tokenizer would need a download)."""
    return len(text.split())


class CacheWriter(JsonlWriter):
    """Writes a stage's output for the next stage, counting the words it keeps."""

    def write(self, document: Document, rank: int = 0, **kwargs):
        self.stat_update("words", value=words(document.text))
        super().write(document, rank, **kwargs)


class Tally(PipelineStep):
    """Counts what a stage passes on where no cache writer follows it (the read stage, fused)."""

    name = "🔢 Tally"
    type = "📊 - STATS"

    def __init__(self, count_words: bool):
        super().__init__()
        self.count_words = count_words

    def run(self, data, rank: int = 0, world_size: int = 1):
        for document in data:
            self.stat_update("total")
            if self.count_words:
                self.stat_update("words", value=words(document.text))
            yield document


class DropTally:
    """Stands where a datatrove filter takes an exclusion writer: counts the words it drops."""

    def __init__(self, step: PipelineStep):
        self.step = step

    def __enter__(self) -> DropTally:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def write(self, document: Document, rank: int = 0) -> None:
        reason = document.metadata.get("filter_reason", "filtered")
        self.step.stat_update(f"words_dropped_{reason}", value=words(document.text))


def tally_drops(step: PipelineStep) -> PipelineStep:
    """A filter that also counts the words of what it drops, by reason."""
    if isinstance(step, BaseFilter) and step.exclusion_writer is None:
        step.exclusion_writer = DropTally(step)
    return step


def _zstd_default_level(infile, mode: str = "rb"):
    """zstd at its own default level (3): fsspec's "zstd" writes at level 10, several times level 3's CPU
    for files barely smaller (bench/README.md, "Design measurements")."""
    import zstandard

    if "r" in mode:
        return zstandard.ZstdDecompressor().stream_reader(infile)
    return zstandard.ZstdCompressor(level=3).stream_writer(infile)


# Registered on import, so in every worker that unpickles a cache writer: its files read as "zstd".
CACHE_COMPRESSION = "zstd-level-3"
register_compression(CACHE_COMPRESSION, _zstd_default_level, [], force=True)


def cache_writer(folder: Path) -> CacheWriter:
    return CacheWriter(str(folder), output_filename="${rank}.jsonl.zst", compression=CACHE_COMPRESSION)


def iter_cached(folder: Path) -> Iterator[Iterator[Document]]:
    """One document stream per file of a stage's cached output, in task order."""
    reader = cache_reader(folder)
    for name in reader.data_folder.list_files(glob_pattern=CACHE_GLOB):
        yield reader.read_file(name)


def side_file(folder: str | Path, rank: int, suffix: str, mode: str = "w"):
    """A task's own side file in a stage's folder (scores, matches, cluster rows), `<rank>.<suffix>`, open
    for writing: a local folder, or the stage's folder on object storage where its tasks write there."""
    from datatrove.io import get_datafolder

    return get_datafolder(str(folder)).open(f"{rank:05d}.{suffix}", mode)
