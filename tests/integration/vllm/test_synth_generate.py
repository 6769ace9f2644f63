"""A recipe's own task (`task: generate`) in a build on the real vLLM engine: its template, schema and
checks, n samples per prompt, the verified or majority sample kept, failed samples as negative pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.build import build
from support.recipes import write_recipe

from pipelines.errors import RecipeError
from pipelines.plan import plan_build

# generate.yaml: the schema lets the model answer only 7 or 8, and its solutions vary in length: with a
# random-weight model some samples pass both checks and some fail one, so verification, voting and negatives
# all have something to do.
PROBLEMS = [("Tom has 3 apples and buys 4 more. How many apples?", 7), ("What is 4 + 4?", 8),
            ("A week has how many days?", 7), ("How many colours has a rainbow?", 7),
            ("What is 14 / 2?", 7), ("What is 3 + 4?", 7)]


def _recipe(folder: Path, model: Path) -> Path:
    data = folder / "problems.jsonl"
    data.write_text("".join(json.dumps({"id": f"p{i}", "question": q, "answer": f"So.\n#### {a}"}) + "\n"
                            for i, (q, a) in enumerate(PROBLEMS)))
    return write_recipe("generate.yaml", folder, data=data, model=model)


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_model, backend_spec):
    base = tmp_path_factory.mktemp("generate")
    result, _ = build(base / "state", base / "out", recipe=str(_recipe(base, tiny_model)))
    path = Path(result["path"])
    return path, json.loads((path / "manifest.json").read_text())


def test_verified_samples_are_kept_and_failed_ones_paired_as_negatives(built):
    path, manifest = built
    math = next(s for s in manifest["stages"] if s["name"] == "synthesize-math")
    dedup = next(s for s in manifest["stages"] if s["name"] == "dedup_exact-math")
    assert math["in"] == len(PROBLEMS) * 4 == math["out"] + sum(math["dropped"].values())
    assert "unaccounted" not in math["dropped"] and math["out"] > 0
    assert set(math["dropped"]) <= {"wrong_answer", "too_short"} and math["dropped"]
    reference = {f"p{i}": str(a) for i, (_, a) in enumerate(PROBLEMS)}
    rows = pq.read_table(path / "data" / "math").to_pylist()
    assert len(rows) == dedup["out"] == math["out"] - sum(dedup["dropped"].values())
    assert all(r["answer"] == reference[r["source_id"]] for r in rows)
    assert {r["selected"] for r in rows} == {"verified"}
    assert all(len(r["solution"].split()) >= 6 for r in rows)
    order = [(r["source_id"], r["sample"]) for r in rows]
    assert order == sorted(order)

    pairs = pq.read_table(path / "data" / "math_negatives").to_pylist()
    negatives = manifest["configs"]["math_negatives"]["rows"]
    assert len(pairs) == math["synth"]["negatives"]["rows"] == negatives
    kept = {(r["source_id"], r["sample"]) for r in rows}
    for pair in pairs:  # the first kept sample of the prompt against one that failed the answer check
        assert (pair["source_id"], pair["chosen_sample"]) in kept
        assert (pair["source_id"], pair["sample"]) not in kept
        assert pair["rejected_reason"] in ("wrong_answer", "too_short")
        assert pair["chosen_sample"] == min(s for src, s in kept if src == pair["source_id"])
        assert pair["prompt"].startswith("Solve, then give the final answer: ")
    # Every prompt with a kept sample pairs its first with each sample that failed a check (none was
    # unparsable: structured outputs); a pair whose chosen row the dedup removed went with it.
    made = len(pairs) + math["synth"]["negatives"].get("removed_with_their_rows", 0)
    assert 0 < made <= sum(math["dropped"].values())


def test_majority_keeps_one_sample_per_prompt_with_its_agreement(built):
    path, manifest = built
    vote = next(s for s in manifest["stages"] if s["name"] == "synthesize-vote")
    rows = pq.read_table(path / "data" / "vote").to_pylist()
    assert vote["in"] == len(PROBLEMS) * 5 == vote["out"] + sum(vote["dropped"].values())
    assert len(rows) == len(PROBLEMS) == len({r["source_id"] for r in rows})  # two answers, five votes
    assert vote["dropped"] == {"not_selected": len(PROBLEMS) * 4}
    assert all(r["selected"] == "majority" and r["agreement"] >= 0.6 for r in rows)


def test_the_card_says_what_each_config_kept(built):
    path, _ = built
    card = (path / "README.md").read_text()
    assert "every sample whose answer matches the reference; dropped: `wrong_answer`, `too_short`" in card
    assert "`math_negatives`" in card and "the majority answer, if it passes" in card


@pytest.mark.parametrize(
    "edit, message",
    [
        (["stages.0.prompt=null"], "task generate needs prompt"),
        (["stages.0.prompt='Solve {{ questoin }}'"], "stages.0: prompt: the template uses 'questoin'"),
        (["stages.0.system='{% if %}'"], "stages.0: system: template error at line 1"),
        (["stages.0.checks=[{type: answer_match, field: answer, reference: gold}]"],
         "stages.0: checks.0: answer_match reads 'gold', which is not an input"),
        (["stages.0.checks=[{type: score, field: answer, min: $lowest}]"],
         "stages.0: checks.0.min: $lowest names no option of the task (options: subject)"),
        (["stages.0.checks=[]"], "stages.0: select: verified keeps the samples whose answer matches"),
        (["stages.2.answer=final"], "stages.2: answer: majority votes on a field of the output; 'final'"),
        (["stages.0.task=nowhere.yaml"], "stages.0: task: the task file"),
        (["stages.0.schema=nowhere.json"], "stages.0: schema: the schema file"),
    ],
)
def test_bad_tasks_fail_in_one_line_before_any_work(tmp_path, monkeypatch, tiny_model, edit, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    with pytest.raises(RecipeError) as info:
        plan_build(str(_recipe(tmp_path, tiny_model)), edit, tmp_path / "out")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "state" / "stages").exists()


def test_a_task_file_is_a_task_and_part_of_the_fingerprint(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    task = tmp_path / "summary.yaml"
    task.write_text("name: summary\nprompt: 'Summarise: {{ text }}'\ninputs: [text]\n"
                    "schema: {type: object, properties: {summary: {type: string}}, required: [summary]}\n")
    recipe = _recipe(tmp_path, tiny_model)
    edit = [f"stages=[{{type: synthesize, task: {task}, config: summaries, model: {tiny_model}}}]"]
    first = plan_build(str(recipe), edit, tmp_path / "out")
    assert first.stages[1].name == "synthesize-summaries"
    task.write_text(task.read_text().replace("Summarise", "Summarize"))
    again = plan_build(str(recipe), edit, tmp_path / "out")
    assert again.stages[1].fingerprint != first.stages[1].fingerprint
