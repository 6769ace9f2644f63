"""The CLI's consoles, and how a user mistake ends a command: one line, exit code 2."""

from __future__ import annotations

import logging

import typer
from rich.console import Console
from rich.text import Text

from pipelines.errors import USER_ERRORS

out_console = Console()
err_console = Console(stderr=True)


def say(line: str, console: Console | None = None) -> None:
    """One line of ours on stderr, as written (no markup, no highlighting)."""
    (console or err_console).print(line, markup=False, highlight=False, soft_wrap=True)


def use_stderr(stream) -> None:
    """Our lines go to `stream` (the real stderr, kept while file descriptor 2 writes to a build's log), at
    the width of the terminal it is, if it is one."""
    import os

    err_console.file = stream
    if "COLUMNS" not in os.environ:
        try:
            err_console.width = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            pass


def fail(error: Exception) -> None:
    """Print the error's one line (no traceback) and exit 2."""
    # The message as plain text, not markup: it quotes paths, values and patterns such as [A-Za-z0-9].
    err_console.print(Text.assemble(("error:", "red"), " ", str(error)), highlight=False, soft_wrap=True)
    raise typer.Exit(2)


class _NoUserErrorTracebacks(logging.Filter):
    """Drops Prefect's console records of a failed task or flow whose error is a user's mistake: the CLI
    prints that error's one line itself (the Prefect API's log keeps the whole record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], USER_ERRORS))


def quiet_user_error_tracebacks() -> None:
    """Install the filter on the console handlers Prefect configured when it was imported (on the root
    logger and its own)."""
    names = ["", "prefect", *(n for n in logging.root.manager.loggerDict if n.startswith("prefect."))]
    for handler in {h for name in names for h in logging.getLogger(name).handlers}:
        if isinstance(handler, logging.StreamHandler) and not any(
                isinstance(f, _NoUserErrorTracebacks) for f in handler.filters):
            handler.addFilter(_NoUserErrorTracebacks())
