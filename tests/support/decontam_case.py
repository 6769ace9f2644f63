"""A benchmark whose items two sample pages contain (re-cased, re-punctuated) and a third nothing does,
beside the `decontam.yaml` recipe that lists it: the decontamination builds' known answer."""

from __future__ import annotations

import json
from pathlib import Path

from support.pages import DATA, load_pages
from support.recipes import write_recipe

PAGES = load_pages("sample")
LIGHTHOUSE = next(p for p in PAGES if p["url"].endswith("/lighthouses"))
SOURDOUGH = next(p for p in PAGES if p["url"].endswith("/sourdough-starter"))


def write_case(folder: Path, action: str = "remove") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # A sentence of the lighthouse article, re-cased and re-punctuated, is a benchmark question;
    # a sourdough sentence is another item's answer; the third item is nowhere in the crawl.
    light = LIGHTHOUSE["main_text"].split(". ")[1]
    sour = SOURDOUGH["main_text"].split(". ")[2]
    items = [
        {"id": "q-light", "question": light.upper().replace(",", " ;"), "answer": "42"},
        {"id": "q-sour", "question": "What does the starter need?", "answer": sour},
        {"id": "q-none", "question": "How many moons orbit a planet that nobody has named yet in this "
                                     "imaginary system of twelve worlds?", "answer": "7"},
    ]
    (folder / "bench.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    return write_recipe("decontam.yaml", folder, "recipe.yaml", data=DATA / "web-demo", action=action)
