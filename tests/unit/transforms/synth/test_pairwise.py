"""Pairwise judging with no engine: pairs and both orders, verdicts made one (MT-Bench's swap), and
Bradley-Terry strengths against the closed form and against strengths the outcomes were drawn from."""

from __future__ import annotations

import json

import numpy as np
import pytest

from transforms.bradley_terry import fit, strengths
from transforms.synth.pairwise import both_orders, comparisons, decide, outcome
from transforms.synth.tasks import load_task


def test_every_two_responses_of_a_prompt_are_a_pair_judged_in_both_orders():
    rows = [("cool", 0, {"prompt": "Why?", "response": "Because."}),
            ("hot", 0, {"prompt": "Why?", "response": "No idea."}),
            ("hot", 1, {"prompt": "Why?", "response": "Tides."})]
    across = list(comparisons("p1", rows, across=True))
    assert [(c["source_a"], c["source_b"], c["sample_b"]) for c in across] == [("cool", "hot", 0),
                                                                                ("cool", "hot", 1)]
    assert len(list(comparisons("p1", rows))) == 3  # within a config too: samples against each other
    ab, ba = both_orders(across[0])
    assert (ab["id"], ba["id"]) == ("p1#0#ab", "p1#0#ba")
    assert (ab["response_a"], ba["response_a"]) == ("Because.", "No idea.")
    assert (ba["response_b"], ab["response_b"]) == ("Because.", "No idea.")
    task = load_task("judge_pairwise")
    shown = task.messages(ba)[0]["content"]
    assert shown.index("No idea.") < shown.index("Because.")  # the swapped order shows b first


@pytest.mark.parametrize("ab, ba, winner, reason", [
    ("A", "B", "a", None),                   # a first and chosen; a second (B) and chosen: consistent
    ("B", "A", "b", None),
    ("A", "A", "tie", "position_inconsistent"),  # the first shown wins whichever it is: position bias
    ("tie", "tie", "tie", "tie"),
    ("A", "tie", "tie", "position_inconsistent"),
    ("A", None, None, "unjudged"),
])
def test_a_verdict_that_flips_with_the_order_is_a_tie(ab, ba, winner, reason):
    result = outcome([("ab", ab), ("ba", ba)])
    assert (result.winner, result.reason) == (winner, reason)


def test_a_decided_pair_is_chosen_rejected_in_the_pair_s_own_frame():
    [pair] = comparisons("p1", [("cool", 0, {"prompt": "Why?", "response": "Because."}),
                                ("hot", 0, {"prompt": "Why?", "response": "No idea."})], across=True)
    # b ("No idea.") wins: shown second it is "B", shown first (swapped) it is "A".
    judged = {"ab": {"verdict": "B", "rationale": "b is right"}, "ba": {"verdict": "A", "rationale": "first"}}
    comparison, row, reason = decide(pair, judged, {"source_id": "p1"})
    assert reason is None and comparison["winner"] == "hot" and not comparison["position_inconsistent"]
    assert (row["chosen"], row["rejected"], row["chosen_source"]) == ("No idea.", "Because.", "hot")
    assert row["rationale"] == "b is right" and row["source_id"] == "p1"
    comparison, row, reason = decide(pair, judged | {"ba": {"verdict": "B", "rationale": "x"}}, {})
    assert (row, reason, comparison["winner"]) == (None, "position_inconsistent", "tie")
    assert (comparison["verdict_ab"], comparison["verdict_ba"]) == ("b", "a")
    comparison, row, reason = decide(pair, judged | {"ba": None}, {})
    assert (row, reason, comparison["winner"], comparison["rationale_ba"]) == (None, "unjudged", None, None)


def test_the_judge_parses_a_verdict_and_refuses_anything_else():
    task = load_task("judge_pairwise")
    record = {"prompt": "Why?", "response_a": "x", "response_b": "y"}
    assert task.parse(record, json.dumps({"rationale": "A is right.", "verdict": "A"})).row["verdict"] == "A"
    assert task.parse(record, json.dumps({"rationale": "?", "verdict": "C"})).reason == "schema_mismatch"


def test_two_sources_match_the_closed_form():
    # For two sources the maximum-likelihood P(a beats b) is a's share of the wins (ties half each).
    outcomes = [("a", "b", 1.0)] * 15 + [("a", "b", 0.0)] * 4 + [("a", "b", 0.5)] * 2
    p = fit(np.array([[0, 16.0], [5.0, 0]]), prior=0)
    assert p[0] / (p[0] + p[1]) == pytest.approx(16 / 21, abs=1e-8)
    table = {r["source"]: r for r in strengths(outcomes, rounds=200, prior=0)}
    assert table["a"]["strength"] == pytest.approx(16 / 21, abs=1e-4)
    assert (table["a"]["wins"], table["a"]["losses"], table["a"]["ties"]) == (15, 4, 2)
    assert table["a"]["low"] < table["a"]["strength"] < table["a"]["high"]
    assert table["a"]["rating"] > 1000 > table["b"]["rating"]


def test_strengths_recover_those_the_outcomes_were_drawn_from():
    rng = np.random.default_rng(7)
    true = {"small": 1.0, "medium": 2.0, "large": 6.0, "huge": 12.0}
    names = list(true)
    outcomes = []
    for _ in range(3000):
        i, j = rng.choice(4, 2, replace=False)
        a, b = names[i], names[j]
        outcomes.append((a, b, float(rng.random() < true[a] / (true[a] + true[b]))))
    table = {r["source"]: r for r in strengths(outcomes, rounds=100, seed=1)}
    total = sum(true.values())
    for name, value in true.items():
        assert table[name]["strength"] == pytest.approx(value / total, rel=0.12)
        assert table[name]["low"] <= value / total <= table[name]["high"] or \
            table[name]["strength"] == pytest.approx(value / total, rel=0.05)
    assert [r["source"] for r in strengths(outcomes, rounds=10)] == ["huge", "large", "medium", "small"]


def test_a_source_that_never_wins_keeps_a_finite_strength():
    table = {r["source"]: r for r in strengths([("a", "b", 1.0)] * 10, rounds=50)}
    assert 0 < table["b"]["strength"] < table["a"]["strength"] < 1
    assert np.isfinite(table["b"]["rating"])
