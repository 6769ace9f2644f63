"""Reads WARC/WET records as documents, counting every record it does not keep by reason."""

from __future__ import annotations

import itertools
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.readers import WarcReader

HTML_TYPES = ("text/html", "application/xhtml+xml")


class WarcRecordReader(WarcReader):
    """Reads WARC/WET records as documents, counting every record it does not keep by reason."""

    name = "🕷 Warc (counted)"

    # datatrove's WarcReader skips non-HTML and undecodable records without counting them and
    # stops a task on a corrupt record; here each outcome is a stat, and a corrupt record ends
    # only the rest of its own file. `per_file`: the first N documents of each file (datatrove's own
    # `limit` counts a task's documents, which would depend on how the files are spread over tasks).
    def __init__(self, data_folder, paths_file, max_record_bytes: int, source_index: dict[str, int],
                 per_file: int | None = None):
        super().__init__(data_folder, paths_file=paths_file, compression=None)
        self.max_record_bytes = max_record_bytes
        self.source_index = source_index
        self.per_file = per_file

    def read_file(self, filepath: str) -> DocumentsPipeline:
        from warcio.archiveiterator import ArchiveIterator

        source = self.source_index[filepath]
        kept = 0
        with self.data_folder.open(filepath, "rb") as f:
            records = iter(ArchiveIterator(f))
            for index in itertools.count():
                if kept == self.per_file:
                    return
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
                kept += 1
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
