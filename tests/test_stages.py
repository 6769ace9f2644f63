"""The stage registry: a stage type is one file, its code version is its own, and a user's package adds
one with nothing else changed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, run_cli

from pipelines.plan import plan_build
from pipelines import code_version
from pipelines.stages import RECIPE_STAGES, STAGES

WEB_DEMO = ROOT / "pipelines" / "recipes" / "data" / "web-demo"
PLUGINS = Path(__file__).parent / "data" / "plugins"


def test_every_stage_type_is_one_class_in_a_file_named_after_it():
    for kind, cls in STAGES.items():
        module = cls.__module__.rsplit(".", 1)[-1]
        # The heuristic filters share one file of machinery; each still has its own.
        assert module == kind, (kind, cls.__module__)
        doc = (cls.__doc__ or "").strip()
        assert doc and "\n" not in doc, f"{kind}: a one-line docstring"
    assert set(RECIPE_STAGES) == set(STAGES) - {"read"}


def _recipe(tmp_path: Path, stages: list[dict], name: str = "toy") -> Path:
    recipe = {"name": name, "input": {"format": "warc", "paths": [str(WEB_DEMO / "*.warc.gz")]},
              "executor": {"kind": "local", "tasks": 2, "workers": 1}, "stages": stages}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def _edited(target: str):
    """read_source with one module's source edited (a comment added), as a contributor would."""
    original = code_version.read_source

    def source(name: str) -> str:
        return original(name) + ("\n# edited\n" if name == target else "")

    return source


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
    recipe = _recipe(tmp_path, [
        {"type": "extract"}, {"type": "langid", "languages": ["en"]}, {"type": "gopher_quality"},
        {"type": "decontaminate", "benchmarks": [{"name": "b", "path": str(tmp_path / "bench.jsonl"),
                                                  "shape": "gsm8k", "id_field": "id"}]}])
    before = plan_build(str(recipe), out=tmp_path / "out")
    monkeypatch.setattr(code_version, "read_source", _edited(module))
    after = plan_build(str(recipe), out=tmp_path / "out")
    names = [s.name for s in before.stages]
    first = names.index(first_changed)
    same = [a.fingerprint == b.fingerprint for a, b in zip(before.stages, after.stages, strict=True)]
    # Stages before the edited one keep their fingerprints (their cache); it and those after rerun.
    assert same == [True] * first + [False] * (len(names) - first), (module, names, same)


@pytest.mark.slow
@pytest.mark.parametrize("module, rerun", [
    # langid reads extract's cache; extract reads the inputs again (the read stage keeps no copy).
    ("pipelines.engines.datatrove.langid", ["langid", "gopher_quality"]),
    ("transforms.extract", ["extract", "langid", "gopher_quality"]),
])
def test_editing_one_stage_step_reruns_from_that_stage_only(module, rerun, tmp_path, state, monkeypatch):
    from flows.build import build_flow

    recipe = _recipe(tmp_path, [{"type": "extract"}, {"type": "langid", "languages": ["en"]},
                                {"type": "gopher_quality"}])
    first = build_flow(recipe=str(recipe), out=str(tmp_path / "out"))
    monkeypatch.setattr(code_version, "read_source", _edited(module))
    second = build_flow(recipe=str(recipe), out=str(tmp_path / "out"))
    assert (first["version"], second["version"]) == ("v1", "v2")
    manifests = [json.loads((Path(r["path"]) / "manifest.json").read_text()) for r in (first, second)]
    assert [(s["name"], bool(s.get("cached"))) for s in manifests[1]["stages"]] == [
        (name, name not in rerun) for name in ("read", "extract", "langid", "gopher_quality")]
    # The same funnel: counts and drop reasons do not depend on what came from the cache.
    strip = lambda stages: [{k: s[k] for k in ("in", "out", "dropped")} for s in stages]  # noqa: E731
    assert strip(manifests[0]["stages"]) == strip(manifests[1]["stages"])
    # Same code in effect, so the same rows: the rerun stages made what the cached ones would have.
    rows = [pq.read_table(Path(r["path"]) / "data").to_pylist() for r in (first, second)]
    assert rows[0] == rows[1] and rows[0]


@pytest.mark.slow
def test_a_stage_type_from_one_file_builds(tmp_path, state, out):
    recipe = _recipe(tmp_path, [{"type": "extract"}, {"type": "min_words", "min_words": 200},
                                {"type": "langid", "languages": ["en"]}])
    env = {"PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")]),
           "PIPELINES_STAGES": "min_words", "PIPELINES_HOME": str(state)}

    # Without the plugin the recipe names an unknown type: one line, before any work.
    unknown = run_cli("build", str(recipe), "--out", str(out), env={"PIPELINES_HOME": str(state)})
    assert unknown.returncode == 2, unknown.stderr
    assert "min_words" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1
    bad = run_cli("build", str(_recipe(tmp_path, [{"type": "min_words", "min_words": 0}], "bad")),
                  "--out", str(out), env=env)
    assert bad.returncode == 2 and "stages.0" in bad.stderr and "min_words" in bad.stderr, bad.stderr

    built = run_cli("build", str(recipe), "--out", str(out), env=env)
    assert built.returncode == 0, built.stderr
    version = Path(built.stdout.strip().splitlines()[-1])
    manifest = json.loads((version / "manifest.json").read_text())
    stages = {s["name"]: s for s in manifest["stages"]}
    assert list(stages) == ["read", "extract", "min_words", "langid"]
    assert stages["min_words"]["dropped"]["too_few_words"] > 0
    assert stages["min_words"]["in"] == stages["extract"]["out"]
    assert stages["min_words"]["out"] == stages["langid"]["in"]
    assert manifest["code_version"]["stages"]["min_words"]
    rows = pq.read_table(version / "data").to_pylist()
    assert rows and all(len(r["text"].split()) >= 200 for r in rows)
    card = (version / "README.md").read_text()
    assert f"{stages['min_words']['dropped']['too_few_words']:,} documents had too few words" in card


def test_a_barrier_after_the_read_stage_gets_its_output_made(tmp_path, state):
    """The read stage keeps no output when a streaming stage follows it; a recipe whose next stage is a
    barrier (reads it twice, as MinHash does) gets the read stage run again to keep its output."""
    from pipelines.run import run_group

    streaming = plan_build(str(_recipe(tmp_path, [{"type": "extract"}], "a")), out=tmp_path / "out")
    run_group(streaming, [0, 1])
    read = streaming.cache_dir / streaming.stages[0].fingerprint
    assert (read / "funnel.json").is_file() and not (read / "data").exists()
    barrier = plan_build(str(_recipe(tmp_path, [{"type": "dedup_exact"}], "b")), out=tmp_path / "out")
    assert barrier.stages[0].fingerprint == streaming.stages[0].fingerprint
    again, = run_group(barrier, [0])
    assert not again["cached"] and (read / "data").is_dir()
    dedup, = run_group(barrier, [1])
    assert dedup["in"] == again["out"] > 0
