"""Decontamination: authored benchmark items (support.benchmarks) planted in a clean corpus are found, and
nothing else is."""

from __future__ import annotations

import gzip
import json
import pickle
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support.benchmarks import (
    GSM8K,
    HUMANEVAL,
    MMLU,
    clean_corpus,
    perturb,
    plant,
    texts_by_item,
    write_gsm8k,
    write_humaneval,
    write_mmlu,
)

from pipelines.errors import USER_ERRORS
from transforms.decontam.benchmarks import BENCHMARK_SHAPES, load_benchmark
from transforms.decontam.ngram import NGramIndex
from transforms.decontam.tokens import normalize_tokens

SHORT_ITEM = "Name the largest moon of Neptune."  # 6 tokens: indexed whole


def build_index(folder: Path) -> NGramIndex:
    folder.mkdir(parents=True, exist_ok=True)
    index = NGramIndex()
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", write_gsm8k(folder / "gsm8k.jsonl"), shape="gsm8k"))
    index.add_benchmark("humaneval", load_benchmark("humaneval", write_humaneval(folder / "he.parquet"),
                                                    shape="humaneval"))
    index.add_benchmark("mmlu", load_benchmark("mmlu", write_mmlu(folder / "mmlu"), shape="mmlu"))
    return index


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> NGramIndex:
    return build_index(tmp_path_factory.mktemp("bench"))


def planted_recall(index: NGramIndex, perturbed: bool, seed: int) -> tuple[float, list, int]:
    """Share of planted texts found with their item, the misses, and documents with a wrong item."""
    rng, hosts = random.Random(seed), clean_corpus(400, seed=seed)
    found, misses, wrong, total = 0, [], 0, 0
    for key, texts in texts_by_item().items():
        for text in texts:
            if len(normalize_tokens(text)) < index.min_tokens:
                continue  # not indexed (too short): counted in index.skipped, not planted
            total += 1
            copy = perturb(text, rng) if perturbed else text
            matches = index.match(plant(rng.choice(hosts), copy, rng))
            found += key in matches
            if key not in matches:
                misses.append((key, copy))
            wrong += any(m != key for m in matches)
    return found / total, misses, wrong


def test_normalize_tokens_folds_case_punctuation_whitespace_and_unicode():
    assert normalize_tokens("Hello,  WORLD!\n\tIt's 3.5 km\u00a0—  snake_case") == \
        ["hello", "world", "it", "s", "3", "5", "km", "snake", "case"]
    assert normalize_tokens("ＦＵＬＬ－ｗｉｄｔｈ Ⅻ “Straße” café") == \
        ["full", "width", "xii", "strasse", "café"]
    assert normalize_tokens("cafe\u0301") == normalize_tokens("café")  # decomposed accent composed
    assert normalize_tokens(" .,;!? ") == []


def test_index_holds_each_benchmark_shape_from_jsonl_parquet_and_datasets(index):
    stats = index.stats()
    assert stats["items"] == {"gsm8k": 60, "humaneval": 20, "mmlu": 30}
    # HumanEval's `return s[::-1]` is 3 words: not indexed. Short texts are indexed whole.
    assert stats["skipped"] == {"gsm8k": {}, "humaneval": {"too_short": 1}, "mmlu": {}}
    assert stats["short_items"]["gsm8k"] > 0 and stats["short_items"]["mmlu"] == 30
    assert min(stats["short_lengths"]) >= 4 and max(stats["short_lengths"]) < 13
    assert stats["ngrams"] > 2000 and stats["bytes"] <= 16 * stats["pairs"]
    assert set(BENCHMARK_SHAPES) == {"gsm8k", "humaneval", "mmlu"}
    # Ids: HumanEval's task_id, GSM8K and MMLU row indices.
    assert index.match(HUMANEVAL[7][0]) == [("humaneval", "HumanEval/7")]
    assert index.match(GSM8K[59][1]) == [("gsm8k", "59")]
    assert index.match("Answers: " + ", ".join(MMLU[29][2])) == [("mmlu", "29")]


def test_verbatim_plants_are_all_found_with_their_item(index):
    recall, misses, wrong = planted_recall(index, perturbed=False, seed=1)
    assert recall == 1.0, misses[:3]
    assert wrong == 0


def test_perturbed_plants_are_found_with_their_item(index):
    recall, misses, wrong = planted_recall(index, perturbed=True, seed=2)
    print(f"perturbed recall {recall:.4f}, misses {len(misses)}, wrong items {wrong}")
    assert recall >= 0.95, misses[:3]
    assert wrong == 0


def test_clean_corpus_is_almost_never_flagged(index):
    docs = clean_corpus(2000, seed=3)
    flagged = [d for d in docs if index.match(d)]
    assert len(flagged) <= 0.001 * len(docs), flagged[:2]


def test_one_shared_ngram_is_enough_and_twelve_words_are_not(index):
    words = GSM8K[0][0].split()
    assert len(normalize_tokens(" ".join(words[3:16]))) == 13
    assert index.match("Intro. " + " ".join(words[3:16]) + " Outro.") == [("gsm8k", "0")]
    assert index.match("Intro. " + " ".join(words[3:15]) + " Outro.") == []


def test_matches_equal_a_brute_force_reference_on_item_fragments(index):
    # The reference compares token tuples directly: no hashing, no prefix sums, no prefilter.
    grams: dict[tuple, set] = {}
    for key, texts in texts_by_item().items():
        for text in texts:
            tokens = tuple(normalize_tokens(text))
            if len(tokens) >= index.min_tokens:
                k = min(len(tokens), 13)
                for i in range(len(tokens) - k + 1):
                    grams.setdefault(tokens[i:i + k], set()).add(key)
    lengths = sorted({len(g) for g in grams})
    rng, pool = random.Random(5), [t for texts in texts_by_item().values() for t in texts]
    hosts, found = clean_corpus(300, seed=5), 0
    for host in hosts:
        pieces = []
        for _ in range(rng.randint(1, 3)):  # fragments of 3 to 18 words cut anywhere in an item
            words = rng.choice(pool).split()
            start = rng.randint(0, len(words) - 1)
            pieces.append(" ".join(words[start:start + rng.randint(3, 18)]))
        doc = plant(host, " ".join(pieces), rng)
        tokens = tuple(normalize_tokens(doc))
        expected = sorted({key for k in lengths for i in range(len(tokens) - k + 1)
                           for key in grams.get(tokens[i:i + k], ())})
        assert index.match(doc) == expected, doc
        found += bool(expected)
    assert 50 < found < 250  # both outcomes are exercised


def test_short_items_match_only_as_a_contiguous_whole(tmp_path):
    path = tmp_path / "quiz.jsonl"
    path.write_text(json.dumps({"id": "q1", "question": SHORT_ITEM}) + "\n"
                    + json.dumps({"id": "q2", "question": "Spell it."}) + "\n")
    index = NGramIndex(13)
    index.add_benchmark("quiz", load_benchmark("quiz", path, fields=["question"], id_field="id"))
    assert index.stats()["short_items"] == {"quiz": 1} and index.skipped["quiz"] == {"too_short": 1}
    doc = "Quiz night! First: NAME the largest\nmoon of neptune?? Then dinner."
    assert index.match(doc) == [("quiz", "q1")]
    assert index.match(SHORT_ITEM) == [("quiz", "q1")]
    assert index.match("Name the largest moon of") == []  # part of it
    assert index.match("Name the largest known moon of Neptune.") == []  # a word inside it
    assert index.match("Neptune: name of the largest moon.") == []  # its words, another order
    assert index.match("Spell it. Spell it.") == []  # too short to index


def test_explicit_fields_override_the_shape(tmp_path):
    path = write_gsm8k(tmp_path / "gsm8k.jsonl")
    index = NGramIndex()
    index.add_benchmark("q", load_benchmark("q", path, fields=["question"], shape="gsm8k"))
    assert index.match(GSM8K[1][0]) == [("q", "1")] and index.match(GSM8K[1][1]) == []


def test_bad_records_are_counted_and_skipped(tmp_path):
    path = tmp_path / "gsm8k.jsonl"
    lines = [json.dumps({"question": GSM8K[0][0], "answer": GSM8K[0][1]}),
             json.dumps({"question": None, "answer": GSM8K[1][1]}),  # its answer is still indexed
             '{"question": "broken',
             "",
             json.dumps([GSM8K[2][0]]),
             json.dumps({"question": {"text": GSM8K[3][0]}, "answer": None}),
             json.dumps({"answer": GSM8K[4][1]}),
             json.dumps({"question": GSM8K[5][0], "answer": GSM8K[5][1]})]
    path.write_text("\n".join(lines) + "\n")
    index = NGramIndex()
    index.add_benchmark("g", load_benchmark("g", path, shape="gsm8k"))
    assert index.skipped["g"] == {"null_field": 2, "malformed_json": 1, "not_an_object": 1, "not_text": 1,
                                  "missing_field": 1}
    # Row ids are line positions (blank lines aside), unreadable lines included: stable under edits.
    assert index.match(GSM8K[5][0]) == [("g", "6")] and index.match(GSM8K[1][1]) == [("g", "1")]
    assert index.match(GSM8K[4][1]) == [("g", "5")] and index.stats()["items"] == {"g": 4}


def test_index_pickles_and_is_deterministic(index, tmp_path):
    again = build_index(tmp_path)
    assert pickle.dumps(again) == pickle.dumps(index)
    copy = pickle.loads(pickle.dumps(index))
    docs = [plant(d, GSM8K[i][0], random.Random(i)) for i, d in enumerate(clean_corpus(20, seed=4))]
    assert copy.match_batch(docs) == index.match_batch(docs) == [[("gsm8k", str(i))] for i in range(20)]
    assert copy.stats() == index.stats()
    state = index.__dict__ | {"hash": "blake2b_64"}  # built where another hash function was in use
    with pytest.raises(USER_ERRORS, match="built with blake2b_64 hashes"):
        NGramIndex.__new__(NGramIndex).__setstate__(state)


def test_gzipped_jsonl_and_items_from_any_iterable(tmp_path):
    path = tmp_path / "gsm8k.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.writelines(json.dumps({"uid": 100 + i, "question": q}) + "\n" for i, (q, _) in enumerate(GSM8K))
    index = NGramIndex()
    index.add_benchmark("g", load_benchmark("g", path, fields=["question"], id_field="uid"))
    index.add_benchmark("mine", [(7, HUMANEVAL[0][1]), ("7", HUMANEVAL[0][0])])  # ids are strings
    assert index.match(GSM8K[2][0] + HUMANEVAL[0][0]) == [("g", "102"), ("mine", "7")]
    assert index.stats()["items"] == {"g": 60, "mine": 1}


def _missing(tmp):
    return {"path": tmp / "nowhere.jsonl", "shape": "gsm8k"}, "does not exist"


def _unknown_format(tmp):
    (tmp / "notes.txt").write_text("just some notes\n")
    return {"path": tmp / "notes.txt", "shape": "gsm8k"}, "is not JSONL, Parquet"


def _plain_folder(tmp):
    (tmp / "folder").mkdir()
    return {"path": tmp / "folder", "shape": "gsm8k"}, "not written by datasets"


def _jsonl_field(tmp):
    (tmp / "b.jsonl").write_text(json.dumps({"question": "q", "solution": "s"}) + "\n")
    return ({"path": tmp / "b.jsonl", "shape": "gsm8k"},
            "has no 'answer' field (fields there: question, solution)")


def _parquet_field(tmp):
    pq.write_table(pa.table({"task_id": ["x"], "prompt": ["p"]}), tmp / "b.parquet")
    return ({"path": tmp / "b.parquet", "shape": "humaneval"},
            "has no 'canonical_solution' field (fields there: task_id, prompt)")


def _datasets_field(tmp):
    write_mmlu(tmp / "mmlu")
    return ({"path": tmp / "mmlu", "fields": ["question", "options"]},
            "has no 'options' field (fields there: subject, question, choices, answer)")


def _id_field(tmp):
    return {"path": write_gsm8k(tmp / "g.jsonl"), "shape": "gsm8k", "id_field": "uid"}, "has no 'uid' field"


def _empty(tmp):
    (tmp / "empty.jsonl").write_text("")
    return {"path": tmp / "empty.jsonl", "shape": "gsm8k"}, "has no items (skipped: none)"


def _all_bad(tmp):
    (tmp / "nulls.jsonl").write_text(json.dumps({"question": None, "answer": None}) + "\n")
    return {"path": tmp / "nulls.jsonl", "shape": "gsm8k"}, "has no items (skipped: null_field 2)"


def _not_utf8(tmp):
    good = json.dumps({"question": "q", "answer": "a"}).encode()
    bad = '{"question": "caf\xe9", "answer": "a"}'.encode("latin-1")
    (tmp / "latin1.jsonl").write_bytes(good + b"\n\n" + bad)
    return {"path": tmp / "latin1.jsonl", "shape": "gsm8k"}, "undecodable_line 1"  # counted, skipped


def _unknown_shape(tmp):
    return {"path": write_gsm8k(tmp / "g.jsonl"), "shape": "gsm9k"}, "unknown shape 'gsm9k'"


def _no_fields(tmp):
    return {"path": write_gsm8k(tmp / "g.jsonl")}, "give fields or a shape"


def _dataset_dict(tmp):
    import datasets

    split = datasets.Dataset.from_dict({"question": ["q"]})
    datasets.DatasetDict({"test": split}).save_to_disk(str(tmp / "dd"))
    return {"path": tmp / "dd", "shape": "gsm8k"}, "is a DatasetDict folder"


@pytest.mark.parametrize("case", [_missing, _unknown_format, _plain_folder, _jsonl_field, _parquet_field,
                                  _datasets_field, _id_field, _empty, _all_bad, _not_utf8, _unknown_shape,
                                  _no_fields, _dataset_dict])
def test_benchmark_errors_are_one_line_naming_the_file(tmp_path, case):
    kwargs, expected = case(tmp_path)
    index = NGramIndex()
    with pytest.raises(USER_ERRORS) as info:
        index.add_benchmark("bench", load_benchmark("bench", **kwargs))
    message = str(info.value)
    assert expected in message and str(kwargs["path"]) in message and "\n" not in message, message
    assert index.stats()["items"] == {} and index.stats()["pairs"] == 0  # nothing of it is left behind


def test_benchmarks_need_distinct_names_and_indexable_items(tmp_path):
    index = NGramIndex()
    index.add_benchmark("g", load_benchmark("g", write_gsm8k(tmp_path / "g.jsonl"), shape="gsm8k"))
    with pytest.raises(USER_ERRORS, match="'g' is indexed twice"):
        index.add_benchmark("g", [("1", GSM8K[0][0])])
    path = tmp_path / "tiny.jsonl"
    path.write_text(json.dumps({"question": "Why?", "answer": "42"}) + "\n")
    with pytest.raises(USER_ERRORS, match=r"tiny.jsonl\) has no item with at least 4 words .*too_short 2"):
        index.add_benchmark("tiny", load_benchmark("tiny", path, shape="gsm8k"))
    assert index.stats()["items"] == {"g": 60}
