"""What the learned extractor's walk knows of HTML: tag sets, block kinds, class/id word groups, features.

Shared by the Python walk (transforms/extract_walk.py), the feature rows (transforms/extract_features.py)
and the C versions of both (transforms/extract_c/, configured from these tables by extract_native.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Never text a reader sees.
SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head", "select", "option",
                  "textarea", "object", "embed", "canvas", "video", "audio", "map", "math", "title",
                  "link", "meta", "input", "img", "picture", "source"})
# What a browser without JavaScript shows: <noscript> too, read when the page shows little text without it.
SKIP_SHOWN = SKIP - {"noscript"}
# Elements whose start and end break the text into blocks.
BLOCK = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "dt", "dd", "div",
                   "section", "article", "main", "header", "footer", "nav", "aside", "ul", "ol", "dl",
                   "table", "tbody", "thead", "tfoot", "tr", "form", "figure", "figcaption", "caption",
                   "address", "details", "summary", "body", "center", "fieldset", "legend", "hr", "menu",
                   "dialog", "html", "noframes", "frameset", "hgroup", "search"})
CELL = frozenset({"td", "th"})
# Block kinds: the tag a block is named after (its innermost block element).
KINDS = ("p", "h1", "h2", "h3", "li", "pre", "blockquote", "row", "dd", "figcaption", "div", "other")
KIND = {"p": 0, "h1": 1, "h2": 2, "h3": 3, "h4": 3, "h5": 3, "h6": 3, "li": 4, "pre": 5, "blockquote": 6,
        "tr": 7, "dt": 8, "dd": 8, "figcaption": 9, "caption": 9, "div": 10, "section": 10, "article": 10,
        "main": 10, "td": 7, "th": 7}
# Ancestor tags that say where a block is (one bit each).
ANCESTOR_TAGS = ("nav", "footer", "header", "aside", "article", "main", "form", "ul", "ol", "table",
                 "blockquote", "figure", "a", "button", "label", "section", "dl", "h", "li", "strong",
                 "time", "address", "menu", "details")
TAG_BIT = {t: 1 << i for i, t in enumerate(ANCESTOR_TAGS)}
for _t in ("h1", "h2", "h3", "h4", "h5", "h6"):
    TAG_BIT[_t] = TAG_BIT["h"]
TAG_BIT["b"] = TAG_BIT["strong"]
# Class/id word groups, by what boilerplate and content containers are called across sites. Written with
# literals, `-?`, `s?` and `(?<![a-z])` / `(?![a-z])` only: the C walk matches their expansion.
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
GROUP_RE = re.compile("|".join(f"(?P<{name}>{words})" for name, words in WORD_GROUPS.items()))
GROUP_BIT = {name: 1 << i for i, name in enumerate(WORD_GROUPS)}
JSONLD_TYPES = ("product", "article", "forum", "qa", "recipe", "event", "list", "faq", "howto", "web")

# --- what an article page leaves out (bench/README.md measures each on wcxb-dev's tuning half) -----------

# Classes that hide an element from sight (for screen readers only, or from everyone): never main text.
HIDDEN_CLASSES = frozenset({
    "sr-only", "sr-only-focusable", "visually-hidden", "visually-hidden-focusable", "visuallyhidden",
    "screen-reader-text", "screen-reader-only", "screen-reader", "screenreader", "element-invisible",
    "u-visually-hidden", "hidden-visually", "assistive-text", "a11y-hidden", "show-for-sr", "invisible"})
# schema.org properties whose element holds metadata, not prose: on an article page such an element is
# skipped (a page hides them with CSS the walk does not read: ISO dates, keyword lists, image URLs, sizes)
# when it is short: some pages wrap their whole article in one (itemprop="mainEntityOfPage").
META_PROPS = frozenset({
    "author", "datepublished", "datemodified", "datecreated", "uploaddate", "keywords", "image",
    "thumbnailurl", "contenturl", "embedurl", "duration", "wordcount", "inlanguage", "mainentityofpage",
    "width", "height", "logo", "publisher", "commenttime", "interactionstatistic", "commentcount",
    "interactioncount", "isfamilyfriendly", "genre", "articlesection", "dateline"})
META_CHARS = 200  # characters other than whitespace: a metadata element holds fewer
# Sections of an article page that are not the article, by the words of their class and id (split at
# anything but a-z): reader comments, lists of other stories, archive / category / tag lists. Each entry
# is one word or two in a row.
SECTION_WORDS = {
    "comment": ("comment", "comments", "commentlist", "disqus", "respond", "discussion", "replies"),
    "related": ("related", "relatedposts", "teaser", "teasers", "outbrain", "taboola", "recirc",
                "recirculation", "recommend", "recommended", "recommendations", "readnext", "morefrom",
                "more from", "more stories", "read next", "also read", "you may", "more articles",
                "more news", "latest posts", "latest news", "latest articles"),
    "archive": ("archive", "archives", "categories", "tagcloud", "tag cloud", "category list", "tag list",
                "tags list", "post tags", "recent entries", "recent posts"),
}
# The post's own container (WordPress's post_class: "hentry", "type-post", "post-123", and its category-
# and tag- classes) is never such a section, whatever its categories are called.
POST_CONTAINER = re.compile(r"hentry|type-post|(?<![a-z])post-\d")
# Section bits of a block (the walk's `sections` fact): the three above, then where else it sits.
SECTIONS = ("comment", "related", "archive", "meta", "display_none", "body")
SECTION_BIT = {name: 1 << i for i, name in enumerate(SECTIONS)}
# schema.org properties that hold an item's main text
BODY_PROPS = frozenset({"articlebody", "text", "reviewbody", "description"})
# schema.org types a page declares (JSON-LD @type, microdata itemtype) that make it an article, or a forum
# thread or Q&A page (whose replies are its content)
ARTICLE_TYPES = ("article", "blogposting", "report")
FORUM_TYPES = ("forum", "qapage", "question", "answer")
# A forum's own address (canonical, og:url) or software (meta generator): some threads declare Article
FORUM_MARKERS = re.compile(r"forum|thread|topic|community|discuss|/t/|/questions?/|/board|vbulletin|xenforo|"
                           r"phpbb|discourse|invision|mybb|vanilla|nodebb|simple machines|flarum|discuz")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def section_bits(words: str) -> int:
    """The SECTION_WORDS bits of an element's class and id words (0 for a post's own container)."""
    lower = words.lower()
    if POST_CONTAINER.search(lower):
        return 0
    found = _words(lower)
    pairs = {f"{a} {b}" for a, b in zip(found, found[1:], strict=False)} | set(found)
    bits = 0
    for i, entries in enumerate(SECTION_WORDS.values()):
        if pairs.intersection(entries):
            bits |= 1 << i
    return bits


def class_bits(words: str) -> tuple[int, int]:
    """(WORD_GROUPS bits, SECTION_WORDS bits) of an element's class and id words."""
    return word_bits(words), section_bits(words)


def hidden_class(classes: str) -> bool:
    """Whether an element's class attribute names one of HIDDEN_CLASSES."""
    return not HIDDEN_CLASSES.isdisjoint(classes.lower().split())


def hidden_style(style: str) -> bool:
    """Whether an inline style hides the element (display: none, visibility: hidden)."""
    flat = "".join(style.lower().split())
    return "display:none" in flat or "visibility:hidden" in flat


def prop_facts(itemprop: str) -> tuple[bool, int]:
    """(whether all its properties are META_PROPS, its SECTION_BIT bits: comment, body)."""
    props = itemprop.lower().split()
    meta = bool(props) and all(p in META_PROPS for p in props)
    bits = 0
    if "comment" in props:
        bits |= SECTION_BIT["comment"]
    if not BODY_PROPS.isdisjoint(props):
        bits |= SECTION_BIT["body"]
    return meta, bits


def short(text: str) -> bool:
    """Whether a metadata element's text (all of it, as selectolax's node.text() gives it) is short."""
    return len("".join(text.split())) < META_CHARS


def declared(type_names: str) -> int:
    """Of schema.org type names or URLs: bit 1 if one is an article's, bit 2 if one is a forum thread's
    or a Q&A page's."""
    bits = 0
    for name in type_names.lower().split():
        name = name.rstrip("/").rsplit("/", 1)[-1]
        if any(t in name for t in FORUM_TYPES):
            bits |= 2
        elif any(t in name for t in ARTICLE_TYPES):
            bits |= 1
    return bits


def item_comment(itemtype: str) -> bool:
    """Whether a microdata itemtype is schema.org's Comment."""
    return any(name.rstrip("/").rsplit("/", 1)[-1] == "comment" for name in itemtype.lower().split())


# Calls to action and page furniture: a short kept block saying one of these is the site talking, not the
# text (a newsletter box, a login prompt, an ad label, a "related posts" title); tuned on wcxb-dev's tuning
# half (bench/README.md), where no such block of 16 words or fewer was main content often enough to matter.
ACTION = re.compile(
    r"\b(subscribe|sign(ing)? ?up|newsletter|register(ing)?|log ?in|free trial|request (a )?demo|get started|"
    r"contact us|get in touch|advertisement|related (articles|posts|stories)|you may (also )?(like|enjoy)|"
    r"click to expand|loading|buy now|see price|learn more|read more|sponsored|privacy policy|"
    r"share (this|on)|follow us)\b")  # of the lower-cased text: faster than re.I
ACTION_WORDS = 16
REPEAT_WORDS = 10  # a line of this many words or fewer said twice or more on a page is the site's (a label)
REPEAT_BELOW = 0.55  # unless the trees are this sure of it


SENTENCE_END = frozenset(".!?。！？…\"”»)")

_class_cache: dict[str, int] = {}
_token_cache: dict[str, int] = {}


def word_bits(words: str) -> int:
    """The WORD_GROUPS bits of an element's class and id words."""
    bits = _class_cache.get(words)
    if bits is None:
        # token by token: utility-class pages (Tailwind) repeat the same few hundred tokens in long
        # lists, and one regex pass over each list cost more than the rest of the walk
        bits = 0
        for token in words.lower().split():
            token_bits = _token_cache.get(token)
            if token_bits is None:
                token_bits = 0
                for m in GROUP_RE.finditer(token):
                    token_bits |= GROUP_BIT[m.lastgroup]
                if len(_token_cache) < 100_000:  # memory stays bounded
                    _token_cache[token] = token_bits
            bits |= token_bits
        if len(_class_cache) < 100_000:  # class names repeat across a site's pages
            _class_cache[words] = bits
    return bits


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
    sections: int = 0  # SECTION_BIT bits of its ancestors


CHAIN_COLUMNS = 5  # where a block sits: its 4 containers' ids and its structural group's

# The names of the columns of a page's feature rows, in order (transforms/extract_features.py).
FEATURES: list[str] = [f"kind={k}" for k in KINDS]
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
FEATURES.extend(f"jsonld_{t}" for t in JSONLD_TYPES)
FEATURES.extend(["log_repeats", "title_words"])
FEATURES.extend(f"in_section_{s}" for s in SECTIONS)
# what the page says it is (extract_blocks.page_bits)
PAGE_FACTS = ("og_article", "declares_article", "declares_forum", "forum_markers", "article")
FEATURES.extend(f"page_{x}" for x in PAGE_FACTS)
