"""score: a numeric field (a judge's score) within bounds."""

from __future__ import annotations

from typing import Literal

from transforms.synth.checks.base import Bounded, CheckContext


class Score(Bounded):
    """A number at least min and at most max: a judge's verdict kept only above a threshold."""

    type: Literal["score"]
    min: float | None = None
    max: float | None = None
    default_name = "below_threshold"

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        value = row.get(self.field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return self.within(value)
