"""answer_match: a field's final answer equals a reference field's (numbers as numbers, \\boxed{}, ####)."""

from __future__ import annotations

from typing import Literal

from transforms.synth.answers import answers_match
from transforms.synth.checks.base import Check, CheckContext


class AnswerMatch(Check):
    """The field's answer against the input record's `reference`: numeric, exact (normalised) or auto."""

    type: Literal["answer_match"]
    reference: str  # a field of the prompt's input record, e.g. a GSM8K solution ending in "#### 42"
    mode: Literal["auto", "numeric", "exact"] = "auto"
    default_name = "wrong_answer"

    def reads(self) -> dict[str, str]:
        return {self.field: "row", self.reference: "record"}

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        reference = record.get(self.reference)
        if reference is None:
            return False
        return answers_match(str(row.get(self.field) or ""), str(reference), self.mode)
