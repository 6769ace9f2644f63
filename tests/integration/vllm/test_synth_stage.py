"""The synthesize stage in a build: curated pages -> doc_qa -> critique, one config per record type."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml
from support.build import build
from support.synth import synth_recipe

from pipelines.errors import RecipeError
from pipelines.plan import plan_build


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_model, backend_spec):
    base = tmp_path_factory.mktemp("synth-stage")
    recipe = synth_recipe(base, tiny_model)
    result, _ = build(base / "state", base / "out", recipe=str(recipe))
    path = Path(result["path"])
    return {
        "base": base,
        "recipe": recipe,
        "path": path,
        "manifest": json.loads((path / "manifest.json").read_text()),
    }


def test_each_record_type_is_a_config_that_datasets_loads(built, tmp_path):
    path, manifest = built["path"], built["manifest"]
    assert set(manifest["configs"]) == {"qa", "critique"}
    header = yaml.safe_load((path / "README.md").read_text().split("---")[1])
    assert [c["config_name"] for c in header["configs"]] == ["default", "qa", "critique"]
    docs = datasets.load_dataset(str(path), cache_dir=str(tmp_path / "hf"))["train"]
    qa = datasets.load_dataset(str(path), "qa", cache_dir=str(tmp_path / "hf"))["train"]
    critique = datasets.load_dataset(str(path), "critique", cache_dir=str(tmp_path / "hf"))["train"]
    assert len(qa) == manifest["configs"]["qa"]["rows"] > 0 and len(critique) > 0
    assert set(qa["source_id"]) <= set(docs["id"])  # every pair comes from a curated page
    assert set(critique["source_id"]) <= set(qa["id"])  # every verdict judges a generated pair
    for row in qa:
        assert row["model"] == "tiny-llama" and row["seed"] == 4 and row["template_sha256"]
        assert json.loads(row["sampling"])["n"] == 2
    assert all(1 <= s <= 10 for s in critique["score"])
    assert "## Synthetic data" in (path / "README.md").read_text()


def test_the_funnel_counts_every_sample(built):
    names = [s["name"] for s in built["manifest"]["stages"]]
    assert names == ["read", "extract", "langid", "synthesize-qa", "synthesize-critique"]
    qa = built["manifest"]["stages"][3]
    langid = built["manifest"]["stages"][2]
    assert qa["in"] == 2 * langid["out"]  # n = 2 samples per page
    assert qa["in"] == qa["out"] + sum(qa["dropped"].values()) and "unaccounted" not in qa["dropped"]
    assert qa["synth"]["generated_prompts"] + qa["synth"]["cached_prompts"] == langid["out"]


def test_a_changed_threshold_reruns_only_the_critique_and_generates_nothing(built):
    result, _ = build(
        built["base"] / "state",
        built["base"] / "out",
        "stages.3.options.threshold=6",
        recipe=str(built["recipe"]),
    )
    manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
    assert manifest["parent"] == built["manifest"]["version"]
    assert [bool(s.get("cached")) for s in manifest["stages"]] == [True, True, True, True, False]
    critique = manifest["stages"][-1]
    assert critique["synth"]["generated_prompts"] == 0  # every verdict came from the generation cache
    kept = pq.read_table(Path(result["path"]) / "data" / "critique").column("score").to_pylist()
    assert (
        all(s >= 6 for s in kept)
        and len(kept) + critique["dropped"].get("below_threshold", 0) == critique["in"]
    )


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ["stages.3.input=summaries"],
            "stages.3.input: no earlier synthesize stage writes config 'summaries'",
        ),
        (
            ["stages.2.options={colour: red}"],
            "doc_qa has no option 'colour' (options: min_support, max_passage_chars)",
        ),
        (["stages.2.model=/nowhere/model"], "model folder /nowhere/model does not exist"),
        (["stages.3.backend=openai"], "the openai backend needs base_url"),
        (["stages.2.task=self_instruct"], "self_instruct needs seeds"),
    ],
)
def test_bad_synthesis_recipes_fail_before_any_work(tmp_path, monkeypatch, tiny_model, edit, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    recipe = synth_recipe(tmp_path, tiny_model)
    with pytest.raises(RecipeError) as info:
        plan_build(str(recipe), edit, tmp_path / "out")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "state" / "stages").exists()


def test_document_stages_come_first(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    data = yaml.safe_load(synth_recipe(tmp_path, tiny_model).read_text())
    data["stages"].append({"type": "dedup_exact"})
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(RecipeError, match="stages.4: document stages come before the synthesize stages"):
        plan_build(str(tmp_path / "bad.yaml"), [], tmp_path / "out")


def test_preference_stage_counts_every_prompt(tmp_path, tiny_model, backend_spec):
    data = yaml.safe_load(synth_recipe(tmp_path, tiny_model).read_text())
    data["stages"][3] = {
        "type": "synthesize",
        "task": "preference",
        "input": "qa",
        "fields": {"prompt": "question"},
        "model": str(tiny_model),
        "sampling": {"n": 3, "seed": 1, "max_tokens": 300},
    }
    (tmp_path / "pref.yaml").write_text(yaml.safe_dump(data))
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(tmp_path / "pref.yaml"))
    manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
    qa, preference = manifest["stages"][-2:]
    assert preference["in"] == qa["out"]  # one prompt per question
    assert preference["in"] == preference["out"] + sum(preference["dropped"].values())
    assert "unaccounted" not in preference["dropped"]
    assert manifest["configs"]["preference"]["rows"] == preference["out"]


def test_self_instruct_stage_from_a_seed_file(tmp_path, tiny_model, backend_spec):
    seeds = [
        {"instruction": t}
        for t in (
            "Write a haiku about the harbour.",
            "List three uses of a lamp.",
            "Explain why the tide comes in twice a day.",
        )
    ]
    (tmp_path / "seeds.jsonl").write_text("".join(json.dumps(s) + "\n" for s in seeds))
    data = yaml.safe_load(synth_recipe(tmp_path, tiny_model).read_text())
    data["stages"][2:] = [
        {
            "type": "synthesize",
            "task": "self_instruct",
            "seeds": "seeds.jsonl",
            "count": 20,
            "model": str(tiny_model),
            "sampling": {"seed": 2, "max_tokens": 400},
        }
    ]
    (tmp_path / "si.yaml").write_text(yaml.safe_dump(data))
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(tmp_path / "si.yaml"))
    path = Path(result["path"])
    stage = json.loads((path / "manifest.json").read_text())["stages"][-1]
    rows = pq.read_table(path / "data" / "instruction").to_pylist()
    assert stage["in"] == 20 == stage["out"] + sum(stage["dropped"].values()) and len(rows) == stage["out"]
    assert [r["source_id"] for r in rows] == sorted(r["source_id"] for r in rows)
    assert all(r["instruction"] and r["response"] for r in rows)


def test_an_openai_model_is_the_name_the_server_knows_not_a_path(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    recipe = synth_recipe(tmp_path, tiny_model)
    served = ["stages.3.backend=openai", "stages.3.base_url=http://127.0.0.1:9/v1", "stages.3.model=tiny"]
    plan = plan_build(str(recipe), served, tmp_path / "out")
    assert plan.stages[-1].spec.model == "tiny"
    with pytest.raises(RecipeError, match="model folder .*/tiny does not exist"):  # offline: a folder
        plan_build(str(recipe), ["stages.3.model=tiny"], tmp_path / "out")
