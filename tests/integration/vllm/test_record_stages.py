"""Record stages on a synthetic config's rows: dedup, a filter and decontamination of generated QA, in the
same recipe that generated it, with the funnel of each config in the card."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from support import run_cli
from support.build import build, pipelines_home
from support.pages import load_pages

from pipelines.errors import RecipeError
from pipelines.plan import plan_build
from transforms.dedup import exact_key

# Six pages, two of them twice: the same prompt twice is the same completions (the generation cache), so
# the synthetic rows hold exact copies that dedup_exact must find.
PAGES = [p["main_text"] for p in load_pages("sample") if p.get("main_text") and p["lang"] == "en"][:6]
RECORDS = [*PAGES, PAGES[0], PAGES[3]]


def write_recipe(folder: Path, model: Path, extra: list[dict] = (), docs: list[dict] = ()) -> Path:
    """Pages (JSONL) -> [document stages] -> doc_qa (n = 2) -> dedup_exact on qa -> [more stages on qa]."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "pages.jsonl", "w") as f:
        for i, text in enumerate(RECORDS):
            f.write(json.dumps({"id": f"page-{i}", "text": text}) + "\n")
    recipe = {
        "name": "records-test",
        "input": {"format": "jsonl", "paths": ["pages.jsonl"]},
        "executor": {"tasks": 2, "workers": 2},
        "stages": [
            *docs,
            {"type": "synthesize", "task": "doc_qa", "model": str(model),
             "options": {"min_support": 0.0, "max_passage_chars": 1200},
             "sampling": {"n": 2, "seed": 3, "max_tokens": 400}, "chunk_size": 16},
            {"type": "dedup_exact", "input": "qa", "fields": ["question", "answer"]},
            *extra,
        ],
    }
    path = folder / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def rows_of(path: Path, config: str = "qa") -> list[dict]:
    return pq.read_table(path / "data" / config).to_pylist()


def manifest_of(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def qa_text(row: dict) -> str:
    return f"{row['question']}\n\n{row['answer']}"


def one_filter(k: int):
    """datatrove's Gopher quality filter with only its length rule on (at least k words)."""
    from datatrove.pipeline.filters import GopherQualityFilter

    off = {"max_doc_words": None, "min_avg_word_length": None, "max_avg_word_length": None,
           "max_symbol_word_ratio": None, "max_bullet_lines_ratio": None, "max_ellipsis_lines_ratio": None,
           "max_non_alpha_words_ratio": None, "min_stop_words": None}
    return {"type": "gopher_quality", "input": "qa", "min_doc_words": k, **off}, GopherQualityFilter(
        min_doc_words=k, **off)


def passes(step, text: str) -> bool:
    from datatrove.data import Document

    verdict = step.filter(Document(text=text, id="x"))
    return verdict is True or (isinstance(verdict, tuple) and verdict[0])


@pytest.fixture(scope="module")
def first(tmp_path_factory, tiny_model, backend_spec):
    """synthesize -> dedup_exact on qa, no benchmarks; and the synthesize stage's own rows, for the oracle."""
    base = tmp_path_factory.mktemp("records")
    recipe = write_recipe(base / "one", tiny_model)
    result, _ = build(base / "state", base / "out", recipe=str(recipe))
    with pipelines_home(base / "state"):
        plan = plan_build(str(recipe), [], base / "out")
    synthesized = [json.loads(line) for line in open(plan.rows("qa", len(plan.stages) - 1))]
    deduplicated = [json.loads(line) for line in open(plan.rows("qa"))]
    return {"base": base, "path": Path(result["path"]), "synthesized": synthesized,
            "deduplicated": deduplicated}


@pytest.mark.slow
def test_dedup_exact_on_the_rows_keeps_the_first_of_each_copy(first):
    synthesized, path = first["synthesized"], first["path"]
    keys = [tuple(exact_key(qa_text(r)).tolist()) for r in synthesized]
    assert len(set(keys)) < len(keys)  # the repeated pages made copies
    firsts = [r["id"] for i, r in enumerate(synthesized) if keys.index(keys[i]) == i]
    rows = rows_of(path)
    assert [r["id"] for r in rows] == firsts  # the first of each, in order
    by_id = {r["id"]: r for r in synthesized}
    assert first["deduplicated"] == [by_id[i] for i in firsts]  # the rows themselves, unchanged
    assert [(r["question"], r["answer"]) for r in rows] == [(by_id[i]["question"], by_id[i]["answer"])
                                                            for i in firsts]

    manifest = manifest_of(path)
    stage = manifest["stages"][-1]
    assert stage["name"] == "dedup_exact-qa" and stage["in"] == len(synthesized)
    assert stage["dropped"] == {"duplicate": len(synthesized) - len(firsts)} and stage["out"] == len(rows)
    assert manifest["configs"]["qa"]["rows"] == len(rows)
    assert manifest["configs"]["qa"]["stages"] == ["synthesize-qa", "dedup_exact-qa"]
    assert (path / "dedup" / "2-dedup_exact-qa.parquet").is_file()

    card = (path / "README.md").read_text()
    assert f"### `qa` ({len(rows):,} rows)" in card
    n_in, n_out, removed = len(synthesized), len(rows), len(synthesized) - len(rows)
    funnel = f"| dedup_exact-qa | {n_in:,} | {n_out:,} | {removed:,} (duplicate {removed:,}) |"
    assert funnel in card
    assert "Not decontaminated: the recipe lists no benchmarks." in card


@pytest.fixture(scope="module")
def planted(first, tiny_model):
    """A benchmark made of one generated pair, a documents' decontaminate stage that lists it, and a
    length filter on qa whose threshold splits the rows."""
    base, kept = first["base"], rows_of(first["path"])
    target = max(kept, key=lambda r: len(qa_text(r).split()))
    bench = base / "bench.jsonl"
    bench.write_text(json.dumps({"id": "planted", "q": target["question"], "a": target["answer"]}) + "\n")
    counts = sorted(len(qa_text(r).split()) for r in kept)
    k = next(k for k in range(2, counts[-1] + 1)
             if 0 < sum(passes(one_filter(k)[1], qa_text(r)) for r in kept) < len(kept))
    benchmark = {"name": "planted", "path": str(bench), "fields": ["q", "a"], "id_field": "id"}
    decontam = {"type": "decontaminate", "n": 8, "benchmarks": [benchmark]}
    return {"target": target, "decontam": decontam, "k": k, "kept": kept}


@pytest.mark.slow
def test_synthetic_rows_are_decontaminated_against_the_recipe_benchmarks(first, planted, tiny_model):
    base = first["base"]
    stage, step = one_filter(planted["k"])
    recipe = write_recipe(base / "two", tiny_model, extra=[stage], docs=[planted["decontam"]])
    result, _ = build(base / "state", base / "out", recipe=str(recipe))
    path = Path(result["path"])
    manifest = manifest_of(path)
    names = [s["name"] for s in manifest["stages"]]
    assert names == ["read", "decontaminate", "synthesize-qa", "decontaminate-qa", "dedup_exact-qa",
                     "gopher_quality-qa"]
    auto = manifest["stages"][3]
    assert auto["auto"] is True and auto["dropped"].get("planted", 0) >= 1
    assert "planted" in auto["contamination"] and auto["contamination"]["planted"]["items"] == ["planted"]
    assert manifest["stages"][1]["dropped"] == {}  # no page holds the model's words

    rows = rows_of(path)
    target = planted["target"]
    assert target["id"] not in {r["id"] for r in rows}
    assert not any(qa_text(r) == qa_text(target) for r in rows)
    # Gone: what shares an 8-gram with the planted item (the index oracle), then what datatrove's filter
    # drops; the rest of the deduplicated rows survive, in order.
    from transforms.decontam.benchmarks import load_benchmark
    from transforms.decontam.ngram import NGramIndex

    index = NGramIndex(8)
    index.add_benchmark("planted", load_benchmark("planted", str(first["base"] / "bench.jsonl"),
                                                  fields=["q", "a"], id_field="id"))
    flagged = {r["id"] for r in first["synthesized"] if index.match(qa_text(r))}
    assert target["id"] in flagged and auto["dropped"]["planted"] == len(flagged)
    expected = [r["id"] for r in planted["kept"] if r["id"] not in flagged and passes(step, qa_text(r))]
    assert [r["id"] for r in rows] == expected and 0 < len(rows)

    for stage in manifest["stages"][3:]:
        assert stage["in"] == stage["out"] + sum(stage["dropped"].values())
        assert "unaccounted" not in stage["dropped"]
    for before, after in zip(manifest["stages"][2:], manifest["stages"][3:], strict=False):
        assert after["in"] == before["out"]
    short = manifest["stages"][-2]["out"] - len(rows)
    assert manifest["stages"][-1]["dropped"] == {"gopher_short_doc": short} and short > 0
    config = manifest["configs"]["qa"]
    assert config["rows"] == len(rows)
    assert config["decontaminated"] == [{"stage": "decontaminate-qa", "benchmarks": ["planted"],
                                         "method": "overlap", "n": 8, "threshold": 0.8, "auto": True,
                                         "removed": auto["dropped"]["planted"]}]
    card = (path / "README.md").read_text()
    assert ("Decontaminated against planted (overlap of 8-grams at 0.8, stage `decontaminate-qa`, added from "
            f"the recipe benchmarks): {len(flagged)} rows removed.") in card
    assert "| decontaminate-qa (added) |" in card and "| gopher_quality-qa |" in card


@pytest.mark.slow
def test_a_recipe_opts_its_synthetic_configs_out(first, planted, tiny_model):
    base = first["base"]
    opted_out = planted["decontam"] | {"synthetic_configs": False}
    recipe = write_recipe(base / "three", tiny_model, docs=[opted_out])
    result, _ = build(base / "state", base / "out", recipe=str(recipe))
    path = Path(result["path"])
    manifest = manifest_of(path)
    names = [s["name"] for s in manifest["stages"]]
    assert names == ["read", "decontaminate", "synthesize-qa", "dedup_exact-qa"]
    assert planted["target"]["id"] in {r["id"] for r in rows_of(path)}  # kept: nothing decontaminated it
    assert manifest["configs"]["qa"]["decontaminated"] == []
    card = (path / "README.md").read_text()
    assert "Not decontaminated: the recipe opts out (`synthetic_configs: false`" in card


def test_an_explicit_decontaminate_stage_replaces_the_automatic_one(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    item = {"id": "b1", "question": "a b c d e f g h", "answer": "1"}
    (tmp_path / "bench.jsonl").write_text(json.dumps(item) + "\n")
    benchmark = {"name": "b", "path": "bench.jsonl", "shape": "gsm8k"}
    decontam = {"type": "decontaminate", "benchmarks": [benchmark]}
    critique = {"type": "synthesize", "task": "critique", "input": "qa", "model": str(tiny_model),
                "fields": {"prompt": "question", "response": "answer"}}
    mine = decontam | {"input": "qa", "fields": ["question"]}
    recipe = write_recipe(tmp_path, tiny_model, extra=[mine, critique], docs=[decontam])
    plan = plan_build(str(recipe), [], tmp_path / "out")
    assert [(s.name, s.auto) for s in plan.stages] == [
        ("read", False), ("decontaminate", False), ("synthesize-qa", False), ("dedup_exact-qa", False),
        ("decontaminate-qa", False), ("synthesize-critique", False), ("decontaminate-critique", True)]
    # Each reads the rows the stage before it on its config left; fingerprints chain through them.
    assert plan.rows("qa", 4) == plan.cache_dir / plan.stages[3].fingerprint / "rows.jsonl"
    assert plan.rows("qa", 5) == plan.rows("qa") == plan.cache_dir / plan.stages[4].fingerprint / "rows.jsonl"
    edited = plan_build(str(recipe), ["stages.2.fields=[question]"], tmp_path / "out")
    assert [a.fingerprint == b.fingerprint for a, b in zip(plan.stages, edited.stages, strict=True)] == [
        True, True, True, False, False, False, False]


@pytest.mark.parametrize(
    "stage, message",
    [
        ({"type": "dedup_exact", "input": "answers"},
         "stages.2.input: no earlier synthesize stage writes config 'answers' (earlier: qa)"),
        ({"type": "dedup_minhash"},
         "stages.2: document stages come before the synthesize stages; give it input: <config> (qa)"),
        ({"type": "langid", "languages": ["en"]},
         "stages.2: document stages come before the synthesize stages; langid cannot run on rows"),
        ({"type": "decontaminate", "input": "qa", "action": "mark",
          "benchmarks": [{"name": "b", "path": "bench.jsonl", "shape": "gsm8k"}]},
         "action: a synthetic config's schema has no contamination column to mark; use remove"),
        ({"type": "c4_quality", "fields": ["question"]},
         "fields: c4_quality reads a document's text"),
        ({"type": "dedup_minhash", "input": "qa", "fields": ["question", "answr"]},
         "stages.2.fields: the rows of 'qa' have no 'answr' (they have id, "),
    ],
)
def test_bad_record_stages_fail_before_any_work(tmp_path, monkeypatch, tiny_model, stage, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    (tmp_path / "bench.jsonl").write_text(json.dumps({"id": "b1", "question": "q", "answer": "a"}) + "\n")
    recipe = write_recipe(tmp_path, tiny_model)
    data = yaml.safe_load(recipe.read_text())
    data["stages"].insert(2, stage)
    recipe.write_text(yaml.safe_dump(data))
    with pytest.raises(RecipeError) as info:
        plan_build(str(recipe), [], tmp_path / "out")
    assert message in str(info.value) and "stages.2" in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "state" / "stages").exists()


def test_a_record_stage_before_any_synthesis_names_its_input(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    recipe = write_recipe(tmp_path, tiny_model, docs=[{"type": "gopher_quality", "input": "qa"}])
    with pytest.raises(RecipeError, match=r"stages\.0\.input: no earlier synthesize stage writes config 'qa' "
                                          r"\(earlier: none\)"):
        plan_build(str(recipe), [], tmp_path / "out")


@pytest.mark.slow
def test_a_record_stage_on_rows_runs_with_the_stage_cache_on_s3(first, tiny_model, s3, tmp_path):
    """With PIPELINES_HOME on object storage, dedup on the rows reads them from the remote cache and its
    tasks write there: the rows of the local build, and the stage committed remotely with its parts."""
    import shutil

    import s3fs

    s3.bucket("cache")
    local_state = tmp_path / ".pipelines"  # the local state of a build in tmp_path, this test's own
    local_state.mkdir()
    # The first build's generations: the same completions, none generated again.
    shutil.copy(first["base"] / "state" / "generations.sqlite", local_state / "generations.sqlite")
    recipe = write_recipe(tmp_path / "remote", tiny_model)
    # A process of its own: its workers get the S3 endpoint and keys from its environment.
    built = run_cli("build", str(recipe), "--out", str(tmp_path / "out"),
                    env={"PIPELINES_HOME": "s3://cache/records", **s3.env}, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    # The version's path, on a line of its own (vLLM's shutdown may print after it).
    path = Path(next(line for line in built.stdout.splitlines() if line.startswith(str(tmp_path / "out"))))
    assert rows_of(path) == rows_of(first["path"])
    assert manifest_of(path)["stages"][-1]["out"] == len(first["deduplicated"])
    fs = s3fs.S3FileSystem(endpoint_url=s3.url)
    funnels = {key.rsplit("/", 2)[-2]: json.loads(fs.cat_file(key))["type"]
               for key in fs.glob("cache/records/stages/*/funnel.json")}
    dedup = next(fp for fp, kind in funnels.items() if kind == "dedup_exact")
    files = [key.split(f"{dedup}/", 1)[1] for key in fs.find(f"cache/records/stages/{dedup}")]
    assert any(f.startswith("rows-parts/") for f in files) and "rows.jsonl" in files
    assert any(f.startswith("sign/completions/") for f in files), files
    assert not fs.glob("cache/records/stages/*.partial")
