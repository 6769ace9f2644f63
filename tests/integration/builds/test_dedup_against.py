"""Dedup against what is already built: a rolling crawl's months, each deduplicated against the versions
before it through their indexes (no record of an earlier month signed again), and a corpus of files indexed
once; every record found in a reference is named by the reference and the matched record's own id."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support.build import build, pipelines_home
from support.near_duplicates import corpus, write_jsonl
from support.recipes import write_recipe

from pipelines.diff import diff_versions
from pipelines.plan import plan_build
from pipelines.store import DatasetStore

pytestmark = pytest.mark.slow


def version(result: dict) -> tuple[Path, dict, list[dict]]:
    path = Path(result["path"])
    rows = pq.read_table(path / "data").to_pylist()
    return path, json.loads((path / "manifest.json").read_text()), rows


def stage(manifest: dict, name: str) -> dict:
    return next(s for s in manifest["stages"] if s["name"] == name)


def ids(records: list[dict]) -> set[str]:
    return {r["id"] for r in records}


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    """Three months of a crawl: each holds pages of earlier months again (verbatim or edited) and new ones."""
    base = tmp_path_factory.mktemp("rolling")
    records = corpus(pairs_per_level=6, seed=11, singles=60)
    near = [r for r in records if r.get("target", 0) >= 0.9]  # base, copy, base, copy...
    bases, copies, singles = near[0::2], near[1::2], [r for r in records if r["id"].startswith("single")]
    plan = {
        1: bases + singles[:20],
        2: copies[:6] + singles[5:10] + singles[20:40],  # edited and verbatim pages of month 1, 20 new
        # month 1's pages that month 2 did not have, month 2's again, and 20 new
        3: singles[:5] + singles[20:25] + singles[40:60],
    }
    for month, rows in plan.items():
        write_jsonl(rows, base / f"month-{month}", files=2)
    recipe = write_recipe("rolling-crawl.yaml", base, data=base)
    built = {}
    for month in plan:
        paths = f"input.paths=[{base}/month-{month}/*.jsonl]"
        built[month] = version(build(base / "state", base / "out", paths, recipe=str(recipe))[0])
    return {"base": base, "recipe": recipe, "plan": plan, "built": built, "copies": copies,
            "singles": singles}


def test_each_month_keeps_only_what_no_earlier_month_had(months):
    plan, built, singles = months["plan"], months["built"], months["singles"]
    assert ids(built[1][2]) == ids(plan[1])
    assert ids(built[2][2]) == ids(singles[20:40])
    assert ids(built[3][2]) == ids(singles[40:60])
    v2 = built[2][1]
    assert stage(v2, "dedup_exact")["dropped"] == {"already_present": 5}
    assert stage(v2, "dedup_minhash")["dropped"] == {"already_present": 6}


def test_a_month_signs_its_own_records_only(months):
    """The work grows with the new month: its dedup stages sign this month's records and read the earlier
    months through their indexes, never signing them again."""
    built, plan = months["built"], months["plan"]
    for month in (2, 3):
        manifest = built[month][1]
        exact, near = stage(manifest, "dedup_exact"), stage(manifest, "dedup_minhash")
        assert exact["dedup"]["signed"] == exact["in"] == len(plan[month])
        assert near["dedup"]["signed"] == near["in"] == exact["out"]
        assert exact["dedup"]["signed"] < sum(len(plan[m]) for m in range(1, month + 1))
    # What month 3 matched against: month 2's index, and through it month 1's (records, not re-signed);
    # month 2's exact index holds the 26 records its dedup_exact kept (the near copies went after it).
    against = stage(built[3][1], "dedup_exact")["dedup"]["against"]
    assert [(a["label"], a["depth"], a["records"]) for a in against] == [
        ("rolling-crawl v2", 0, 26), ("rolling-crawl v1", 1, 32)]


def test_matches_are_named_by_reference_and_own_id(months):
    built, copies, singles = months["built"], months["copies"], months["singles"]
    path, manifest, _ = built[2]
    near = pq.read_table(path / stage(manifest, "dedup_minhash")["dedup"]["table"]).to_pylist()
    assert {(r["id"], r["reference"], r["matched_id"]) for r in near if not r["kept"]} == {
        (c["id"], "rolling-crawl v1", c["id"].replace("-copy", "-base")) for c in copies[:6]}
    path, manifest, _ = built[3]
    exact = stage(manifest, "dedup_exact")
    table = pq.read_table(path / exact["dedup"]["table"]).to_pylist()
    assert {(r["id"], r["reference"], r["matched_id"]) for r in table} == {
        *((s["id"], "rolling-crawl v1", s["id"]) for s in singles[:5]),
        *((s["id"], "rolling-crawl v2", s["id"]) for s in singles[20:25])}
    assert {a["label"]: a["removed"] for a in exact["dedup"]["against"]} == {
        "rolling-crawl v2": 5, "rolling-crawl v1": 5}
    card = (path / "README.md").read_text()
    assert "| dedup_exact | rolling-crawl v1 (via rolling-crawl v2) | 32 | 5 | removed |" in card
    assert "(none yet: the first version of the dataset)" in (built[1][0] / "README.md").read_text()
    # The version keeps its own index (datatrove's bucket files, their rows, the ids) for the next month.
    index = stage(manifest, "dedup_minhash")["dedup"]["index"]
    assert index["records"] == 20 and (path / index["path"] / "ids.arrow").is_file()
    assert len(list((path / index["path"]).glob("bucket_*/*.minhash.index"))) == 14


def test_a_rerun_of_the_same_month_is_up_to_date_and_diff_shows_what_each_month_took(months):
    base = months["base"]
    with pipelines_home(base / "state"):
        plan = plan_build(str(months["recipe"]), [f"input.paths=[{base}/month-3/*.jsonl]"], base / "out")
    assert plan.up_to_date and plan.version == "v3"
    diff = diff_versions(DatasetStore(base / "out", "rolling-crawl"), "v2", "v3")
    present = diff["already_present"]
    assert {"stage": "dedup_exact", "reference": "rolling-crawl v1", "from": 5, "to": 5} in present
    assert {"stage": "dedup_exact", "reference": "rolling-crawl v2", "from": None, "to": 5} in present


INSTRUCTIONS = [
    {"id": "a", "instruction": "Add 2 and 2.", "response": "2 + 2 = 4."},
    {"id": "b", "instruction": "Name a primary colour.", "response": "Red."},
    {"id": "c", "instruction": "add 2 AND 2", "response": "2+2 = 4"},  # the seed's s-1, and a's copy
    {"id": "d", "instruction": "Add 3 and 3.", "response": "3 + 3 = 6."},
    {"id": "e", "instruction": "Name a primary colour.", "response": "Red."},  # b's copy: kept (only_against)
]
SEED = [{"key": "s-1", "prompt": "Add 2 and 2!", "completion": "2 + 2 = 4"},
        {"key": "s-2", "prompt": "Add 3 and 3.", "completion": "3 + 3 = 6"},
        {"key": "s-3", "prompt": "Something else entirely.", "completion": "Yes."}]


def test_a_corpus_of_files_is_indexed_once_and_its_copies_marked_or_removed(tmp_path):
    write_jsonl(INSTRUCTIONS, tmp_path / "data", files=2)
    (tmp_path / "seed").mkdir()
    pq.write_table(pa.Table.from_pylist(SEED), tmp_path / "seed" / "seed.parquet")
    data = tmp_path / "data"
    marked = write_recipe("against-corpus.yaml", tmp_path, "marked.yaml", data=data, action="mark")
    path, manifest, rows = version(build(tmp_path / "state", tmp_path / "out", recipe=str(marked))[0])
    assert [r["id"] for r in rows] == ["a", "b", "c", "d", "e"]  # marked, and within-build copies kept
    dedup = manifest["stages"][-1]["dedup"]
    assert [(a["label"], a["records"], a["indexed"], a["marked"]) for a in dedup["against"]] == [
        (str(tmp_path / "seed" / "*.parquet"), 3, 3, 3)]
    table = pq.read_table(path / dedup["table"]).to_pylist()
    assert {(r["id"], r["kept"], r["matched_id"]) for r in table} == {
        ("a", True, "s-1"), ("c", True, "s-1"), ("d", True, "s-2")}
    removed = write_recipe("against-corpus.yaml", tmp_path, "removed.yaml", data=data, action="remove")
    _, manifest, rows = version(build(tmp_path / "state", tmp_path / "out", recipe=str(removed))[0])
    assert [r["id"] for r in rows] == ["b", "e"]
    assert manifest["stages"][-1]["dropped"] == {"already_present": 3}
    # The stage ran again (another action); the corpus's index did not: it is cached by its content.
    assert manifest["stages"][-1]["dedup"]["against"][0]["indexed"] == 0
