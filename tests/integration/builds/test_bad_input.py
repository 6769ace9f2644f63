"""Bad records are counted under a reason in the manifest; the build still succeeds."""

from __future__ import annotations

import json
from pathlib import Path

from support.build import build
from support.warcs import article, good_pages, response, write_warc
from warcio.warcwriter import WARCWriter


def test_bad_records_end_up_in_the_manifest(tmp_path):
    crawl = tmp_path / "crawl"
    write_warc(crawl / "a-good.warc.gz", good_pages("good", 5))
    cut = write_warc(crawl / "b-cut.warc.gz", good_pages("cut", 3))
    cut.write_bytes(cut.read_bytes()[:-300])  # a truncated last record
    with open(crawl / "c-mixed.warc.gz", "wb") as f:
        w = WARCWriter(f, gzip=True)
        response(w, "https://bin.example/", bytes(range(0x80, 0x100)) * 40, content_type="text/html")
        response(w, "https://empty.example/", b"")
        response(w, "https://huge.example/", (b"<p>" + b"lorem ipsum " * 1000 + b"</p>") * 900)
        response(w, "https://fine.example/", article("fine").encode())
    corrupt = write_warc(crawl / "d-corrupt.warc.gz", good_pages("corrupt", 1))
    with open(corrupt, "ab") as f:
        f.write(b"\x1f\x8b\x08\x00garbage that is no gzip member" * 10)

    result, _ = build(tmp_path / "state", tmp_path / "out",
                      f"input.paths=[{crawl}/*.warc.gz]", "executor.tasks=2")
    manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
    read = manifest["stages"][0]
    assert read["dropped"] == {"corrupt_record": 1, "empty": 1, "too_large": 1,
                               "truncated_record": 1, "undecodable": 1}
    assert read["out"] == 5 + 2 + 1 + 1
    assert manifest["rows"] == read["out"]  # every good English page survives
    assert all(s["in"] - s["out"] == sum(s["dropped"].values()) for s in manifest["stages"])
    card = (Path(result["path"]) / "README.md").read_text()
    assert "too_large 1" in card and "truncated_record 1" in card
