"""A corpus with planted near-duplicates at measured Jaccard similarities, for dedup tests and bench/.

Each pair is a base document of random pseudo-words and a copy with m words replaced, spread at least a
shingle apart, so that about 5m of its ~300 five-word shingles change; the similarity of each pair is then
measured exactly on datatrove's own shingles (its normalisation, tokenizer and hash), not assumed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

LEVELS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)  # target Jaccard of the planted pairs
WORDS = 300
SHINGLE = 5


def pseudo_words(rng: random.Random, count: int) -> list[str]:
    letters = "bcdfghjklmnprstvz"
    vowels = "aeiou"
    vocab = set()
    while len(vocab) < count:
        vocab.add("".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(2, 4))))
    return sorted(vocab)


def replaced(words: list[str], target: float, rng: random.Random, vocab: list[str]) -> list[str]:
    """A copy of `words` with as many words replaced as bring its shingle Jaccard near `target`."""
    shingles = len(words) - SHINGLE + 1
    changes = max(1, round(shingles * (1 - target) / (1 + target) / SHINGLE))
    step = len(words) // changes
    out = list(words)
    for i in range(changes):
        out[i * step + rng.randrange(max(1, step - SHINGLE))] = rng.choice(vocab)
    return out


def corpus(pairs_per_level: int, seed: int = 0, singles: int = 0) -> list[dict]:
    """Records in input order: for each pair its base then its copy, then `singles` unrelated ones."""
    rng = random.Random(seed)
    vocab = pseudo_words(rng, 20_000)
    records = []
    for level in LEVELS:
        for p in range(pairs_per_level):
            base = rng.choices(vocab, k=WORDS)
            pair = f"{level}-{p}"
            records.append({"id": f"{pair}-base", "text": " ".join(base), "pair": pair, "target": level})
            records.append({"id": f"{pair}-copy", "text": " ".join(replaced(base, level, rng, vocab)),
                            "pair": pair, "target": level})
    records += [{"id": f"single-{i}", "text": " ".join(rng.choices(vocab, k=WORDS))} for i in range(singles)]
    return records


def measured_jaccard(records: list[dict]) -> dict[str, float]:
    """Each pair's Jaccard similarity on datatrove's MinHash shingles."""
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature

    signer = MinhashDedupSignature("/tmp", MinhashConfig(n_grams=SHINGLE))
    by_pair: dict[str, list[set]] = {}
    for r in records:
        if "pair" in r:
            by_pair.setdefault(r["pair"], []).append(set(signer.get_shingles(r["text"]).ravel().tolist()))
    return {pair: len(a & b) / len(a | b) for pair, (a, b) in by_pair.items()}


def write_jsonl(records: list[dict], folder: Path, files: int = 2) -> list[Path]:
    """Records spread over `files` JSONL files in order (the first file holds the first records)."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(records) // files)
    paths = []
    for i in range(files):
        path = folder / f"part-{i:02d}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records[i * size:(i + 1) * size]))
        paths.append(path)
    return paths
