"""What parsing a completion gives: a row, or the reason it could not be one, with what the checks said."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Parsed:
    """A completion turned into a row, or the reason it could not be one (and its value, if it parsed); the
    verdicts of the checks that ran, in order (check, passed, detail); the completion's text."""

    row: dict | None
    reason: str | None = None
    value: dict | None = None
    verdicts: list[tuple[str, bool, str]] = field(default_factory=list)
    text: str | None = None
    # Where a task refines failed samples: every attempt before this one (output, reason, feedback).
    attempts: list[dict] = field(default_factory=list)

    @property
    def detail(self) -> str:
        """What the failing check said of it, for a reject's reader and a refining model."""
        return next((d for _, ok, d in self.verdicts if not ok), "")


@dataclass(frozen=True)
class Failure:
    """A check's verdict on a failing sample: a reason of its own and what it saw (a test's error)."""

    reason: str
    detail: str = ""
