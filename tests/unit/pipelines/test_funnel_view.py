"""The funnel at 80 columns: a compact table with every drop reason whole, wrapped below its stage; the
whole table where it fits or when asked (--wide)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from pipelines.funnel import funnel_view

REASONS = {"not_a_response": 1_204, "not_html": 33, "http_error": 7, "undecodable": 2, "too_large": 1,
           "a_reason_with_a_rather_long_name_from_a_library_step": 12}


def _manifest() -> dict:
    words = {"a_reason_with_a_rather_long_name_from_a_library_step": 4_321}
    stage = {"in": 10_000, "out": 8_741, "dropped": REASONS, "words_out": 1_234_567, "words_dropped": words,
             "seconds": 12.3}
    return {"dataset": "web-demo", "version": "v3", "rows": 8_741, "recipe": {"input": {"format": "wet"}},
            "stages": [{"name": "read", **stage},
                       {"name": "synthesize-a-config-whose-name-is-long", **stage, "cached": True}]}


def _printed(renderable, width: int) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text().splitlines()


def test_at_80_columns_every_reason_is_whole_and_no_line_is_wider():
    view = funnel_view(_manifest(), 80)
    assert not isinstance(view, Table)
    lines = _printed(view, 80)
    assert all(len(line) <= 80 for line in lines)
    text = " ".join(line.strip() for line in lines)
    for reason, n in REASONS.items():
        assert f"{reason} {n:,}" in text
    assert lines[0] == "web-demo v3: 8,741 rows"
    assert lines[2].split() == ["read", "10,000", "8,741", "12.3", "s"]
    assert "cached" in lines[2 + next(i for i, line in enumerate(lines[2:]) if line.startswith("synthesize"))]


def test_the_whole_table_where_it_fits_or_when_asked():
    assert isinstance(funnel_view(_manifest(), 400), Table)
    wide = funnel_view(_manifest(), 80, wide=True)
    assert isinstance(wide, Table)
    assert any("words dropped (by reason)" in line for line in _printed(wide, 300))
