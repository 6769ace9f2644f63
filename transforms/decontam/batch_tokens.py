"""The overlap tier's word tokens, straight from UTF-8 bytes, a batch of texts at a time: a 64-bit value per
token (every number one value), and the polynomial hash of every k-token window of them."""

from __future__ import annotations

import unicodedata

import numpy as np

from transforms.decontam.tokens import B, token_hash

_B = np.uint64(B)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
# Every all-digit token (3, the 1 and 250 of 1,250): a changed number is the same token.
NUMBER_VALUE = np.uint64(token_hash("overlap: a number"))

_SEP = 0x20


def _byte_table() -> bytes:
    """UTF-8 bytes to what a token is made of: ASCII letters lower-cased, digits 0, other ASCII a space."""
    table = bytearray(range(256))  # a byte of a non-ASCII character: part of its word
    for c in range(128):
        table[c] = 0 if chr(c).isdigit() else ord(chr(c).lower()) if chr(c).isalnum() else _SEP
    return bytes(table)


# A digit's byte is 0, so a number of any length hashes to 0: one value for all numbers. The hash is the
# polynomial of a token's bytes themselves modulo 2**32, no table looked up: the passes over every byte
# move a quarter of the memory of a 64-bit table's (a token's value is then spread to 64 bits; two of the
# benchmarks' ~10**5 distinct words share a value about once).
_TABLE = _byte_table()
_B32 = 0x9E3779B1  # odd: it has an inverse modulo 2**32


class _Powers32:
    """B**t and B**-t modulo 2**32 for t up to the longest batch seen, grown by doubling."""

    def __init__(self):
        self._both = (np.ones(1, dtype=np.uint32), np.ones(1, dtype=np.uint32))

    def get(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        up, down = self._both  # one read of one tuple: a thread growing it meanwhile cannot mix sizes
        if len(up) < length:
            size = max(length, 2 * len(up))
            up, down = (np.cumprod(np.r_[1, np.full(size - 1, b)].astype(np.uint32), dtype=np.uint32)
                        for b in (_B32, pow(_B32, -1, 1 << 32)))
            self._both = (up, down)
        return up[:length], down[:length]


_POWERS32 = _Powers32()


def utf8(text: str) -> bytes:
    """A text's UTF-8 bytes, NFKC-normalised first where it has full-width forms or ligatures."""
    data = text.encode("utf-8")
    if not text.isascii() and b"\xef" in data:  # full-width letters, ligatures: NFKC maps them to ASCII
        return unicodedata.normalize("NFKC", text).encode("utf-8")
    return data


def token_values(text: str) -> np.ndarray:
    """A 64-bit value per word token of a text; every number token one value (see batch_token_values)."""
    return batch_token_values([text])[0]


def batch_token_values(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The token values of several texts, concatenated, and where each text's start (one more: the end)."""
    values, bounds, _ = tokenise([utf8(t) for t in texts])
    return values, bounds


def tokenise(datas: list[bytes]) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Token values, each text's first token, and (token starts, token ends, text starts) in the bytes.

    Tokens are runs of letters and digits of the UTF-8 bytes, ASCII case folded, as normalize_tokens' on
    English text; general punctuation (U+2000-U+206F: curly quotes, dashes), U+0080-U+00BF (no-break
    space, guillemets) and CJK punctuation separate words too. Non-ASCII letters compare as written, and
    NFKC is applied only to a text with full-width forms or ligatures (U+FB00-U+FFEF): NFKC and Unicode
    case folding of every document were most of the time of a lookup (bench/README.md).
    """
    # The texts as one array, a separator between them: a few numpy passes for a whole batch, no Python
    # object per token, and no numpy call per text (a call on one text's array costs more than its work).
    data = b" ".join(datas)
    codes = np.frombuffer(b" " + data.translate(_TABLE) + b" ", dtype=np.uint8)
    inside = codes != _SEP
    for lead, second in ((0xE2, (0x80, 0x81)), (0xE3, (0x80,)), (0xC2, ())):
        if bytes((lead,)) not in data:  # a search in C first: ASCII texts have none of these
            continue
        at = np.flatnonzero(codes == lead)
        if second:
            after = codes[at + 1]
            at = at[(after == second[0]) | (after == second[-1])]
        inside[at] = inside[at + 1] = False
        if second:
            inside[at + 2] = False
    edges = np.flatnonzero(inside[1:] != inside[:-1])
    starts, ends = edges[::2] + 1, edges[1::2]  # a token is codes[start:end + 1]
    text_starts = np.cumsum([1] + [len(d) + 1 for d in datas])  # where each text's bytes start
    bounds = np.searchsorted(starts, text_starts)
    if not len(starts):
        return np.empty(0, dtype=np.uint64), bounds, (starts, ends + 1, text_starts)
    up, down = _POWERS32.get(len(codes))
    prefix = np.multiply(codes, up, dtype=np.uint32)  # one pass: the cast is in the multiply's loop
    np.cumsum(prefix, out=prefix)
    small = np.take(prefix, ends)
    small -= np.take(prefix, starts - 1)
    small *= np.take(down, starts)
    values = small.astype(np.uint64)
    # Spread to 64 bits and not linear in the characters (the n-gram hash is linear in the tokens).
    values *= _MIX1
    values ^= values >> np.uint64(29)
    values *= _MIX2
    values ^= values >> np.uint64(32)
    values[small == 0] = NUMBER_VALUE  # 3, 250, 2026: one token
    return values, bounds, (starts, ends + 1, text_starts)


def ngram_hashes(values: np.ndarray, k: int) -> np.ndarray:
    """The polynomial hash of every k-token window of token values (uint64 arithmetic wraps)."""
    m = len(values) - k + 1
    out = values[:m].copy()
    for t in range(1, k):
        out *= _B
        out += values[t:t + m]
    return out


def next_ngram_hashes(hashes: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """The (k + 1)-token windows' hashes from the k-token ones'."""
    out = hashes[:-1] * _B
    out += values[k:]
    return out
