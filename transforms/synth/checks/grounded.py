"""grounded: the share of a field's content words found in another field (a passage), within bounds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from transforms.decontam.tokens import normalize_tokens
from transforms.synth.checks.base import Bounded, CheckContext

# Words that say nothing about grounding: an answer is supported by its content words.
STOP_WORDS = frozenset(
    "a an the of to in on at by for and or but is are was were be it its this that these "
    "those with from as so not no yes".split()
)


def support(answer: str, passage: str) -> float:
    """The share of the answer's content words that the passage contains (0 when it has none)."""
    words = [w for w in normalize_tokens(answer) if w not in STOP_WORDS]
    if not words:
        return 0.0
    present = set(normalize_tokens(passage))
    return sum(w in present for w in words) / len(words)


class Grounded(Bounded):
    """support(field, in) >= min (and <= max); `keep_as` names a row field that records the support."""

    type: Literal["grounded"]
    in_: str = Field(alias="in")  # the passage: a field of the prompt's input record or of the row
    min: float | None = Field(None, ge=0, le=1)
    max: float | None = Field(None, ge=0, le=1)
    keep_as: str | None = None
    default_name = "ungrounded"

    def reads(self) -> dict[str, str]:
        return {self.field: "row", self.in_: "either"}

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        passage = row[self.in_] if self.in_ in row else record.get(self.in_)
        score = support(str(row.get(self.field) or ""), str(passage or ""))
        if self.keep_as:
            row[self.keep_as] = round(score, 4)
        return self.within(score)
