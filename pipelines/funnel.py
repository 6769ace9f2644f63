"""The stage funnel of a build (records in / out / dropped by reason), for terminals and cards."""

from __future__ import annotations

from rich.table import Table


def by_reason(counts: dict[str, int]) -> str:
    """A total and its parts: `12 (duplicate 10, gsm8k 2)`."""
    reasons = ", ".join(f"{reason} {n:,}" for reason, n in counts.items())
    return f"{sum(counts.values()):,}" + (f" ({reasons})" if counts else "")


def _rows(manifest: dict) -> list[tuple[str, ...]]:
    rows = []
    names = [stage["name"] for stage in manifest["stages"]]
    # Before extraction documents are HTML, whose words are not the dataset's (WET is text already).
    wet = manifest["recipe"]["input"]["format"] == "wet"
    first_text = names.index("extract") if "extract" in names else 0 if wet else len(names)
    for i, stage in enumerate(manifest["stages"]):
        text = i >= first_text and "words_out" in stage
        rows.append((
            stage["name"], f"{stage['in']:,}", f"{stage['out']:,}", by_reason(stage["dropped"]),
            f"{stage['words_out']:,}" if text else "-",
            by_reason(stage["words_dropped"]) if text else "-",
            "cached" if stage.get("cached") else f"{stage.get('seconds', 0):.1f} s",
        ))
    return rows


COLUMNS = ("stage", "docs in", "docs out", "docs dropped (by reason)", "words out",
           "words dropped (by reason)", "time")


def funnel_table(manifest: dict) -> Table:
    """A rich table of the funnel, one row per stage."""
    title = f"{manifest['dataset']} {manifest['version']}: {manifest['rows']:,} rows"
    table = Table(title=title, title_justify="left")
    for column in COLUMNS:
        table.add_column(column, justify="right" if column.startswith(("docs in", "docs out", "words out",
                                                                         "time")) else "left")
    for row in _rows(manifest):
        table.add_row(*row)
    return table


def funnel_view(manifest: dict, width: int, wide: bool = False):
    """The funnel for a console `width` columns wide: the whole table where it fits (or `wide`), else a
    compact one (stage, in, out, time) with each stage's drop reasons wrapped on lines below it: nothing
    cut at 80 columns."""
    from rich.console import Console
    from rich.measure import Measurement

    table = funnel_table(manifest)
    if wide or Measurement.get(probe := Console(width=10_000), probe.options, table).maximum <= width:
        return table
    return funnel_compact(manifest, width)


def funnel_compact(manifest: dict, width: int = 80):
    """Stage, records in, out and time a line; its drops by reason wrapped below it."""
    import textwrap

    from rich.console import Group
    from rich.text import Text

    rows = _rows(manifest)
    numbers = [(r[1], r[2], r[6]) for r in rows]
    w_in, w_out, w_time = (max(len(h), *(len(n[k]) for n in numbers)) for k, h in enumerate(("in", "out",
                                                                                               "time")))
    w_name = max(5, min(max(len(r[0]) for r in rows), width - w_in - w_out - w_time - 6))

    def line(name: str, a: str, b: str, c: str, style: str = "") -> Text:
        name = name if len(name) <= w_name else name[: w_name - 1] + "…"
        return Text(f"{name:<{w_name}}  {a:>{w_in}}  {b:>{w_out}}  {c:>{w_time}}", style)

    title = f"{manifest['dataset']} {manifest['version']}: {manifest['rows']:,} rows"
    lines = [Text(textwrap.shorten(title, width, placeholder="…"), "bold"), line("stage", "in", "out", "time",
                                                                                  "bold")]
    for row, stage in zip(rows, manifest["stages"], strict=True):
        lines.append(line(row[0], row[1], row[2], row[6]))
        if stage["dropped"]:
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in stage["dropped"].items())
            text = f"dropped {sum(stage['dropped'].values()):,}: {reasons}"
            lines += [Text(part, "dim") for part in textwrap.wrap(
                text, width, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False)]
    return Group(*lines)


def funnel_markdown(manifest: dict) -> str:
    """The same funnel as a Markdown table; words are whitespace-separated tokens."""
    align = ["---" if c.endswith(")") or c == "stage" else "---:" for c in COLUMNS]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(manifest)]
    return "\n".join(lines)


def stage_funnel(records_in: int, steps: list[dict[str, float]], writer: dict[str, float],
                 aliases: dict[str, str]) -> dict:
    """A stage's records in, out and dropped by reason, from the stats of its steps and its cache writer."""
    dropped: dict[str, int] = {}
    words_dropped: dict[str, int] = {}
    for step in steps:
        for key, value in step.items():
            if key.startswith("words_dropped_"):
                words_dropped[key[len("words_dropped_"):]] = int(value)
                continue
            reason = key[len("dropped_"):] if key.startswith("dropped_") else aliases.get(key)
            if reason and value:
                dropped[reason] = dropped.get(reason, 0) + int(value)
    records_out = int(writer.get("total", 0))
    # Nothing is lost silently: whatever no step explained is reported as such.
    missing = records_in - records_out - sum(dropped.values())
    if missing:
        dropped["unaccounted"] = missing
    return {"in": records_in, "out": records_out, "dropped": dict(sorted(dropped.items())),
            "words_out": int(writer.get("words", 0)), "words_dropped": dict(sorted(words_dropped.items()))}


def records_read(reader: dict[str, float]) -> int:
    """The records a reader read: ours count `records` (dropped ones too), datatrove's `documents`."""
    return int(reader.get("records", reader.get("documents", 0)))


EMPTY_FUNNEL = {"in": 0, "out": 0, "dropped": {}, "words_out": 0, "words_dropped": {}}


def pipeline_funnel(stats: list[dict[str, float]], aliases: dict[str, str]) -> dict:
    """The funnel of one stage run alone, from the stats of [reader, step..., cache writer]."""
    return stage_funnel(records_read(stats[0]), stats[:-1], stats[-1], aliases)
