"""`pipelines diff` on real builds of web-demo: recipe fields, stage counts, rows by id, score shifts."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console
from support import run_cli

from flows.build import build_flow
from pipelines.diff import diff_versions, render_diff
from pipelines.errors import StoreError
from pipelines.recipe import builtin_recipes
from pipelines.store import DatasetStore
from schemas.synthetic import SCHEMAS

CRAWL = builtin_recipes()["web-demo"].parent / "data" / "web-demo"
# v3 against v1: one input file fewer (rows removed), German kept (rows added), and extraction
# tuned for recall (the text of a kept page changes).
V3 = [f"input.paths=[{', '.join(str(CRAWL / f'crawl-0000{i}.warc.gz') for i in (1, 2, 3))}]",
      "stages.langid.languages=[en, de]", "stages.extract.favour_precision=false"]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Three versions of web-demo in one store: v1 as shipped, v2 stricter on language, v3 as V3."""
    base = tmp_path_factory.mktemp("diff")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPELINES_HOME", str(base / "state"))
        for overrides in ([], ["stages.langid.min_score=0.95"], V3):
            build_flow(recipe="web-demo", overrides=overrides, out=str(base / "out"))
    assert DatasetStore(base / "out", "web-demo").versions() == ["v1", "v2", "v3"]
    return base / "out"


def diff_json(store: Path, old: str, new: str) -> dict:
    result = run_cli("diff", "web-demo", old, new, "--out", str(store), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def stricter(store) -> dict:
    return diff_json(store, "v1", "v2")


@pytest.fixture(scope="module")
def reshaped(store) -> dict:
    return diff_json(store, "v1", "v3")


def manifest(store: Path, version: str) -> dict:
    return json.loads((store / "web-demo" / version / "manifest.json").read_text())


def table(store: Path, version: str) -> pa.Table:
    """The default config of a version, read whole (the test's own, independent reading)."""
    return pq.read_table(store / "web-demo" / version / "data" / "train-00000-of-00001.parquet")


def flat(data: dict, prefix: str = "") -> dict:
    """A nested dict as {dotted.path: leaf}."""
    leaves = {}
    for key, value in data.items():
        leaves |= flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return leaves


def code_changes(store: Path, old: str, new: str) -> dict:
    """The code version's leaves that differ (none, unless the code was edited between the builds)."""
    a, b = flat(manifest(store, old)["code_version"]), flat(manifest(store, new)["code_version"])
    return {k: (a.get(k), b.get(k)) for k in {*a, *b} if a.get(k) != b.get(k)}


def test_one_recipe_field_changed_is_reported_alone(store, stricter):
    assert stricter["from"] == "v1" and stricter["to"] == "v2"
    assert stricter["recipe"] == [
        {"path": "stages.1.min_score", "change": "changed", "from": 0.65, "to": 0.95}]
    assert stricter["inputs"] == {"added": [], "removed": [], "changed": []}
    assert {c["path"]: (c.get("from"), c.get("to")) for c in stricter["code_version"]} == code_changes(
        store, "v1", "v2")


def test_recipe_and_input_changes(reshaped):
    changes = {c["path"]: c for c in reshaped["recipe"]}
    assert set(changes) == {"input.paths", "stages.0.favour_precision", "stages.1.languages"}
    assert (changes["stages.0.favour_precision"]["from"], changes["stages.0.favour_precision"]["to"]) == (
        True, False)
    assert changes["stages.1.languages"]["to"] == ["en", "de"]
    assert len(changes["input.paths"]["to"]) == 3
    assert reshaped["inputs"] == {"added": [], "removed": ["crawl-00000.warc.gz"], "changed": []}


@pytest.mark.parametrize("pair", ["stricter", "reshaped"])
def test_stage_counts_are_the_manifests(store, pair, request):
    diff = request.getfixturevalue(pair)
    m1, m2 = manifest(store, diff["from"]), manifest(store, diff["to"])
    names = ["read", "extract", "langid"]
    assert [s["name"] for s in diff["stages"]] == [s["name"] for s in m1["stages"]] == names
    for row, s1, s2 in zip(diff["stages"], m1["stages"], m2["stages"], strict=True):
        assert row["from"] == {"in": s1["in"], "out": s1["out"], "dropped": s1["dropped"]}
        assert row["to"] == {"in": s2["in"], "out": s2["out"], "dropped": s2["dropped"]}
        assert row["delta"]["in"] == s2["in"] - s1["in"] and row["delta"]["out"] == s2["out"] - s1["out"]
        for reason in {*s1["dropped"], *s2["dropped"]}:
            delta = s2["dropped"].get(reason, 0) - s1["dropped"].get(reason, 0)
            assert row["delta"]["dropped"][reason] == delta
    assert any(row["delta"]["out"] for row in diff["stages"])


@pytest.mark.parametrize("pair, new", [("stricter", "v2"), ("reshaped", "v3")])
def test_rows_added_removed_and_changed_are_the_set_differences(store, pair, new, request):
    diff = request.getfixturevalue(pair)
    old_rows = {r.pop("id"): r for r in table(store, "v1").to_pylist()}
    new_rows = {r.pop("id"): r for r in table(store, new).to_pylist()}
    added, removed = new_rows.keys() - old_rows.keys(), old_rows.keys() - new_rows.keys()
    changed = {i for i in old_rows.keys() & new_rows.keys() if old_rows[i] != new_rows[i]}
    rows = diff["configs"]["default"]
    assert list(diff["configs"]) == ["default"]
    assert rows["rows"] == {"from": len(old_rows), "to": len(new_rows)}
    assert (rows["added"], rows["removed"], rows["changed"]) == (len(added), len(removed), len(changed))
    assert rows["unchanged"] == len(old_rows) - len(removed) - len(changed)
    for kind, ids in (("added", added), ("removed", removed), ("changed", changed)):
        assert set(rows["examples"][kind]) <= ids and len(rows["examples"][kind]) == min(5, len(ids))
    assert rows["columns"] == {"added": [], "removed": []}
    assert removed and not diff["identical_rows"]
    if pair == "reshaped":  # the pair that shows every kind of change
        assert added and changed


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """The largest gap between the two empirical CDFs, computed here without scipy."""
    grid = np.concatenate([a, b])
    cdf = lambda x: np.searchsorted(np.sort(x), grid, side="right") / len(x)  # noqa: E731
    return float(np.abs(cdf(a) - cdf(b)).max())


def test_a_stricter_language_threshold_shifts_language_score_up(store, stricter):
    scores = stricter["configs"]["default"]["scores"]
    # quality_score is empty in both versions (web-demo has no quality stage): nothing to compare.
    assert list(scores) == ["language_score"]
    s = scores["language_score"]
    a = table(store, "v1")["language_score"].to_numpy().astype(np.float64)
    b = table(store, "v2")["language_score"].to_numpy().astype(np.float64)
    for side, values in (("from", a), ("to", b)):
        assert s[side]["count"] == len(values)
        assert s[side]["mean"] == pytest.approx(values.mean())
        assert [s[side][f"p{q}"] for q in (10, 50, 90)] == pytest.approx(np.percentile(values, [10, 50, 90]))
    assert b.min() >= 0.95 > a.min()
    assert s["to"]["p10"] > s["from"]["p10"]
    assert s["shift"]["p10"] == pytest.approx(s["to"]["p10"] - s["from"]["p10"])
    assert s["shift"]["count"] == len(b) - len(a) < 0
    assert s["ks"]["statistic"] == pytest.approx(ks_statistic(a, b)) and s["ks"]["statistic"] > 0
    assert 0 <= s["ks"]["pvalue"] <= 1


def test_tables_on_stdout(store):
    result = run_cli("diff", "web-demo", "v1", "v3", "--out", str(store))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("web-demo v1 -> v3\n")
    assert "  stages.0.favour_precision: true -> false" in out
    assert '  stages.1.languages: ["en"] -> ["en", "de"]' in out
    assert "  - crawl-00000.warc.gz" in out
    code = code_changes(store, "v1", "v3")
    assert ("code version: unchanged" in out) == (not code)
    for path, (before, after) in code.items():
        assert f"  {path}: {json.dumps(before)} -> {json.dumps(after)}" in out
    lines = out.splitlines()
    m1, m3 = manifest(store, "v1"), manifest(store, "v3")
    n1, n3 = m1["stages"][2]["in"], m3["stages"][2]["in"]
    langid = lines.index(next(line for line in lines if line.startswith("│ langid")))
    cells = [c.strip() for c in lines[langid].split("│")[1:-1]]
    assert cells == ["langid", "in", str(n1), str(n3), f"{n3 - n1:+}"]
    other = next(line for line in lines[langid:] if "dropped: other_language" in line)
    assert [c.strip() for c in other.split("│")[3:6]] == [
        str(m1["stages"][2]["dropped"]["other_language"]), str(m3["stages"][2]["dropped"]["other_language"]),
        f"{m3['stages'][2]['dropped']['other_language'] - m1['stages'][2]['dropped']['other_language']:+}"]
    assert any(line.startswith("│ default") for line in lines)
    assert "default removed: <urn:uuid:" in out and "score distributions" in out and "KS" in out


def provenance(i: str, task: str) -> dict:
    return {"source_id": f"doc-{i}", "sample": 0, "task": task, "model": "m", "model_revision": "r",
            "sampling": "{}", "template_sha256": "t", "seed": 0}


def critique_rows(scores: dict[str, int]) -> list[dict]:
    return [{"id": i, "prompt": f"question {i}", "response": f"answer {i}", "score": s,
             "rationale": "because", **provenance(i, "critique")} for i, s in scores.items()]


def synthetic_copy(store: Path, root: Path, version: str, configs: dict[str, tuple[str, list[dict]]]) -> None:
    """A copy of a built version with synthetic configs (data/<config>/) written into it."""
    folder = root / "web-demo" / version
    shutil.copytree(store / "web-demo" / version, folder)
    m = json.loads((folder / "manifest.json").read_text())
    for name, (record_type, rows) in configs.items():
        (folder / "data" / name).mkdir()
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[record_type]),
                       folder / "data" / name / "train-00000-of-00001.parquet")
        m["configs"][name] = {"record_type": record_type, "rows": len(rows),
                              "path": f"data/{name}/train-*.parquet"}
    (folder / "manifest.json").chmod(stat.S_IWUSR | stat.S_IRUSR)
    (folder / "manifest.json").write_text(json.dumps(m))


def test_synthetic_configs_are_compared_by_id_and_score(store, tmp_path):
    old = {f"c{i}": 2 + i % 4 for i in range(10)}
    new = {f"c{i}": 6 + i % 4 for i in range(3, 12)} | {"c3": old["c3"], "c4": old["c4"]}
    qa = [{"id": "q1", "question": "Why?", "answer": "Because.", "support": 0.9,
           **provenance("q1", "doc_qa")}]
    synthetic_copy(store, tmp_path, "v1", {"critique": ("critique", critique_rows(old))})
    synthetic_copy(store, tmp_path, "v2", {"critique": ("critique", critique_rows(new)), "qa": ("qa", qa)})
    diff = diff_versions(DatasetStore(tmp_path, "web-demo"), "v1", "v2")
    assert list(diff["configs"]) == ["default", "critique", "qa"]
    critique = diff["configs"]["critique"]
    counts = [critique[k] for k in ("added", "removed", "changed", "unchanged")]
    assert counts == [2, 3, 5, 2]
    assert critique["examples"]["added"] == ["c10", "c11"]
    assert critique["examples"]["removed"] == ["c0", "c1", "c2"]
    score = critique["scores"]["score"]
    assert list(critique["scores"]) == ["score"]  # sample and seed are numbers, not scores
    assert score["from"]["count"] == 10 and score["to"]["count"] == 9
    assert score["from"]["mean"] == pytest.approx(np.mean(list(old.values())))
    assert score["to"]["p50"] == pytest.approx(np.percentile(list(new.values()), 50))
    assert score["ks"]["statistic"] == pytest.approx(ks_statistic(np.array(list(old.values()), float),
                                                                  np.array(list(new.values()), float)))
    # A config only the new version has: every row added, nothing to compare scores with.
    assert diff["configs"]["qa"] | {"examples": None} == {
        "present_in": ["to"], "rows": {"from": 0, "to": 1}, "added": 1, "removed": 0, "changed": 0,
        "unchanged": 0, "examples": None, "columns": {"added": [], "removed": []}, "scores": {}}
    console = Console(record=True, width=200)
    render_diff(diff, console)
    text = console.export_text()
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]
    assert ["qa", "-", "1", "1", "0", "0", "0"] in cells
    assert ["critique", "10", "9", "2", "3", "5", "2"] in cells
    assert ["critique", "score", "count", "10", "9", "-1"] in cells
    assert "critique added: c10, c11" in text and "critique removed: c0, c1, c2" in text


@pytest.mark.parametrize("args, message", [
    (["nothing-here", "v1", "v2"], "dataset 'nothing-here' has no built version under "),
    (["web-demo", "v1", "v9"], "dataset 'web-demo' has no version 'v9' under "),
    (["web-demo", "v2", "v2"], "v2 and v2 are the same version of 'web-demo': name two different versions"),
])
def test_bad_input_is_one_line_and_exit_2(store, args, message):
    result = run_cli("diff", *args, "--out", str(store))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr
    with pytest.raises(StoreError, match="same version"):
        diff_versions(DatasetStore(store, "web-demo"), "v1", "v1")
