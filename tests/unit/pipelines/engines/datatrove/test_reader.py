"""The WARC reader counts every record it does not turn into a document, by reason."""

from __future__ import annotations

import os

from support.warcs import article, good_pages, response, write_warc
from warcio.warcwriter import WARCWriter

from pipelines.engines.datatrove.reader import WarcRecordReader

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def read(folder, names, max_bytes=2_000_000):
    (folder / "inputs.txt").write_text("\n".join(names) + "\n")
    reader = WarcRecordReader(str(folder), str(folder / "inputs.txt"), max_bytes,
                              {n: i for i, n in enumerate(names)})
    docs = list(reader.run(None, 0, 1))
    counts = {k: v.total for k, v in reader.stats.stats.items() if k.startswith("dropped_")}
    return docs, counts, reader.stats.stats["records"].total


def test_bad_records_are_counted_by_reason(tmp_path):
    path = tmp_path / "mixed.warc.gz"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        w.write_record(w.create_warcinfo_record("mixed.warc.gz", {"software": "test"}))
        response(w, "https://ok.example/1", article("first").encode())
        response(w, "https://bin.example/undecodable", bytes(range(0x80, 0x100)) * 20,
                 content_type="text/html")
        response(w, "https://empty.example/", b"   \n")
        response(w, "https://big.example/", b"<html><body>" + b"<p>word word</p>" * 700_000)
        response(w, "https://img.example/a.png", PNG, content_type="image/png")
        response(w, "https://gone.example/", article("gone").encode(), status="404 Not Found")
        response(w, "https://latin1.example/", article("caf\u00e9").encode("latin-1"),
                 content_type="text/html; charset=iso-8859-1")
        response(w, "https://ok.example/2", article("second").encode())
    assert os.path.getsize(path) > 0
    docs, dropped, records = read(tmp_path, ["mixed.warc.gz"])
    assert [d.metadata["url"] for d in docs] == [
        "https://ok.example/1", "https://latin1.example/", "https://ok.example/2"]
    assert "café" in docs[1].text  # the declared charset was used
    assert dropped == {
        "dropped_not_a_response": 1, "dropped_undecodable": 1, "dropped_empty": 1,
        "dropped_too_large": 1, "dropped_not_html": 1, "dropped_http_error": 1,
    }
    assert records == 9 == len(docs) + sum(dropped.values())
    # Order keys let the store write rows in input order whatever the task count.
    assert [d.metadata["record_index"] for d in docs] == [1, 7, 8]
    assert {d.metadata["source_index"] for d in docs} == {0}


def test_truncated_record_is_counted_and_what_came_before_is_kept(tmp_path):
    path = write_warc(tmp_path / "cut.warc.gz", good_pages("cut", 3))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 300])  # cut into the last record's gzip member
    docs, dropped, _ = read(tmp_path, ["cut.warc.gz"])
    assert len(docs) == 2
    assert dropped == {"dropped_truncated_record": 1}


def test_garbage_between_records_ends_only_that_file(tmp_path):
    bad = tmp_path / "bad.warc.gz"
    write_warc(bad, good_pages("bad", 1))
    with open(bad, "ab") as f:
        f.write(b"this is not a WARC record at all\r\n\r\n" * 3)
    write_warc(tmp_path / "good.warc.gz", good_pages("good", 2))
    docs, dropped, _ = read(tmp_path, ["bad.warc.gz", "good.warc.gz"])
    assert [d.metadata["source"] for d in docs] == ["bad.warc.gz", "good.warc.gz", "good.warc.gz"]
    assert dropped == {"dropped_corrupt_record": 1}


def test_uncompressed_warc_is_read_too(tmp_path):
    write_warc(tmp_path / "plain.warc", good_pages("plain", 2), gzip=False)
    docs, dropped, _ = read(tmp_path, ["plain.warc"])
    assert len(docs) == 2 and not dropped
