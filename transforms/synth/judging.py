"""What a pairwise judge's comparisons say: verdict counts, position bias, per-prompt winners and the
Bradley-Terry strengths of the response sources."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from transforms.bradley_terry import strengths


def judge_report(comparisons: Path, config: str, written: int, seed: int, rounds: int = 1000) -> dict:
    """The report of the `written` comparisons in `comparisons` (sorted JSONL, config `config`)."""
    outcomes, by_prompt, first, picked = [], {}, 0, 0
    counts = {"judged": 0, "ties": 0, "position_inconsistent": 0, "unjudged": 0}
    with open(comparisons) as f:
        for line in f:
            c = json.loads(line)
            for order, verdict in (("ab", c["verdict_ab"]), ("ba", c["verdict_ba"])):
                if verdict in ("a", "b"):
                    picked += 1
                    first += (verdict == "a") == (order == "ab")
            if c["winner"] is None:
                counts["unjudged"] += 1
                continue
            counts["judged"] += 1
            counts["position_inconsistent"] += c["position_inconsistent"]
            counts["ties"] += c["winner"] == "tie" and not c["position_inconsistent"]
            score = 0.5 if c["winner"] == "tie" else float(c["winner"] == c["source_a"])
            outcomes.append((c["source_a"], c["source_b"], score))
            tally = by_prompt.setdefault(c["source_id"], {})
            for source, points in ((c["source_a"], score), (c["source_b"], 1 - score)):
                tally[source] = tally.get(source, 0) + points
    winners: dict[str, int] = {}
    for tally in by_prompt.values():
        best = max(tally.values())
        top = [s for s, v in tally.items() if v == best]
        key = top[0] if len(top) == 1 else "tie"
        winners[key] = winners.get(key, 0) + 1
    inconsistent = counts["position_inconsistent"] / max(counts["judged"], 1)
    return {"config": config, "comparisons": written, "prompts": len(by_prompt), **counts,
            "position_inconsistency_rate": round(inconsistent, 4),
            "first_position_share": round(first / max(picked, 1), 4),
            "prompt_winners": dict(sorted(winners.items())), "bootstrap_rounds": rounds,
            "bradley_terry": strengths(outcomes, rounds=rounds, seed=seed)}


def write_strengths(table: list[dict], path: Path) -> Path:
    """The Bradley-Terry table as CSV: one row per response source."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]) if table else ["source"])
        writer.writeheader()
        writer.writerows(table)
    return path
