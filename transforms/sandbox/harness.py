"""The Python harness: runs inside the sandbox (never imported by the host), runs a program and its tests in
one namespace, and reports each test on the result channel with the run's nonce (protocol: result.Reports).

The boot code (python.BOOT) loads it from stdin as the sandbox starts, before any program is known; its job
(code, tests, entry_point, nonce, fd, limits) follows on stdin, its length first, and main(job) runs it;
stdin is then left at its end. Tests are Python source run after the code, statement by statement: a
top-level statement holding an `assert` is one test; each top-level `def test_*()` is one test, called
after the statements; a top-level `def check(candidate)` (HumanEval's shape) is one test, called last with
the entry point (the job's, else the code's only top-level function). Other statements are set-up. What it
imports is loaded before the job comes; tracebacks' modules only where a test fails.
"""

import _ast
import os
import resource
import sys

HERE = sys._getframe().f_code.co_filename  # the harness's own file name ("<harness>" as it runs)
SOURCES = {}  # file name -> source, for tracebacks
MAX_DETAILED = 20  # failures reported with their name and error (result.MAX_FAILED), and their tracebacks
PRINTED = [0]  # tracebacks printed so far


def main(job: dict) -> None:
    """Run the job: the program, then its tests, each reported; never returns."""
    empty, closed = os.pipe()
    os.close(closed)
    os.dup2(empty, 0)  # the job (and its nonce) cannot be read again: stdin is at its end
    os.close(empty)
    for name, (soft, hard) in job.pop("limits").items():  # before any of the program's code
        resource.setrlimit(getattr(resource, name), (soft, hard))
    report = _channel(job.pop("nonce"), job.pop("fd"))
    code, tests, entry = job["code"], job["tests"], job.get("entry_point")
    SOURCES.update({"solution.py": code, "tests.py": tests})
    try:
        code_tree = compile(code, "solution.py", "exec", _ast.PyCF_ONLY_AST)
        compiled = compile(code_tree, "solution.py", "exec")
        test_tree = compile(tests, "tests.py", "exec", _ast.PyCF_ONLY_AST)
        units = [("test" if _asserts(stmt) else "setup", stmt) for stmt in test_tree.body]
        parts = [compile(_ast.Module([stmt], []), "tests.py", "exec") for _, stmt in units]
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:  # ValueError: a NUL byte
        report("syntax", _error(e))
        os._exit(0)
    defs = [s.name for s in test_tree.body if isinstance(s, _ast.FunctionDef)]
    names = [n for n in dict.fromkeys(defs) if n.startswith("test_")]
    checks = ["check"] if "check" in defs else []
    report("plan", sum(kind == "test" for kind, _ in units) + len(names) + len(checks))
    namespace = {"__name__": "solution", "__builtins__": __builtins__}
    error = _run(lambda: exec(compiled, namespace))
    report("code", error)
    if error is not None:
        report("done")
        os._exit(1)
    i, setup_error, lines = 0, None, tests.splitlines()
    for (kind, stmt), part in zip(units, parts, strict=True):
        if kind == "setup":
            setup_error = setup_error or _run(lambda part=part: exec(part, namespace))
            continue
        outcome = setup_error or _run(lambda part=part: exec(part, namespace))
        report("test", i, outcome and _segment(lines, stmt), outcome)
        i += 1
    for name in names:
        outcome = setup_error or _run(lambda name=name: namespace[name]())
        report("test", i, outcome and f"{name}()", outcome)
        i += 1
    for name in checks:
        candidate = entry or _only_function(code_tree)
        if setup_error:
            outcome = setup_error
        elif candidate is None or candidate not in namespace:
            outcome = f"NameError: no entry point {candidate!r} in the code for {name}(candidate)"
        else:
            outcome = _run(lambda name=name, candidate=candidate: namespace[name](namespace[candidate]))
        report("test", i, outcome and f"{name}({candidate})", outcome)
        i += 1
    report("done")
    os._exit(0)  # threads or children the program left behind do not hold the run open


def _channel(nonce: str, fd: int):
    """A report function bound to this process (a child the program forked that returns into the harness
    leaves quietly instead of reporting). A report is one line: the nonce, the event, then its values
    (numbers as they are, text as UTF-8 in hex, "-" for none). A test that passed is reported without its
    name, and a failure after the first MAX_DETAILED without its text: the reports of a long test file stay
    small."""
    pid, write, getpid, exit_ = os.getpid(), os.write, os.getpid, os._exit
    failures = [0]

    def report(event: str, *values) -> None:
        if getpid() != pid:
            exit_(0)
        if event == "test" and values[-1] is not None:
            failures[0] += 1
            if failures[0] > MAX_DETAILED:  # counted, but past the ones a result lists: no text
                values = (values[0], None, "+")
        words = [nonce, event] + ["-" if v is None else str(v) if isinstance(v, int) else
                                  v.encode("utf-8", "replace").hex() for v in values]
        line = (" ".join(words) + "\n").encode()
        while line:
            line = line[write(fd, line):]

    return report


def _asserts(node) -> bool:
    """Whether a statement holds an assert outside a function or class it defines."""
    if isinstance(node, _ast.Assert):
        return True
    if isinstance(node, _ast.FunctionDef | _ast.AsyncFunctionDef | _ast.ClassDef | _ast.Lambda):
        return False
    for field in node._fields:
        value = getattr(node, field, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, _ast.AST) and _asserts(child):
                return True
    return False


def _only_function(tree):
    names = [s.name for s in tree.body if isinstance(s, _ast.FunctionDef | _ast.AsyncFunctionDef)]
    return names[0] if len(names) == 1 else None


def _run(call):
    """None, or the error a call raised (SystemExit and the like included): the program cannot leave early.
    The first MAX_DETAILED errors' tracebacks go to stderr."""
    try:
        call()
    except BaseException as e:  # noqa: BLE001 - exiting is failing, never passing
        PRINTED[0] += 1
        if PRINTED[0] <= MAX_DETAILED:
            _print(e)
        return _error(e)
    return None


def _print(e: BaseException) -> None:
    """The traceback on stderr, from the program's frames down (imported here: only failures pay)."""
    try:
        import linecache
        import traceback

        for name, source in SOURCES.items():
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == HERE:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb, file=sys.__stderr__)
    except BaseException:  # noqa: BLE001 - a traceback is a courtesy; the report is what counts
        pass


def _error(e: BaseException) -> str:
    """`Type: first line of the message (file line n)`, the innermost line of the program or its tests."""
    where, tb = "", e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in SOURCES:
            where = f" ({tb.tb_frame.f_code.co_filename} line {tb.tb_lineno})"
        tb = tb.tb_next
    if isinstance(e, SyntaxError) and e.lineno:
        where = f" ({e.filename} line {e.lineno})"
    try:
        text = str(e.msg if isinstance(e, SyntaxError) else e).strip().splitlines()
    except BaseException:  # noqa: BLE001 - a message that cannot be shown
        text = []
    return f"{type(e).__name__}{': ' + text[0][:200] if text else ''}{where}"


def _segment(source: list, stmt) -> str:
    """A statement of the tests (their lines) on one line (offsets in UTF-8 bytes), 200 characters at most."""
    lines = source[stmt.lineno - 1:stmt.end_lineno]
    if not lines:
        return f"line {stmt.lineno}"
    data = [line.encode() for line in lines]
    data[-1] = data[-1][:stmt.end_col_offset]
    data[0] = data[0][stmt.col_offset:]
    text = " ".join(b" ".join(data).decode("utf-8", "replace").split())
    return text[:200] or f"line {stmt.lineno}"

