"""Distillation's pieces without a model: a sample that does not depend on how the documents are split,
ratings averaged per document, FineWeb-Edu's rating prompt, and bad recipes failing before any work."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from pipelines.engines.datatrove.distill import SampleByKey, read_sample
from pipelines.errors import RecipeError
from pipelines.plan import plan_build
from pipelines.recipe import builtin_recipes
from transforms.distill import distribution, ratings_by_document, sample_key, smallest
from transforms.synth.tasks import load_task

RECIPE = str(builtin_recipes()["edu-distill"])
DISTILL = "stages.quality_distill"


def test_the_sample_is_the_same_however_the_documents_are_split(tmp_path):
    ids = [f"doc-{i}" for i in range(50)]
    wanted = [i for _, i, _ in smallest(((sample_key(i, 0), i, {}) for i in ids), 12)]
    assert len(wanted) == 12 and wanted != [i for _, i, _ in
                                            smallest(((sample_key(i, 1), i, {}) for i in ids), 12)]
    for ranks in (1, 3):
        out = tmp_path / f"ranks-{ranks}"
        for rank in range(ranks):
            docs = (Document(text=f"text of {i}", id=i) for i in ids[rank::ranks])
            list(SampleByKey(12, 0, str(out)).run(docs, rank, ranks))
        sample = read_sample(out, 12)
        assert [d["id"] for d in sample] == wanted
        assert sample[0] == {"id": wanted[0], "text": f"text of {wanted[0]}"}


def test_ratings_are_averaged_per_document_and_counted_on_the_whole_scale():
    rows = [{"source_id": "a", "score": 2}, {"source_id": "a", "score": 5}, {"source_id": "b", "score": 0}]
    assert [(i, m) for i, _, m in ratings_by_document(rows)] == [("a", 3.5), ("b", 0.0)]
    assert distribution([3.5, 0.0, 5, 4.4]) == {"0": 1, "1": 0, "2": 0, "3": 0, "4": 2, "5": 1}


def test_the_rating_task_is_fineweb_edu_s_additive_prompt():
    task = load_task("edu_rating")
    content = task.messages({"text": "Photosynthesis turns light into sugar. " * 200})[0]["content"]
    words = " ".join(content.split())
    assert "additive 5-point scoring system" in words and "Bestow a fifth point" in words
    assert content.count("Photosynthesis") == 3000 // len("Photosynthesis turns light into sugar. ") + 1
    score = task.schema["properties"]["score"]
    assert (score["type"], score["minimum"], score["maximum"]) == ("integer", 0, 5)
    assert task.parse({"text": "x"}, '{"rationale": "r", "score": 6}').reason == "schema_mismatch"


@pytest.mark.parametrize(("edit", "message"), [
    ([f"{DISTILL}.rater.input=qa"], "rater.input: the rater rates this stage's sample of the documents"),
    ([f"{DISTILL}.rater.sampling.temperature=-1"], "rater.sampling.temperature"),
    ([f"{DISTILL}.rater.task=critique"], "critique has no option 'max_chars'"),
    ([f"{DISTILL}.rater.task=critique", f"{DISTILL}.rater.options={{}}"], "critique reads prompt, response"),
    ([f"{DISTILL}.holdout=0"], "holdout"),
])
def test_bad_distillation_recipes_fail_before_any_work(tmp_path, monkeypatch, edit, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    with pytest.raises(RecipeError) as info:
        plan_build(RECIPE, edit, tmp_path / "out")
    assert message in str(info.value) and "\n" not in str(info.value)
