"""The learned extractor's walk, feature rows and trees in C (transforms/extract_c/), configured and checked.

    AVAILABLE                                         whether the extension is built and agrees with Python
    walk(root, max_nodes, read_noscript, segments, article) -> (texts, facts, JSON-LD texts, Facts)
    count(text, char) / contains(text, needle)       -> text.count(char) / needle in text, vectorised
    features(texts, facts, jsonld_bits, title, page_bits)   -> (float32 rows, container ids)
    model(spec) / score(model, rows, chains)       -> P(main content) of each block

The extension reads selectolax's lexbor tree in place (a node's address is selectolax's `mem_id`) through
the few lexbor structures it declares, and calls two name functions selectolax exports. Its tag table and
class-word literals come from transforms/extract_vocab.py. Before it is used it reads a probe page that
exercises every rule of the walk and must give exactly what the Python walk and rows give; where it is not
built or disagrees (another lexbor inside selectolax), the Python versions run and one warning says why.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
from selectolax.lexbor import LexborHTMLParser

from transforms.extract_vocab import (
    ANCESTOR_TAGS,
    BLOCK,
    BODY_PROPS,
    CELL,
    CHAIN_COLUMNS,
    HIDDEN_CLASSES,
    JSONLD_TYPES,
    KIND,
    KINDS,
    META_CHARS,
    META_PROPS,
    PAGE_FACTS,
    SECTION_WORDS,
    SECTIONS,
    SKIP,
    TAG_BIT,
    WORD_GROUPS,
    class_bits,
    declared,
    hidden_class,
    hidden_style,
    item_comment,
    prop_facts,
    word_bits,
)
from transforms.extract_walk import NO_SECTION, Facts

log = logging.getLogger(__name__)
# the extension's sources: what a stage's fingerprint covers of it (code versions read Python modules only)
SOURCES = sorted(str(p) for p in Path(__file__).with_name("extract_c").glob("*.[ch]"))
try:
    from transforms import _extract_c as _c
except ImportError as e:  # not built (a source checkout without `pip install -e .`)
    _c, _why = None, f"not built ({e})"

# tag flags, as transforms/extract_c/common.h numbers them
T_SKIP, T_BLOCK, T_CELL, T_BR, T_A, T_PRE, T_SCRIPT, T_NOSCRIPT, T_TEMPLATE, T_NOSECTION = (
    1 << i for i in range(10))
_NAMED = {"br": T_BR, "a": T_A, "pre": T_PRE, "script": T_SCRIPT, "noscript": T_NOSCRIPT,
          "template": T_TEMPLATE}
WIDTHS = (len(KINDS), len(ANCESTOR_TAGS), len(WORD_GROUPS), len(JSONLD_TYPES), len(SECTIONS), len(PAGE_FACTS))
_ALTERNATIVE = re.compile(r"(\(\?<!\[a-z\]\))?([a-z0-9-][a-z0-9?-]*)(\(\?!\[a-z\]\))?")


def literals() -> list[tuple[bytes, int, bool, bool]]:
    """WORD_GROUPS as the literals its expression tries at a position, in the order it tries them:
    (text, group bit, not after a letter, not before a letter). `x?` tries with x first (greedy)."""
    out = []
    for i, words in enumerate(WORD_GROUPS.values()):
        for alternative in words.split("|"):
            m = _ALTERNATIVE.fullmatch(alternative)
            if m is None or "??" in alternative:
                raise ValueError(f"extract: word group pattern {alternative!r} is more than literals, x? and "
                                 "(?<![a-z]) / (?![a-z]); the C walk cannot match it")
            texts = [""]
            body = m.group(2)
            for j, ch in enumerate(body):
                if ch == "?":
                    continue
                if j + 1 < len(body) and body[j + 1] == "?":
                    texts = [t + ch for t in texts] + texts  # with it first, then without
                    texts = _interleave(texts)
                else:
                    texts = [t + ch for t in texts]
            out += [(t.encode(), 1 << i, bool(m.group(1)), bool(m.group(3))) for t in texts]
    return out


def _interleave(texts: list[str]) -> list[str]:
    """[a1..ak (with), b1..bk (without)] in the order backtracking tries them: a1, b1, a2, b2, ...
    (each earlier optional character decides first)."""
    half = len(texts) // 2
    return [t for pair in zip(texts[:half], texts[half:], strict=True) for t in pair]


def _tags() -> list[tuple[int, str, int, int, int]]:
    """(lexbor tag id, name, flags, kind, ancestor bit) of every tag the walk names."""
    parser = LexborHTMLParser("")
    names = sorted(SKIP | BLOCK | CELL | NO_SECTION | set(KIND) | set(TAG_BIT) | set(_NAMED))
    out = []
    for name in names:
        flags = ((T_SKIP if name in SKIP else 0) | (T_BLOCK if name in BLOCK else 0)
                 | (T_CELL if name in CELL else 0) | (T_NOSECTION if name in NO_SECTION else 0)
                 | _NAMED.get(name, 0))
        out.append((_c.tag_id(parser.create_node(name).mem_id), name, flags, KIND.get(name, 11),
                    TAG_BIT.get(name, 0)))
    return out


def count(text: str, char: str) -> int:
    """text.count(char) of one ASCII character, in one vectorised C pass where the extension is built (a
    page's scans before its parse: str.count and `in` run at a third of lexbor's parse time)."""
    return _c.count(text, ord(char)) if _c is not None else text.count(char)


def contains(text: str, needle: str) -> bool:
    """needle in text, for an ASCII needle; vectorised C where the extension is built."""
    return _c.contains(text, needle.encode()) if _c is not None else needle in text


def walk(root, max_nodes: int, read_noscript: bool, segments: dict, article: bool = False):
    """The C walk of transforms/extract_walk.blocks: texts, a row of int64 facts per block (kind, link
    characters, depth, tag bits, word bits, near bits, 4 container ids, section bits), JSON-LD texts and
    what else it saw."""
    texts, facts, scripts, noscript, declared_bits, hideable = _c.walk(
        root.mem_id, max_nodes, read_noscript, {k: node.mem_id for k, node in segments.items()}, article)
    facts = np.frombuffer(facts, np.int64).reshape(len(texts), _c.FACT_COLUMNS)
    return texts, facts, scripts, Facts(noscript, declared_bits, hideable)


def features(texts: list[str], facts: np.ndarray, jsonld_bits: int, title: str, page_bits: int = 0
             ) -> tuple[np.ndarray, np.ndarray]:
    """transforms/extract_features.rows over the C walk's output."""
    title_words = set(title.lower().split())
    ascii_words = [w.encode() for w in title_words if w.isascii()]
    rows, chains = _c.features(texts, np.ascontiguousarray(facts).tobytes(), jsonld_bits, page_bits, WIDTHS,
                               title_words, ascii_words if len(ascii_words) <= 64 else None)
    n = len(texts)
    where = np.frombuffer(chains, np.int64).reshape(n, CHAIN_COLUMNS)
    return np.frombuffer(rows, np.float32).reshape(n, -1), where


def model(spec: dict, n_features: int):
    """The model's stages of trees for score()."""
    stages = []
    for stage in spec["stages"]:
        feature = np.asarray(stage["feature"], np.int32)
        stages.append((float(stage["baseline"]), *feature.shape, feature,
                       np.asarray(stage["cut"], np.float64), np.asarray(stage["left"], np.int32),
                       np.asarray(stage["right"], np.int32), np.asarray(stage["value"], np.float64)))
    return _c.model(n_features, stages)


def score(trees, rows: np.ndarray, chains: np.ndarray) -> np.ndarray:
    """P(main content) of each block, as extract_learned.BlockModel.proba gives it."""
    return np.frombuffer(_c.score(trees, np.ascontiguousarray(rows, np.float32),
                                  np.ascontiguousarray(chains, np.int64)), np.float64)


def _agrees() -> str | None:
    """Why the C walk and rows differ from the Python ones on the probe page (None: they agree)."""
    from transforms import extract_features, extract_walk
    from transforms.extract_probe import PROBE

    tree = LexborHTMLParser(PROBE)
    segments = {node.attributes["id"][2:]: node for node in tree.css('div[hidden][id^="S:"]')}
    for read_noscript, article in ((False, False), (True, False), (False, True)):
        skip = SKIP - {"noscript"} if read_noscript else SKIP
        blocks, scripts, seen = extract_walk.blocks(tree.body, 100_000, skip, segments, article)
        texts, facts, c_scripts, c_seen = walk(tree.body, 100_000, read_noscript, segments, article)
        if [b.text for b in blocks] != texts or (scripts, seen) != (c_scripts, c_seen):
            return "its walk reads the probe page's text differently"
        python = [[b.kind, b.link_chars, b.depth, b.tag_bits, b.word_bits, b.near_bits, *b.chain, b.sections]
                  for b in blocks]
        if python != facts.tolist():
            return "its walk gives the probe page's blocks other facts"
        rows, chains = extract_features.rows(blocks, 0b101, "Probe page: the walk's rules", 0b1011)
        c_rows, c_chains = features(texts, facts, 0b101, "Probe page: the walk's rules", 0b1011)
        if not (np.array_equal(rows, c_rows) and np.array_equal(chains, c_chains)):
            return "its feature rows differ on the probe page"
    for token in ("sidebar-nav", "ads", "adsense", "top-bar", "post-text", "BreadCrumbs", "hide", "unhide"):
        if _c.word_bits(token.encode()) != word_bits(token):
            return f"its class words differ on {token!r}"
    return None


AVAILABLE = False
if _c is not None:
    import selectolax.lexbor as _lexbor

    try:
        lists = ([(w.encode(), 0) for w in sorted(HIDDEN_CLASSES)],
                 [(w.encode(), 0) for w in sorted(META_PROPS)], [(w.encode(), 0) for w in sorted(BODY_PROPS)],
                 [(w.encode(), 1 << i) for i, words in enumerate(SECTION_WORDS.values()) for w in words],
                 META_CHARS)
        functions = (class_bits, hidden_class, hidden_style, prop_facts,
                     lambda itemtype: (declared(itemtype), item_comment(itemtype)))
        _c.configure(_lexbor.__file__, _tags(), literals(), lists, functions)
        _why = _agrees()
    except (ImportError, ValueError, RuntimeError) as e:
        _why = str(e)
    AVAILABLE = _why is None
if not AVAILABLE:
    log.warning("extract: the C walk of the learned extractor is not used, %s; the Python walk runs", _why)
