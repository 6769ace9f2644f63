"""The edu-distill recipe: a model rates a sample of the curated pages 0-5 (FineWeb-Edu's prompt), a fastText
classifier learns the ratings and keeps the pages it scores educational; on the tiny model for the mechanics
(its ratings are random: the counts, the files and the card, not the quality of the labels)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.build import build

from pipelines.engines.datatrove.cache import iter_cached
from pipelines.errors import USER_ERRORS
from pipelines.recipe import builtin_recipes
from transforms.distill import sample_key, smallest
from transforms.quality_score import FastTextQualityScorer

RECIPE = str(builtin_recipes()["edu-distill"])
DISTILL = "stages.quality_distill"


def tiny(model: Path) -> list[str]:
    """The recipe on the tiny model: a page cut short enough for its context. Its output hardly depends on
    the prompt; only after a long random rationale do its ratings differ from page to page (measured: 1s, a
    few 4s and a 2 at temperature 0.7), so both labels occur."""
    return [f"{DISTILL}.rater.model={model}", f"{DISTILL}.rater.options.max_chars=1200",
            f"{DISTILL}.rater.sampling={{n: 1, seed: 0, temperature: 0.7, max_tokens: 400}}"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_model, backend_spec):
    base = tmp_path_factory.mktemp("distill")
    result, _ = build(base / "state", base / "out", *tiny(tiny_model), recipe=RECIPE)
    path = Path(result["path"])
    return {"base": base, "path": path, "manifest": json.loads((path / "manifest.json").read_text())}


@pytest.mark.slow
def test_the_sample_is_rated_and_the_classifier_learns_the_labels(built):
    path, manifest = built["path"], built["manifest"]
    stages = {s["name"]: s for s in manifest["stages"]}
    assert list(stages) == ["read", "extract", "langid", "gopher_repetition", "gopher_quality", "dedup_exact",
                            "quality_distill"]
    stage = stages["quality_distill"]
    d, rating = stage["distill"], stage["distill"]["rating"]
    # The sample asks for more than the crawl has: every curated page is rated, once (n=1).
    assert stage["in"] == stages["dedup_exact"]["out"] == rating["sampled"] > 10
    assert rating["samples"] == rating["sampled"] == rating["rows"] + sum(rating["dropped"].values())
    labels = pq.read_table(path / "data" / "edu_labels").to_pylist()
    assert len(labels) == rating["rows"] == manifest["configs"]["edu_labels"]["rows"]
    before = built["base"] / "state" / "stages" / stages["dedup_exact"]["fingerprint"] / "data"
    curated = {doc.id for stream in iter_cached(before) for doc in stream}
    rated = {r["source_id"] for r in labels}
    assert rated <= curated and len(rated) == len(labels)
    assert all(0 <= r["score"] <= 5 and r["rationale"] and r["text"] for r in labels)
    by_score = {str(k): sum(r["score"] == k for r in labels) for k in range(6)}
    assert d["label_distribution"] == by_score
    positives = sum(r["score"] >= 3 for r in labels)
    counts = d["counts"]
    assert counts["train"]["hq"] + counts["held_out"]["hq"] == positives
    assert counts["train"]["lq"] + counts["held_out"]["lq"] == len(labels) - positives
    assert 0 < positives < len(labels)
    # The classifier is a file of the version, with `pipelines quality train`'s report beside it.
    report = json.loads((path / "quality_classifier.bin.report.json").read_text())
    assert report["metrics"] == d["metrics"] and report["label_field"] == "positive"
    assert report["holdout"] == 0.2 and report["counts"] == counts
    for name in ("precision", "recall", "f1"):
        assert d["metrics"][name] is None or 0 <= d["metrics"][name] <= 1
    # It scores what the version keeps: every kept page at least the threshold, by the classifier in it.
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    scores = FastTextQualityScorer(path / "quality_classifier.bin").score([r["text"] for r in rows])
    assert [r["quality_score"] for r in rows] == pytest.approx(scores.tolist(), abs=1e-6)
    assert all(s >= 0.5 for s in scores) and stage["out"] == len(rows)
    dropped = stage["in"] - len(rows)
    assert stage["dropped"] == ({"below_threshold": dropped} if dropped else {})
    assert d["kept_fraction"] == round(len(rows) / stage["in"], 4)
    assert manifest["files"].get("quality_classifier.bin") == sha256(path / "quality_classifier.bin")


@pytest.mark.slow
def test_the_card_shows_labels_held_out_figures_and_the_kept_fraction(built):
    stage = built["manifest"]["stages"][-1]
    d = stage["distill"]
    card = (built["path"] / "README.md").read_text()
    assert "## Classifier distillation" in card and "FineWeb-Edu" in card
    assert f"| documents | {' | '.join(str(n) for n in d['label_distribution'].values())} |" in card
    m = d["metrics"]
    cells = " | ".join("undefined" if m[k] is None else f"{m[k]:.3f}" for k in ("precision", "recall", "f1",
                                                                                  "roc_auc"))
    assert f"| {cells} |" in card
    assert f"{stage['out']:,} ({d['kept_fraction']:.1%}) reached P(positive) >= 0.5" in card
    assert (built["path"] / "quality_scores.png").is_file()


@pytest.mark.slow
def test_a_rebuild_comes_from_the_cache_and_a_new_threshold_reuses_labels_and_classifier(built, tiny_model):
    base, first = built["base"], built["manifest"]
    again, _ = build(base / "state", base / "out", *tiny(tiny_model), recipe=RECIPE)
    assert again["up_to_date"] and again["version"] == first["version"]
    result, _ = build(base / "state", base / "out", *tiny(tiny_model), f"{DISTILL}.threshold=0.3",
                      recipe=RECIPE)
    path = Path(result["path"])
    new = json.loads((path / "manifest.json").read_text())
    assert [s["cached"] for s in new["stages"]] == [True] * 6 + [False]
    stage = new["stages"][-1]
    assert stage["distill"]["cached_steps"] == {"labels": True, "classifier": True}
    assert stage["distill"]["rating"]["generated_prompts"] == first["stages"][-1]["distill"]["rating"][
        "generated_prompts"]  # the labels' own report, from their cache: nothing generated again
    assert sha256(path / "quality_classifier.bin") == sha256(built["path"] / "quality_classifier.bin")
    assert stage["out"] >= first["stages"][-1]["out"]
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert all(r["quality_score"] >= 0.3 for r in rows) and len(rows) == stage["out"]


@pytest.mark.slow
def test_labels_of_one_class_stop_the_build_in_one_line(built, tiny_model):
    base = built["base"]
    with pytest.raises(USER_ERRORS) as info:
        build(base / "state", base / "out", *tiny(tiny_model), f"{DISTILL}.label_threshold=6", recipe=RECIPE)
    message = str(info.value)
    rated = built["manifest"]["stages"][-1]["distill"]["rating"]["rows"]
    assert f"(0 of {rated} rated documents have a mean rating of at least label_threshold 6)" in message
    assert "\n" not in message


@pytest.mark.slow
def test_a_smaller_sample_is_the_documents_of_smallest_key_rated_from_the_generation_cache(built, tiny_model):
    base, first = built["base"], built["manifest"]
    stages = {s["name"]: s for s in first["stages"]}
    before = base / "state" / "stages" / stages["dedup_exact"]["fingerprint"] / "data"
    curated = sorted(doc.id for stream in iter_cached(before) for doc in stream)
    result, _ = build(base / "state", base / "out", *tiny(tiny_model), f"{DISTILL}.sample=10", recipe=RECIPE)
    path = Path(result["path"])
    rating = json.loads((path / "manifest.json").read_text())["stages"][-1]["distill"]["rating"]
    assert rating["sampled"] == 10 and rating["generated_prompts"] == 0 and rating["cached_prompts"] == 10
    wanted = {i for _, i, _ in smallest(((sample_key(i, 0), i, {}) for i in curated), 10)}
    assert set(pq.read_table(path / "data" / "edu_labels").column("source_id").to_pylist()) == wanted
