"""datatrove's heuristic filters as recipe stages: published defaults, reasons, nothing fetched."""

from __future__ import annotations

import inspect
import json
import socket
from pathlib import Path

import pytest
from datatrove.data import Document
from support.pages import load_pages

from pipelines.recipe import load_recipe
from pipelines.stages import STAGES
from pipelines.stages.filters import FilterStage

# Every heuristic filter stage and the datatrove filter whose parameters it takes.
HEURISTIC_FILTERS = {k: c.params_class for k, c in STAGES.items() if issubclass(c, FilterStage)}


def middle_step(spec):
    return spec.steps(Path())[0]

PAGES = load_pages("sample")

PROSE = ("The ferry leaves the harbour at seven, and most of the passengers are farmers taking "
         "their produce to the market on the mainland. They talk about the weather, the price of "
         "feed and the new road that the council has promised for years. ")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection is recorded and refused."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def stage(spec: str):
    recipe, _ = load_recipe("web-quality", [f"stages=[{spec}]"])
    return recipe.stages[0]


def run(step, docs: list[Document]) -> tuple[list[Document], dict]:
    kept = list(step.run(iter(docs), 0, 1))
    dropped = {k[len("dropped_"):]: v.total for k, v in step.stats.stats.items()
               if k.startswith("dropped_")}
    return kept, dropped


def doc(text: str, url: str = "https://ok.example/a") -> Document:
    return Document(text=text, id=f"{url}#{len(text)}", metadata={"url": url})


def test_defaults_are_datatroves_published_values():
    for name, cls in HEURISTIC_FILTERS.items():
        spec = stage(f"{{type: {name}}}")
        expected = {n: p.default for n, p in inspect.signature(cls.__init__).parameters.items()
                    if n not in ("self", "exclusion_writer")}
        got = spec.model_dump(exclude={"type", "input", "fields"})  # where it runs, not how it filters
        assert json.loads(json.dumps(got)) == json.loads(json.dumps(expected)), name
    # Spot checks against the papers: Gopher (Rae et al. 2021), C4 (Raffel et al.), FineWeb.
    assert stage("{type: gopher_quality}").min_doc_words == 50
    assert stage("{type: gopher_repetition}").dup_line_frac == 0.3
    assert stage("{type: c4_quality}").min_num_sentences == 5
    assert stage("{type: fineweb_quality}").line_punct_thr == 0.12


def test_each_filter_drops_under_its_own_rule_without_touching_the_network(no_network, tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv("HF_ASSETS_CACHE", str(tmp_path / "assets"))
    good = doc(PAGES[0]["main_text"], url="https://harbour-notes.example/lighthouses")
    cases = {
        "{type: gopher_quality}": (doc("Too short to be a document."), "gopher_short_doc"),
        "{type: gopher_repetition}": (doc("Buy garden hoses here today.\n" * 30), "dup_line_frac"),
        "{type: c4_quality}": (doc(PROSE * 3 + " lorem ipsum dolor sit amet. " + PROSE), "lorem_ipsum"),
        "{type: fineweb_quality}": (doc("\n".join(f"Item {i}" for i in range(40))), "line_punct_ratio"),
        "{type: url_filter, extra_domains: [bad-host.com]}": (
            doc(PROSE, url="https://www.bad-host.com/page"), "domain"),
    }
    for spec, (bad, reason) in cases.items():
        step = middle_step(stage(spec))
        kept, dropped = run(step, [good, bad])
        assert [d.id for d in kept] == [good.id], spec
        assert dropped == {reason: 1}, spec
    # datatrove's own block lists, unpacked from the wheel: no download.
    kept, dropped = run(middle_step(stage("{type: url_filter}")),
                        [doc(PROSE, url="https://www.pornhub.com/x"), good])
    assert [d.id for d in kept] == [good.id] and sum(dropped.values()) == 1
    assert no_network == []
