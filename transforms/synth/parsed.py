"""What parsing a completion gives: a row, or the reason it could not be one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Parsed:
    """A completion turned into a row, or the reason it could not be one (and its value, if it parsed)."""

    row: dict | None
    reason: str | None = None
    value: dict | None = None
