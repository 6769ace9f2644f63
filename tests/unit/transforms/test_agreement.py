"""Agreement figures with no engine: kappa against scikit-learn's, rank correlation against SciPy's, and
calibration reports on the labelled samples the repository ships."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score

from pipelines.recipe import builtin_recipes
from transforms.agreement import agreement, cohen_kappa, spearman
from transforms.synth.calibration import pairwise_report, read_labels, score_report

LABELS = builtin_recipes()["pairwise-demo"].parent / "data" / "judge-calibration"


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_is_scikit_learn_s(weights):
    rng = np.random.default_rng(3)
    people = rng.integers(1, 11, 200)
    judge = np.clip(people + rng.integers(-3, 4, 200), 1, 10)
    ours = cohen_kappa(list(people), list(judge), list(range(1, 11)), weights)
    assert ours == pytest.approx(cohen_kappa_score(people, judge, weights=weights), abs=1e-9)


def test_kappa_of_chance_and_of_perfect_agreement():
    assert cohen_kappa(list("aabb"), list("aabb"), "ab") == 1.0
    assert cohen_kappa(list("abab"), list("aabb"), "ab") == pytest.approx(0.0)
    # A judge that gives every item a 10 agrees with no one, however often people gave 10s.
    assert cohen_kappa([10, 10, 9, 2], [10, 10, 10, 10], list(range(1, 11)), "quadratic") == 0.0
    assert agreement([1, 2, 3], [1, 2, 4]) == pytest.approx(2 / 3)


def test_spearman_is_scipy_s_with_ties():
    x, y = [1, 2, 2, 3, 5, 5, 8], [3, 1, 4, 1, 5, 9, 2]
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_the_shipped_samples_report_a_perfect_judge_as_perfect():
    items = read_labels(str(LABELS / "critique.jsonl"), ["prompt", "response"], "score")
    report = score_report(items, {i["id"]: i["score"] for i in items}, "score", list(range(1, 11)))
    assert (report["agreement"], report["kappa"], report["judged"]) == (1.0, 1.0, 33)
    # The author's scores favour longer answers somewhat: the figure a judge's is read against.
    assert report["length_correlation"] == report["human_length_correlation"] > 0.3
    # A judge that says 10 to everything, as the demo's critique nearly did: kappa 0.
    lazy = score_report(items, {i["id"]: 10 for i in items}, "score", list(range(1, 11)))
    assert lazy["kappa"] == 0.0 and lazy["judge_mean"] == 10


def test_a_pairwise_report_counts_position_inconsistency():
    items = read_labels(str(LABELS / "pairwise.jsonl"), ["prompt", "response_a", "response_b"], "preference")
    assert [i["preference"] for i in items].count("tie") == 2
    agree = {i["id"]: {"winner": i["preference"], "position_inconsistent": False} for i in items}
    assert pairwise_report(items, agree, "preference")["kappa"] == 1.0
    first = {i["id"]: {"winner": "tie", "position_inconsistent": i["preference"] != "tie"} for i in items}
    report = pairwise_report(items, first, "preference")
    assert report["position_inconsistency_rate"] == 0.875 and report["kappa"] == 0.0
    assert report["agreement"] == 0.125
    unjudged = pairwise_report(items, {}, "preference")
    assert unjudged["judged"] == 0 and unjudged["kappa"] is None


def test_labels_without_the_judge_s_inputs_fail_in_one_line(tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text(json.dumps({"id": 1, "prompt": "?", "score": 3}) + "\n")
    with pytest.raises(Exception, match=r"labels.jsonl line 1 has no 'response' field"):
        read_labels(str(bad), ["prompt", "response"], "score")
