"""Writes the shipped WARC fixtures from the authored pages, byte for byte reproducibly.

    PYTHONPATH=tests python -m support.make_warcs     (into pipelines/recipes/data/<fixture>/)
"""

from __future__ import annotations

import uuid
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from support.pages import DATA, load_pages

# fixture name: (page set, number of WARC files)
FIXTURES = {"web-demo": ("sample", 4), "web-quality": ("low_quality", 1)}
CRAWL_DATE = "2026-11-01T12:00:00Z"
# A tiny valid PNG: a non-HTML response the reader must count, not read.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def _record_id(url: str, kind: str) -> str:
    # Fixed ids and dates: the fixture's bytes, and so every build from it, are reproducible.
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, kind + ':' + url)}>"


def write_response(writer: WARCWriter, url: str, body: bytes, content_type: str,
                   status: str = "200 OK") -> None:
    http = StatusAndHeaders(status, [("Content-Type", content_type),
                                     ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=BytesIO(body), http_headers=http,
        warc_headers_dict={"WARC-Date": CRAWL_DATE, "WARC-Record-ID": _record_id(url, "response")},
    )
    writer.write_record(record)


def write_warcinfo(writer: WARCWriter, filename: str) -> None:
    record = writer.create_warcinfo_record(filename, {"software": "pipelines sample fixture"})
    record.rec_headers.replace_header("WARC-Date", CRAWL_DATE)
    record.rec_headers.replace_header("WARC-Record-ID", _record_id(filename, "warcinfo"))
    writer.write_record(record)


def write_fixture(name: str = "web-demo", folder: Path | None = None) -> list[Path]:
    """A fixture's pages dealt round-robin over its WARC files (web-demo adds one image)."""
    page_set, n_files = FIXTURES[name]
    folder = folder or DATA / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"crawl-{i:05d}.warc.gz" for i in range(n_files)]
    handles = [open(p, "wb") for p in paths]
    writers = [WARCWriter(h, gzip=True) for h in handles]
    try:
        for path, writer in zip(paths, writers, strict=True):
            write_warcinfo(writer, path.name)
        for i, page in enumerate(load_pages(page_set)):
            write_response(writers[i % n_files], page["url"], page["html"].encode(),
                           "text/html; charset=utf-8")
        if name == "web-demo":
            write_response(writers[-1], "https://photo-stream.example/p/48213.png", PNG, "image/png")
    finally:
        for h in handles:
            h.close()
    return paths


if __name__ == "__main__":
    for fixture in FIXTURES:
        for written in write_fixture(fixture):
            print(written)
