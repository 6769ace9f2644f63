"""Records for synthesis on the tiny model: the sample pages' main texts, and the sampling the engine
tests use (a script that a test starts and kills imports them too); the synth.yaml recipe."""

from __future__ import annotations

from pathlib import Path

from support.pages import DATA, load_pages
from support.recipes import write_recipe
from transforms.synth.sampling import Sampling

SAMPLING = Sampling(n=2, seed=3, temperature=0.9, max_tokens=400)


def documents(copies: int = 1) -> list[dict]:
    """Each article and boilerplate page's main text as a record, `copies` times over (other ids, other
    text: no two prompts the same)."""
    pages = [p for p in load_pages("sample") if p["kind"] in ("article", "boilerplate")]
    return [
        {"id": f"doc-{c}-{i}", "text": f"Edition {c}. {p['main_text']}"}
        for c in range(copies)
        for i, p in enumerate(pages)
    ]


def synth_recipe(folder: Path, model: Path) -> Path:
    """synth.yaml: the demo crawl curated, then doc_qa (n = 2) and a critique of its pairs on `model`."""
    return write_recipe("synth.yaml", folder, data=DATA / "web-demo", model=model)
