"""A preference pair from a prompt's judged responses: the best and the worst, ties to the earlier sample."""

from __future__ import annotations

from transforms.synth.parsed import Parsed


def pick_pair(prompt: str, scored: list[tuple[str, int]]) -> Parsed:
    """The pair from (response, score)s: ties on score go to the earlier sample, for determinism."""
    if len(scored) < 2:
        return Parsed(None, "too_few_judged")
    best = max(range(len(scored)), key=lambda i: (scored[i][1], -i))
    worst = min(range(len(scored)), key=lambda i: (scored[i][1], i))
    if scored[best][1] == scored[worst][1]:
        return Parsed(None, "all_scores_equal")
    return Parsed({"prompt": prompt, "chosen": scored[best][0], "rejected": scored[worst][0],
                   "chosen_score": scored[best][1], "rejected_score": scored[worst][1]})
