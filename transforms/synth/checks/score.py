"""score: a numeric field (a judge's score) within bounds."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from transforms.synth.checks.base import Check, CheckContext


class Score(Check):
    """A number at least min and at most max: a judge's verdict kept only above a threshold."""

    type: Literal["score"]
    min: float | None = None
    max: float | None = None
    default_name = "below_threshold"

    @model_validator(mode="after")
    def _bounds(self) -> Score:
        if self.min is None and self.max is None:
            raise ValueError("score needs min or max")
        return self

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        value = row.get(self.field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)
