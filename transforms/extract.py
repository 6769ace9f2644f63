"""Main-text extraction from HTML with a choice of backends: no engine, no network.

    Extractor(backend="learned", **options).extract(html) -> str    ("" when nothing is extracted)
    Extractor(...).extract_batch(htmls) -> list[str]

Backends (options: those of the library call, or HYBRID_DEFAULTS for "hybrid"):
- "trafilatura": FineWeb's extractor and setting (favor_precision, no comments). The reference.
- "resiliparse": resiliparse's rule-based main-content text, in C: much faster, less precise.
- "hybrid": resiliparse's speed with trafilatura's precision rules. Boilerplate containers (by
  trafilatura's own class/id vocabulary) are hidden before resiliparse parses the page, its
  minimal-HTML output is filtered block by block (link density, short non-sentences), a page with
  one <article> is read from that article, and a result that looks unreliable (short, while
  resiliparse alone finds much more) is replaced by trafilatura's.
- "learned": one parse (selectolax's lexbor DOM) into text blocks with cheap features, each scored
  by gradient-boosted trees trained on real pages of every kind (transforms/extract_learned.py,
  bench/train_extractor.py); no regular expression runs over the raw page.
bench/extraction.py measures them all on the same pages.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable

from resiliparse.extract.html2text import extract_plain_text

from transforms import extract_native
from transforms.errors import TransformError
from transforms.extract_learned import MODEL, learned_text

BACKENDS = ("trafilatura", "resiliparse", "hybrid", "learned")
# The learned backend is ahead of trafilatura and the hybrid on real pages of every type (wcxb-dev's
# held-out half, which its training never saw), at about 4x trafilatura's speed: the default.
# bench/README.md has the figures.
DEFAULT_BACKEND = "learned"

TRAFILATURA_DEFAULTS = {"favor_precision": True, "include_comments": False, "deduplicate": False}
# The resiliparse options that measured most precise (bench/README.md): comments and post_meta
# (bylines) off, no alt texts, link targets or bullets; class-word skip_elements cost speed for
# little, and such rules are the hybrid's job.
RESILIPARSE_DEFAULTS = {"main_content": True, "alt_texts": False, "links": False, "list_bullets": False,
                        "comments": False, "post_meta": False}
RESILIPARSE_OPTIONS = {*RESILIPARSE_DEFAULTS, "preserve_formatting", "form_fields", "noscript",
                       "hidden_elements", "skip_elements"}
# min_words: a line shorter than this must end like a sentence; fallback: to trafilatura (which gets
# `deduplicate`) when the result looks unreliable; article_focus: read a page's only <article>.
HYBRID_DEFAULTS = {"min_words": 8, "article_focus": True, "fallback": True, "deduplicate": False}
# model: the trees' JSON (the shipped one by default); threshold: P(content) to keep a block (the
# model's own, chosen on the tuning pages); max_nodes: elements read before a page is cut short.
LEARNED_DEFAULTS = {"model": None, "threshold": None, "max_nodes": 100_000}

# --- hybrid: rules applied to the raw HTML, so that resiliparse's C code does the skipping ------------

# Class/id words of boilerplate containers, from trafilatura's discard rules (xpaths.py:
# OVERALL_DISCARD_XPATH, TEASER_DISCARD_XPATH, COMMENTS_DISCARD_XPATH) plus a few ad words.
_WORDS = (
    "footer|related|shar(?:e|ing)|social|sociable|syndication|newsletter|subscribe|signup|sign-up|cookie|"
    "consent|sidebar|banner|breadcrumb|bread-crumb|byline|author|rating|widget|comment|reply|teaser|promo|"
    "advert|sponsor|paywall|premium-|most-popular|outbrain|taboola|criteo|tag-?list|tags|meta|timestamp|"
    "user-info|user-profile|signature|button|menu|navbar|navigation|subnav|modal|popup|-ad-|noprint"
)
_TOKENS = "ads?|adv|nav|hidden|hide"  # only as a whole class token: "ad" is inside too many words
_BOILERPLATE_TAG = re.compile(
    r"<(div|section|p|span|ul|ol|li|dl|table)(\s[^>]*?(?<![\w-])(?:class|id)\s*=\s*[\"']?"
    rf"(?:[^\"'>]*?(?:{_WORDS})|(?:[^\"'>]*?[\s_-])?(?:{_TOKENS})(?=[\s\"'_-]))[^>]*)>",
    re.I,
)
# Elements that are never main text; trafilatura removes them too (settings.MANUALLY_CLEANED).
_CHROME_TAG = re.compile(r"<(nav|aside|footer|header|form|button|figure|dialog|menu|select|label)(?=[\s>/])",
                         re.I)
_BODY_START = re.compile(r"<body\b[^>]*>|</head\s*>", re.I)
# resiliparse drops every <ul> less than three levels below <body> as global navigation, which also
# dropped content lists on shallow pages; navigation is hidden by the rules above instead.
_DEPTH = "<div><div><div>"
_SHORT = 500  # characters: below this a result is checked before it is trusted
_ARTICLE_START = re.compile(r"<article[\s>]", re.I)
_ARTICLE_END = re.compile(r"</article\s*>", re.I)

# --- hybrid: blocks of resiliparse's minimal HTML ------------------------------------------------------

_BLOCK = re.compile(r"<(h[1-6]|p|pre|li)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_CELLS = re.compile(r"\S\t\t+\S")  # resiliparse ends each table cell with two tabs
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S)
_SENTENCE_END = re.compile(r"[.!?;:…。！？」』\"”»)]\s*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_RESILIPARSE_BLOCKS = {"preserve_formatting": "minimal_html", "main_content": True, "links": True,
                       "list_bullets": True, "alt_texts": False, "comments": False, "post_meta": False}


def _blocks(minimal_html: str) -> list[tuple[str, str, float]]:
    """(tag, text, link density) of each block; lines outside a block are table "row"s or "text"."""
    blocks: list[tuple[str, str, float]] = []

    def add(tag: str, raw: str) -> None:
        plain = _TAG.sub("", raw)
        text = htmllib.unescape(plain.strip("\n") if tag == "pre" else " ".join(plain.split()))
        if text.strip():
            linked = sum(len(_TAG.sub("", a)) for a in _LINK.findall(raw))
            blocks.append((tag, text, linked / len(plain.strip())))

    pos = 0
    for m in _BLOCK.finditer(minimal_html):
        for line in minimal_html[pos:m.start()].split("\n"):
            add("row" if _CELLS.search(line) else "text", line)
        add(m.group(1), m.group(2))
        pos = m.end()
    for line in minimal_html[pos:].split("\n"):
        add("row" if _CELLS.search(line) else "text", line)
    return blocks


def _keep(blocks: list[tuple[str, str, float]], min_words: int) -> str:
    """The blocks a reader would call content, joined by newlines."""
    keep: list[bool | None] = []
    for tag, text, link_density in blocks:
        if link_density > 0.5:  # menus, related links, "Read more"
            keep.append(False)
        elif tag in ("pre", "li", "row"):
            keep.append(True)
        elif tag[0] == "h" and tag != "text":
            keep.append(None)  # decided by what follows
        else:
            # Short lines that are not sentences: bylines, "Advertisement", prices, button labels.
            words = len(text.split()) + len(_CJK.findall(text)) // 2
            keep.append(words >= min_words or (words >= 3 and bool(_SENTENCE_END.search(text))))
    # A heading stays only when the block right after it is kept content.
    following = False
    for i in range(len(blocks) - 1, -1, -1):
        if keep[i] is None:
            keep[i] = following
        else:
            following = keep[i]
    return "\n".join(text for (_, text, _), kept in zip(blocks, keep, strict=True) if kept)


# lexbor (under resiliparse and the learned backend) builds a tree in time quadratic in its depth: 20,000
# open containers cost about 0.5 s of C that no alarm interrupts, 400,000 (2 MB of "<div>") minutes.
MAX_OPEN = 20_000
_CONTAINERS = ("div", "span", "font", "table", "section", "center", "blockquote")


class PageTooDeep(TransformError):
    """A page with more unclosed containers than any real page has: skipped, counted as too_deep."""


def unclosed_containers(html: str) -> int:
    """Start tags of container elements less their end tags (0 where the page has fewer tags than
    MAX_OPEN): str.count scans, no parse."""
    if extract_native.count(html, "<") <= MAX_OPEN:  # one scan settles nearly every page
        return 0
    lower = html.lower()
    return sum(lower.count(f"<{tag}") - lower.count(f"</{tag}") for tag in _CONTAINERS)


class Extractor:
    """Extracts the main text of HTML pages with the backend named (see the module docstring)."""

    def __init__(self, backend: str = DEFAULT_BACKEND, **options):
        defaults = {"trafilatura": TRAFILATURA_DEFAULTS, "resiliparse": RESILIPARSE_DEFAULTS,
                    "hybrid": HYBRID_DEFAULTS, "learned": LEARNED_DEFAULTS}.get(backend)
        if defaults is None:
            raise TransformError(f"extract: unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        allowed = {"trafilatura": _trafilatura_options, "resiliparse": lambda: RESILIPARSE_OPTIONS,
                   "hybrid": lambda: set(HYBRID_DEFAULTS),
                   "learned": lambda: set(LEARNED_DEFAULTS)}[backend]()
        unknown = sorted(set(options) - allowed)
        if unknown:
            raise TransformError(f"extract: backend {backend!r} has no option {', '.join(unknown)}")
        self.backend = backend
        self.options = {**defaults, **options}

    def extract(self, html: str) -> str:
        """The main text of one page, paragraphs separated by newlines; "" when there is none."""
        if not html or html.isspace():
            return ""
        if self.backend == "trafilatura":
            return _trafilatura(html, self.options)
        if self.backend in ("resiliparse", "learned") and (n := unclosed_containers(html)) > MAX_OPEN:
            raise PageTooDeep(f"extract: {n:,} unclosed containers (at most {MAX_OPEN:,})")
        if self.backend == "resiliparse":
            return extract_plain_text(html, **self.options).strip()
        if self.backend == "learned":
            opts = self.options
            return learned_text(html, opts["model"] or str(MODEL), opts["threshold"], opts["max_nodes"])
        return self._hybrid(html)

    def extract_batch(self, htmls: Iterable[str]) -> list[str]:
        """extract() of each page, in order."""
        return [self.extract(html) for html in htmls]

    def _hybrid(self, html: str) -> str:
        opts = self.options
        marked = _CHROME_TAG.sub(r"<\1 hidden", _BOILERPLATE_TAG.sub(r"<\1 hidden\2>", html))
        body = _BODY_START.search(marked)
        at = body.end() if body else 0
        marked = marked[:at] + _DEPTH + marked[at:]
        text = None
        # trafilatura's strength on news pages: the one <article> is the content, and the teasers
        # around it (full sentences, so they pass the block rules) are not. With a single <article>
        # its end is the first </article>, so it is cut out of the string, not the DOM. A short
        # article may be just a header, so then it must hold most of the page's text.
        if opts["article_focus"]:
            starts = [m.start() for m in _ARTICLE_START.finditer(marked)]
            end = _ARTICLE_END.search(marked, starts[0]) if len(starts) == 1 else None
            if end:
                text = self._blocks_text(_DEPTH + marked[starts[0]:end.end()])
                if len(text) < _SHORT:
                    whole = self._blocks_text(marked)
                    text = text if len(text) >= 0.6 * len(whole) else whole
        if text is None:
            text = self._blocks_text(marked)
        # Unreliable: a short result where resiliparse alone finds several times more text means the
        # rules hid the content (a page built from "widget" containers, a form around everything).
        if opts["fallback"] and len(text) < _SHORT:
            plain = extract_plain_text(html, **RESILIPARSE_DEFAULTS)
            if len(plain) > 3 * len(text) + 300:
                return _trafilatura(html, {**TRAFILATURA_DEFAULTS, "deduplicate": opts["deduplicate"]})
        return text

    def _blocks_text(self, html: str) -> str:
        return _keep(_blocks(extract_plain_text(html, **_RESILIPARSE_BLOCKS)), self.options["min_words"])


def _trafilatura(html: str, options: dict) -> str:
    import trafilatura

    return (trafilatura.extract(html, **options) or "").strip()


def _trafilatura_options() -> set[str]:
    import inspect

    import trafilatura

    return set(inspect.signature(trafilatura.extract).parameters) - {"filecontent"}
