"""Word tokens and their hashes: the normalisation every decontamination tier compares texts by, a 64-bit
hash per token, and the hash of every k-token window of a document from prefix sums."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import numpy as np

from transforms.errors import TransformError

try:
    import xxhash

    token_hash = xxhash.xxh3_64_intdigest
    HASH_NAME = "xxh3_64"
except ImportError:  # pragma: no cover - xxhash is installed with datatrove
    def token_hash(token: str) -> int:
        return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")

    HASH_NAME = "blake2b_64"

# Runs of Unicode letters and digits: \w without the underscore, so snake_case and a_b split like a-b.
WORD = re.compile(r"[^\W_]+")
# The polynomial hash of a window is sum(h[i + t] * B**t) over its token hashes h, modulo 2**64: B is odd
# (2**64 / golden ratio), so it has an inverse and a window's hash can be taken from prefix sums.
B = 0x9E3779B97F4A7C15
_B_INVERSE = pow(B, -1, 1 << 64)
# An item text of fewer tokens is not indexed (counted as too_short): a 1-3 word answer ("42", "True",
# "return a b") indexed whole would flag every document that happens to contain those words.
MIN_TOKENS = 4


def normalize_tokens(text: str) -> list[str]:
    """The word tokens of a text: NFKC, case-folded, split on every non-alphanumeric character."""
    if text.isascii():  # NFKC leaves ASCII as it is: skip it for the common case
        return WORD.findall(text.lower())
    # NFKC folds full-width and compatibility forms (ｑ, ﬁ, ²); casefold is Unicode lower-casing (ß -> ss),
    # and can decompose a character (ǰ), so the result is composed again.
    return WORD.findall(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()))


def token_hashes(tokens: list[str]) -> np.ndarray:
    """The 64-bit hash of each token."""
    return np.fromiter(map(token_hash, tokens), dtype=np.uint64, count=len(tokens))


@functools.cache
def _length_seed(k: int) -> np.uint64:
    """Added to every k-token window's hash, so a short item's whole-text hash is apart from any n-gram's."""
    return np.uint64(token_hash(f"decontam window of {k} tokens"))


class _Powers:
    """B**t and B**-t modulo 2**64 for t up to the longest document seen, grown by doubling."""

    def __init__(self):
        self._both = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))

    def get(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        up, down = self._both  # one read of one tuple: a thread growing it meanwhile cannot mix sizes
        if len(up) < length:
            size = max(length, 2 * len(up))
            up, down = (np.cumprod(np.r_[np.uint64(1), np.full(size - 1, b, dtype=np.uint64)])
                        for b in (B, _B_INVERSE))  # uint64 arithmetic wraps: modulo 2**64
            self._both = (up, down)
        return up[:length], down[:length]


_POWERS = _Powers()


def window_hashes(hashes: np.ndarray, lengths: list[int]) -> np.ndarray:
    """The 64-bit hash of every k-token window of a document for each k in `lengths`, concatenated."""
    # Prefix sums P[i] = sum(h[j] * B**j, j < i) make each window (P[i + k] - P[i]) * B**-i: a few
    # vectorised passes per length, linear in the document, with no string built per window.
    up, down = _POWERS.get(len(hashes))
    prefix = np.zeros(len(hashes) + 1, dtype=np.uint64)
    np.cumsum(hashes * up, out=prefix[1:])
    out = []
    for k in lengths:
        window = prefix[k:] - prefix[:-k]
        window *= down[:len(window)]
        window += _length_seed(k)
        out.append(window)
    return np.concatenate(out) if len(out) > 1 else out[0]


def check_hash(state: dict) -> None:
    """Refuse an unpickled index built with another hash function: its hashes would never match."""
    if state["hash"] != HASH_NAME:
        raise TransformError(f"decontam: the index was built with {state['hash']} hashes but this worker "
                             f"has {HASH_NAME}: install the same xxhash on every worker")
