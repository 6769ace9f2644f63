"""`show --samples` and `--rejects` on a version's files: readable blocks no wider than the console, long
text wrapped and cut, rejects with each check's verdict, and one-line errors for what a version lacks."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.errors import StoreError
from pipelines.samples import show_rejects, show_rows

LONG = "The footbridge over the river reopens on Monday after three months of repairs. " * 20


@pytest.fixture
def version(tmp_path):
    folder = tmp_path / "v1"
    (folder / "data" / "qa").mkdir(parents=True)
    rows = [{"id": f"qa:{i}", "question": f"When does the footbridge reopen? ({i})", "answer": "On Monday.",
             "context": LONG, "support": 0.93, "tags": ["bridge", "news"]} for i in range(7)]
    pq.write_table(pa.Table.from_pylist(rows), folder / "data" / "qa" / "train-00000-of-00001.parquet")
    manifest = {"dataset": "synth-demo", "version": "v1", "rows": 15, "splits": {"train": 15},
                "configs": {"qa": {"rows": 7, "path": "data/qa/train-*.parquet"}}}
    return folder, manifest


def _rejects(folder) -> None:
    checks = [{"check": "schema", "passed": True, "detail": None},
              {"check": "answer_match", "passed": False, "detail": "answer 12 is not the reference 7"}]
    rows = [{"source_id": f"p{i}", "sample": i % 4, "reason": "wrong_answer" if i % 3 else "refusal",
             "output": None if i == 4 else json.dumps({"solution": LONG[:300], "answer": "12"}),
             "checks": json.dumps(checks)} for i in range(9)]
    (folder / "rejects").mkdir()
    pq.write_table(pa.Table.from_pylist(rows), folder / "rejects" / "qa.parquet")


def test_rows_read_at_80_columns(version):
    folder, manifest = version
    text = " ".join(line.strip() for line in show_rows(folder, manifest, "qa", 1, 80))
    assert f"three months o… (+{len(LONG.strip()) - 700:,} characters) support: 0.93" in text  # cut: said so
    lines = show_rows(folder, manifest, "qa", 2, 80)
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("── qa 1 of 7 · qa:0 ") and lines[0].endswith("─")
    assert "question: When does the footbridge reopen? (0)" in lines
    assert "answer: On Monday." in lines and "support: 0.93" in lines and 'tags: ["bridge", "news"]' in lines
    context = lines.index("context:")
    assert lines[context + 1].startswith("  The footbridge")
    assert sum(line.startswith("── qa ") for line in lines) == 2  # -n 2


def test_rejects_with_their_checks_and_a_reason(version):
    folder, manifest = version
    _rejects(folder)
    lines = show_rejects(folder, manifest, "qa", 3, 80, reason="wrong_answer")
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "rejects of qa: wrong_answer 6, refusal 3"
    titles = [line for line in lines if line.startswith("── ")]
    assert len(titles) == 3 and all("wrong_answer" in t for t in titles)
    assert titles[0].startswith("── wrong_answer 1 of 6 · p1 sample 1 ")
    assert "✓ schema" in lines and "✗ answer_match: answer 12 is not the reference 7" in lines
    everything = show_rejects(folder, manifest, "qa", 20, 80)
    assert sum(line.startswith("── ") for line in everything) == 9
    assert "output: -" in everything  # a sample with no output (the engine returned none)


def test_what_a_version_lacks_is_one_line(version):
    folder, manifest = version
    with pytest.raises(StoreError, match=r"^synth-demo v1 has no rejects/qa.parquet: it kept no rejects "):
        show_rejects(folder, manifest, "qa", 5, 80)
    with pytest.raises(StoreError, match=r"has no config 'math' \(configs: default, qa\)"):
        show_rows(folder, manifest, "math", 5, 80)
    _rejects(folder)
    with pytest.raises(StoreError, match=r"no rejects of 'qa' with reason 'typo' \(reasons: wrong_answer 6"):
        show_rejects(folder, manifest, "qa", 5, 80, reason="typo")
