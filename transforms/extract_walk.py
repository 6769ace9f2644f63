"""The walk of a page's DOM into text blocks, in Python: the reference the C walk (transforms/extract_c/
walk.c) is checked against, and what runs where that extension is not built.

    blocks(root, max_nodes, skip, segments, article) -> (blocks, JSON-LD texts, Facts)
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.extract_vocab import (
    BLOCK,
    CELL,
    KIND,
    SECTION_BIT,
    SKIP,
    TAG_BIT,
    Block,
    class_bits,
    declared,
    hidden_class,
    hidden_style,
    item_comment,
    prop_facts,
    short,
)

NO_SECTION = frozenset({"html", "body", "article", "main"})  # containers of the whole page or its article


@dataclass
class Facts:
    """What a walk saw besides its blocks."""

    noscript: bool = False  # a <noscript> was skipped
    declared: int = 0  # microdata itemtypes: bit 1 an article's, bit 2 a forum thread's or Q&A page's
    hideable: bool = False  # an element an article walk skips (inline display: none, metadata itemprop)


def blocks(root, max_nodes: int, skip: frozenset = SKIP, segments: dict | None = None, article: bool = False
           ) -> tuple[list[Block], list[str], Facts]:
    """The blocks under root (a selectolax node), the JSON-LD scripts and what else the walk saw, in one
    walk; iterative, so depth cannot overflow. `segments`: React's streamed segments (extract_blocks.
    _segments), each read once in the place of its placeholder. `article`: the page is an article, whose
    elements hidden by an inline style and whose metadata itemprops are skipped."""
    segments = dict(segments or ())
    out: list[Block] = []
    jsonld: list[str] = []
    facts = Facts()
    parts: list[str] = []
    links = [0]

    def flush(depth, tbits, wbits, nbits, chain, kind, in_link, pre, sbits) -> None:
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
        out.append(Block(kind, text, min(link_chars, len(text)), depth, tbits, wbits, nbits, chain, sbits))

    # A frame is (node, context), the context shared by all children of an element: (depth, tag bits,
    # word bits, near bits, chain, kind, in a link, in pre, section bits). A block element's end is (None,
    # its context).
    stack: list[tuple] = [(root, (0, 0, 0, 0, (-1, -1, -1, -1), 11, False, False, 0))]
    push, pop = stack.append, stack.pop
    add = parts.append
    # the module's tables as locals: the loop runs once per node
    block, cell, tag_bit, kind_of = BLOCK, CELL, TAG_BIT.get, KIND.get
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
                facts.noscript = True
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
        bits = sbits = 0
        if attrs:
            if "hidden" in attrs or attrs.get("aria-hidden") == "true":
                continue
            words = attrs.get("class") or ""
            if words and hidden_class(words):
                continue
            ident = attrs.get("id")
            if ident:
                words = f"{words} {ident}"
            if words:
                bits, sbits = class_bits(words)
                if tag in NO_SECTION:
                    sbits = 0
            prop = attrs.get("itemprop")
            if prop:
                meta, prop_bits = prop_facts(prop)
                if meta and short(node.text()):
                    facts.hideable = True
                    if article:
                        continue
                    prop_bits |= SECTION_BIT["meta"]
                sbits |= prop_bits
            style = attrs.get("style")
            if style and hidden_style(style):
                facts.hideable = True
                if article:
                    continue
                sbits |= SECTION_BIT["display_none"]
            itemtype = attrs.get("itemtype")
            if itemtype:
                facts.declared |= declared(itemtype)
                if item_comment(itemtype):
                    sbits |= SECTION_BIT["comment"]
        if tag in block:
            if parts:
                flush(*ctx)  # the text before it is its parent's
            depth, tbits, wbits, nbits, chain, kind, in_link, pre, sbits = ctx[:8] + (ctx[8] | sbits,)
            chain = (seen, *chain[:3])  # seen counts elements: an id unique within the page
            kind = kind_of(tag, 11)
            pre = pre or tag == "pre"
            ctbits, cwbits = tbits | tag_bit(tag, 0), wbits | bits
            # near bits: its own class words and those of the block it sits in
            push((None, (depth, ctbits, cwbits, bits | nbits, chain, kind, in_link, pre, sbits)))
            child = node.last_child
            if child is None:
                continue
            ctx = (depth + 1, ctbits, cwbits, bits, chain, kind, in_link, pre, sbits)
        else:
            if parts and tag in cell:  # cells do not break their row: a row is one line, its cells separated
                add(" | ")
            child = node.last_child
            if child is None:
                continue
            depth, tbits, wbits, nbits, chain, kind, in_link, pre, outer = ctx
            in_link = in_link or tag == "a"
            ctx = (depth + 1, tbits | tag_bit(tag, 0), wbits | bits, nbits, chain, kind, in_link, pre,
                   outer | sbits)
        while child is not None:
            push((child, ctx))
            child = child.prev
    return out, jsonld, facts
