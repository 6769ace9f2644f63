"""length: a field's length in characters or words within bounds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from transforms.synth.checks.base import Bounded, CheckContext


class Length(Bounded):
    """A text field with at least min and at most max characters (or words, with `unit: words`)."""

    type: Literal["length"]
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)
    unit: Literal["chars", "words"] = "chars"
    default_name = "length"

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        value = str(row.get(self.field) or "")
        size = len(value.split()) if self.unit == "words" else len(value)
        return self.within(size)
