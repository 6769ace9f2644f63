"""Precision, recall and speed of each extraction backend on authored pages whose main text we know.

    python bench/extraction.py [--pages 1000] [--passes 5] [--heavy-pages 216]

Pages: the "sample" (24) and "extraction" (30) sets of tests/fixtures/pages/ (read by tests/pages.py),
each with its exact `main_text`: the body a reader came for, with its subheadings, lists, tables,
code and quotes; not the title (h1), bylines, navigation, related links, share bars, ads, newsletter
boxes, author bios, comments and reviews, nor a forum's user cards and signatures.
Quality: token precision / recall / F1, tokens being lowercased words (\\w+), micro-averaged
over pages by bag-of-tokens overlap (multiset intersection); text extracted from a page
with no main text counts against precision. Speed: pages per second, the median of timed passes
over the whole set replicated to about --pages pages, after one warm-up pass, in this process, the
passes of the backends alternating.
The authored pages are small (2-6 KB); real pages carry 50-200 KB of scripts, styles, icons and
menus, so speed is also measured on the same pages grown to about 130 KB that way (--heavy-pages).
Besides the backends of transforms/extract.py, a few alternatives that were measured and not kept
are shown for comparison (marked "alt").
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pages import load_pages  # noqa: E402

from transforms.extract import BACKENDS, DEFAULT_BACKEND, Extractor  # noqa: E402

SAMPLE_PAGES, EXTRA_PAGES = load_pages("sample"), load_pages("extraction")

WORD = re.compile(r"\w+")


def tokens(text: str) -> Counter:
    return Counter(WORD.findall(text.lower()))


def quality(extract: Callable[[str], str], pages: list[dict]) -> tuple[float, float, float, int]:
    """(precision, recall, F1, tokens extracted from pages with no main text), micro-averaged."""
    hit = extracted = expected = junk = 0
    for page in pages:
        gold, got = tokens(page["main_text"]), tokens(extract(page["html"]))
        hit += sum((gold & got).values())
        extracted += sum(got.values())
        expected += sum(gold.values())
        if not gold:
            junk += sum(got.values())
    precision = hit / extracted if extracted else 0.0
    recall = hit / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, junk


def speeds(extracts: dict[str, Callable[[str], str]], htmls: list[str], passes: int) -> dict[str, float]:
    """Median pages per second of each extractor over `passes` timed passes, after a warm-up pass.

    The passes of different extractors alternate, so that a change in the machine's load during the
    run slows them all alike and their ratios stay comparable.
    """
    rates: dict[str, list[float]] = {name: [] for name in extracts}
    for extract in extracts.values():
        for html in htmls:
            extract(html)
    for _ in range(passes):
        for name, extract in extracts.items():
            start = time.perf_counter()
            for html in htmls:
                extract(html)
            rates[name].append(len(htmls) / (time.perf_counter() - start))
    return {name: statistics.median(r) for name, r in rates.items()}


def resiliparse_then_trafilatura(html: str) -> str:
    """resiliparse cuts the page to its main content (minimal HTML), trafilatura extracts from that."""
    import trafilatura
    from resiliparse.extract.html2text import extract_plain_text

    from transforms.extract import RESILIPARSE_DEFAULTS

    cut = extract_plain_text(html, **{**RESILIPARSE_DEFAULTS, "preserve_formatting": "minimal_html",
                                      "list_bullets": True})
    return trafilatura.extract(f"<html><body><article>{cut}</article></body></html>", favor_precision=True,
                               include_comments=False, no_fallback=True) or ""


def candidates() -> list[tuple[str, Callable[[str], str]]]:
    rows = [(name, Extractor(name).extract) for name in BACKENDS]
    rows += [
        ("alt: trafilatura no_fallback", Extractor("trafilatura", no_fallback=True).extract),
        ("alt: hybrid, no article focus", Extractor("hybrid", article_focus=False).extract),
        ("alt: resiliparse -> trafilatura", resiliparse_then_trafilatura),
    ]
    return rows


GROUPS = {
    "s:articles": [p for p in SAMPLE_PAGES if p["kind"] == "article"],
    "s:boilerplate": [p for p in SAMPLE_PAGES if p["kind"] == "boilerplate"],
    "s:non-English": [p for p in SAMPLE_PAGES if p["kind"] == "foreign"],
    "x:layouts": [p for p in EXTRA_PAGES if p["kind"] not in ("foreign", "near_empty")],
    "x:non-English": [p for p in EXTRA_PAGES if p["kind"] == "foreign"],
}
EMPTY = [p for p in SAMPLE_PAGES + EXTRA_PAGES if p["kind"] == "near_empty"]

_SCRIPT = "<script>" + ";".join(f'window.__d{i}={{"k":"{"x" * 40}","v":{list(range(20))}}}'
                                for i in range(150)) + "</script>"
_STYLE = "<style>" + "".join(f".c{i}{{color:#{i:06x};margin:{i}px}}" for i in range(1500)) + "</style>"
_ICON = '<svg viewBox="0 0 24 24"><path d="' + "M1 2L3 4 " * 60 + '"/></svg>'
_MENU_COLUMN = "".join(f'<li><a href="/c/{{i}}/{j}">Category {{i}} item {j}</a></li>' for j in range(15))
_MENU = '<div class="mega-menu">' + "".join(
    f'<ul class="menu-col">{_MENU_COLUMN.format(i=i)}</ul>' for i in range(12)) + "</div>"


def heavy(html: str) -> str:
    """The page with what a real one carries around its text: scripts, styles, icons, a mega menu."""
    html = html.replace("</head>", _SCRIPT + _STYLE + _SCRIPT + "</head>", 1)
    html = re.sub(r"<body[^>]*>", lambda m: m.group(0) + _MENU + _ICON * 10, html, count=1)
    return html.replace("</body>", _ICON * 20 + _SCRIPT + "</body>", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages per timed pass (the set replicated)")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--heavy-pages", type=int, default=216, help="pages per timed pass, ~130 KB each")
    args = parser.parse_args()

    pages = SAMPLE_PAGES + EXTRA_PAGES
    htmls = [p["html"] for p in pages] * max(1, round(args.pages / len(pages)))
    print(f"{len(pages)} pages ({len(SAMPLE_PAGES)} samples + {len(EXTRA_PAGES)} extra), "
          f"{len(htmls)} per timed pass, median of {args.passes} passes; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}: pages/s follow the machine's load, the ratios "
          "(alternating passes) much less\n")

    rows = candidates()
    rates = speeds(dict(rows), htmls, args.passes)
    results = [(name, extract, *quality(extract, pages)[:3], rates[name]) for name, extract in rows]
    by_name = {name: rate for name, *_, rate in results}

    print(f"{'backend':34s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'pages/s':>8s} "
          f"{'x trafilatura':>13s} {'x resiliparse':>13s}")
    for name, _, p, r, f1, rate in results:
        star = " (default)" if name == DEFAULT_BACKEND else ""
        print(f"{name + star:34s} {p:9.3f} {r:7.3f} {f1:6.3f} {rate:8.0f} "
              f"{rate / by_name['trafilatura']:13.2f} {rate / by_name['resiliparse']:13.3f}")

    print(f"\nF1 by group (pages), and tokens extracted from the {len(EMPTY)} pages with no main text:")
    header = "".join(f"{g:>14s}" for g in GROUPS)
    print(f"{'backend':34s}{header}{'junk tokens':>13s}")
    for name, extract, *_ in results:
        cells = "".join(f"{quality(extract, group)[2]:14.3f}" for group in GROUPS.values())
        print(f"{name:34s}{cells}{quality(extract, EMPTY)[3]:13d}")
    print("s: the sample pages, x: the extraction pages (tests/fixtures/pages/); pages per group: "
          + ", ".join(f"{g} {len(v)}" for g, v in GROUPS.items()))

    grown = [heavy(p["html"]) for p in pages]
    grown = grown * max(1, round(args.heavy_pages / len(pages)))
    kb = sum(map(len, grown)) / len(grown) / 1024
    print(f"\nSpeed on the same pages grown to {kb:.0f} KB each ({len(grown)} per pass):")
    rates = speeds(dict(rows[:len(BACKENDS)]), grown, args.passes)
    for name, rate in rates.items():
        print(f"{name:34s} {rate:8.0f} pages/s {rate / rates['trafilatura']:8.2f} x trafilatura "
              f"{rate / rates['resiliparse']:8.3f} x resiliparse")


if __name__ == "__main__":
    main()
