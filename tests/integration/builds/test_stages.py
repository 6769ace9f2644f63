"""Stage types in builds: an edited stage reruns from itself on, and a user's stage type from one file
builds, with one-line errors without it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support import TESTS, run_cli
from support.stages import edited, toy_recipe

from pipelines import code_version

PLUGINS = TESTS / "data" / "plugins"


@pytest.mark.slow
@pytest.mark.parametrize("module, rerun", [
    # langid reads extract's cache; extract reads the inputs again (the read stage keeps no copy).
    ("pipelines.engines.datatrove.langid", ["langid", "gopher_quality"]),
    ("transforms.extract", ["extract", "langid", "gopher_quality"]),
])
def test_editing_one_stage_step_reruns_from_that_stage_only(module, rerun, tmp_path, state, monkeypatch):
    from flows.build import build_flow

    recipe = toy_recipe(tmp_path, [{"type": "extract"}, {"type": "langid", "languages": ["en"]},
                                {"type": "gopher_quality"}])
    first = build_flow(recipe=str(recipe), out=str(tmp_path / "out"))
    monkeypatch.setattr(code_version, "read_source", edited(module))
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
    recipe = toy_recipe(tmp_path, [{"type": "extract"}, {"type": "min_words", "min_words": 200},
                                {"type": "langid", "languages": ["en"]}])
    env = {"PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")]),
           "PIPELINES_STAGES": "min_words", "PIPELINES_HOME": str(state)}

    # Without the plugin the recipe names an unknown type: one line, before any work.
    unknown = run_cli("build", str(recipe), "--out", str(out), env={"PIPELINES_HOME": str(state)})
    assert unknown.returncode == 2, unknown.stderr
    assert "min_words" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1
    bad = run_cli("build", str(toy_recipe(tmp_path, [{"type": "min_words", "min_words": 0}], "bad")),
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
