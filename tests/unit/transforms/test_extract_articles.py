"""Article pages stay clean: the default extractor drops reader comments, related and teaser lists,
archive / category / tag sidebars and hidden metadata, while a forum thread keeps its replies.

The pages (tests/data/pages/extraction-articles/, index.json: what each must and must not give) were
written for these tests; they are unit tests, not a quality figure (bench/README.md has those).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from transforms.extract import Extractor
from transforms.extract_blocks import page_blocks
from transforms.extract_vocab import SECTION_BIT

PAGES = Path(__file__).resolve().parents[2] / "data" / "pages" / "extraction-articles"
INDEX = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))
PROSE = ("The committee met on Tuesday to review the proposal, and after a long discussion it agreed that "
         "the new schedule would start in the spring, once the budget had been approved.")


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("page", INDEX, ids=[p["name"] for p in INDEX])
def test_article_pages_keep_the_article_only_and_forum_threads_their_replies(page):
    text = _norm(Extractor().extract((PAGES / f"{page['name']}.html").read_text(encoding="utf-8")))
    missing = [s for s in page["with"] if _norm(s) not in text]
    leaked = [s for s in page["without"] if _norm(s) in text]
    assert not missing and not leaked, f"{page['kind']}: missing {missing}, kept {leaked}"


def _page(body: str, head: str = "") -> str:
    return f"<html><head><title>Schedule review</title>{head}</head><body>{body}</body></html>"


ARTICLE = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Schedule review"}'
           "</script>")
FORUM = '<script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script>'


def _texts(html: str) -> list[str]:
    return [b.text for b in page_blocks(html).blocks]


def test_screen_reader_and_visually_hidden_classes_are_never_read():
    body = (f'<p>{PROSE} <span class="sr-only">Opens in a new window</span></p>'
            '<div class="card VISUALLY-HIDDEN">Skip to the comments</div>'
            '<p class="screen-reader-text">Search</p>')
    for head in ("", ARTICLE):  # on any page
        assert _texts(_page(body, head)) == [PROSE]


def test_inline_display_none_and_metadata_itemprops_go_on_article_pages_only():
    body = (f'<p>{PROSE}</p><div style="Display: None">Slot for an advertisement</div>'
            '<div itemprop="datePublished">2024-05-03T10:00:00Z</div>'
            '<div itemprop="image" itemscope><span itemprop="url">https://example.com/a.jpg</span></div>'
            '<p itemprop="description">A description is prose, and stays.</p>')
    assert _texts(_page(body, ARTICLE)) == [PROSE, "A description is prose, and stays."]
    # elsewhere (a shop's tabs, a documentation page's collapsed sections) they may be content: read,
    # and marked for the trees
    blocks = page_blocks(_page(body)).blocks
    assert [b.text for b in blocks][1:3] == ["Slot for an advertisement", "2024-05-03T10:00:00Z"]
    assert blocks[1].sections & SECTION_BIT["display_none"] and blocks[2].sections & SECTION_BIT["meta"]


SECTIONS = (f'<article class="post-7 post type-post hentry category-related-reading"><h1>Schedule review</h1>'
            f'<p>{PROSE}</p></article>'
            '<div id="comments"><ol class="commentlist"><li><p>A reader says the spring is too early.</p>'
            '</li></ol></div><section class="more-from-section"><h2>More from the committee</h2></section>'
            '<aside><div class="widget widget_archive"><a href="/2024/05">May 2024</a> (3)</div></aside>')


def test_comments_other_stories_and_archive_lists_leave_an_article_page():
    # the post's own container keeps its text though its category is called "related reading"
    assert _texts(_page(SECTIONS, ARTICLE)) == ["Schedule review", PROSE]


@pytest.mark.parametrize("head", ["", FORUM, ARTICLE + FORUM, '<meta property="og:type" content="article">',
                                  ARTICLE + '<link rel="canonical" href="https://example.com/forum/t/123">'],
                         ids=["undeclared", "forum", "article-and-forum", "og-article-only", "forum-address"])
def test_pages_that_are_no_article_keep_their_comments(head):
    """A forum thread's replies are its content (some threads call themselves Article; their address or
    their generator says forum), and og:type alone is said by shops and forums too."""
    texts = _texts(_page(SECTIONS, head))
    assert "A reader says the spring is too early." in texts and "May 2024 (3)" in texts


def test_an_article_page_made_only_of_a_comment_section_keeps_it():
    html = _page(f'<div class="comments"><p>{PROSE}</p><p>{PROSE} Again.</p></div>', ARTICLE)
    assert _texts(html) == [PROSE, f"{PROSE} Again."]


def test_microdata_declares_the_page_type_too():
    microdata = (f'<div itemscope itemtype="https://schema.org/BlogPosting"><p>{PROSE}</p></div>'
                 '<div class="comments"><p>A reader says the spring is too early.</p></div>')
    assert _texts(_page(microdata)) == [PROSE]
    thread = microdata.replace("BlogPosting", "DiscussionForumPosting")
    assert "A reader says the spring is too early." in _texts(_page(thread))


def test_after_the_trees_tables_and_code_inside_kept_text_stay_and_lone_sidebar_headings_go():
    import numpy as np

    from transforms.extract_learned import tidy
    from transforms.extract_vocab import FEATURES

    def rows(*kinds: str, side: tuple = ()) -> np.ndarray:
        out = np.zeros((len(kinds), len(FEATURES)), np.float32)
        for i, kind in enumerate(kinds):
            out[i, FEATURES.index(f"kind={kind}")] = 1
            out[i, FEATURES.index("in_aside")] = i in side
        return out

    chains = np.array([[i, 0, -1, -1, i] for i in range(5)])
    # a table (two rows) and code between kept paragraphs: kept; after the last paragraph: the trees decide
    keep = np.array([True, False, False, True, False])
    assert tidy(keep, rows("p", "row", "row", "p", "pre"), chains).tolist() == [True, True, True, True, False]
    # a sidebar's heading whose list items went, beside a kept paragraph elsewhere: goes
    side = np.array([[0, 9, -1, -1, 0], [1, 9, -1, -1, 1], [2, 9, -1, -1, 1], [3, 7, -1, -1, 2]])
    keep = np.array([True, False, False, True])
    sidebar = rows("h2", "li", "li", "p", side=(0, 1, 2))
    assert tidy(keep, sidebar, side).tolist() == [False, False, False, True]
    # unless it is all the page keeps
    keep = np.array([True, False, False, False])
    assert tidy(keep, sidebar, side).tolist() == [True, False, False, False]


def test_after_the_trees_the_sites_own_lines_go_and_the_text_stays():
    import numpy as np

    from transforms.extract_learned import furniture

    texts = [PROSE, "Sign up for our newsletter", "Click to expand...", PROSE + " Again.",
             "Click to expand...", "How to register a company in Delaware, step by step, with the fees of "
             "each office and the forms you need", "Parameters", "Parameters"]
    keep = np.ones(len(texts), bool)
    p = np.array([0.9, 0.8, 0.5, 0.9, 0.5, 0.9, 0.7, 0.7])
    # a call to action and a label said twice the trees were unsure of go; a long line that names an
    # action and a twice-said heading the trees are sure of stay
    assert furniture(keep, texts, p).tolist() == [True, False, False, True, False, True, True, True]
    # a page that is only the site's lines keeps them
    assert furniture(keep[1:3], texts[1:3], p[1:3]).tolist() == [True, True]
