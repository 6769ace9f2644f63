"""The stage funnel of a build (records in / out / dropped by reason), for terminals and cards."""

from __future__ import annotations

from rich.table import Table


def _rows(manifest: dict) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for stage in manifest["stages"]:
        dropped = stage["dropped"]
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in dropped.items()) or "-"
        note = "cached" if stage.get("cached") else f"{stage.get('seconds', 0):.1f} s"
        rows.append((stage["name"], f"{stage['in']:,}", f"{stage['out']:,}",
                     f"{sum(dropped.values()):,}" + (f" ({reasons})" if dropped else ""), note))
    return rows


def funnel_table(manifest: dict) -> Table:
    """A rich table of the funnel, one row per stage."""
    title = f"{manifest['dataset']} {manifest['version']}: {manifest['rows']:,} rows"
    table = Table(title=title, title_justify="left")
    for column, justify in (("stage", "left"), ("in", "right"), ("out", "right"),
                            ("dropped (by reason)", "left"), ("time", "right")):
        table.add_column(column, justify=justify)
    for row in _rows(manifest):
        table.add_row(*row)
    return table


def funnel_markdown(manifest: dict) -> str:
    """The same funnel as a Markdown table."""
    lines = ["| stage | in | out | dropped (by reason) | time |", "|---|---:|---:|---|---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(manifest)]
    return "\n".join(lines)
