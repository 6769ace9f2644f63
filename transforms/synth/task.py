"""What a synthesis task is, as data: a system and a prompt template (sandboxed Jinja), an output schema
(JSON Schema) and declarative checks. The built-in tasks are files of this shape (transforms/synth/tasks/)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import jinja2
import jinja2.meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from transforms.errors import TransformError
from transforms.synth.checks import Check, CheckContext, parse_checks
from transforms.synth.parsed import Failure, Parsed
from transforms.synth.select import Selection

# A recipe never executes code: templates render in Jinja's sandbox, and an undefined name is an error.
_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


class SeedSpec(BaseModel):
    """Prompts made from a file of seed tasks: each prompt shows `examples` of them, drawn at random."""

    model_config = ConfigDict(extra="forbid")
    field: str = "instruction"
    examples: int = Field(3, ge=1)


class RefineSpec(BaseModel):
    """Generate, verify, refine: a sample that failed a check goes back with the failure, `rounds` times."""

    model_config = ConfigDict(extra="forbid")
    rounds: int = Field(1, ge=1, le=8)
    # The user turn after the model's own answer; `reason`, `detail` (what the check saw) and `round`.
    prompt: str = ("Your answer did not pass a check ({{ reason }})."
                   "{% if detail %}\n{{ detail }}{% endif %}\nWrite a corrected answer, in the same format.")


class TaskDefinition(BaseModel):
    """A task's data: what a built-in task file or a recipe's `task: generate` stage says."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    record_type: str | None = None  # a fixed schema of schemas/synthetic.py; None: columns from `schema`
    system: str | None = None
    prompt: str
    output_schema: dict = Field(alias="schema")
    inputs: list[str] = []  # the fields a prompt's record must have
    carry: list[str] = []  # input fields copied into each row (a critique keeps the prompt it judged)
    options: dict[str, Any] = {}  # parameters with their defaults: the templates and "$name" in checks
    checks: list[dict] = []
    graph: Literal["generate", "preference_pairs", "pairwise"] = "generate"
    judge: str | None = None  # preference_pairs: the built-in task that judges each response
    seeds: SeedSpec | None = None
    refine: RefineSpec | None = None  # a sample that fails a check goes back to the model with the failure


class Task:
    """A task ready to run: `messages(record)` to prompt with, `parse(record, text)` to a row or a reason."""

    def __init__(self, definition: TaskDefinition, options: dict[str, Any] | None = None,
                 seeds: list[str] | None = None, selection: Selection | None = None):
        from transforms.synth.backends import check_schema

        unknown = [k for k in options or {} if k not in definition.options]
        if unknown:
            raise TransformError(f"{definition.name} has no option {unknown[0]!r} "
                                 f"(options: {', '.join(definition.options) or 'none'})")
        self.definition = definition
        self.options = definition.options | (options or {})
        self.name, self.record_type, self.graph = definition.name, definition.record_type, definition.graph
        self.schema, self.inputs = definition.output_schema, tuple(definition.inputs)
        self.takes_seeds = definition.seeds is not None
        self.selection = selection or Selection()
        try:
            check_schema(self.schema)
        except TransformError as e:
            raise TransformError(f"schema: {str(e).removeprefix('synth: the output schema ')}") from None
        if self.schema.get("type") != "object" or not isinstance(self.schema.get("properties"), dict):
            raise TransformError("schema: the output schema must be an object with properties (its fields)")
        self.fields = tuple(self.schema["properties"])
        from schemas.synthetic import arrow_type

        # Properties with no Arrow type of their own (objects, lists of objects) are kept as JSON text.
        self.as_json = tuple(k for k, p in self.schema["properties"].items() if arrow_type(p) is None)
        self.checks: list[Check] = parse_checks(definition.checks, self.options)
        self.context = CheckContext(seeds)
        self._check_templates()
        self._check_fields()
        self.judge: Task | None = None  # preference_pairs: set by transforms.synth.tasks.build_task

    def __getstate__(self) -> dict:
        # Compiled templates do not pickle: rebuilt where the task runs (Beam pickles tasks to workers).
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _check_templates(self) -> None:
        names = set(self.inputs) | set(self.options) | set(self.definition.carry)
        for field, source in (("system", self.definition.system), ("prompt", self.definition.prompt)):
            if source is None:
                continue
            try:
                used = jinja2.meta.find_undeclared_variables(_ENV.parse(source))
            except jinja2.TemplateSyntaxError as e:
                raise TransformError(f"{field}: template error at line {e.lineno}: {e.message}") from None
            missing = sorted(used - names)
            if missing:
                raise TransformError(f"{field}: the template uses {missing[0]!r}, which is neither an input "
                                     f"({', '.join(self.inputs) or 'none'}) nor an option "
                                     f"({', '.join(self.options) or 'none'})")

    def _check_fields(self) -> None:
        kept = set(self.fields) | set(self.definition.carry)
        for i, check in enumerate(self.checks):
            for field, where in check.reads().items():
                known = {"row": kept, "record": set(self.inputs), "either": kept | set(self.inputs)}[where]
                if field not in known:
                    raise TransformError(f"checks.{i}: {check.type} reads {field!r}, which is not "
                                         f"{'an input' if where == 'record' else 'a field of the output'} "
                                         f"({', '.join(sorted(known)) or 'none'})")
            kept |= {check.keep_as} if getattr(check, "keep_as", None) else set()
        self.selection.check([c.type for c in self.checks], self.fields, self.schema)

    @property
    def template_sha256(self) -> str:
        text = self.definition.prompt if self.definition.system is None else \
            f"{self.definition.system}\0{self.definition.prompt}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _template(self, field: str):
        key = f"_compiled_{field}"
        if key not in self.__dict__:
            self.__dict__[key] = _ENV.from_string(getattr(self.definition, field))
        return self.__dict__[key]

    def messages(self, record: dict) -> list[dict]:
        values = record | self.options
        messages = [{"role": "user", "content": self._template("prompt").render(**values).strip()}]
        if self.definition.system is not None:
            system = self._template("system").render(**values).strip()
            messages.insert(0, {"role": "system", "content": system})
        return messages

    def _validator(self):
        # One compiled validator per task and process: `jsonschema.validate` checks the schema against its
        # meta-schema and builds a validator on every call, which cost more than the engine on small models.
        # The schema was checked once, in __init__.
        if "_validator_" not in self.__dict__:
            import jsonschema

            self.__dict__["_validator_"] = jsonschema.validators.validator_for(self.schema)(self.schema)
        return self.__dict__["_validator_"]

    def parse(self, record: dict, text: str) -> Parsed:
        """JSON that follows the schema, then the per-sample checks in order: the first that fails is why."""
        try:
            value = json.loads(text, strict=False)  # raw control characters in strings are still text
        except ValueError:
            return Parsed(None, "unparsable")
        if not self._validator().is_valid(value):
            return Parsed(None, "schema_mismatch")
        row = {k: record.get(k) for k in self.definition.carry}
        row |= {k: value[k] for k in self.fields if k in value}
        for k in self.as_json:
            if k in row:
                row[k] = json.dumps(row[k], ensure_ascii=False, sort_keys=True)
        verdicts = []
        for check in self.checks:
            if check.ordered:  # runs once every row is in order (after_sort)
                continue
            verdict = check.passes(record, row, self.context)
            # A reason of its own (execute: the run's), with what it saw, or False: the check's reason.
            if isinstance(verdict, Failure | str) or not verdict:
                failure = verdict if isinstance(verdict, Failure) else \
                    Failure(verdict if isinstance(verdict, str) else check.reason)
                verdicts.append((check.reason, False, failure.detail))
                return Parsed(None, failure.reason, value, verdicts)
            verdicts.append((check.reason, True, ""))
        return Parsed(row, None, value, verdicts)

    def refine_messages(self, record: dict, attempts: list[tuple[str, str, str]]) -> list[dict]:
        """The conversation that asks for a corrected answer: the prompt, then each (output, reason, detail)
        attempt and its feedback, in order."""
        messages = self.messages(record)
        template = self._template_of(self.definition.refine.prompt)
        for k, (output, reason, detail) in enumerate(attempts, 1):
            feedback = template.render(reason=reason, detail=detail, round=k).strip()
            messages += [{"role": "assistant", "content": output}, {"role": "user", "content": feedback}]
        return messages

    def _template_of(self, text: str):
        key = f"_compiled_{hashlib.sha256(text.encode()).hexdigest()[:12]}"
        if key not in self.__dict__:
            self.__dict__[key] = _ENV.from_string(text)
        return self.__dict__[key]

    def arrow_schema(self):
        """The Arrow schema of its rows: a built-in record type's, or one from its output schema."""
        import pyarrow as pa

        from schemas.synthetic import REFINED, SCHEMAS, SELECTION, record_schema

        extra = SELECTION if self.selection.mode != "all" else []
        extra = extra + (REFINED if self.definition.refine else [])
        if self.record_type in SCHEMAS:
            base = SCHEMAS[self.record_type]
            return pa.schema([*base, *extra], metadata=base.metadata)
        kept = [pa.field(c.keep_as, c.kept_type() if hasattr(c, "kept_type") else pa.float32())
                for c in self.checks if getattr(c, "keep_as", None)]
        return record_schema(self.record_type or self.name, self.schema["properties"], self.definition.carry,
                             kept + extra)

    def slots(self, seeds: list[dict], count: int, seed: int = 0) -> Iterator[dict]:
        """`count` prompt records, each with `examples` seed tasks drawn deterministically."""
        spec = self.definition.seeds
        rng = random.Random(seed)
        texts = [s[spec.field] for s in seeds]
        for i in range(count):
            yield {"id": f"{self.name}-{i}", "examples": rng.sample(texts, min(spec.examples, len(texts)))}

    def after_sort(self, rows: Iterable[dict]) -> Iterator[tuple[dict, str | None]]:
        """Rows in (source, sample) order, each with None or the reason an ordered check drops it."""
        ordered = [c for c in self.checks if c.ordered]
        for check in ordered:
            check.start(self.context)
        for row in rows:
            failed = next((c.reason for c in ordered if not c.passes({}, row, self.context)), None)
            yield row, failed


def definition_from(data: dict, where: str = "task") -> TaskDefinition:
    """A task definition from data (a built-in file, a task file or a recipe's stage), or a one-line error."""
    try:
        return TaskDefinition.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise TransformError(f"{where}: {loc}: {first['msg'].removeprefix('Value error, ')}") from None
