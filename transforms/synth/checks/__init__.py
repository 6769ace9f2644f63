"""The checks a task's `checks:` chooses from, one per file; `parse_checks` validates a recipe's list."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from transforms.errors import TransformError
from transforms.synth.checks.answer_match import AnswerMatch
from transforms.synth.checks.base import Check, CheckContext
from transforms.synth.checks.checklist import Checklist
from transforms.synth.checks.execute import Execute
from transforms.synth.checks.grounded import Grounded, support
from transforms.synth.checks.length import Length
from transforms.synth.checks.novelty import Novelty, RougeL
from transforms.synth.checks.regex import Regex
from transforms.synth.checks.score import Score

CHECK_TYPES = (Length, Regex, Grounded, Novelty, AnswerMatch, Score, Checklist, Execute)
AnyCheck = Annotated[Length | Regex | Grounded | Novelty | AnswerMatch | Score | Checklist | Execute,
                     Field(discriminator="type")]
_CHECKS = TypeAdapter(list[AnyCheck])
NAMES = tuple(c.model_fields["type"].annotation.__args__[0] for c in CHECK_TYPES)


def parse_checks(items: list[dict], options: dict[str, Any], where: str = "checks") -> list[Check]:
    """Checks from recipe data, "$name" values taken from the task's options; a bad one: a one-line error."""
    resolved = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise TransformError(f"{where}.{i}: expected a mapping with a type ({', '.join(NAMES)})")
        values = {}
        for key, value in item.items():
            if isinstance(value, str) and value.startswith("$"):
                if value[1:] not in options:
                    raise TransformError(f"{where}.{i}.{key}: {value} names no option of the task "
                                         f"(options: {', '.join(options) or 'none'})")
                value = options[value[1:]]
            values[key] = value
        resolved.append(values)
    try:
        return _CHECKS.validate_python(resolved)
    except ValidationError as e:
        first = e.errors()[0]
        loc = [p for p in first["loc"] if p not in NAMES]
        message = first["msg"].removeprefix("Value error, ")
        raise TransformError(f"{where}.{'.'.join(map(str, loc))}: {message}") from None


__all__ = ["CHECK_TYPES", "AnswerMatch", "Check", "CheckContext", "Checklist", "Execute", "Grounded",
           "Length", "Novelty", "Regex", "RougeL", "Score", "parse_checks", "support"]
