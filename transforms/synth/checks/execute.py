"""execute: a field's code run with its tests contained; passes when every test ran and passed."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from transforms.synth.checks.base import Check, CheckContext
from transforms.synth.parsed import Failure


class Execute(Check):
    """The row's `code` with `tests` (a field of the row or of the prompt's record: Python asserts,
    `def test_*` functions or HumanEval's `check(candidate)`) run in the sandbox (transforms.sandbox); a
    failing sample is counted under the run's reason (tests_failed, timeout, memory, crashed, syntax_error,
    no_tests; `name_` before it where `name` is set); `keep_as` names a row field that records the run."""

    type: Literal["execute"]
    default_name: ClassVar[str] = "execute"
    field: str = Field(alias="code")  # the row's field holding the program
    tests: str  # the field holding its tests: of the row, else of the prompt's record
    entry_point: str | None = None  # a field naming the function `check(candidate)` is called with
    language: Literal["python"] = "python"
    timeout: float = Field(10, gt=0, le=600)  # wall-clock seconds (and CPU seconds per process)
    memory_mb: int = Field(512, ge=64, le=65536)  # address space per process
    keep_as: str | None = None

    def reads(self) -> dict[str, str]:
        return {self.field: "row", self.tests: "either", **({self.entry_point: "either"} if self.entry_point
                                                            else {})}

    def passes(self, record: dict, row: dict, context: CheckContext) -> bool | Failure:  # type: ignore[override]
        """True, or the run's reason (the task counts the sample under it) with what the run said: the
        failed tests and the last lines of stderr, for a reader of the rejects and a refining model."""
        result = self.run(record, row, context)
        if self.keep_as:
            row[self.keep_as] = result.as_row()
        if result.passed:
            return True
        said = [*result.failed, *result.stderr.strip().splitlines()[-5:]]
        return Failure(f"{self.name}_{result.reason}" if self.name else result.reason, "\n".join(said)[:2000])

    def run(self, record: dict, row: dict, context: CheckContext):
        """The contained run of this sample (a result of reason no_tests where it has none)."""
        from transforms.sandbox import Program, Result
        from transforms.sandbox.program import code_of

        tests = _either(self.tests, record, row)
        if not isinstance(tests, str) or not tests.strip():
            return Result("no_tests")
        entry = _either(self.entry_point, record, row) if self.entry_point else record.get("entry_point")
        program = Program(code_of(row.get(self.field)), tests, entry if isinstance(entry, str) else None)
        return self.sandbox(context).run(program)

    def ready(self) -> None:
        """Raise SandboxUnavailable (one line) where no contained run is possible: before any work."""
        from transforms.sandbox import Limits, Sandbox

        Sandbox(limits=Limits(timeout=self.timeout, memory_mb=self.memory_mb)).ready()

    def sandbox(self, context: CheckContext):
        """One sandbox per process and limits, checked once (a refusal says what is missing, in one line)."""
        from transforms.sandbox import Limits, Sandbox

        limits = Limits(timeout=self.timeout, memory_mb=self.memory_mb)
        return context.get(f"sandbox:{self.language}:{limits}", lambda: Sandbox(limits=limits).ready())

    def kept_type(self):
        """The Arrow type of the `keep_as` field: the run's result as a struct."""
        from transforms.sandbox.result import arrow_type

        return arrow_type()


def _either(field: str, record: dict, row: dict):
    return row[field] if field in row else record.get(field)

