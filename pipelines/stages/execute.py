"""execute: each record's code run with its tests in a sandbox; the passing ones kept, or every one marked."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipelines import storage
from pipelines.stages.base import FIELD_PATTERN, StreamingStage
from pipelines.stages.records import RecordStage


class ExecuteStage(RecordStage, StreamingStage):
    """Runs each record's code against its tests in a sandbox: keeps what passes, or marks every record."""

    type: Literal["execute"]
    code: str = Field("code", pattern=FIELD_PATTERN)  # the record's field holding the program
    tests: str = Field("tests", pattern=FIELD_PATTERN)  # and its tests (asserts, test_*, check(candidate))
    entry_point: str | None = Field(None, pattern=FIELD_PATTERN)  # field naming check()'s candidate
    language: Literal["python"] = "python"
    timeout: float = Field(10, gt=0, le=600)  # wall-clock seconds a run (and CPU seconds a process)
    memory_mb: int = Field(512, ge=64, le=65536)  # address space a process
    processes: int = Field(16, ge=2, le=4096)  # processes and threads a run
    workers: int | None = Field(None, ge=1)  # sandboxes at once in each task; default: the cores over tasks
    action: Literal["remove", "mark"] = "remove"
    column: str = Field("execution", pattern=FIELD_PATTERN)  # mark: the record field the result goes in

    @model_validator(mode="after")
    def _rows_are_removed(self) -> ExecuteStage:
        if self.input is not None and self.action == "mark":
            raise ValueError("action: a synthetic config's schema has no column for the result; use remove, "
                             "or the execute check with keep_as in its task")
        return self

    def limits(self) -> dict:
        return {"timeout": self.timeout, "memory_mb": self.memory_mb, "processes": self.processes}

    def fingerprint_params(self) -> dict:
        """How many run at once changes no result; the interpreter that runs them may (another version)."""
        from transforms.sandbox import Sandbox

        params = {k: v for k, v in super().fingerprint_params().items() if k != "workers"}
        return params | {"runtime": Sandbox().runtime_info()}

    def check(self) -> None:
        """Refuse before any work where no contained run is possible (one line: what is missing)."""
        from transforms.sandbox import Limits, Sandbox

        Sandbox(limits=Limits(**self.limits())).ready()

    def steps(self, work: Path | str) -> list:
        from pipelines.engines.datatrove.execute import ExecuteFilter

        return [ExecuteFilter(self.code, self.tests, self.entry_point, self.limits(), self.workers,
                              self.action, self.column, str(storage.join(work, "execute")))]

    def finish(self, work: Path, result: dict) -> dict:
        from pipelines.engines.datatrove.execute import read_report

        return result | {"execute": read_report(work / "execute") | {
            "action": self.action, "column": self.column if self.action == "mark" else None,
            "code": self.code, "tests": self.tests, "limits": self.limits()}}

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        return render("execute.md.j2", stages=results)
