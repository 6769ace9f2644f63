"""What a sandboxed run gives back, and its verdict from the harness's reports and the process's end."""

from __future__ import annotations

import signal
from dataclasses import asdict, dataclass, field

# Why a run did not pass (or that it did): each run is counted under exactly one.
REASONS = ("passed", "tests_failed", "timeout", "memory", "crashed", "syntax_error", "no_tests")
MAX_FAILED = 20  # failed tests listed in a result (the count is always whole)
MAX_ERROR = 300  # characters of one test's error


@dataclass(frozen=True)
class Result:
    """One run: its reason (REASONS), the tests the harness found and ran, how many failed and the first of
    them (`<test>: <error>`), the exit status (negative: killed by that signal; None: killed at the wall-clock
    limit), its wall-clock seconds and the last lines of its stderr."""

    reason: str
    tests: int = 0
    ran: int = 0
    failures: int = 0  # tests that failed (all of them; `failed` lists the first MAX_FAILED)
    failed: tuple[str, ...] = field(default_factory=tuple)
    exit_status: int | None = None
    seconds: float = 0.0
    stderr: str = ""

    @property
    def passed(self) -> bool:
        return self.reason == "passed"

    def as_row(self) -> dict:
        """The result as a row's value (an Arrow struct: see ROW_FIELDS)."""
        return asdict(self) | {"passed": self.passed, "failed": list(self.failed),
                               "seconds": round(self.seconds, 4)}


# The row value's fields and their Arrow types, by name (transforms give pyarrow types where rows need them).
ROW_FIELDS = (("passed", "bool"), ("reason", "string"), ("tests", "int32"), ("ran", "int32"),
              ("failures", "int32"), ("failed", "list<string>"), ("exit_status", "int32"),
              ("seconds", "float32"), ("stderr", "string"))


def arrow_type():
    """The Arrow struct of Result.as_row()."""
    import pyarrow as pa

    types = {"bool": pa.bool_(), "string": pa.string(), "int32": pa.int32(), "float32": pa.float32(),
             "list<string>": pa.list_(pa.string())}
    return pa.struct([pa.field(name, types[kind]) for name, kind in ROW_FIELDS])


class Reports:
    """The harness's reports read from the result channel: honoured only with this run's nonce, in order.

    The protocol, one line each: `<nonce> <event> <values>` (numbers as they are, text as UTF-8 in hex,
    `-` for none): `syntax <error>`, or `plan <tests>` before any of the program's code runs; `code <error>`
    once the program's code ran; `test <i> <name> <error>` for i = 0 .. tests - 1 in order (a passed test's
    name may be `-`); `done` last.
    A run passes only on a complete, in-order sequence with no error.
    """

    def __init__(self, nonce: str):
        self.nonce = nonce
        self.tests: int | None = None
        self.code_error: str | None = None
        self.code_ran = False
        self.syntax_error: str | None = None
        self.results: list[tuple[str, str | None]] = []  # (name, error) per test, in order
        self.done = False
        self.broken: str | None = None  # why the channel stopped being believed
        self._partial = b""

    def feed(self, data: bytes) -> None:
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            if self.broken is None:
                try:
                    self._event(*line.decode("ascii").split(" "))
                except (ValueError, TypeError, UnicodeDecodeError):
                    self.broken = "report out of protocol"

    def _event(self, nonce: str, kind: str, *values: str) -> None:
        if nonce != self.nonce or self.done:
            raise ValueError(kind)
        if kind == "syntax" and self.tests is None:
            self.syntax_error, self.done = _text(*values), True
        elif kind == "plan" and self.tests is None:
            (tests,) = values
            self.tests = int(tests)
        elif kind == "code" and self.tests is not None and not self.code_ran:
            self.code_ran, self.code_error = True, _text(*values)
        elif kind == "test" and self.code_ran and len(self.results) < (self.tests or 0):
            i, name, error = values
            if int(i) != len(self.results):
                raise ValueError(i)
            self.results.append((_text(name) or "", _text(error)))
        elif kind == "done" and not values and self.tests is not None and (
                len(self.results) == self.tests or self.code_error is not None):
            self.done = True
        else:
            raise ValueError(kind)


def _text(value: str) -> str | None:
    return None if value == "-" else bytes.fromhex(value).decode("utf-8", "replace")[:MAX_ERROR]


def verdict(reports: Reports, exit_status: int | None, killed_at_wall: bool, cpu_exceeded: bool,
            seconds: float, stderr: str) -> Result:
    """The run's result: a pass only where the harness reported every test run and passed, with this run's
    nonce, before the process ended; else the first reason that explains what happened."""
    failed = tuple(f"{name}: {error}" for name, error in reports.results if error is not None)
    base = {"tests": reports.tests or 0, "ran": len(reports.results), "failures": len(failed),
            "failed": failed[:MAX_FAILED], "exit_status": exit_status, "seconds": seconds, "stderr": stderr}
    if reports.syntax_error is not None and reports.broken is None:
        return Result("syntax_error", **base | {"failed": (f"syntax: {reports.syntax_error}",)})
    complete = reports.done and reports.broken is None
    if complete and reports.code_error is not None:
        base["failed"] = (f"code: {reports.code_error}",)
    errors = [e for _, e in reports.results if e] + ([reports.code_error] if reports.code_error else [])
    if complete and any(e.startswith("MemoryError") for e in errors):
        reason = "memory"
    elif complete and reports.code_error is not None:
        reason = "crashed"  # the program itself raised (or exited) before its tests could run
    elif complete and reports.tests == 0:
        reason = "no_tests"
    elif complete:
        reason = "tests_failed" if failed else "passed"
    elif killed_at_wall or cpu_exceeded:
        reason = "timeout"
    else:
        reason = "crashed"  # it ended (os._exit, a signal, a killed harness) before every test reported
    return Result(reason, **base)


def signal_of(status: int | None) -> int | None:
    """bubblewrap reports a child killed by signal n as 128 + n: that signal, or None."""
    if status is not None and 128 < status < 128 + 65:
        number = status - 128
        return number if number in {s.value for s in signal.Signals} else None
    return None
