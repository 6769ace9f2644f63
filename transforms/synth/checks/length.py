"""length: a field's length in characters or words within bounds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from transforms.synth.checks.base import Check, CheckContext


class Length(Check):
    """A text field with at least min and at most max characters (or words, with `unit: words`)."""

    type: Literal["length"]
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)
    unit: Literal["chars", "words"] = "chars"
    default_name = "length"

    @model_validator(mode="after")
    def _bounds(self) -> Length:
        if self.min is None and self.max is None:
            raise ValueError("length needs min or max")
        return self

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        value = str(row.get(self.field) or "")
        size = len(value.split()) if self.unit == "words" else len(value)
        return (self.min is None or size >= self.min) and (self.max is None or size <= self.max)
