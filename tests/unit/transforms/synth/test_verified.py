"""Verified math without a model: the shipped problems are the generator's, their answers right; a verified
row records how many samples agreed."""

from __future__ import annotations

import json
import re

from pipelines.recipe import builtin_recipes
from transforms.synth.problems import problems
from transforms.synth.select import Selection
from transforms.synth.task import Parsed

DATA = builtin_recipes()["verified-math"].parent / "data" / "verified-math"
SOLVE = {0: lambda a, b: a + b, 1: lambda a, b: a - b, 2: lambda a, b: a * b, 3: lambda t, b: t / b,
         4: lambda a, b, c: a * b - c, 5: lambda a, b, c: a * b + c}


def test_the_shipped_problems_are_the_generator_s_and_their_answers_are_right():
    shipped = [json.loads(line) for line in open(DATA / "problems.jsonl")]
    assert shipped == list(problems(120, seed=0)) and shipped != list(problems(120, seed=1))
    for p in shipped:  # solved again from the numbers in the question
        numbers = [int(n) for n in re.findall(r"\d+", p["question"])]
        answer = SOLVE[p["template"]](*numbers)
        assert answer == int(answer) >= 0 and p["answer"] == f"#### {int(answer)}", p
    assert len({p["template"] for p in shipped}) == 6


def test_verified_rows_record_how_many_samples_agreed():
    def sample(answer, ok):
        value = {"solution": "s", "answer": answer}
        return Parsed(value if ok else None, None if ok else "wrong_answer", value)

    selection = Selection("verified", "answer", negatives=True, response="solution")
    outcome, pairs = selection.choose([sample("7", True), sample("8", False), sample("7.0", True),
                                       sample("9", False)])
    rows = [row for _, row, _ in outcome if row]
    assert [r["agreement"] for r in rows] == [0.5, 0.5] and {r["selected"] for r in rows} == {"verified"}
    assert pairs == [(0, 1), (0, 3)]
