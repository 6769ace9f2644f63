"""The CLI's consoles, and how a user mistake ends a command: one line, exit code 2."""

from __future__ import annotations

import logging

import typer
from rich.console import Console
from rich.text import Text

from pipelines.errors import USER_ERRORS

out_console = Console()
err_console = Console(stderr=True)


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
