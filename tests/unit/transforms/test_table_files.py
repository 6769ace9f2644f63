"""The one table reader behind benchmark files and quality training inputs: one policy for a bad line."""

from __future__ import annotations

import gzip
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.errors import USER_ERRORS
from transforms.decontam.benchmarks import load_benchmark
from transforms.quality_train import train_quality_model
from transforms.table_files import MISSING, NotATable, TableReader

QUESTIONS = [f"How many apples does basket {i} hold after {i + 2} more are added to it?" for i in range(6)]
LATIN1 = '{"question": "Combien de pommes a le caf\xe9 ce matin?", "answer": "douze"}'.encode("latin-1")


def write_bad_lines(path):
    """Six rows: good, not UTF-8, good, not JSON, not an object, good (a BOM first, blank lines between)."""
    record = [json.dumps(r).encode() for r in ({"question": QUESTIONS[0], "answer": "one"},
                                                {"question": QUESTIONS[1]}, [QUESTIONS[2]],
                                                {"question": QUESTIONS[3], "answer": "3"})]
    lines = [b"\xef\xbb\xbf" + record[0], LATIN1, b"", record[1], b'{"question": "broken', b"  ", record[2],
             record[3]]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_bad_lines_are_counted_by_reason_and_skipped_and_rows_keep_their_lines(tmp_path):
    table = TableReader(write_bad_lines(tmp_path / "t.jsonl"))
    assert table.format == "jsonl" and table.columns is None  # a JSONL file's fields: its first record's
    rows = list(table.rows(["question", "answer"]))
    assert rows == [(0, (QUESTIONS[0], "one")), (2, (QUESTIONS[1], MISSING)), (5, (QUESTIONS[3], "3"))]
    assert table.columns == ["question", "answer"]
    assert table.skipped == {"undecodable_line": 1, "malformed_json": 1, "not_an_object": 1}


def test_a_non_utf8_line_is_counted_and_skipped_by_benchmarks_and_by_quality_training(tmp_path):
    reader = load_benchmark("b", write_bad_lines(tmp_path / "b.jsonl"), fields=["question"])
    assert list(reader) == [("0", QUESTIONS[0]), ("2", QUESTIONS[1]), ("5", QUESTIONS[3])]
    assert reader.skipped == {"undecodable_line": 1, "malformed_json": 1, "not_an_object": 1}

    positives, negatives = tmp_path / "pos.jsonl", tmp_path / "neg.jsonl"
    good = [json.dumps({"text": f"{q} The orchard report explains it."}).encode() for q in QUESTIONS]
    positives.write_bytes(b"\n".join([*good[:3], LATIN1, *good[3:]]) + b"\n")
    negatives.write_text("".join(json.dumps({"text": f"buy cheap deals {i} now"}) + "\n" for i in range(6)))
    report = train_quality_model(positives, negatives, tmp_path / "q.bin", holdout=0,
                                 hyperparams={"dim": 8, "bucket": 1000, "epoch": 2})
    assert report["inputs"]["positives"]["records"] == 6
    assert report["inputs"]["positives"]["skipped"] == {"undecodable_line": 1}


def test_columnar_tables_know_their_columns_before_a_row(tmp_path):
    pq.write_table(pa.table({"id": [1, 2], "question": ["a", None]}), tmp_path / "t.parquet")
    table = TableReader(tmp_path / "t.parquet")
    assert table.format == "parquet" and table.columns == ["id", "question"]
    assert list(table.rows(["question", "id", "question"])) == [(0, ("a", 1, "a")), (1, (None, 2, None))]


def _damaged_parquet(tmp):
    (tmp / "d.parquet").write_bytes(b"PAR1 not really")
    return tmp / "d.parquet", "is not a readable Parquet file ("


def _notes(tmp):
    (tmp / "notes.txt").write_text("just some notes\n")
    return tmp / "notes.txt", "is not JSONL, Parquet or a datasets.save_to_disk folder"


def _folder(tmp):
    (tmp / "folder").mkdir()
    return tmp / "folder", "is a folder not written by datasets.Dataset.save_to_disk"


@pytest.mark.parametrize("case", [_damaged_parquet, _notes, _folder])
def test_a_file_that_is_not_a_table_says_what_it_is(tmp_path, case):
    path, expected = case(tmp_path)
    with pytest.raises(NotATable) as info:
        TableReader(path)
    assert str(info.value).startswith(expected) and "\n" not in str(info.value)
    # Each reader puts it after its own words and the path, on one line.
    with pytest.raises(USER_ERRORS, match=re.escape(f"decontam: benchmark 'b': {path} {expected}")):
        load_benchmark("b", path, fields=["question"])
    with pytest.raises(USER_ERRORS, match=re.escape(f"quality: positives input {path} {expected}")):
        train_quality_model(path, path, tmp_path / "q.bin")


def test_a_truncated_gzip_file_stops_with_one_line(tmp_path):
    data = gzip.compress(b"".join(json.dumps({"question": q}).encode() + b"\n" for q in QUESTIONS * 200))
    (tmp_path / "t.jsonl.gz").write_bytes(data[:len(data) // 2])
    table = TableReader(tmp_path / "t.jsonl.gz")
    with pytest.raises(NotATable, match=r"^cannot be read to the end \("):
        list(table.rows(["question"]))
