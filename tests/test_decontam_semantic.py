"""The semantic tier: hand-written paraphrases of real HumanEval prompts and of the authored items, planted in
real prose, are found by the packaged MiniLM encoder; clean real prose is not flagged."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import test_decontam as authored
import test_decontam_paraphrases as paraphrases
from test_decontam_overlap import HUMANEVAL, real_prose

from transforms.decontam import load_benchmark
from transforms.overlap import OverlapIndex
from transforms.semantic import SemanticIndex, TieredIndex, load_encoder

HOST_CHARS = 700  # of real prose each side of a planted paraphrase: a paragraph or two, a page's share


def add_benchmarks(index, folder: Path):
    index.add_benchmark("humaneval", load_benchmark("humaneval", HUMANEVAL, shape="humaneval"))
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", authored.write_gsm8k(folder / "g.jsonl"),
                                                shape="gsm8k"))
    index.add_benchmark("mmlu", load_benchmark("mmlu", authored.write_mmlu(folder / "mmlu"), shape="mmlu"))
    return index


@pytest.fixture(scope="session")
def semantic(tmp_path_factory) -> SemanticIndex:
    """One index (and one encoder load) for the whole session: embedding the items is most of the cost."""
    index = add_benchmarks(SemanticIndex(), tmp_path_factory.mktemp("semantic"))
    index.stats()
    return index


def planted_paraphrases(index, items: dict, seed: int = 0, hosts: list[str] | None = None,
                        host_chars: int | None = HOST_CHARS) -> tuple[int, int, list]:
    """(found, planted, misses) of each paraphrase planted between two lines of a real document."""
    rng, hosts = random.Random(seed), hosts or real_prose()
    docs, keys = [], []
    for key, text in items.items():
        host = rng.choice(hosts)
        at = host.find("\n", rng.randint(0, len(host))) % (len(host) + 1)  # at a line's end, or the end
        before, after = host[:at], host[at:]
        if host_chars:
            before, after = before[-host_chars:], after[:host_chars]
        docs.append(f"{before}\n{text}\n{after}")
        keys.append(key)
    found = index.match_batch(docs)
    misses = [k for k, f in zip(keys, found, strict=True) if k not in f]
    return len(keys) - len(misses), len(keys), misses


def test_paraphrases_in_real_prose_are_found(semantic):
    found, total, misses = planted_paraphrases(semantic, paraphrases.items())
    assert total >= 60 and found / total >= 0.75, (found, total, misses)


def test_the_overlap_tier_misses_what_the_semantic_tier_finds(semantic, tmp_path):
    """Paraphrase is what the overlap tier cannot see: the reason for this tier."""
    overlap = add_benchmarks(OverlapIndex(), tmp_path)
    found, total, _ = planted_paraphrases(overlap, paraphrases.items())
    assert found / total <= 0.2, (found, total)


def test_clean_real_prose_is_not_flagged(semantic):
    # Paragraph-length documents of the Python reference (code, lists, prose about lists and strings: the
    # topics HumanEval's prompts are about), every one compared.
    docs = [p[i:i + 1500] for p in real_prose()[:40] for i in range(0, 4000, 1500)]
    flagged = [(i, m) for i, m in enumerate(semantic.match_scores_batch(docs)) if m]
    assert len(docs) >= 120 and len(flagged) <= len(docs) // 1000, flagged


def test_tiers_report_which_found_it(semantic, tmp_path):
    tiers = TieredIndex([add_benchmarks(OverlapIndex(), tmp_path), semantic])
    prompt = authored.GSM8K[3][0]
    host = real_prose()[5][:800]
    docs = [f"{host}\n{prompt}\n", f"{host}\n{paraphrases.GSM8K['3']}\n", host]
    found = tiers.match_details_batch(docs)
    assert [(m.benchmark, m.item, m.tier) for m in found[0]] == [("gsm8k", "3", "overlap")]
    assert [(m.benchmark, m.item, m.tier) for m in found[1]] == [("gsm8k", "3", "semantic")]
    assert docs[1][found[1][0].start:found[1][0].end] == paraphrases.GSM8K["3"]
    assert found[2] == [] and tiers.stats()["method"] == "overlap+semantic"


def test_passages_are_paragraphs():
    index = SemanticIndex(passage_words=16)
    long = " ".join(f"w{i}" for i in range(40))
    text = f"Title\nshort line\n{long}\nA line of exactly twelve words that stands on its own here.\nlast"
    spans = [text[s:e] for s, e in index.passages(text)]
    assert spans[0] == "Title\nshort line"  # short lines join each other, not the long line after them
    assert [len(s.split()) for s in spans[1:5]] == [16] * 4 and spans[4].endswith("w39")  # one every 8
    assert spans[5].startswith("A line")
    assert spans[-1] == "last"


def test_index_pickles_without_its_encoder(semantic):
    doc = f"Notes.\n{paraphrases.MMLU['4']}\n"
    copy = pickle.loads(pickle.dumps(semantic))
    assert copy.match_scores_batch([doc]) == semantic.match_scores_batch([doc]) != [[]]
    assert load_encoder() is load_encoder()  # loaded once per process


@pytest.mark.slow
def test_method_semantic_in_a_build_marks_a_paraphrase(tmp_path):
    from pages import DATA
    from test_build import build
    from test_decontam_stage import LIGHTHOUSE

    # A rephrasing of the lighthouse article's second sentence: no 5-gram of it is in the page.
    question = ("Why is every lighthouse on a shoreline assigned a distinct sequence of flashes and dark "
                "periods that is printed on sea charts?")
    item = {"id": "q-light", "question": question, "answer": "So a navigator can tell which one it is."}
    (tmp_path / "bench.jsonl").write_text(json.dumps(item) + "\n")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"""\
name: semantic-test
input: {{format: warc, paths: ["{DATA}/web-demo/*.warc.gz"]}}
executor: {{tasks: 1, workers: 1}}
stages:
  - {{type: extract, backend: trafilatura}}
  - type: decontaminate
    method: semantic
    similarity: 0.55
    action: mark
    benchmarks: [{{name: qa-bench, path: bench.jsonl, shape: gsm8k, id_field: id}}]
""")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    stage = json.loads((path / "manifest.json").read_text())["stages"][-1]
    table = pq.read_table(path / stage["table"]).to_pylist()
    assert ("q-light", "semantic") in {(r["item"], r["tier"]) for r in table}, table
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert next(r for r in rows if r["url"] == LIGHTHOUSE["url"])["contamination"] == ["qa-bench:q-light"]
    card = (path / "README.md").read_text()
    assert "overlap (n 5, threshold 0.8" in card and "then semantic (all-MiniLM-L6-v2" in card


def test_the_semantic_fields_need_method_semantic(tmp_path):
    from pydantic import ValidationError

    from pipelines.stages.decontaminate import DecontamStage

    bench = [{"name": "b", "path": str(tmp_path / "b.jsonl"), "shape": "gsm8k"}]
    stage = DecontamStage(type="decontaminate", method="semantic", similarity=0.8, benchmarks=bench)
    assert (stage.threshold, stage.similarity, stage.passage_words) == (0.8, 0.8, None)
    with pytest.raises(ValidationError, match="similarity: only method: semantic"):
        DecontamStage(type="decontaminate", similarity=0.8, benchmarks=bench)
