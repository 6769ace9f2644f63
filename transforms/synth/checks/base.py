"""What a check is: recipe data naming a field, and a test of a sample's row that passes or gives a reason."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Check(BaseModel):
    """A check of a sample: `passes(record, row, context)`; a sample that fails is counted under `reason`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    field: str  # the row's field it tests
    name: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")  # the reason it counts failures under
    default_name: ClassVar[str] = "failed_check"
    # Whether it compares a row with the rows kept before it: then it runs once every row is in order.
    ordered: ClassVar[bool] = False

    @property
    def reason(self) -> str:
        return self.name or self.default_name

    def reads(self) -> dict[str, str]:
        """The fields it reads: field name -> where ("row": the output; "record": the prompt's input)."""
        return {self.field: "row"}

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        raise NotImplementedError

    def start(self, context: CheckContext) -> None:
        """Before an ordered check's pass over the rows: forget the rows of an earlier pass."""


class Bounded(Check):
    """A check of a measure of the row against `min` and `max` (each subclass types them), one at least."""

    @model_validator(mode="after")
    def _bounds(self) -> Bounded:
        if self.min is None and self.max is None:
            raise ValueError(f"{self.type} needs min or max")
        return self

    def within(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class CheckContext:
    """What checks share within one task in one process: its seeds and state they build once."""

    def __init__(self, seeds: list[str] | None = None):
        self.seeds = list(seeds or [])
        self._made: dict[str, object] = {}

    def __getstate__(self) -> dict:
        return {"seeds": self.seeds, "_made": {}}  # scorers are rebuilt where the task runs

    def get(self, key: str, make):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def forget(self, key: str) -> None:
        self._made.pop(key, None)
