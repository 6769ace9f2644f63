"""The build's one live display: a line per stage group (fused stages share one), redrawn in place on a
terminal (rich Live), or plain lines every few seconds and at each group's end when stderr is not one;
never both. Document stages show tasks, records and MB/s; LLM stages prompts and samples done of all,
output tokens a second and the time left."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

PLAIN_EVERY_S = 10.0  # a running group's plain line at most this often (only when it changed)


@dataclass
class _Line:
    label: str
    size: int  # stages in the group
    state: str = "waiting"  # waiting | running | done | cached
    tasks: tuple[int, int] = (0, 0)
    prompts: tuple[int, int] | None = None  # an LLM stage's prompts done of all
    figures: dict = field(default_factory=dict)
    started: float | None = None
    ended: float | None = None
    printed: str = ""
    printed_at: float = 0.0
    spinner: Spinner = field(default_factory=lambda: Spinner("dots", style="cyan"))


def label(names: list[str], width: int = 30) -> str:
    """A group's name: its stages joined by '+', or its first and last stage where that is too long."""
    joined = "+".join(names)
    if len(joined) > width and len(names) > 1:
        joined = f"{names[0]}…{names[-1]}"
    return joined if len(joined) <= width else joined[: width - 1] + "…"


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


class BuildDisplay:
    """Receives the plan's progress reports (stage index, done, total, **figures) from any thread."""

    def __init__(self, console: Console, groups: list[list[int]], names: list[str], live: bool | None = None):
        self.console = console
        self.live = console.is_terminal and not console.is_dumb_terminal if live is None else live
        self.lines = [_Line(label([names[i] for i in g]), len(g)) for g in groups]
        self.of = {i: k for k, g in enumerate(groups) for i in g}
        self.lock = threading.RLock()
        self._live: Live | None = None

    def __enter__(self) -> BuildDisplay:
        if self.live:
            self._live = Live(get_renderable=self._render, console=self.console, refresh_per_second=4,
                              transient=False, redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def progress(self, index: int, done: int, total: int, **figures) -> None:
        with self.lock:
            line = self.lines[self.of[index]]
            if figures.pop("cached", False):
                if line.state == "waiting":
                    line.state = "cached"
                    self._plain(line, final=True)
                return
            if line.state in ("done", "cached"):
                return
            now = time.monotonic()
            if line.state == "waiting":
                line.state, line.started = "running", now
            if figures.get("unit") == "prompts":
                line.prompts = (done, total)
                line.figures.update({k: v for k, v in figures.items() if k != "unit"})
            else:
                line.tasks = (done, total)
                line.figures.update(figures)
                if total and done >= total and (line.prompts is None or line.prompts[0] >= line.prompts[1]):
                    line.state, line.ended = "done", now
            self._plain(line, final=line.state == "done")

    def finished(self) -> tuple[int, int, str | None]:
        """Stages finished (run or cached), stages in all, and the running group's progress, if any."""
        with self.lock:
            done = sum(line.size for line in self.lines if line.state in ("done", "cached"))
            running = next((f"{line.label} at {self._parts(line)[0][1]}" for line in self.lines
                            if line.state == "running"), None)
            return done, sum(line.size for line in self.lines), running

    # What each line says.
    def _parts(self, line: _Line) -> list[tuple[int, str]]:
        """The figures of a line in the order shown, each with its rank: where the line is too long for
        the console, the highest ranks go first."""
        f = line.figures
        if line.state == "cached":
            return [(0, "cached")]
        if line.prompts is None:
            parts = [(0, f"{line.tasks[0]}/{line.tasks[1]} tasks")]
            if f.get("records") is not None:
                parts.append((1, f"{f['records']:,} records"))
            if f.get("mb_per_s") is not None:
                rate = f["mb_per_s"]
                parts.append((2, f"{rate:.1f} MB/s" if rate >= 0.1 else f"{rate * 1000:.0f} kB/s"))
            return parts
        done, total = line.prompts
        parts = [(0, f"{done:,}/{total:,} prompts")]
        samples = f.get("samples")
        if samples and samples != done:  # n > 1 samples a prompt
            parts.append((3, f"{samples:,}/{round(total * samples / done):,} samples"))
        if f.get("kept") is not None and done:
            parts.append((3, f"{f['kept']:,} kept"))
        if f.get("output_tokens_per_s"):
            parts.append((2, f"{f['output_tokens_per_s']:,.0f} tok/s"))
        if line.state == "running" and f.get("eta_s") is not None and done < total:
            parts.append((1, f"ETA {clock(f['eta_s'])}"))
        if line.tasks[1] > 1:
            parts.append((4, f"{line.tasks[0]}/{line.tasks[1]} tasks"))
        return parts

    def _figures(self, line: _Line, room: int = 1000) -> str:
        """The line's figures joined, the least needed dropped until they fit in `room` columns."""
        parts = self._parts(line)
        while len(text := " · ".join(p for _, p in parts)) > room and len(parts) > 1:
            parts.remove(max(parts, key=lambda p: p[0]))
        return text

    def _elapsed(self, line: _Line) -> str:
        if line.started is None:
            return ""
        return clock((line.ended or time.monotonic()) - line.started)

    def _render(self):
        with self.lock:
            table = Table.grid(padding=(0, 1))
            table.add_column(width=1)
            table.add_column(no_wrap=True, overflow="ellipsis", max_width=32)
            table.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
            table.add_column(no_wrap=True, justify="right")
            for line in self.lines:
                mark = {"done": Text("✓", "green"), "cached": Text("✓", "dim"), "waiting": Text("·", "dim"),
                        }.get(line.state) or line.spinner
                room = self.console.width - min(len(line.label), 32) - 12
                text = "" if line.state == "waiting" else self._figures(line, room)
                table.add_row(mark, Text(line.label, "dim" if line.state == "waiting" else ""),
                              Text(text, "dim" if line.state == "cached" else ""), self._elapsed(line))
            return Group(table)

    def _plain(self, line: _Line, final: bool) -> None:
        """Without a terminal: a line when a group ends, and every PLAIN_EVERY_S while it runs."""
        if self.live:
            return
        elapsed = "" if line.state == "cached" else f"  {self._elapsed(line)}"
        text = self._figures(line, self.console.width - len(line.label) - len(elapsed) - 4)
        now = time.monotonic()
        quiet = now - line.printed_at  # unchanged, a line every 3 x PLAIN_EVERY_S still says it is alive
        if not final and (quiet < PLAIN_EVERY_S or (text == line.printed and quiet < 3 * PLAIN_EVERY_S)):
            return
        if not final and line.printed_at == 0.0:  # its first report: wait for some progress to show
            line.printed_at = now
            return
        line.printed, line.printed_at = text, now
        mark = "✓" if final else "…"
        self.console.print(Text(f"{mark} {line.label}  {text}{elapsed}"), no_wrap=True, overflow="ellipsis",
                           crop=True, highlight=False)
