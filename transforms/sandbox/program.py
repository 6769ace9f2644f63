"""What a sandbox runs: a program's code and the tests that prove it, in one language."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A completion's code inside one Markdown fence (```python ... ```): the fence is not code.
FENCED = re.compile(r"\A\s*```[\w+-]*[ \t]*\n(.*?)\n?```\s*\Z", re.S)


@dataclass(frozen=True)
class Program:
    """Code and its tests (the runtime says how tests are written: python.py for Python); `entry_point`
    names the function HumanEval-shaped tests (`check(candidate)`) are called with."""

    code: str
    tests: str
    entry_point: str | None = None


def code_of(value) -> str:
    """The program in a field: its text, less a Markdown fence around all of it."""
    text = value if isinstance(value, str) else ""
    fenced = FENCED.match(text)
    return fenced.group(1) if fenced else text
