"""The authored HTML pages the tests, the WARC fixtures and the benchmarks are made of.

    from support.pages import load_pages  # tests/ is on sys.path in tests (and bench adds it)
    PAGES = load_pages("sample")         # [{"url", "kind", "lang", "html", "main_text"}, ...]

Each set is a folder of tests/data/pages/: `index.json` lists its pages in order (name, url,
kind, lang and any other metadata), `<name>.html` holds a page's HTML and `<name>.txt` its expected
main text, exactly as written (UTF-8, no newline added); a page with no `.txt` has no `main_text`.
    sample        articles, boilerplate-heavy, foreign-language and near-empty pages (web-demo)
    low_quality   pages that each trip a heuristic filter (web-quality)
    extraction    more realistic layouts for bench/extraction.py
"""

from __future__ import annotations

import copy
import json
from functools import cache

from support import ROOT, TESTS

PAGES_DIR = TESTS / "data" / "pages"
DATA = ROOT / "pipelines" / "recipes" / "data"  # the shipped fixtures: DATA / "web-demo" / *.warc.gz
SETS = ("sample", "low_quality", "extraction")


@cache
def _load(set_name: str) -> tuple[dict, ...]:
    if set_name not in SETS:
        raise ValueError(f"no page set {set_name!r}; the sets are {', '.join(SETS)}")
    folder = PAGES_DIR / set_name
    pages = []
    for entry in json.loads((folder / "index.json").read_text(encoding="utf-8")):
        meta = dict(entry)
        name = meta.pop("name")
        page = meta | {"html": (folder / f"{name}.html").read_bytes().decode("utf-8")}
        text = folder / f"{name}.txt"
        if text.is_file():
            page["main_text"] = text.read_bytes().decode("utf-8")
        pages.append(page)
    return tuple(pages)


def load_pages(set_name: str = "sample") -> list[dict]:
    """The pages of one set, in order, as fresh dicts (a caller may change them)."""
    return copy.deepcopy(list(_load(set_name)))
