"""The stage registry: a stage type is one file, and its code version is its own (a user's stage type from
one file builds: tests/integration/builds/test_stages.py)."""

from __future__ import annotations

import json

import pytest
from support.stages import edited, toy_recipe

from pipelines import code_version
from pipelines.plan import plan_build
from pipelines.stages import RECIPE_STAGES, STAGES


def test_every_stage_type_is_one_class_in_a_file_named_after_it():
    for kind, cls in STAGES.items():
        module = cls.__module__.rsplit(".", 1)[-1]
        # The heuristic filters share one file of machinery; each still has its own.
        assert module == kind, (kind, cls.__module__)
        doc = (cls.__doc__ or "").strip()
        assert doc and "\n" not in doc, f"{kind}: a one-line docstring"
    assert set(RECIPE_STAGES) == set(STAGES) - {"read"}


@pytest.mark.parametrize("module, first_changed", [
    ("transforms.extract", "extract"),
    ("pipelines.engines.datatrove.langid", "langid"),
    ("pipelines.engines.datatrove.decontam", "decontaminate"),
    ("pipelines.stages.gopher_quality", "gopher_quality"),
])
def test_a_stage_code_version_covers_its_own_code_not_its_neighbours(module, first_changed, tmp_path,
                                                                    state, monkeypatch):
    (tmp_path / "bench.jsonl").write_text(json.dumps({"id": "1", "question": "What is 2 + 2?",
                                                      "answer": "4"}) + "\n")
    recipe = toy_recipe(tmp_path, [
        {"type": "extract"}, {"type": "langid", "languages": ["en"]}, {"type": "gopher_quality"},
        {"type": "decontaminate", "benchmarks": [{"name": "b", "path": str(tmp_path / "bench.jsonl"),
                                                  "shape": "gsm8k", "id_field": "id"}]}])
    before = plan_build(str(recipe), out=tmp_path / "out")
    monkeypatch.setattr(code_version, "read_source", edited(module))
    after = plan_build(str(recipe), out=tmp_path / "out")
    names = [s.name for s in before.stages]
    first = names.index(first_changed)
    same = [a.fingerprint == b.fingerprint for a, b in zip(before.stages, after.stages, strict=True)]
    # Stages before the edited one keep their fingerprints (their cache); it and those after rerun.
    assert same == [True] * first + [False] * (len(names) - first), (module, names, same)


def test_a_barrier_after_the_read_stage_gets_its_output_made(tmp_path, state):
    """The read stage keeps no output when a streaming stage follows it; a recipe whose next stage is a
    barrier (reads it twice, as MinHash does) gets the read stage run again to keep its output."""
    from pipelines.run import run_group

    streaming = plan_build(str(toy_recipe(tmp_path, [{"type": "extract"}], "a")), out=tmp_path / "out")
    run_group(streaming, [0, 1])
    read = streaming.cache_dir / streaming.stages[0].fingerprint
    assert (read / "funnel.json").is_file() and not (read / "data").exists()
    barrier = plan_build(str(toy_recipe(tmp_path, [{"type": "dedup_exact"}], "b")), out=tmp_path / "out")
    assert barrier.stages[0].fingerprint == streaming.stages[0].fingerprint
    again, = run_group(barrier, [0])
    assert not again["cached"] and (read / "data").is_dir()
    dedup, = run_group(barrier, [1])
    assert dedup["in"] == again["out"] > 0
