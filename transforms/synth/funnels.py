"""A synthesize stage's funnel from the engine's counters, by the task's graph: what a unit is."""

from __future__ import annotations

Funnel = tuple[int, dict, dict]


def samples_funnel(counts: dict[str, int], rows: int, dropped: dict[str, int], n: int) -> Funnel:
    """(units in, drops by reason, losses reported apart): every sample of every prompt is a unit."""
    return counts.get("records", 0) * n, dropped, {}


def pairs_funnel(counts: dict[str, int], rows: int, dropped: dict[str, int], n: int) -> Funnel:
    """A pair per prompt: the funnel counts prompts; the samples and verdicts lost on the way are reported
    apart. A prompt with fewer than two judged responses makes no pair."""
    prompts = counts.get("records", 0)
    losses = {k: v for k, v in dropped.items() if k != "all_scores_equal"}
    losses |= {"judge_" + k.removeprefix("judge_rejected_"): v for k, v in counts.items()
               if k.startswith("judge_rejected_")}
    pairs = {"all_scores_equal": dropped.get("all_scores_equal", 0)}
    pairs["too_few_judged"] = prompts - rows - pairs["all_scores_equal"]
    return prompts, {k: v for k, v in pairs.items() if v}, losses


def comparisons_funnel(counts: dict[str, int], rows: int, dropped: dict[str, int], n: int) -> Funnel:
    """A pair of responses is the unit: a row where both orders' verdicts agree on a winner, else a tie,
    position_inconsistent or unjudged; the judge's failed completions (two per pair) are reported apart."""
    losses = {"judge_" + k.removeprefix("judge_rejected_"): v for k, v in counts.items()
              if k.startswith("judge_rejected_")}
    return counts.get("comparisons", 0), dropped, losses


FUNNELS = {"generate": samples_funnel, "preference_pairs": pairs_funnel, "pairwise": comparisons_funnel}


def tokens_report(counts: dict[str, int]) -> dict:
    """Tokens in and out of the model (a judge's too), and output tokens a second of generation."""
    prompt = sum(v for k, v in counts.items() if k.endswith("prompt_tokens"))
    output = sum(v for k, v in counts.items() if k.endswith("output_tokens"))
    seconds = counts.get("generation_seconds", 0)
    return {"prompt": prompt, "output": output, "seconds": seconds,
            "output_per_second": round(output / seconds, 1) if seconds else None}


def refine_report(counts: dict[str, int], rounds: int) -> dict:
    """Generate, verify, refine: the samples that passed at first, and per round those sent back and those
    that passed then."""
    by_round = [{"round": 0, "passed": counts.get("refine_round_0_passed", 0)}]
    by_round += [{"round": k, "tried": counts.get(f"refine_round_{k}_tried", 0),
                  "passed": counts.get(f"refine_round_{k}_passed", 0)} for k in range(1, rounds + 1)]
    return {"rounds": rounds, "by_round": by_round}
