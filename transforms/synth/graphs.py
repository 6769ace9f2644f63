"""What a task makes of one chunk of records, by its graph: one generation; n responses, each judged, made a
preference pair; or pairs of responses judged in both orders and decided. Every sample of a prompt is in its
chunk, so a chunk needs nothing of another: any number of tasks can each run their own."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

from transforms.synth.generator import COMPARISONS, REJECTED, ROWS, Generator, Output
from transforms.synth.pairs import pick_pair
from transforms.synth.pairwise import both_orders, decide


class Generate:
    """One generation of the task: its rows, rejects and negatives."""

    outputs = (ROWS, REJECTED, "negatives")

    def __init__(self, backend, task, sampling, cache):
        self.generators = [Generator(backend, task, sampling, cache)]

    def chunk(self, records: list[dict]) -> Iterator[Output]:
        yield from self.generators[0].chunk(records)


class PreferencePairs:
    """n responses per prompt, each judged (n=1), then the best and worst of a prompt as a pair."""

    outputs = (ROWS, REJECTED)

    def __init__(self, backend, task, sampling, cache):
        self.task, self.sampling = task, sampling
        self.respond = Generator(backend, task, sampling, cache)
        once = dataclasses.replace(sampling, n=1)
        self.judge = Generator(backend, task.judge, once, cache, prefix="judge_")
        self.generators = [self.respond, self.judge]

    def chunk(self, records: list[dict]) -> Iterator[Output]:
        responses = []
        for kind, record in self.respond.chunk(records):
            if kind == ROWS:
                responses.append(record)
            elif kind == REJECTED:
                yield kind, record
        to_judge = [{"id": f"{r['source_id']}#{r['sample']}", "prompt": r["prompt"],
                     "response": r["response"]} for r in responses]
        by_prompt: dict[str, list[dict]] = {}
        for kind, verdict in self.judge.chunk(to_judge):
            if kind != ROWS:
                if kind == REJECTED:
                    yield kind, verdict
                continue
            prompt_id, _, sample = verdict["source_id"].rpartition("#")
            by_prompt.setdefault(prompt_id, []).append(verdict | {"response_sample": int(sample)})
        for prompt_id, verdicts in by_prompt.items():
            verdicts.sort(key=lambda v: v["response_sample"])
            parsed = pick_pair(verdicts[0]["prompt"], [(v["response"], v["score"]) for v in verdicts])
            if parsed.row is None:
                self.respond.counts[f"rejected_{parsed.reason}"] += 1
                yield REJECTED, {"source_id": prompt_id, "sample": None, "reason": parsed.reason}
                continue
            self.respond.counts["pairs"] += 1
            # The pair's provenance: how its responses were sampled, by which model.
            yield ROWS, parsed.row | {
                "source_id": prompt_id, "sample": 0, "task": self.task.name, "model": verdicts[0]["model"],
                "model_revision": verdicts[0]["model_revision"],
                "sampling": json.dumps(self.sampling.as_dict(), sort_keys=True),
                "template_sha256": self.task.template_sha256, "seed": self.sampling.seed}


class Pairwise:
    """Each pair of responses put to the judge in both orders (n=1 per order), the two verdicts made one."""

    outputs = (ROWS, REJECTED, COMPARISONS)

    def __init__(self, backend, task, sampling, cache):
        self.task, self.sampling, self.backend = task, sampling, backend
        self.judge = Generator(backend, task, sampling, cache, prefix="judge_")
        self.generators = [self.judge]

    def chunk(self, pairs: list[dict]) -> Iterator[Output]:
        orders = [order for pair in pairs for order in both_orders(pair)]
        self.judge.counts["comparisons"] += len(pairs)
        judged: dict[str, dict[str, dict | None]] = {f"{p['id']}#{p['pair']}": {} for p in pairs}
        for kind, record in self.judge.chunk(orders):
            if kind not in (ROWS, REJECTED):
                continue
            key, _, order = record["source_id"].rpartition("#")
            judged[key][order] = record if kind == ROWS else None
        for pair in pairs:
            verdicts = judged[f"{pair['id']}#{pair['pair']}"]
            any_row = next((r for r in verdicts.values() if r), {})
            provenance = {"source_id": str(pair["id"]), "sample": pair["pair"], "task": self.task.name,
                          "model": any_row.get("model", self.backend.model_id),
                          "model_revision": any_row.get("model_revision", ""),
                          "sampling": json.dumps(self.sampling.as_dict(), sort_keys=True),
                          "template_sha256": self.task.template_sha256, "seed": self.sampling.seed}
            comparison, row, reason = decide(pair, verdicts, provenance)
            yield COMPARISONS, comparison
            if reason:
                self.judge.counts[f"rejected_{reason}"] += 1
                yield REJECTED, {"source_id": str(pair["id"]), "sample": pair["pair"], "reason": reason}
                continue
            self.judge.counts["rows"] += 1
            yield ROWS, row


GRAPHS = {"generate": Generate, "preference_pairs": PreferencePairs, "pairwise": Pairwise}


def counts_of(graph) -> dict[str, int]:
    """Every counter of a graph's generators, summed."""
    total: dict[str, int] = {}
    for generator in graph.generators:
        for name, value in generator.counts.items():
            total[name] = total.get(name, 0) + value
    return total
