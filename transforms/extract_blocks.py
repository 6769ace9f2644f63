"""A page as text blocks with cheap features, from one parse of its DOM: what the learned extractor scores.

    page_blocks(html) -> Page    (blocks in reading order, a feature row per block, page-level facts)
    page_rows(html) -> (texts, rows, container ids)    the same without Block objects: the fast path

A block is the text of one paragraph-like element (p, h1-h6, li, pre, blockquote, dt/dd, a table row,
or a div's own text between its block children), with what surrounds it: its ancestors' tags and
class/id words, its link density, punctuation, position and the size and link density of the
containers it sits in. The parse is selectolax's (lexbor, in C); the walk of its tree and the feature
rows run in C (transforms/extract_c/, through extract_native.py) or, where that is not built, in Python
(extract_walk.py, extract_features.py: the reference). A page that shows almost no text outside
<noscript> (one drawn by its scripts, such as a Discourse forum's thread) is walked a second time with
<noscript> read, as a browser without JavaScript and a crawler see it; React's streamed segments are
read in the places their script moves them to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
from selectolax.lexbor import LexborHTMLParser

from transforms import extract_features, extract_native, extract_walk
from transforms.extract_vocab import (  # noqa: F401 (the names this module has always offered)
    ANCESTOR_TAGS,
    BLOCK,
    CELL,
    CHAIN_COLUMNS,
    FEATURES,
    FORUM_MARKERS,
    JSONLD_TYPES,
    KINDS,
    PAGE_FACTS,
    SECTION_BIT,
    SKIP,
    SKIP_SHOWN,
    WORD_GROUPS,
    Block,
    declared,
)

FACT_SECTIONS = 10  # the column of section bits in the C walk's facts

NOSCRIPT_BELOW = 500  # characters of block text


@dataclass
class Page:
    """The blocks of a page in reading order, a feature row each, and the JSON-LD types it declares."""

    blocks: list[Block] = field(default_factory=list)
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES)), np.float32))
    jsonld_bits: int = 0
    # where each block sits: its 4 containers' ids (-1: none) and its structural group's (extract_features)
    chains: np.ndarray = field(default_factory=lambda: np.zeros((0, CHAIN_COLUMNS), np.int64))
    page_bits: int = 0  # PAGE_FACTS


def _jsonld(scripts: list[str]) -> tuple[int, int]:
    """Bits of the schema.org types the page declares (JSONLD_TYPES), and whether one is an article's
    (bit 1) or a forum thread's or Q&A page's (bit 2: extract_vocab.declared)."""
    bits = kinds = 0
    for script in scripts:
        try:
            data = json.loads(script)
        except (ValueError, TypeError):
            continue
        todo, seen = [data], 0
        while todo and seen < 1000:
            item = todo.pop()
            seen += 1
            if isinstance(item, list):
                todo.extend(item)
            elif isinstance(item, dict):
                kind = item.get("@type")
                for name in kind if isinstance(kind, list) else [kind]:
                    name = str(name).lower()
                    kinds |= declared(name)
                    for i, t in enumerate(JSONLD_TYPES):
                        if t in name:
                            bits |= 1 << i
                for key in ("@graph", "mainEntity", "itemListElement"):
                    if key in item:
                        todo.append(item[key])
    return bits, kinds


def _segments(tree, html: str) -> dict:
    """React's streamed server rendering (Next.js and others) sends a page's content after its shell,
    in hidden <div id="S:n">s that a script moves into the places of <template id="B:n"> (or "P:n");
    without them such a page shows no text. Their nodes by n."""
    if not extract_native.contains(html, 'id="S:'):  # one C search: the CSS query runs only on such pages
        return {}
    return {node.attributes["id"][2:]: node for node in tree.css('div[hidden][id^="S:"]')}


def _python_walk(root, max_nodes: int, read_noscript: bool, segments: dict, article: bool = False):
    blocks, scripts, seen = extract_walk.blocks(root, max_nodes, SKIP_SHOWN if read_noscript else SKIP,
                                                segments, article)
    return [b.text for b in blocks], blocks, scripts, seen


_LEFT_OUT = SECTION_BIT["comment"] | SECTION_BIT["related"] | SECTION_BIT["archive"]


def _sections(facts, native: bool) -> list[int]:
    return facts[:, FACT_SECTIONS].tolist() if native else [b.sections for b in facts]


def _head_facts(head) -> tuple[bool, bool]:
    """Whether the page's og:type is article, and whether its address or generator is a forum's."""
    og_article = forum = False
    if head is None:
        return og_article, forum
    for node in head.css('meta[property="og:type"], meta[property="og:url"], meta[name="generator"], '
                         'link[rel="canonical"]'):
        attrs = node.attributes
        value = (attrs.get("href" if node.tag == "link" else "content") or "").strip().lower()
        if attrs.get("property") == "og:type":
            og_article |= value == "article"
        else:
            forum |= FORUM_MARKERS.search(value) is not None
    return og_article, forum


def _read(html: str, max_nodes: int, native: bool):
    """(texts, facts, JSON-LD bits, title, page bits) of the page's blocks; facts: the C walk's array or
    Blocks; page bits: PAGE_FACTS."""
    tree = LexborHTMLParser(html)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return None
    segments = _segments(tree, html)
    walk = extract_native.walk if native else _python_walk
    texts, facts, scripts, seen = walk(root, max_nodes, False, segments)
    read_noscript = False
    if seen.noscript:
        chars = sum(map(len, texts))
        if chars < NOSCRIPT_BELOW:
            # a page drawn by scripts (Discourse forums, some shops) shows crawlers and readers without
            # JavaScript its text in <noscript>: read the page as such a reader sees it, when that
            # shows a page's worth of text (not a "please enable JavaScript" line)
            shown = walk(root, max_nodes, True, segments)
            if sum(map(len, shown[0])) >= chars + NOSCRIPT_BELOW:
                texts, facts, scripts, seen = shown
                read_noscript = True
    head = tree.head
    if head is not None:  # JSON-LD often sits in <head>, which has no blocks
        scripts += [s.text() for s in head.css('script[type="application/ld+json"]')]
    bits, kinds = _jsonld(scripts)
    kinds |= seen.declared
    og_article, forum = _head_facts(head)
    # an article (it says so, and it is no forum thread or Q&A page, whose replies are their content)
    article = kinds == 1 and not forum
    if article:
        if seen.hideable:  # read again without what it hides (inline display: none, metadata itemprops)
            texts, facts, _, _ = walk(root, max_nodes, read_noscript, segments, True)
        # its comments, lists of other stories and archive lists are not the article, unless they are
        # all the page shows
        kept = [i for i, s in enumerate(_sections(facts, native)) if not s & _LEFT_OUT]
        if kept and len(kept) < len(texts):
            texts = [texts[i] for i in kept]
            facts = facts[kept] if native else [facts[i] for i in kept]
    title = tree.css_first("title")
    page = og_article | (kinds & 1) << 1 | (kinds & 2) << 1 | forum << 3 | article << 4
    return texts, facts, bits, title.text() if title is not None else "", page


def page_rows(html: str, max_nodes: int = 100_000, native: bool | None = None
              ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The texts of a page's blocks, their feature rows and where they sit (native: the C walk; None: it
    where it is available)."""
    native = extract_native.AVAILABLE if native is None else native
    read = _read(html, max_nodes, native)
    if read is None or not read[0]:
        return [], np.zeros((0, len(FEATURES)), np.float32), np.zeros((0, CHAIN_COLUMNS), np.int64)
    texts, facts, bits, title, page = read
    if native:
        return texts, *extract_native.features(texts, facts, bits, title, page)
    return texts, *extract_features.rows(facts, bits, title, page)


def page_blocks(html: str, max_nodes: int = 100_000, native: bool | None = None) -> Page:
    """The blocks of a page and their features; a page of more than max_nodes elements is cut there."""
    native = extract_native.AVAILABLE if native is None else native
    read = _read(html, max_nodes, native)
    if read is None:
        return Page()
    texts, facts, bits, title, page = read
    if not texts:
        return Page(jsonld_bits=bits, page_bits=page)
    if not native:
        rows, chains = extract_features.rows(facts, bits, title, page)
        return Page(facts, rows, bits, chains, page)
    rows, chains = extract_native.features(texts, facts, bits, title, page)
    blocks = [Block(f[0], text, f[1], f[2], f[3], f[4], f[5], tuple(f[6:10]), f[10])
              for text, f in zip(texts, facts.tolist(), strict=True)]
    return Page(blocks, rows, bits, chains, page)
