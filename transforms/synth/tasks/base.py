"""What a synthesis task is: a prompt template (Jinja), an output schema (JSON Schema) and its checks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import jinja2

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


@dataclass
class Parsed:
    """A completion turned into a row, or the reason it could not be one."""

    row: dict | None
    reason: str | None = None


class Task:
    """One task: `messages(record)` to prompt with, `parse(record, text)` to a row or a reason."""

    name: str
    record_type: str  # the schema in schemas/synthetic.py its rows follow
    template: str
    schema: dict
    inputs: tuple[str, ...]  # the fields a source record must have
    takes_seeds = False  # prompted from a seed file (`seeds`, `count`) rather than from the stage's input
    graph = "generate"  # the engine's graph for it: one generation, or responses then judgements

    def __init__(self, **options):
        self.options = options

    def __getstate__(self) -> dict:
        # Compiled templates and scorers are rebuilt where the task runs: they do not pickle.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @property
    def template_sha256(self) -> str:
        return hashlib.sha256(self.template.encode()).hexdigest()[:16]

    def messages(self, record: dict) -> list[dict]:
        if "_compiled" not in self.__dict__:
            self._compiled = _ENV.from_string(self.template)
        return [{"role": "user", "content": self._compiled.render(**record, **self.options).strip()}]

    def parse(self, record: dict, text: str) -> Parsed:
        """JSON that follows the schema, then the task's own check."""
        import jsonschema

        try:
            value = json.loads(text, strict=False)  # raw control characters in strings are still text
        except ValueError:
            return Parsed(None, "unparsable")
        try:
            jsonschema.validate(value, self.schema)
        except jsonschema.ValidationError:
            return Parsed(None, "schema_mismatch")
        return self.check(record, value)

    def check(self, record: dict, value: dict) -> Parsed:
        return Parsed(value)

    def after_sort(self, rows: Iterable[dict]) -> Iterator[tuple[dict, str | None]]:
        """Rows in (source, sample) order, each with None or the reason a check over all rows drops it."""
        for row in rows:
            yield row, None

    def funnel(self, counts: dict[str, int], rows: int, dropped: dict[str, int],
               n: int) -> tuple[int, dict, dict]:
        """(units in, drops by reason, losses reported apart) of the stage's funnel, from the engine's
        counters: by default every sample of every record is a unit."""
        return counts.get("records", 0) * n, dropped, {}
