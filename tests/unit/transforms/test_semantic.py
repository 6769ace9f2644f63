"""The semantic tier: hand-written paraphrases of real HumanEval prompts and of the authored items, planted in
real prose, are found by the packaged MiniLM encoder; clean real prose is not flagged."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from support import benchmarks as authored
from support import paraphrases
from support.edits import HUMANEVAL, real_prose
from support.paraphrases import planted_paraphrases

from transforms.decontam.benchmarks import load_benchmark
from transforms.decontam.overlap import OverlapIndex
from transforms.decontam.semantic import SemanticIndex, TieredIndex, load_encoder


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
