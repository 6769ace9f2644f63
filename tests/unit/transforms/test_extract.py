"""Extraction backends on the authored sample pages: quality floors, boilerplate, pickling, errors."""

from __future__ import annotations

import pickle
import re
from collections import Counter

import pytest
from support.pages import load_pages

from pipelines.errors import USER_ERRORS
from transforms.extract import BACKENDS, DEFAULT_BACKEND, Extractor

PAGES = load_pages("sample")

ARTICLES = [p for p in PAGES if p["kind"] == "article"]
BOILERPLATE = [p for p in PAGES if p["kind"] == "boilerplate"]
NEAR_EMPTY = [p for p in PAGES if p["kind"] == "near_empty"]

# Measured F1 with bench/extraction.py's token metric: 0.991 on the articles for every backend; on
# the boilerplate pages 0.976 (trafilatura, hybrid), 0.957 (resiliparse) and 0.918 (learned, the default,
# which was trained on real pages, not on these: since 2026-12-07 it keeps three headings of teaser lists
# here, "You might also like", "More from ...", "Most read", whose items it drops; the model before kept
# none of them, 0.926, and 20% more boilerplate on real pages). Floors sit just below.
ARTICLE_F1_FLOOR = {"trafilatura": 0.98, "resiliparse": 0.98, "hybrid": 0.98, "learned": 0.98}
BOILERPLATE_F1_FLOOR = {"trafilatura": 0.965, "resiliparse": 0.945, "hybrid": 0.965, "learned": 0.915}

# Exact text of cookie banners, menus, share bars, related links and newsletter boxes on those pages.
BOILERPLATE_STRINGS = {
    "dailyhome-tips": ["We use cookies to improve your experience", "Manage preferences", "Write for Us",
                       "Share on Pinterest", "Related posts", "Never miss a tip!", "Do Not Sell My Personal"],
    "trendwire-lifestyle": ["This site uses cookies", "Reject non-essential", "Horoscopes", "Copy link",
                            "You might also like", "Sign up for TrendWire Daily", "Editorial Standards"],
    "clickbuzz-travel": ["our 214 partners use cookies", "Customise", "Road Trips", "Share on WhatsApp",
                         "More from ClickBuzz Travel", "Get travel deals first", "Affiliate Policy"],
    "megaportal-news": ["Your privacy matters to us", "More information", "Live TV", "Share on LinkedIn",
                        "Most read", "The Morning Brief", "Parental Guidance"],
}
WORD = re.compile(r"\w+")


def f1(extractor: Extractor, pages: list[dict]) -> float:
    """Micro-averaged bag-of-tokens F1, as bench/extraction.py measures it."""
    hit = extracted = expected = 0
    for page in pages:
        gold = Counter(WORD.findall(page["main_text"].lower()))
        got = Counter(WORD.findall(extractor.extract(page["html"]).lower()))
        hit += sum((gold & got).values())
        extracted += sum(got.values())
        expected += sum(gold.values())
    precision, recall = hit / max(extracted, 1), hit / max(expected, 1)
    return 2 * precision * recall / (precision + recall) if hit else 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_article_pages_f1_above_floor(backend):
    assert f1(Extractor(backend), ARTICLES) >= ARTICLE_F1_FLOOR[backend]


@pytest.mark.parametrize("backend", BACKENDS)
def test_boilerplate_pages_f1_above_floor(backend):
    assert f1(Extractor(backend), BOILERPLATE) >= BOILERPLATE_F1_FLOOR[backend]


@pytest.mark.parametrize("backend", BACKENDS)
def test_near_empty_pages_give_nothing_or_a_few_words(backend):
    extractor = Extractor(backend)
    for page in NEAR_EMPTY:
        assert len(extractor.extract(page["html"]).split()) <= 5, page["url"]  # "404 Page not found"


def test_default_backend_gives_nothing_on_near_empty_pages():
    assert Extractor().extract_batch(p["html"] for p in NEAR_EMPTY) == [""] * len(NEAR_EMPTY)


@pytest.mark.parametrize("backend", sorted({"trafilatura", DEFAULT_BACKEND}))
def test_boilerplate_pages_keep_no_banner_menu_or_share_text(backend):
    extractor = Extractor(backend)
    for page in BOILERPLATE:
        text = extractor.extract(page["html"])
        assert page["main_text"].split("\n")[0] in text, page["url"]
        site = next(s for s in BOILERPLATE_STRINGS if s in page["url"])
        assert [s for s in BOILERPLATE_STRINGS[site] if s in text] == [], page["url"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_pickles_with_its_options(backend):
    options = {"trafilatura": {"deduplicate": True}, "hybrid": {"deduplicate": True},
               "learned": {"max_nodes": 50_000}}.get(backend, {})
    extractor = Extractor(backend, **options)
    clone = pickle.loads(pickle.dumps(extractor))
    assert (clone.backend, clone.options) == (extractor.backend, extractor.options)
    assert clone.extract(ARTICLES[0]["html"]) == Extractor(backend).extract(ARTICLES[0]["html"])


def test_extract_batch_keeps_order_and_empty_input_gives_empty_text():
    extractor = Extractor()
    htmls = [ARTICLES[1]["html"], "", "   ", ARTICLES[0]["html"]]
    texts = extractor.extract_batch(htmls)
    assert texts == [extractor.extract(h) for h in htmls]
    assert texts[1:3] == ["", ""] and texts[0] != texts[3] != ""


def test_hybrid_falls_back_to_trafilatura_when_its_rules_hide_the_content():
    # Page builders wrap every block in "widget" containers, which the boilerplate rules hide.
    paragraphs = ARTICLES[0]["main_text"].split("\n")
    blocks = "".join(f'<div class="widget"><div class="widget-container"><p>{p}</p></div></div>'
                     for p in paragraphs)
    html = f"<html><head><title>t</title></head><body><div class='builder'>{blocks}</div></body></html>"
    assert Extractor("hybrid", fallback=False).extract(html) == ""
    expected = "\n".join(paragraphs)
    assert Extractor("hybrid").extract(html) == Extractor("trafilatura").extract(html) == expected


def test_unknown_backend_is_a_one_line_user_error():
    with pytest.raises(USER_ERRORS) as e:
        Extractor("boilerpipe")
    assert "\n" not in str(e.value)
    assert "'boilerpipe'" in str(e.value) and "trafilatura, resiliparse, hybrid, learned" in str(e.value)


def test_unknown_option_is_a_one_line_user_error():
    with pytest.raises(USER_ERRORS, match="has no option fast_mode"):
        Extractor("hybrid", fast_mode=True)
    with pytest.raises(USER_ERRORS, match="has no option favor_precision"):
        Extractor("resiliparse", favor_precision=True)


def test_a_page_past_the_timeout_is_counted_and_skipped_and_the_rest_go_on():
    import time

    from datatrove.data import Document

    from pipelines.engines.datatrove.extract import BackendExtractor

    class Slow(BackendExtractor):
        def extract(self, text: str) -> str:
            if "slow" in text:
                time.sleep(30)  # interrupted by the step's alarm
            return super().extract(text)

    page = "<html><body><article><p>{} A paragraph of main text that is long enough to keep.</p>" \
           "</article></body></html>"
    docs = [Document(text=page.format(word), id=str(i)) for i, word in enumerate(["fast", "slow", "fast"])]
    step = Slow("resiliparse", timeout=0.3)
    start = time.monotonic()
    kept = list(step.run(iter(docs)))
    assert time.monotonic() - start < 5
    assert [d.id for d in kept] == ["0", "2"] and all("main text" in d.text for d in kept)
    assert step.stats["timeout"].total == 1 and step.stats["extracted"].total == 2
