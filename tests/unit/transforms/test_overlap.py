"""The overlap tier: real HumanEval prompts and authored items, edited (support.edits), planted in real prose,
are found."""

from __future__ import annotations

import pickle

import pytest
from support import benchmarks as authored
from support.edits import CODE_EDITS, EDITS, HUMANEVAL, authored_items, humaneval_items, planted, real_prose

from transforms.decontam.batch_tokens import token_values
from transforms.decontam.benchmarks import load_benchmark
from transforms.decontam.overlap import OverlapIndex


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> OverlapIndex:
    folder = tmp_path_factory.mktemp("overlap")
    index = OverlapIndex()
    index.add_benchmark("humaneval", load_benchmark("humaneval", HUMANEVAL, shape="humaneval"))
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", authored.write_gsm8k(folder / "g.jsonl"),
                                                shape="gsm8k"))
    index.add_benchmark("mmlu", load_benchmark("mmlu", authored.write_mmlu(folder / "mmlu"), shape="mmlu"))
    return index


# One word token in ten replaced at random leaves gaps shorter than 5 tokens that no 5-gram covers: the words
# in them count where the document has them in a hit's alignment (71% of the prompts found without that).
# One word in five is reported by bench/decontam.py, not held to a floor.
FLOORS = {"verbatim": 1.0, "substitute_5": None}


@pytest.mark.parametrize("kind", [k for k in EDITS if FLOORS.get(k, 0.95)])
def test_edited_real_humaneval_prompts_in_real_prose_are_found(index, kind):
    found, total, misses = planted(index, humaneval_items(), kind)
    assert total >= 150 and found / total >= FLOORS.get(kind, 0.95), (found, total, misses[:10])


@pytest.mark.parametrize("kind", [k for k in EDITS if FLOORS.get(k, 0.95) and k not in CODE_EDITS])
def test_edited_authored_math_and_choice_items_are_found(index, kind):
    found, total, misses = planted(index, authored_items(), kind)
    assert found / total >= FLOORS.get(kind, 0.95), (found, total, misses[:10])


def test_real_prose_is_not_flagged(index):
    docs = real_prose()
    flagged = [(i, index.match_scores(d)) for i, d in enumerate(docs) if index.match(d)]
    assert len(docs) > 100 and len(flagged) <= len(docs) // 1000, flagged


def test_a_changed_number_is_the_same_token():
    assert (token_values("Tom has 3 apples and 1,250 pears") ==
            token_values("tom has 57 APPLES, and 9,999 pears.")).all()
    assert len(token_values("Ｔｏｍ ﬁnds ß")) == 3 and len(token_values("snake_case x")) == 3


def test_short_items_match_only_whole():
    index = OverlapIndex()
    index.add_benchmark("b", [("s", "Name the largest moon of Neptune in 1989.")])
    assert index.match_scores("Q: name the LARGEST moon of neptune in 2024? A: Triton") == [("b", "s", 1.0)]
    assert index.match("Name the largest moon of Saturn in 1989.") == []


def test_index_pickles(index):
    doc = real_prose()[3] + humaneval_items()[("humaneval", "HumanEval/7")][0]
    assert pickle.loads(pickle.dumps(index)).match_scores(doc) == index.match_scores(doc)
