"""What dedup compares: a record's text from the fields a recipe names, and its exact-content key.

    record_text({"instruction": "Add 2 and 2.", "response": "4"}, ["instruction", "response"])
    exact_key("Hello,  World!") == exact_key("hello world")      exact_key("2 + 2") != exact_key("3 + 3")

The near-duplicate signatures themselves are datatrove's MinHash; this module only decides what text goes
into them, so documents and synthetic records (instruction + response, question + answer) dedup alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash
from datatrove.utils.text import TextNormConfig, simplify_text

# datatrove's signature readers stop at the first value >= 2**61 - 1 (its Mersenne prime): keys stay below.
MERSENNE = (1 << 61) - 1
# datatrove's normalisation (case, whitespace, punctuation, diacritics), but numbers kept: "2 + 2 = 4" and
# "3 + 3 = 6" are different records, not copies (MinHash's shingles fold them; its threshold copes).
_NORM = TextNormConfig(norm_numbers=False)


def record_text(record: dict, fields: Sequence[str]) -> str | None:
    """The named fields' text joined by a blank line; None if a field is missing or not text."""
    parts = []
    for field in fields:
        value = record.get(field)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n".join(value)  # a list of strings (choices, turns) is one text
        if not isinstance(value, str):
            return None
        parts.append(value)
    return "\n\n".join(parts)


def normalize(text: str) -> str:
    """datatrove's simplify_text with numbers kept: case, punctuation, diacritics and whitespace folded."""
    return simplify_text(text, _NORM)


def exact_key(text: str) -> np.ndarray:
    """Two 61-bit halves of the xxh3-128 of the normalised text (122 bits: no collision at web scale);
    empty when nothing is left after normalising, which no key can stand for."""
    normalized = normalize(text)
    if not normalized:
        return np.empty(0, dtype=np.uint64)
    digest = xxhash.xxh3_128_intdigest(normalized.encode())
    return np.array([(digest >> 64) % MERSENNE, (digest & ((1 << 64) - 1)) % MERSENNE], dtype=np.uint64)
