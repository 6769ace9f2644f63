"""The pairwise-demo recipe built on the real vLLM engine with the tiny random model: two samplings of the
same prompts, every pair judged in both orders, chosen/rejected where the orders agree, a Bradley-Terry
table in the version and the card. Random weights give random verdicts: the counts, not the winners."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.build import build
from support.recipes import write_recipe

from pipelines.errors import USER_ERRORS, RecipeError
from pipelines.plan import plan_build
from pipelines.recipe import builtin_recipes

RECIPE = str(builtin_recipes()["pairwise-demo"])
LABELS = Path(RECIPE).parent / "data" / "judge-calibration"
PROMPTS = 24


def tiny(model: Path) -> list[str]:
    """The recipe on the tiny model, its responses short (random weights write to the schema's limit)."""
    return [f"stages.{i}.model={model}" for i in range(3)] + [
        f"stages.{i}.{k}" for i in (0, 1) for k in ("schema.properties.response.maxLength=40",
                                                    "sampling.max_tokens=96")]


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_model, backend_spec):
    base = tmp_path_factory.mktemp("pairwise")
    result, _ = build(base / "state", base / "out", *tiny(tiny_model),
                      f"stages.2.calibrate={{labels: {LABELS / 'pairwise.jsonl'}}}", recipe=RECIPE)
    path = Path(result["path"])
    return {"path": path, "manifest": json.loads((path / "manifest.json").read_text())}


def test_every_pair_is_judged_in_both_orders_and_counted(built):
    path, manifest = built["path"], built["manifest"]
    stages = {s["name"]: s for s in manifest["stages"]}
    focused, creative, judge = stages["synthesize-focused"], stages["synthesize-creative"], \
        stages["synthesize-pairwise"]
    pairwise = judge["synth"]["pairwise"]
    # One pair per prompt both samplings answered; the judge saw each pair twice, in both orders.
    both = len({r for r in pq.read_table(path / "data" / "focused").column("source_id").to_pylist()}
               & set(pq.read_table(path / "data" / "creative").column("source_id").to_pylist()))
    assert focused["out"] > PROMPTS // 2 and creative["out"] > PROMPTS // 2
    assert judge["in"] == pairwise["comparisons"] == both
    assert judge["synth"]["generated_prompts"] + judge["synth"]["cached_prompts"] == 2 * both
    assert judge["in"] == judge["out"] + sum(judge["dropped"].values())
    assert pairwise["judged"] + pairwise["unjudged"] == both
    # The random judge at temperature 0 says "A" to every pair, whichever response is shown first: the swap
    # catches it, every pair it judged is position-inconsistent, and neither sampling is stronger.
    assert judge["dropped"] == {"position_inconsistent": pairwise["judged"]} and judge["out"] == 0
    assert pairwise["position_inconsistency_rate"] == 1.0 and pairwise["first_position_share"] == 1.0
    assert pairwise["prompt_winners"] == {"tie": pairwise["judged"]}
    assert {r["strength"] for r in pairwise["bradley_terry"]} == {0.5}

    rows = pq.read_table(path / "data" / "pairwise").to_pylist()
    comparisons = pq.read_table(path / "data" / "pairwise_comparisons").to_pylist()
    assert len(rows) == judge["out"] == manifest["configs"]["pairwise"]["rows"]
    assert len(comparisons) == both == manifest["configs"]["pairwise_comparisons"]["rows"]
    # "A" in both orders is a in the pair as made and b swapped: recorded in the pair's own frame.
    judged = [c for c in comparisons if c["winner"] is not None]
    assert all((c["verdict_ab"], c["verdict_ba"], c["winner"]) == ("a", "b", "tie") for c in judged)
    assert all(c["position_inconsistent"] and c["rationale_ab"] and c["rationale_ba"] for c in judged)
    assert {(c["source_a"], c["source_b"]) for c in comparisons} == {("focused", "creative")}


def test_the_bradley_terry_table_is_in_the_version_and_the_card(built):
    path, manifest = built["path"], built["manifest"]
    pairwise = next(s for s in manifest["stages"] if s["name"] == "synthesize-pairwise")["synth"]["pairwise"]
    with open(path / "bradley_terry-pairwise.csv") as f:
        table = list(csv.DictReader(f))
    assert {r["source"] for r in table} == {"focused", "creative"}
    assert sum(float(r["strength"]) for r in table) == pytest.approx(1, abs=1e-3)
    for r in table:
        assert float(r["low"]) <= float(r["strength"]) <= float(r["high"])
        assert int(r["wins"]) + int(r["losses"]) + int(r["ties"]) == pairwise["judged"]
    assert "bradley_terry-pairwise.csv" in manifest["files"]
    card = (path / "README.md").read_text()
    assert "### Pairwise judging: `pairwise`" in card and "`position_inconsistent`" in card
    assert f"| `{table[0]['source']}` | {float(table[0]['strength']):.3f}" in card


@pytest.mark.parametrize("edit, message", [
    (["stages.2.against=[nowhere]"], "stages.2.against.0: no earlier synthesize stage writes config 'nowh"),
    (["stages.2.sampling.n=2"], "judge_pairwise judges each order of a pair once: n must be 1"),
    (["stages.2.fields={answer: response}"], "fields: judge_pairwise reads a row's prompt and response"),
    (["stages.1.against=[focused]"], "against is for a pairwise judge"),
    (["stages.2.calibrate={labels: /nowhere.jsonl}"], "calibrate.labels: /nowhere.jsonl does not exist"),
    ([f"stages.2.calibrate={{labels: {LABELS / 'critique.jsonl'}}}"],
     "critique.jsonl line 1 has no 'response_a'"),
])
def test_bad_pairwise_recipes_fail_before_any_work(tmp_path, monkeypatch, tiny_model, edit, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    with pytest.raises(RecipeError) as info:
        plan_build(RECIPE, [*tiny(tiny_model), *edit], tmp_path / "out")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_pairwise_judge_is_calibrated_against_people_first(built):
    path, manifest = built["path"], built["manifest"]
    report = next(s for s in manifest["stages"] if s["name"] == "synthesize-pairwise")["synth"]["calibration"]
    assert (report["kind"], report["labels"], report["items"], report["label"]) == (
        "pairwise", "pairwise.jsonl", 16, "preference")
    # "A" in both orders: every labelled pair a tie by position inconsistency, which people called a tie
    # twice in 16: no agreement beyond chance.
    assert report["position_inconsistency_rate"] == 1.0
    assert report["agreement"] == round(2 / report["judged"], 4) and report["kappa"] == 0.0
    assert sum(map(sum, report["confusion"]["counts"])) == report["judged"]
    assert (path / "calibration-pairwise.png").stat().st_size > 10_000
    card = (path / "README.md").read_text()
    assert "### Judge calibration: `pairwise`" in card and "Cohen's kappa 0.000" in card
    assert "(calibration-pairwise.png)" in card


def test_a_scoring_judge_below_min_kappa_stops_the_build_in_one_line(tmp_path, tiny_model, backend_spec):
    prompts = Path(RECIPE).parent / "data" / "pairwise-demo" / "prompts.jsonl"
    recipe = write_recipe("critique-calibration.yaml", tmp_path, "critique.yaml", prompts=prompts,
                          model=tiny_model, labels=LABELS / "critique.jsonl")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    manifest = json.loads((path / "manifest.json").read_text())
    report = manifest["stages"][-1]["synth"]["calibration"]
    assert (report["kind"], report["items"], report["weights"]) == ("score", 33, "quadratic")
    assert report["judged"] >= 30  # structured outputs: every verdict is a score, threshold or not
    assert report["confusion"]["labels"] == list(range(1, 11)) and report["human_mean"] == pytest.approx(
        sum(json.loads(line)["score"] for line in open(LABELS / "critique.jsonl")) / 33, abs=1e-3)
    assert -1 <= report["kappa"] <= 1 and -1 <= report["length_correlation"] <= 1
    assert (path / "calibration-critique.png").is_file()
    # The random judge agrees with nobody: a recipe that asks for kappa 0.6 gets no labels from it.
    with pytest.raises(USER_ERRORS) as info:
        build(tmp_path / "state", tmp_path / "out", "stages.1.calibrate.min_kappa=0.6", recipe=str(recipe))
    message = str(info.value)
    assert f"is {report['kappa']:.3f} ({report['judged']} of 33 items judged), below min_kappa 0.6" in message
    assert "\n" not in message


def test_a_checklist_per_instruction_then_each_item_answered(tmp_path, tiny_model, backend_spec):
    prompts = Path(RECIPE).parent / "data" / "pairwise-demo" / "prompts.jsonl"
    recipe = write_recipe("checklist.yaml", tmp_path, prompts=prompts, model=tiny_model)
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    stages = {s["name"]: s for s in json.loads((path / "manifest.json").read_text())["stages"]}
    checklists = pq.read_table(path / "data" / "checklist").to_pylist()
    judged = pq.read_table(path / "data" / "checklist_judge").to_pylist()
    assert len(checklists) == stages["synthesize-checklist"]["out"] > 0
    assert all(2 <= len(r["questions"]) <= 3 and r["response"] for r in checklists)
    judge = stages["synthesize-checklist_judge"]
    assert judge["in"] == len(checklists) == judge["out"] + sum(judge["dropped"].values())
    assert set(judge["dropped"]) <= {"checklist_unmet", "unparsable", "schema_mismatch", "truncated"}
    questions = {r["id"]: len(r["questions"]) for r in checklists}
    for row in judged:  # one answer per question, the share of YES the score
        assert len(row["answers"]) == questions[row["source_id"]]
        assert row["score"] == pytest.approx(row["answers"].count("YES") / len(row["answers"]), abs=1e-4)
        assert 0 <= row["score"] <= 1


def test_judges_annotate_the_rows_they_judged(tmp_path, tiny_model, backend_spec):
    """`annotate: true`: a scoring judge's score and rationale, and a pairwise judge's wins, become columns of
    the judged config's rows; the judges' own configs are filtered as before."""
    prompts = Path(RECIPE).parent / "data" / "pairwise-demo" / "prompts.jsonl"
    recipe = write_recipe("annotate.yaml", tmp_path, prompts=prompts, model=tiny_model)
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    manifest = json.loads((path / "manifest.json").read_text())
    stages = {s["name"]: s for s in manifest["stages"]}
    answers = pq.read_table(path / "data" / "answers").to_pylist()
    assert answers and {"critique_score", "critique_rationale", "pairwise_wins", "pairwise_losses",
                        "pairwise_ties"} <= set(answers[0])
    # Every answer was judged (structured outputs: each verdict is a score); the critique config keeps only
    # those at the threshold, the answers keep every score.
    scores = [a["critique_score"] for a in answers]
    assert all(isinstance(s, int) and 1 <= s <= 10 for s in scores)
    critique = pq.read_table(path / "data" / "critique").to_pylist()
    assert {c["source_id"] for c in critique} == {a["id"] for a in answers if a["critique_score"] >= 6}
    annotated = stages["synthesize-critique"]["synth"]["annotated"]
    assert sum(annotated["scores"].values()) == len(answers)
    # The pairwise judge compared the two samples of each prompt: each answer was in one judged pair at most.
    for a in answers:
        record = (a["pairwise_wins"], a["pairwise_losses"], a["pairwise_ties"])
        assert record == (None, None, None) or sum(record) == 1
    card = (path / "README.md").read_text()
    assert "### Verdicts on `answers`: `critique`" in card and "| score |" in card
