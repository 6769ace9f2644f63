"""Authored benchmark items (GSM8K-, HumanEval- and MMLU-like, tests/data/benchmarks/*-like.jsonl), the
sample pages' sentences as a clean corpus, and copies of items changed and planted in it: what the
decontamination tests and bench/decontam*.py measure recall and false flags with.

    from support import benchmarks as authored
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from support import TESTS
from support.pages import load_pages

FOLDER = TESTS / "data" / "benchmarks"


def _rows(name: str) -> list[dict]:
    with open(FOLDER / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


PAGES = load_pages("sample")
# GSM8K-like word problems: (question, answer with calculator annotations and the final "#### n").
GSM8K = [(r["question"], r["answer"]) for r in _rows("gsm8k-like.jsonl")]
# HumanEval-like tasks: (function prompt with its docstring, canonical solution body).
HUMANEVAL = [(r["prompt"], r["canonical_solution"]) for r in _rows("humaneval-like.jsonl")]
# MMLU-like multiple choice: (subject, question, four choices, index of the right one).
MMLU = [(r["subject"], r["question"], r["choices"], r["answer"]) for r in _rows("mmlu-like.jsonl")]


def sentences() -> list[str]:
    """The sentences of the sample pages' English main texts."""
    texts = [p["main_text"] for p in PAGES if p["lang"] == "en" and p["main_text"]]
    return [s for t in texts for line in t.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s]


def clean_corpus(docs: int, seed: int = 0) -> list[str]:
    """`docs` documents of 2 to 5 lines of 1 to 3 sample sentences, recombined by a seeded RNG."""
    rng, pool = random.Random(seed), sentences()
    return ["\n".join(" ".join(rng.sample(pool, rng.randint(1, 3))) for _ in range(rng.randint(2, 5)))
            for _ in range(docs)]


def write_gsm8k(path: Path) -> Path:
    path.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in GSM8K))
    return path


def write_humaneval(path: Path) -> Path:
    table = pa.table({"task_id": [f"HumanEval/{i}" for i in range(len(HUMANEVAL))],
                      "prompt": [p for p, _ in HUMANEVAL], "canonical_solution": [s for _, s in HUMANEVAL],
                      "entry_point": [re.search(r"def (\w+)", p)[1] for p, _ in HUMANEVAL]})
    pq.write_table(table, path)
    return path


def write_mmlu(path: Path) -> Path:
    import datasets

    datasets.Dataset.from_dict({
        "subject": [s for s, *_ in MMLU], "question": [q for _, q, _, _ in MMLU],
        "choices": [c for *_, c, _ in MMLU], "answer": [a for *_, a in MMLU],
    }).save_to_disk(str(path))
    return path


def texts_by_item() -> dict[tuple[str, str], list[str]]:
    """Each item's texts as the files hold them (MMLU choices joined as the index joins them)."""
    items: dict[tuple[str, str], list[str]] = {}
    for i, (q, a) in enumerate(GSM8K):
        items[("gsm8k", str(i))] = [q, a]
    for i, (p, s) in enumerate(HUMANEVAL):
        items[("humaneval", f"HumanEval/{i}")] = [p, s]
    for i, (_, q, choices, _) in enumerate(MMLU):
        items[("mmlu", str(i))] = [q, "\n".join(choices)]
    return items


# Whitespace a copy may carry between words: runs, tabs, newlines, NBSP and thin spaces.
SPACES = [" ", " ", " ", "  ", "\t", "\n", " \n\n", "\u00a0", "\u2009", "\r\n   "]
MARKS = [",", ";", ":", ".", "!", "?", " -", " —", "…", "”", "'"]


def perturb(text: str, rng: random.Random) -> str:
    """A copy with changed case, punctuation and whitespace (the words stay the same)."""
    words = text.split()
    if rng.random() < 0.2:
        words = [w.upper() for w in words]
    out = []
    for word in words:
        r = rng.random()
        if r < 0.15:
            word = word.upper()
        elif r < 0.3:
            word = word.lower()
        elif r < 0.4:
            word = word.capitalize()
        r = rng.random()
        if r < 0.25:
            word = word.rstrip(".,;:!?")
        elif r < 0.4:
            word += rng.choice(MARKS)
        elif r < 0.45:
            word = f"“{word}”" if rng.random() < 0.5 else f"({word})"
        # Punctuation between word characters becomes other punctuation (a copy's "7 + 3", "7+3", "7 +3").
        word = re.sub(r"(?<=\w)[=*+/-](?=\w)", lambda _: rng.choice(["=", "+", " = ", "/", "·"]), word)
        out.append(word)
    return "".join(w + rng.choice(SPACES) for w in out).strip()


def plant(doc: str, text: str, rng: random.Random) -> str:
    """`text` inserted in a clean document at a random sentence boundary, or between two words."""
    pieces = re.split(r"(?<=[.!?])\s+", doc) if rng.random() < 0.7 else doc.split(" ")
    at = rng.randint(0, len(pieces))
    return " ".join([*pieces[:at], text, *pieces[at:]])
