"""Pairwise judging: responses to one prompt paired up, each pair put to the judge in both orders, and the
two verdicts made one (MT-Bench's swap: a verdict that changes with the order is a tie)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

from transforms.errors import TransformError

# The judge's verdicts, as its schema spells them, and what each order's verdict means for the pair.
A, B, TIE = "A", "B", "tie"
ORDERS = ("ab", "ba")  # ab: the pair as made (a first); ba: swapped


def comparisons(prompt_id: str, responses: list[tuple[str, int, dict]], prompt_field: str = "prompt",
                response_field: str = "response", across: bool = False) -> Iterator[dict]:
    """The records a judge compares: every two of one prompt's responses, given as (source, sample, row) in
    order; `across`: only two from different sources (two configs, not two samples of one)."""
    pairs = (p for p in combinations(responses, 2) if not across or p[0][0] != p[1][0])
    for k, ((sa, ia, ra), (sb, ib, rb)) in enumerate(pairs):
        yield {"id": prompt_id, "pair": k, "prompt": str(ra.get(prompt_field) or ""),
               "response_a": str(ra.get(response_field) or ""),
               "response_b": str(rb.get(response_field) or ""),
               "source_a": sa, "source_b": sb, "sample_a": ia, "sample_b": ib}


def both_orders(comparison: dict) -> Iterator[dict]:
    """The comparison as the judge's two records: as made, and with the responses swapped."""
    key = f"{comparison['id']}#{comparison['pair']}"
    yield comparison | {"id": f"{key}#ab"}
    yield comparison | {"id": f"{key}#ba", "response_a": comparison["response_b"],
                        "response_b": comparison["response_a"]}


def unswapped(verdict: str | None, order: str) -> str | None:
    """A verdict in the pair's own frame: "a", "b" or "tie" (the swapped order's A is the pair's b)."""
    if verdict is None:
        return None
    if verdict == TIE:
        return "tie"
    first = verdict == A
    return "a" if first == (order == "ab") else "b"


@dataclass
class Outcome:
    """Both orders' verdicts of a pair, and the one they make: "a", "b", "tie", or None (unjudged)."""

    ab: str | None
    ba: str | None

    @property
    def judged(self) -> bool:
        return self.ab is not None and self.ba is not None

    @property
    def consistent(self) -> bool:
        return self.judged and self.ab == self.ba

    @property
    def winner(self) -> str | None:
        # MT-Bench: a win only where both orders give it; anything else that was judged is a tie.
        if not self.judged:
            return None
        return self.ab if self.consistent else "tie"

    @property
    def reason(self) -> str | None:
        """Why the pair makes no chosen/rejected row, or None where it does."""
        if not self.judged:
            return "unjudged"
        if not self.consistent:
            return "position_inconsistent"
        return "tie" if self.ab == "tie" else None


def outcome(verdicts: Iterable[tuple[str, str | None]]) -> Outcome:
    """The outcome of a pair from its (order, judge's verdict or None) verdicts."""
    by_order = dict(verdicts)
    return Outcome(unswapped(by_order.get("ab"), "ab"), unswapped(by_order.get("ba"), "ba"))


def decide(pair: dict, judged: dict[str, dict | None],
           provenance: dict) -> tuple[dict, dict | None, str | None]:
    """A pair and its judge's rows by order (None: that order failed) made into its comparison (both
    verdicts, the winner), its chosen/rejected row or None, and why not."""
    result = outcome((order, row["verdict"] if row else None) for order, row in judged.items())
    sources = {"a": pair["source_a"], "b": pair["source_b"]}
    winner = result.winner
    comparison = {
        **{k: pair[k] for k in ("prompt", "response_a", "response_b", "source_a", "source_b", "sample_a",
                                "sample_b")},
        "verdict_ab": result.ab, "verdict_ba": result.ba,
        "rationale_ab": (judged.get("ab") or {}).get("rationale"),
        "rationale_ba": (judged.get("ba") or {}).get("rationale"),
        "winner": sources.get(winner, winner),
        "position_inconsistent": result.reason == "position_inconsistent",
        **provenance}
    if result.reason:
        return comparison, None, result.reason
    loser = "b" if winner == "a" else "a"
    row = {"prompt": pair["prompt"], "chosen": pair[f"response_{winner}"],
           "rejected": pair[f"response_{loser}"],
           "chosen_source": sources[winner], "rejected_source": sources[loser],
           "rationale": judged["ab"]["rationale"], **provenance}
    return comparison, row, None


def check_pairwise(definition, input_config: str | None, against: list[str], n: int,
                   fields: dict[str, str]) -> None:
    """A pairwise judge reads pairs of an earlier config's rows, and judges each order once."""
    task = definition.name
    if definition.graph != "pairwise":
        if against:
            raise TransformError("against is for a pairwise judge (task: judge_pairwise)")
        return
    if input_config is None:
        raise TransformError(f"{task} compares responses: give input: <config> (and against: "
                             "[<config>, ...] to compare configs)")
    if n != 1:
        raise TransformError(f"sampling.n: {task} judges each order of a pair once: n must be 1")
    unknown = sorted(set(fields) - {"prompt", "response"})
    if unknown:
        raise TransformError(f"fields: {task} reads a row's prompt and response; {unknown[0]!r} is "
                             "neither (e.g. fields: {prompt: question, response: answer})")
    if input_config in against or len(set(against)) < len(against):
        raise TransformError("against: each config is compared once, and not with itself")


def write_pairs(out, rows: dict[str, object], fields: dict[str, str], task: str, across: bool) -> int:
    """The pairs of responses to judge, from the rows files of configs (`rows`: config -> its rows file, in
    (source id, sample) order), prompt by prompt, as JSONL in `out`; how many."""
    import json

    from transforms.synth.rows import merged_by_source

    configs = list(rows)
    prompt, response = fields.get("prompt", "prompt"), fields.get("response", "response")
    made = 0
    with open(out, "w") as f:
        for prompt_id, groups in merged_by_source(list(rows.values())):
            responses = [(c if across else f"{c}:{row['sample']}", row["sample"], row)
                         for c, group in zip(configs, groups, strict=True) for row in group]
            for row in (r for _, _, r in responses):
                missing = [k for k in (prompt, response) if k not in row]
                if missing:
                    raise TransformError(f"{task}: the rows of {configs} have no {missing[0]!r} field "
                                         f"(fields: {', '.join(sorted(row))}); map them with "
                                         "fields: {prompt: <field>, response: <field>}")
            for pair in comparisons(prompt_id, responses, prompt, response, across=across):
                made += 1
                f.write(json.dumps(pair, ensure_ascii=False, sort_keys=True) + "\n")
    return made
