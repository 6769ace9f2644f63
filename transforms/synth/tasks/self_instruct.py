"""self_instruct: new instructions and responses from seed tasks, near-copies (ROUGE-L > 0.7) dropped."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from transforms.synth.tasks.base import Parsed, Task

SIMILARITY = 0.7  # Self-Instruct keeps an instruction only if its ROUGE-L with every other is below this


class RougeL:
    """ROUGE-L F-measure against a growing pool of instructions (Self-Instruct's rouge_score scorer)."""

    def __init__(self, pool: Iterable[str] = ()):
        from rouge_score import rouge_scorer

        self.scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
        self.pool = [self.scorer._tokenizer.tokenize(t) for t in pool]

    def most_similar(self, text: str) -> float:
        from rouge_score.rouge_scorer import _score_lcs

        tokens = self.scorer._tokenizer.tokenize(text)
        return max((_score_lcs(p, tokens).fmeasure for p in self.pool), default=0.0)

    def add(self, text: str) -> None:
        self.pool.append(self.scorer._tokenizer.tokenize(text))


class SelfInstruct(Task):
    """A new task and its response, prompted with a few seed tasks as examples."""

    name = "self_instruct"
    record_type = "instruction"
    inputs = ("examples",)
    takes_seeds = True
    template = """\
Come up with a new task, different from these examples, and a good response to it.
{% for example in examples %}
Task {{ loop.index }}: {{ example }}{% endfor %}

Reply with a JSON object with the keys "instruction" and "response"."""
    schema = {
        "type": "object",
        "properties": {
            "instruction": {"type": "string", "minLength": 8, "maxLength": 400},
            "response": {"type": "string", "minLength": 1, "maxLength": 1000},
        },
        "required": ["instruction", "response"],
        "additionalProperties": False,
    }

    def __init__(self, seeds: list[str] | None = None, similarity: float = SIMILARITY):
        super().__init__()
        self.seeds = list(seeds or [])
        self.similarity = similarity

    @staticmethod
    def slots(seeds: list[dict], count: int, examples: int = 3, seed: int = 0) -> Iterator[dict]:
        """`count` prompt records, each with `examples` seed instructions drawn deterministically."""
        rng = random.Random(seed)
        texts = [s["instruction"] for s in seeds]
        for i in range(count):
            yield {"id": f"self_instruct-{i}", "examples": rng.sample(texts, min(examples, len(texts)))}

    def check(self, record: dict, value: dict) -> Parsed:
        if "_seed_rouge" not in self.__dict__:
            self._seed_rouge = RougeL(self.seeds)
        if self._seed_rouge.most_similar(value["instruction"]) > self.similarity:
            return Parsed(None, "near_copy_of_seed")
        return Parsed({"instruction": value["instruction"], "response": value["response"]})

    def after_sort(self, rows: Iterable[dict]) -> Iterator[tuple[dict, str | None]]:
        return self.drop_near_copies(rows)

    def drop_near_copies(self, rows: Iterable[dict]) -> Iterator[tuple[dict, str | None]]:
        """Rows in order, each with None or the reason it goes: a near-copy of one kept before it."""
        kept = RougeL()
        for row in rows:
            if kept.most_similar(row["instruction"]) > self.similarity:
                yield row, "near_copy"
            else:
                kept.add(row["instruction"])
                yield row, None
