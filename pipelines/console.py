"""The CLI's consoles, and how a user mistake ends a command: one line, exit code 2."""

from __future__ import annotations

import typer
from rich.console import Console

from pipelines.errors import PipelinesError

out_console = Console()
err_console = Console(stderr=True)


def fail(error: PipelinesError) -> None:
    """Print the error's one line (no traceback) and exit 2."""
    err_console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
