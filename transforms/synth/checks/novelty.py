"""novelty: ROUGE-L of a field against the seed tasks or the rows kept before it, below a bound."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from transforms.synth.checks.base import Check, CheckContext

SIMILARITY = 0.7  # Self-Instruct keeps an instruction only if its ROUGE-L with every other is below this


class RougeL:
    """ROUGE-L F-measure against a growing pool of texts (Self-Instruct's rouge_score scorer)."""

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


class Novelty(Check):
    """ROUGE-L of the field with every seed (`against: seeds`) or every earlier kept row (`against: rows`,
    in source order) at most `max`."""

    type: Literal["novelty"]
    against: Literal["seeds", "rows"] = "rows"
    max: float = Field(SIMILARITY, ge=0, le=1)

    @property
    def reason(self) -> str:
        return self.name or ("near_copy_of_seed" if self.against == "seeds" else "near_copy")

    @property
    def ordered(self) -> bool:  # type: ignore[override]
        return self.against == "rows"

    def _key(self) -> str:
        return f"rouge:{self.against}:{self.field}"

    def start(self, context: CheckContext) -> None:
        context.forget(self._key())

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        text = str(row.get(self.field) or "")
        pool = context.get(self._key(), lambda: RougeL(context.seeds if self.against == "seeds" else ()))
        if pool.most_similar(text) > self.max:
            return False
        if self.against == "rows":
            pool.add(text)
        return True
