"""Runs document stages on datatrove: our steps, datatrove's readers, writers and executors."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.extractors.base import BaseExtractor
from datatrove.pipeline.filters import URLFilter
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers import JsonlReader, WarcReader
from datatrove.pipeline.writers import JsonlWriter

from transforms.dedup import record_text
from transforms.extract import Extractor
from transforms.langid import FastTextLanguageID
from transforms.quality import FastTextQualityScorer

CACHE_GLOB = "*.jsonl.zst"
HTML_TYPES = ("text/html", "application/xhtml+xml")


class WarcRecordReader(WarcReader):
    """Reads WARC/WET records as documents, counting every record it does not keep by reason."""

    name = "🕷 Warc (counted)"

    # datatrove's WarcReader skips non-HTML and undecodable records without counting them and
    # stops a task on a corrupt record; here each outcome is a stat, and a corrupt record ends
    # only the rest of its own file.
    def __init__(self, data_folder, paths_file, max_record_bytes: int, source_index: dict[str, int]):
        super().__init__(data_folder, paths_file=paths_file, compression=None)
        self.max_record_bytes = max_record_bytes
        self.source_index = source_index

    def read_file(self, filepath: str) -> DocumentsPipeline:
        from warcio.archiveiterator import ArchiveIterator

        source = self.source_index[filepath]
        with self.data_folder.open(filepath, "rb") as f:
            records = iter(ArchiveIterator(f))
            for index in itertools.count():
                try:
                    record = next(records)
                except StopIteration:
                    return
                except Exception:  # warcio raises several types on broken headers or gzip members
                    self.stat_update("records", "dropped_corrupt_record")
                    return
                self.stat_update("records")
                try:
                    with self.track_time():
                        data, reason = self.process_record(record)
                except Exception:  # a truncated payload: the rest of this file cannot be trusted
                    self.stat_update("dropped_corrupt_record")
                    return
                if reason:
                    self.stat_update(f"dropped_{reason}")
                    continue
                name = Path(filepath).name
                data["id"] = data["id"] or f"{name}#{index}"  # old crawls may lack record ids
                data["metadata"] = {"source": name, "source_index": source, "record_index": index}
                yield self.get_document_from_dict(data, filepath, index)

    def process_record(self, record) -> tuple[dict | None, str | None]:
        """(document fields, None) for a usable page, else (None, drop reason)."""
        if record.rec_type not in ("response", "conversion"):  # WET text is a "conversion"
            return None, "not_a_response"
        mime = record.rec_headers.get_header("WARC-Identified-Payload-Type")
        charset = None
        if record.http_headers is not None:
            if record.http_headers.get_statuscode() not in ("200", None):
                return None, "http_error"
            content_type = record.http_headers.get_header("Content-Type") or ""
            mime = mime or content_type.split(";")[0].strip().lower() or None
            if "charset=" in content_type:
                charset = content_type.split("charset=")[-1].split(";")[0].strip(" \"'")
        if mime is not None and mime not in HTML_TYPES and record.rec_type != "conversion":
            return None, "not_html"
        payload = record.content_stream().read(self.max_record_bytes + 1)
        if len(payload) > self.max_record_bytes:
            return None, "too_large"
        if getattr(record.raw_stream, "limit", 0) > 0:  # the file ended before the record did
            return None, "truncated_record"
        text = decode(payload, charset)
        if text is None:
            return None, "undecodable"
        if not text.strip():
            return None, "empty"
        headers = record.rec_headers
        return {
            "text": text,
            "id": headers.get_header("WARC-Record-ID"),
            "url": headers.get_header("WARC-Target-URI"),
            "date": headers.get_header("WARC-Date"),
        }, None


def decode(payload: bytes, declared: str | None) -> str | None:
    """Text of a payload: declared charset, then UTF-8, then a confident detection; else None."""
    import cchardet

    for charset in (declared, "utf-8"):
        if charset:
            try:
                return payload.decode(charset)
            except (UnicodeDecodeError, LookupError):
                pass
    detected = cchardet.detect(payload)
    charset = detected.get("encoding")
    if not charset or charset.lower() in ("utf-8", "ascii") or (detected.get("confidence") or 0) < 0.5:
        return None
    try:
        return payload.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


class BackendExtractor(BaseExtractor):
    """Our extraction backends (resiliparse, hybrid) in datatrove's sandbox with its time-out."""

    name = "⛏ Extract"

    def __init__(self, backend: str, timeout: float, **options):
        super().__init__(timeout)
        self.name = f"⛏ {backend}"
        self.extractor = Extractor(backend, **options)

    def extract(self, text: str) -> str:
        return self.extractor.extract(text)


class LanguageIDFilter(BaseFilter):
    """Keeps documents whose most likely language is one of `languages` with enough probability."""

    name = "🌍 Language ID (local fastText)"

    # datatrove's LanguageFilter downloads lid.176.bin; this one takes a local model file and says
    # why it dropped a document.
    def __init__(self, languages: list[str], min_score: float, model_path: str | None = None,
                 batch_size: int = 256):
        super().__init__(batch_size=batch_size)
        self.languages = set(languages)
        self.min_score = min_score
        self.lid = FastTextLanguageID(model_path)

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        results = []
        for doc, (lang, score) in zip(batch, self.lid.predict([d.text for d in batch]), strict=True):
            doc.metadata["language"] = lang
            doc.metadata["language_score"] = round(score, 4)
            if lang not in self.languages:
                results.append((False, "other_language"))
            elif score < self.min_score:
                results.append((False, "low_language_score"))
            else:
                results.append(True)
        return results

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]


class QualityScorer(PipelineStep):
    """Adds each document's quality_score; appends its task's scores to a side file."""

    name = "⭐ fastText quality"
    type = "🔢 - SCORER"

    def __init__(self, model_path: str, scores_dir: str, batch_size: int = 1024):
        super().__init__()
        self.scorer = FastTextQualityScorer(model_path)
        self.scores_dir = scores_dir
        self.batch_size = batch_size

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        import numpy as np
        from datatrove.utils.batching import batched

        # The scores of the whole run decide a keep_top threshold; kept on disk, not in memory.
        path = Path(self.scores_dir) / f"{rank:05d}.f32"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            for batch in batched(data, self.batch_size):
                with self.track_time("batch"):
                    scores = self.scorer.score([doc.text for doc in batch]).astype(np.float32)
                scores.tofile(out)
                for doc, score in zip(batch, scores.tolist(), strict=True):
                    doc.metadata["quality_score"] = score
                    self.stat_update("scored")
                    yield doc


def compared_text(doc: Document, fields: list[str] | None) -> str | None:
    """What a stage compares: the named fields of a record (or "text"), else the document's text."""
    if not fields:
        return doc.text
    return record_text({"text": doc.text, **doc.metadata.get("record", {})}, fields)


class DecontamFilter(BaseFilter):
    """Flags documents sharing an n-gram with a benchmark item; removes or marks them."""

    name = "🧪 Decontaminate"

    def __init__(self, index, action: str, matches_dir: str, fields: list[str] | None = None):
        super().__init__()
        self.index = index
        self.action = action
        self.matches_dir = matches_dir
        self.fields = fields
        self._matches = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # Which item each flagged document matched, for the report: one side file per task.
        path = Path(self.matches_dir) / f"{rank:05d}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as self._matches:
            yield from super().run(data, rank, world_size)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        text = compared_text(doc, self.fields)
        if text is None:  # kept: it has none of the fields to compare
            self.stat_update("uncompared_missing_fields")
            return True
        matches = self.index.match(text)
        if not matches:
            return True
        self._matches.write(json.dumps({"id": doc.id, "matches": matches}) + "\n")
        doc.metadata["contamination"] = [f"{bench}:{item}" for bench, item in matches]
        if self.action == "mark":
            self.stat_update(f"marked_{matches[0][0]}")
            return True
        return False, matches[0][0]  # counted under the (first) benchmark it matched


def read_matches(matches_dir: Path) -> dict:
    """Per benchmark: the documents flagged and the item ids they matched."""
    report: dict[str, dict] = {}
    for path in sorted(matches_dir.glob("*.jsonl")):
        with open(path) as f:
            for line in f:
                flagged = json.loads(line)
                for bench in sorted({b for b, _ in flagged["matches"]}):
                    report.setdefault(bench, {"records": 0, "items": set()})["records"] += 1
                for bench, item in flagged["matches"]:
                    report[bench]["items"].add(item)
    return {b: {"records": r["records"], "items": sorted(r["items"])} for b, r in sorted(report.items())}


class ScoreFilter(BaseFilter):
    """Keeps documents whose quality_score is at least the threshold."""

    name = "⭐ quality threshold"

    def __init__(self, threshold: float, reason: str):
        super().__init__()
        self.threshold = threshold
        self.reason = reason

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return doc.metadata["quality_score"] >= self.threshold or (False, self.reason)


def read_scores(scores_dir: Path) -> Iterator:
    """The scores a QualityScorer wrote, one array per task."""
    import numpy as np

    for path in sorted(scores_dir.glob("*.f32")):
        yield np.fromfile(path, dtype=np.float32)


class OfflineURLFilter(URLFilter):
    """datatrove's URL filter on its shipped block lists and tldextract's bundled suffix list."""

    def __init__(self, **params):
        super().__init__(**params)
        from tldextract import TLDExtract

        # By default tldextract fetches the public suffix list on first use.
        self.tldextractor = TLDExtract(suffix_list_urls=(), cache_dir=None)

    def filter(self, document: Document) -> bool | tuple[bool, str]:
        # datatrove asserts on a document without a URL; there is nothing to judge: keep it.
        return super().filter(document) if document.metadata.get("url") else True


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


def cache_writer(folder: Path) -> CacheWriter:
    # zstd: gzip's default level 9 made writing the cache a visible share of a stage's time.
    return CacheWriter(str(folder), output_filename="${rank}.jsonl.zst", compression="zstd")


def run_pipeline(
    steps: list[PipelineStep],
    logging_dir: Path,
    tasks: int,
    executor_spec,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, float]]:
    """Run steps on the recipe's executor; resumes finished tasks; returns each step's summed stats."""
    from pipelines.engines.executors import make_executor

    if executor_spec.kind == "local":
        _preload_forkserver()
    executor = make_executor(executor_spec, steps, tasks, logging_dir)
    done = threading.Event()
    watcher = None
    if on_progress:
        watcher = threading.Thread(
            target=_watch_completions, args=(logging_dir, tasks, on_progress, done), daemon=True
        )
        watcher.start()
    try:
        executor.run()
    finally:
        done.set()
        if watcher:
            watcher.join()
    return read_stats(logging_dir, len(steps))


def _preload_forkserver() -> None:
    """Import the heavy step libraries once, in datatrove's forkserver, not in every worker.

    Each stage is its own executor run with fresh workers; without this every worker of every
    stage pays spaCy's and trafilatura's imports (~2 s a stage here).
    """
    from multiprocess import forkserver

    forkserver.set_forkserver_preload(
        ["pipelines.engines.datatrove", "datatrove.pipeline.filters", "datatrove.utils.word_tokenizers",
         "spacy", "trafilatura", "fasttext"]
    )


def _watch_completions(logging_dir: Path, tasks: int, report, done: threading.Event) -> None:
    folder = logging_dir / "completions"

    def finished() -> int:
        return len(list(folder.glob("*"))) if folder.is_dir() else 0

    report(finished(), tasks)
    while not done.wait(0.5):
        report(finished(), tasks)
    report(finished(), tasks)


def read_stats(logging_dir: Path, n_steps: int) -> list[dict[str, float]]:
    """Sum the per-task stats files (tasks finished in earlier, interrupted runs included)."""
    totals: list[dict[str, float]] = [{} for _ in range(n_steps)]
    for path in sorted((logging_dir / "stats").glob("*.json")):
        for step, stats in zip(totals, json.loads(path.read_text()), strict=True):
            for key, value in stats["stats"].items():
                total = value["total"] if isinstance(value, dict) else value
                step[key] = step.get(key, 0) + total
    return totals


def iter_cached(folder: Path) -> Iterator[Iterator[Document]]:
    """One document stream per file of a stage's cached output, in task order."""
    reader = cache_reader(folder)
    for name in reader.data_folder.list_files(glob_pattern=CACHE_GLOB):
        yield reader.read_file(name)
