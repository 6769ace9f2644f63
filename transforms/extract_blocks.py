"""A page as text blocks with cheap features, from one parse of its DOM: what the learned extractor scores.

    page_blocks(html) -> Page    (blocks in reading order, a feature row per block, page-level facts)

A block is the text of one paragraph-like element (p, h1-h6, li, pre, blockquote, dt/dd, a table row,
or a div's own text between its block children), with what surrounds it: its ancestors' tags and
class/id words, its link density, punctuation, position and the size and link density of the
containers it sits in. The parse is selectolax's (lexbor, in C); after it come one walk of the tree
and a few numpy operations. A page that shows almost no text outside <noscript> (one drawn by its
scripts, such as a Discourse forum's thread) is walked a second time with <noscript> read, as a
browser without JavaScript and a crawler see it; React's streamed segments are read in the places
their script moves them to.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from selectolax.lexbor import LexborHTMLParser

# Never text a reader sees.
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head", "select", "option",
                  "textarea", "object", "embed", "canvas", "video", "audio", "map", "math", "title",
                  "link", "meta", "input", "img", "picture", "source"})
# What a browser without JavaScript shows: <noscript> too, read when the page shows little text without it.
_SKIP_SHOWN = SKIP - {"noscript"}
NOSCRIPT_BELOW = 500  # characters of block text
# Elements whose start and end break the text into blocks.
BLOCK = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "dt", "dd", "div",
                   "section", "article", "main", "header", "footer", "nav", "aside", "ul", "ol", "dl",
                   "table", "tbody", "thead", "tfoot", "tr", "form", "figure", "figcaption", "caption",
                   "address", "details", "summary", "body", "center", "fieldset", "legend", "hr", "menu",
                   "dialog", "html", "noframes", "frameset", "hgroup", "search"})
CELL = frozenset({"td", "th"})
# Block kinds: the tag a block is named after (its innermost block element).
KINDS = ("p", "h1", "h2", "h3", "li", "pre", "blockquote", "row", "dd", "figcaption", "div", "other")
_KIND = {"p": 0, "h1": 1, "h2": 2, "h3": 3, "h4": 3, "h5": 3, "h6": 3, "li": 4, "pre": 5, "blockquote": 6,
         "tr": 7, "dt": 8, "dd": 8, "figcaption": 9, "caption": 9, "div": 10, "section": 10, "article": 10,
         "main": 10, "td": 7, "th": 7}
# Ancestor tags that say where a block is (one bit each).
ANCESTOR_TAGS = ("nav", "footer", "header", "aside", "article", "main", "form", "ul", "ol", "table",
                 "blockquote", "figure", "a", "button", "label", "section", "dl", "h", "li", "strong",
                 "time", "address", "menu", "details")
_TAG_BIT = {t: 1 << i for i, t in enumerate(ANCESTOR_TAGS)}
for _t in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _TAG_BIT[_t] = _TAG_BIT["h"]
_TAG_BIT["b"] = _TAG_BIT["strong"]
# Class/id word groups, by what boilerplate and content containers are called across sites.
WORD_GROUPS = {
    "nav": r"nav|menu|topbar|toolbar|skip|dropdown|megamenu|hamburger",
    "footer": r"foot|copyright|legal|bottom",
    "header": r"header|masthead|branding|logo|top-?bar",
    "side": r"sidebar|side-?bar|aside|widget|rail|column-right|col-right|secondary",
    "comment": r"comment|disqus|respond|discussion",
    "share": r"share|sharing|social|sociable|facebook|twitter|follow|print|email",
    "related": r"related|recommend|more-?from|also|popular|trending|read-?more|next|prev|teaser|recirc",
    "ad": r"(?<![a-z])ads?(?![a-z])|advert|sponsor|promo|banner|dfp|gpt|taboola|outbrain|affiliate",
    "crumb": r"breadcrumb|crumbs?|pagination|pager|paging",
    "modal": r"cookie|consent|gdpr|modal|popup|overlay|dialog|newsletter|subscribe|signup|sign-up|login|"
             r"register|paywall|alert|notice|toast",
    "meta": r"byline|author|meta|date|time|posted|dateline|info|avatar|profile|user|signature|badge",
    "tags": r"tag|categor|topic|label|keyword",
    "content": r"content|article|post|entry|story|body|text|main|prose|blog|markdown|rte|richtext",
    "product": r"product|price|description|detail|spec|feature|review|rating|cart|buy|shop|sku|variant",
    "forum": r"message|thread|forum|reply|answer|question|bbcode|postbody|post-?text|quote",
    "hidden": r"(?<![a-z])hidden|(?<![a-z])hide|sr-only|visually-hidden|screen-reader|offscreen|collapse",
    "title": r"title|headline|heading|subtitle|summary|lead|intro|excerpt|caption",
    "doc": r"doc|api|reference|manual|guide|wiki|code|highlight|syntax",
    "list": r"list|grid|card|item|tile|feed|result|collection",
}
_GROUP_RE = re.compile("|".join(f"(?P<{name}>{words})" for name, words in WORD_GROUPS.items()))
_GROUP_BIT = {name: 1 << i for i, name in enumerate(WORD_GROUPS)}
_JSONLD_TYPES = ("product", "article", "forum", "qa", "recipe", "event", "list", "faq", "howto", "web")
_SENTENCE_END = frozenset(".!?。！？…\"”»)")


_PUNCT = re.compile(r"[.,;:!?]")  # one C pass; six str.count cost 40% more, a Python loop far more
_DIGIT = re.compile(r"\d")  # over a block's first 200 characters

FEATURES: list[str] = []  # names of the columns of Page.rows, filled below


@dataclass
class Block:
    """One block's text and the facts its features are made from."""

    kind: int
    text: str
    link_chars: int
    depth: int
    tag_bits: int  # ancestor tags (ANCESTOR_TAGS)
    word_bits: int  # class/id word groups of all ancestors (WORD_GROUPS)
    near_bits: int  # class/id word groups of its own element and the one around it
    chain: tuple  # the 4 block elements it sits in, innermost first (-1: none)


@dataclass
class Page:
    """The blocks of a page in reading order, a feature row each, and the JSON-LD types it declares."""

    blocks: list[Block] = field(default_factory=list)
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES)), np.float32))
    jsonld_bits: int = 0
    chains: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int64))  # container ids, -1: none


_class_cache: dict[str, int] = {}
_token_cache: dict[str, int] = {}


def _word_bits(words: str) -> int:
    bits = _class_cache.get(words)
    if bits is None:
        # token by token: utility-class pages (Tailwind) repeat the same few hundred tokens in long
        # lists, and one regex pass over each list cost more than the rest of the walk
        bits = 0
        for token in words.lower().split():
            token_bits = _token_cache.get(token)
            if token_bits is None:
                token_bits = 0
                for m in _GROUP_RE.finditer(token):
                    token_bits |= _GROUP_BIT[m.lastgroup]
                if len(_token_cache) < 100_000:  # memory stays bounded
                    _token_cache[token] = token_bits
            bits |= token_bits
        if len(_class_cache) < 100_000:  # class names repeat across a site's pages
            _class_cache[words] = bits
    return bits


def _blocks(root, max_nodes: int, skip: frozenset = SKIP, segments: dict | None = None
            ) -> tuple[list[Block], list[str], bool]:
    """The blocks under root, the JSON-LD scripts and whether a <noscript> was skipped, in one walk;
    iterative, so depth cannot overflow. `segments`: React's streamed segments (_segments), each read
    once in the place of its placeholder."""
    segments = dict(segments or ())
    blocks: list[Block] = []
    jsonld: list[str] = []
    noscript = False
    parts: list[str] = []
    links = [0]

    def flush(depth, tbits, wbits, nbits, chain, kind, in_link, pre) -> None:
        if not parts:  # most block elements end right after another one: nothing between them
            return
        raw = "".join(parts)
        parts.clear()
        link_chars, links[0] = links[0], 0
        if pre:
            text = raw.strip("\n")
            if not text.strip():
                return
        elif "\n" in raw:  # a <br>: the only line break outside <pre>
            text = "\n".join(line for line in (" ".join(x.split()) for x in raw.split("\n")) if line)
            if not text:
                return
        else:
            text = " ".join(raw.split())
            if not text:
                return
        blocks.append(Block(kind, text, min(link_chars, len(text)), depth, tbits, wbits, nbits, chain))

    # A frame is (node, context), the context shared by all children of an element: (depth, tag bits,
    # word bits, near bits, chain, kind, in a link, in pre). A block element's end is (None, its context).
    stack: list[tuple] = [(root, (0, 0, 0, 0, (-1, -1, -1, -1), 11, False, False))]
    push, pop = stack.append, stack.pop
    add = parts.append
    # the module's tables as locals: the loop runs once per node
    block, cell, tag_bit, kind_of = BLOCK, CELL, _TAG_BIT.get, _KIND.get
    cached_bits, word_bits = _class_cache.get, _word_bits
    seen = 0
    while stack:
        node, ctx = pop()
        if node is None:  # the end of a block element: its text so far is a block
            if parts:
                flush(*ctx)
            continue
        tag = node.tag
        if tag == "-text":
            value = node.text_content
            if value:
                # a newline in the source is a space to a reader (outside <pre>)
                add(value if ctx[7] else value.replace("\n", " "))
                if ctx[6]:
                    links[0] += len(value.strip())
            continue
        if tag in skip or tag[0] == "-":  # scripts, styles; comments, doctype
            if tag == "script":
                if node.attributes.get("type") == "application/ld+json":
                    jsonld.append(node.text())
            elif tag == "noscript":
                noscript = True
            elif tag == "template" and segments:
                ident = node.attributes.get("id") or ""
                segment = segments.pop(ident[2:], None) if ident[:2] in ("B:", "P:") else None
                if segment is not None:  # its content, where a browser shows it
                    child = segment.last_child
                    while child is not None:
                        push((child, ctx))
                        child = child.prev
            continue
        seen += 1
        if seen > max_nodes:  # a pathological page: what was read so far stands for it
            break
        if tag == "br":
            add("\n")
            continue
        attrs = node.attributes
        bits = 0
        if attrs:
            if "hidden" in attrs or attrs.get("aria-hidden") == "true":
                continue
            words = attrs.get("class") or ""
            ident = attrs.get("id")
            if ident:
                words = f"{words} {ident}"
            if words:
                bits = cached_bits(words)
                if bits is None:
                    bits = word_bits(words)
        if tag in block:
            if parts:
                flush(*ctx)  # the text before it is its parent's
            depth, tbits, wbits, nbits, chain, kind, in_link, pre = ctx
            chain = (seen, *chain[:3])  # seen counts elements: an id unique within the page
            kind = kind_of(tag, 11)
            pre = pre or tag == "pre"
            ctbits, cwbits = tbits | tag_bit(tag, 0), wbits | bits
            # near bits: its own class words and those of the block it sits in
            push((None, (depth, ctbits, cwbits, bits | nbits, chain, kind, in_link, pre)))
            child = node.last_child
            if child is None:
                continue
            ctx = (depth + 1, ctbits, cwbits, bits, chain, kind, in_link, pre)
        else:
            if parts and tag in cell:  # cells do not break their row: a row is one line, its cells separated
                add(" | ")
            child = node.last_child
            if child is None:
                continue
            depth, tbits, wbits, nbits, chain, kind, in_link, pre = ctx
            in_link = in_link or tag == "a"
            ctx = (depth + 1, tbits | tag_bit(tag, 0), wbits | bits, nbits, chain, kind, in_link, pre)
        while child is not None:
            push((child, ctx))
            child = child.prev
    return blocks, jsonld, noscript


def _jsonld(scripts: list[str]) -> int:
    """Bits of the schema.org types the page declares (_JSONLD_TYPES)."""
    bits = 0
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
                    for i, t in enumerate(_JSONLD_TYPES):
                        if t in name:
                            bits |= 1 << i
                for key in ("@graph", "mainEntity", "itemListElement"):
                    if key in item:
                        todo.append(item[key])
    return bits


def _bits(values: list[int], n: int) -> np.ndarray:
    """The n low bits of each value as columns of 0/1."""
    return (np.asarray(values, np.int64)[:, None] >> np.arange(n)) & 1


def _shift(column: np.ndarray, by: int, fill: float) -> np.ndarray:
    """The column moved down by `by` rows (up when negative), filled at the edge."""
    out = np.full_like(column, fill)
    if by > 0:
        out[by:] = column[:-by]
    else:
        out[:by] = column[-by:]
    return out


def _features(blocks: list[Block], jsonld_bits: int, title: str) -> tuple[np.ndarray, np.ndarray]:
    """A row of numbers per block (names in FEATURES), and the blocks' container ids."""
    n = len(blocks)
    if not n:
        return np.zeros((0, len(FEATURES)), np.float32), np.zeros((0, 4), np.int64)
    texts = [b.text for b in blocks]
    sizes = [len(text) for text in texts]
    words = [text.count(" ") + 1 for text in texts]
    heads = [text[:200] for text in texts]
    punct = _PUNCT.findall
    basic = np.array([sizes, [b.link_chars for b in blocks], words, [len(punct(text)) for text in texts],
                      [text[-1] in _SENTENCE_END for text in texts], [len(_DIGIT.findall(h)) for h in heads],
                      [text[:1].isupper() for text in texts], ["|" in text for text in texts]], np.float64).T
    basic[:, 1] /= basic[:, 0]
    basic[:, 3] /= basic[:, 2]
    basic[:, 5] /= np.minimum(basic[:, 0], 200)
    size = basic[:, 0].copy()
    links = basic[:, 1] * size
    basic[:, 0] = np.log1p(size)
    basic[:, 2] = np.log1p(basic[:, 2])
    kind = np.array([b.kind for b in blocks])
    total, n_log = float(size.sum()), math.log1p(n)
    page_links = float(links.sum()) / total
    # the containers: each block's first four block elements, their text, link text and block count
    chains = np.array([b.chain for b in blocks], np.int64)
    flat = chains.ravel()  # a view: numbering the containers 0..m-1 numbers them in chains too
    valid = flat >= 0
    ids, flat[valid] = np.unique(flat[valid], return_inverse=True)
    owners = np.repeat(np.arange(n), 4)[valid]
    m = len(ids)
    c_chars = np.bincount(flat[valid], size[owners], m)
    c_links = np.bincount(flat[valid], links[owners], m)
    c_count = np.bincount(flat[valid], None, m)
    cols = [np.eye(len(KINDS))[kind], basic]
    for by, width in ((1, 5), (-1, 5), (2, 2), (-2, 2)):
        cols.append(np.stack([_shift(basic[:, j], by, (0.0, 1.0)[j == 1]) for j in range(width)], 1))
    cols.append(np.stack([_shift(kind.astype(float), 1, -1), _shift(kind.astype(float), -1, -1),
                          [b.depth for b in blocks]], 1))
    cols.append(_bits([b.tag_bits for b in blocks], len(ANCESTOR_TAGS)))
    cols.append(_bits([b.word_bits for b in blocks], len(WORD_GROUPS)))
    cols.append(_bits([b.near_bits for b in blocks], len(WORD_GROUPS)))
    for level in range(4):
        c = chains[:, level]
        has = c >= 0
        cc = np.where(has, c_chars[c], total)
        cols.append(np.stack([np.log1p(cc), np.where(has, c_links[c], links.sum()) / np.maximum(cc, 1),
                              np.log1p(np.where(has, c_count[c], n)), cc / total], 1))
    before = np.cumsum(size) - size
    cols.append(np.stack([np.arange(n) / n, before / total, np.full(n, math.log1p(total)),
                          np.full(n, page_links), np.full(n, n_log)], 1))
    cols.append(np.repeat(_bits([jsonld_bits], len(_JSONLD_TYPES)), n, 0))
    # repeated text (menus printed twice, "Reply" under every post) and the page's own title
    times = Counter(texts)
    title_words = set(title.lower().split())
    if title_words:
        common = title_words.intersection
        in_title = [len(common(text.lower().split())) / count if chars < 300 else 0.0
                    for text, chars, count in zip(texts, sizes, words, strict=True)]
    else:
        in_title = [0.0] * n
    cols.append(np.stack([np.log([times[text] for text in texts]), in_title], 1))
    return np.concatenate(cols, 1).astype(np.float32), chains


FEATURES.extend([f"kind={k}" for k in KINDS])
_B = ["log_chars", "link_density", "log_words", "punct_per_word", "sentence_end", "digits", "capital",
      "cells"]
FEATURES.extend(_B)
FEATURES.extend(f"prev_{x}" for x in _B[:5])
FEATURES.extend(f"next_{x}" for x in _B[:5])
FEATURES.extend(f"prev2_{x}" for x in _B[:2])
FEATURES.extend(f"next2_{x}" for x in _B[:2])
FEATURES.extend(["prev_kind", "next_kind", "depth"])
FEATURES.extend(f"in_{t}" for t in ANCESTOR_TAGS)
FEATURES.extend(f"words_{g}" for g in WORD_GROUPS)
FEATURES.extend(f"near_{g}" for g in WORD_GROUPS)
for _level in range(4):
    FEATURES.extend(f"up{_level}_{x}" for x in ("log_chars", "link_density", "log_blocks", "share"))
FEATURES.extend(["position", "text_before", "page_log_chars", "page_link_density", "page_log_blocks"])
FEATURES.extend(f"jsonld_{t}" for t in _JSONLD_TYPES)
FEATURES.extend(["log_repeats", "title_words"])


def _segments(tree, html: str) -> dict:
    """React's streamed server rendering (Next.js and others) sends a page's content after its shell,
    in hidden <div id="S:n">s that a script moves into the places of <template id="B:n"> (or "P:n");
    without them such a page shows no text. Their nodes by n."""
    if 'id="S:' not in html:  # one C search: the CSS query runs only on such pages
        return {}
    return {node.attributes["id"][2:]: node for node in tree.css('div[hidden][id^="S:"]')}


def page_blocks(html: str, max_nodes: int = 100_000) -> Page:
    """The blocks of a page and their features; a page of more than max_nodes elements is cut there."""
    tree = LexborHTMLParser(html)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return Page()
    segments = _segments(tree, html)
    blocks, scripts, noscript = _blocks(root, max_nodes, SKIP, segments)
    if noscript:
        chars = sum(len(b.text) for b in blocks)
        if chars < NOSCRIPT_BELOW:
            # a page drawn by scripts (Discourse forums, some shops) shows crawlers and readers without
            # JavaScript its text in <noscript>: read the page as such a reader sees it, when that
            # shows a page's worth of text (not a "please enable JavaScript" line)
            shown, more, _ = _blocks(root, max_nodes, _SKIP_SHOWN, segments)
            if sum(len(b.text) for b in shown) >= chars + NOSCRIPT_BELOW:
                blocks, scripts = shown, more
    if tree.head is not None:  # JSON-LD often sits in <head>, which has no blocks
        scripts += [s.text() for s in tree.head.css('script[type="application/ld+json"]')]
    bits = _jsonld(scripts)
    title = tree.css_first("title")
    rows, chains = _features(blocks, bits, title.text() if title is not None else "")
    return Page(blocks, rows, bits, chains)
