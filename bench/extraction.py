"""Precision, recall and speed of each extraction backend on authored pages and on real pages.

    python bench/extraction.py [--pages 1000] [--passes 5] [--heavy-pages 216] [--wcxb-limit N]
                               [--no-authored] [--save-texts FILE] [--diff-texts FILE] [--native-check]

Pages: the "sample" (24) and "extraction" (30) sets of tests/data/pages/ (read by tests/support/pages.py),
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

Real pages: the 1,497 pages of ../shared/data/wcxb-dev (skipped with a line saying so when absent),
scored as that benchmark scores them: per page word precision, recall and F1 (lower-cased \\w+,
multiset overlap; an empty reference scores 1 only when nothing is extracted), averaged over pages,
overall, per page type and per half (tune: the pages bench/train_extractor.py trains the learned
backend on; held: the rest, never seen by it); `with`: the share of the reference's must-have
snippets found in the text, `without`: the share of its boilerplate snippets found (lower is
better). Speed on those pages: every backend extracts chunks of 25 pages in turn, so that the
machine's load changes slow them alike; pages/s is the total over all chunks.

Texts of the default backend on the real pages: --save-texts writes them (gzipped JSON, page id ->
text); --diff-texts lists the pages whose text now differs from such a file, with their F1 then and now
(what a change of the extractor changed, page by page). --native-check: the learned backend's C walk,
rows and trees against its Python reference on every real page (blocks, feature rows, texts), with the
CPU time of each.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.pages import load_pages  # noqa: E402

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


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def real_pages(args) -> None:
    """The wcxb-dev table: P/R/F1 per type and half, snippet rates and speed of every backend."""
    from train_extractor import TYPES, WCXB, half, load, scores

    if not WCXB.is_dir():
        print(f"\nReal pages: skipped, no {WCXB} on this machine (the wcxb-dev split is not copied into "
              "the project).")
        return
    pages = load()[: args.wcxb_limit or None]
    backends = {name: Extractor(name).extract for name in BACKENDS}
    texts: dict[str, list[str]] = {name: [] for name in backends}
    spent = dict.fromkeys(backends, 0.0)
    for at in range(0, len(pages), 25):
        chunk = pages[at:at + 25]
        for name, extract in backends.items():
            start = time.perf_counter()
            texts[name].extend(extract(p["html"]) for p in chunk)
            spent[name] += time.perf_counter() - start
    rate = {name: len(pages) / spent[name] for name in backends}
    print(f"\nReal pages: {len(pages)} of {WCXB} (mean per page; tune/held: the learned backend's "
          f"training half and the held-out half)")
    print(f"{'backend':14s} {'P':>6s} {'R':>6s} {'F1':>6s} {'tune':>6s} {'held':>6s} "
          + " ".join(f"{t[:8]:>8s}" for t in TYPES) + f" {'with':>6s} {'without':>7s} {'pages/s':>8s} "
          f"{'x traf.':>7s}")
    for name in backends:
        got = [scores(p["main_content"], t) for p, t in zip(pages, texts[name], strict=True)]

        def mean(values) -> float:
            values = list(values)
            return sum(values) / len(values) if values else float("nan")

        f1 = [g[2] for g in got]
        by_page = list(zip(f1, pages, strict=True))
        halves = [mean(f for f, p in by_page if half(p["id"]) == h) for h in ("tune", "held")]
        types = [mean(f for f, p in by_page if p["type"] == t) for t in TYPES]
        found = [[_norm(s) in _norm(t) for s in p[key]] for p, t in zip(pages, texts[name], strict=True)
                 for key in ("with", "without")]
        with_rate = mean(x for row in found[0::2] for x in row)
        without_rate = mean(x for row in found[1::2] for x in row)
        star = "*" if name == DEFAULT_BACKEND else ""
        cells = [mean(g[0] for g in got), mean(g[1] for g in got), mean(f1), *halves]
        print(f"{name + star:14s} " + " ".join(f"{v:6.3f}" for v in cells) + " "
              + " ".join(f"{v:8.3f}" for v in types) + f" {with_rate:6.3f} {without_rate:7.3f} "
              f"{rate[name]:8.1f} {rate[name] / rate['trafilatura']:7.2f}")
    print("* the default backend; pages per type: "
          + ", ".join(f"{t} {sum(p['type'] == t for p in pages)}" for t in TYPES))


def texts_mode(args) -> None:
    """--save-texts / --diff-texts / --native-check on the real pages (see the module docstring)."""
    import gzip
    import json

    from train_extractor import WCXB, half, load, scores

    if not WCXB.is_dir():
        sys.exit(f"no {WCXB}: the real pages are not on this machine")
    pages = load()[: args.wcxb_limit or None]
    if args.native_check:
        native_check(pages)
        return
    extract = Extractor(DEFAULT_BACKEND).extract
    now = {p["id"]: extract(p["html"]) for p in pages}
    if args.save_texts:
        with gzip.open(args.save_texts, "wt", encoding="utf-8") as f:
            json.dump(now, f)
        print(f"{len(now)} texts of the {DEFAULT_BACKEND} backend written to {args.save_texts}")
    if args.diff_texts:
        with gzip.open(args.diff_texts, "rt", encoding="utf-8") as f:
            then = json.load(f)
        changed = [p for p in pages if then.get(p["id"]) != now[p["id"]]]
        print(f"{len(changed)} of {len(pages)} pages' texts differ from {args.diff_texts}:")
        print(f"{'page':6s} {'type':14s} {'half':5s} {'F1 then':>8s} {'now':>6s} {'lines -':>8s} "
              f"{'lines +':>8s}")
        moved = Counter()
        for p in changed:
            before, after = then.get(p["id"], ""), now[p["id"]]
            f_then, f_now = scores(p["main_content"], before)[2], scores(p["main_content"], after)[2]
            gone = len(set(before.split("\n")) - set(after.split("\n")))
            new = len(set(after.split("\n")) - set(before.split("\n")))
            moved["up" if f_now > f_then else "down" if f_now < f_then else "same F1"] += 1
            print(f"{p['id']:6s} {p['type']:14s} {half(p['id']):5s} {f_then:8.3f} {f_now:6.3f} {gone:8d} "
                  f"{new:8d}")
        print("F1: " + ", ".join(f"{k} {v}" for k, v in sorted(moved.items())))


def native_check(pages: list[dict]) -> None:
    """The C walk, rows and trees against the Python ones on every page: the same blocks, rows and text."""
    import numpy as np

    from transforms import extract_native
    from transforms.extract_blocks import page_blocks
    from transforms.extract_learned import MODEL, learned_text

    if not extract_native.AVAILABLE:
        sys.exit("the C extension is not built or not used: nothing to compare")
    differ, spent = [], {True: 0.0, False: 0.0}
    for p in pages:
        got = {}
        for native in (True, False):
            start = time.process_time()
            got[native] = (page_blocks(p["html"], native=native),
                           learned_text(p["html"], str(MODEL), native=native))
            spent[native] += time.process_time() - start
        (a, ta), (b, tb) = got[True], got[False]
        same = (a.blocks == b.blocks and np.array_equal(a.rows, b.rows) and np.array_equal(a.chains, b.chains)
                and a.page_bits == b.page_bits and ta == tb)
        if not same:
            differ.append(p["id"])
    print(f"{len(pages)} pages: {len(differ)} differ between the C and the Python walk, rows and trees "
          f"{differ[:20]}; CPU seconds (page_blocks and learned_text) C {spent[True]:.1f}, "
          f"Python {spent[False]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages per timed pass (the set replicated)")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--heavy-pages", type=int, default=216, help="pages per timed pass, ~130 KB each")
    parser.add_argument("--wcxb-limit", type=int, default=0, help="only the first N real pages (0: all)")
    parser.add_argument("--no-authored", action="store_true", help="only the real pages")
    parser.add_argument("--save-texts", help="write the default backend's text of each real page here")
    parser.add_argument("--diff-texts", help="list the real pages whose text differs from this file's")
    parser.add_argument("--native-check", action="store_true", help="C against Python on the real pages")
    args = parser.parse_args()
    if args.save_texts or args.diff_texts or args.native_check:
        texts_mode(args)
        return
    if not args.no_authored:
        authored(args)
    real_pages(args)


def authored(args) -> None:
    """The authored pages' tables: P/R/F1 per backend and group, speed on small and grown pages."""

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
    print("s: the sample pages, x: the extraction pages (tests/data/pages/); pages per group: "
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
