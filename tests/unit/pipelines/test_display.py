"""The build's live display without a terminal: plain lines at a group's end and every few seconds while it
runs, never wider than the console, with the figures each kind of stage reports; and what a stop says."""

from __future__ import annotations

import io

from rich.console import Console

import pipelines.display as display_module
from pipelines.display import BuildDisplay


def _display(width: int = 80, names=("read", "extract", "langid", "synthesize-qa")):
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False)
    groups = [[0, 1, 2], [3]]
    return BuildDisplay(console, groups, list(names), live=None), out


def test_without_a_terminal_it_prints_plain_lines_at_the_end_of_each_group(monkeypatch):
    monkeypatch.setattr(display_module, "PLAIN_EVERY_S", 0.0)
    display, out = _display(width=120)
    assert not display.live
    with display:
        for i in (0, 1, 2):  # a fused group reports for each of its stages
            display.progress(i, 0, 4)
            display.progress(i, 2, 4, records=1234, mb_per_s=3.21)
            display.progress(i, 4, 4, records=2468, mb_per_s=3.5)
        display.progress(3, 0, 15, unit="prompts", samples=0, samples_per_s=0.0, output_tokens_per_s=0.0,
                         eta_s=None)
        display.progress(3, 6, 15, unit="prompts", samples=12, kept=5, samples_per_s=2.0,
                         output_tokens_per_s=310.4, eta_s=42.0)
        assert display.finished() == (3, 4, "synthesize-qa at 6/15 prompts")
        display.progress(3, 15, 15, unit="prompts", samples=30, kept=11, samples_per_s=2.0,
                         output_tokens_per_s=300.0, eta_s=0.0)
        display.progress(3, 1, 1)  # the stage's own end
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("… read+extract+langid  2/4 tasks · 1,234 records · 3.2 MB/s")
    assert lines[1].startswith("✓ read+extract+langid  4/4 tasks · 2,468 records · 3.5 MB/s")
    running = "… synthesize-qa  6/15 prompts · 12/30 samples · 5 kept · 310 tok/s · ETA 0:42"
    assert any(line.startswith(running) for line in lines)
    assert lines[-1].startswith("✓ synthesize-qa  15/15 prompts · 30/30 samples · 11 kept · 300 tok/s")
    assert "ETA" not in lines[-1]  # done: no time left to show
    assert sum(line.startswith("✓") for line in lines) == 2  # each group ends once
    assert display.finished() == (4, 4, None)


def test_a_line_drops_its_least_needed_figures_to_fit_80_columns(monkeypatch):
    monkeypatch.setattr(display_module, "PLAIN_EVERY_S", 0.0)
    display, out = _display(names=("read", "extract", "langid", "synthesize-a-config-with-a-long-name"))
    display.progress(3, 0, 120_000, unit="prompts", samples=0)
    display.progress(3, 64_000, 120_000, unit="prompts", samples=256_000, output_tokens_per_s=12_345.6,
                     eta_s=7_300.0)
    display.progress(3, 1, 4)  # one of four tasks of a cluster done
    lines = out.getvalue().splitlines()
    assert lines and all(len(line) <= 80 for line in lines)
    assert "64,000/120,000 prompts" in lines[-1] and "ETA 2:01:40" in lines[-1]
    assert "samples" not in lines[-1] and "tasks" not in lines[-1]  # dropped first


def test_a_cached_group_is_one_line_and_counts_as_finished():
    display, out = _display()
    for i in (0, 1, 2):
        display.progress(i, 4, 4, cached=True)
    display.progress(3, 4, 4, cached=True)
    assert out.getvalue().splitlines() == ["✓ read+extract+langid  cached", "✓ synthesize-qa  cached"]
    assert display.finished() == (4, 4, None)


def test_a_terminal_gets_the_live_display_and_no_plain_lines():
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True)
    display = BuildDisplay(console, [[0]], ["read"])
    assert display.live
    with display:
        display.progress(0, 1, 4, records=10)
        display._live.refresh()
        display.progress(0, 4, 4, records=40)
    text = out.getvalue()
    assert "1/4 tasks · 10 records" in text and "4/4 tasks · 40 records" in text
    assert "\x1b[2K" in text  # the line erased and drawn again in place
    assert "… read" not in text  # no plain line beside it
