"""regex: a field that matches (or must not match) a regular expression."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator

from transforms.synth.checks.base import Check, CheckContext


class Regex(Check):
    """`pattern` found in the field (re.search); with `match: false`, a sample where it is found fails."""

    type: Literal["regex"]
    pattern: str
    match: bool = True
    ignore_case: bool = False
    default_name = "regex"

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as e:
            raise ValueError(f"not a regular expression ({e})") from None
        return pattern

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool:
        compiled = context.get(f"regex:{self.pattern}:{self.ignore_case}",
                               lambda: re.compile(self.pattern, re.IGNORECASE if self.ignore_case else 0))
        return bool(compiled.search(str(row.get(self.field) or ""))) == self.match
