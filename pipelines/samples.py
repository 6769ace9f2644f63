"""`pipelines show --samples / --rejects`: a version's rows, or a synthetic config's rejects, as readable
blocks at any width: a rule with where the row is from, then each field, long text wrapped and cut."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pipelines.errors import StoreError

MAX_CHARS = 700  # of one field's text; the rest is counted, not printed
REJECTS = "rejects"  # the version's folder of each synthetic config's rejects: rejects/<config>.parquet


def config_files(folder: Path, manifest: dict, config: str) -> list[Path]:
    """The Parquet shards of a config of the version: `default` (the documents) or a synthetic one."""
    name = f"{manifest['dataset']} {manifest['version']}"
    configs = manifest.get("configs", {})
    if config == "default":
        pattern = f"data/{next(iter(manifest['splits']))}-*.parquet"
    elif config in configs:
        pattern = configs[config]["path"]
    else:
        raise StoreError(f"{name} has no config {config!r} (configs: {', '.join(['default', *configs])})")
    return sorted(folder.glob(pattern))


def rejects_file(folder: Path, manifest: dict, config: str) -> Path:
    """The rejects of a synthetic config, or one line saying the version has none."""
    name = f"{manifest['dataset']} {manifest['version']}"
    if config not in manifest.get("configs", {}):
        configs = ", ".join(manifest.get("configs", {})) or "none"
        raise StoreError(f"{name} has no synthetic config {config!r} (synthetic configs: {configs})")
    path = folder / REJECTS / f"{config}.parquet"
    if not path.is_file():
        raise StoreError(f"{name} has no {REJECTS}/{config}.parquet: it kept no rejects of {config!r}")
    return path


def rows(files: list[Path], reason: str | None = None) -> Iterator[dict]:
    """The rows of the shards in order, a batch at a time; `reason`: only the rejects of that reason."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=256):
            if reason is not None:
                batch = batch.filter(pc.equal(batch.column("reason"), reason))
            yield from batch.to_pylist()


def reasons(path: Path) -> Counter:
    import pyarrow.parquet as pq

    return Counter(pq.read_table(path, columns=["reason"]).column("reason").to_pylist())


def _text(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _cut(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_CHARS else f"{text[:MAX_CHARS]}… (+{len(text) - MAX_CHARS:,} characters)"


def field_lines(name: str, value, width: int) -> list[str]:
    """`name: value` on one line where it fits; else the name, then the value wrapped and indented."""
    text = "-" if value is None else _cut(_text(value))
    one = f"{name}: {text}"
    if "\n" not in text and len(one) <= width:
        return [one]
    lines = [f"{name}:"]
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width, initial_indent="  ", subsequent_indent="  ",
                               replace_whitespace=False, drop_whitespace=True) or ["  "]
    return lines


def rule(title: str, width: int) -> str:
    title = textwrap.shorten(title, width - 4, placeholder="…")
    return f"── {title} " + "─" * max(0, width - len(title) - 4)


def row_block(row: dict, title: str, width: int) -> list[str]:
    lines = [rule(title, width)]
    for name, value in row.items():
        lines += field_lines(name, value, width)
    return lines


def reject_block(row: dict, title: str, width: int) -> list[str]:
    """A reject: what the model wrote, then each check's verdict (✓ passed, ✗ failed: why)."""
    lines = [rule(title, width)]
    lines += field_lines("output", row.get("output"), width)
    try:
        checks = json.loads(row.get("checks") or "[]")
    except ValueError:
        checks = []
    for check in checks if isinstance(checks, list) else []:
        mark = "✓" if check.get("passed") else "✗"
        detail = f": {check['detail']}" if check.get("detail") and not check.get("passed") else ""
        lines += textwrap.wrap(f"{mark} {check.get('check')}{detail}", width, subsequent_indent="    ")
    others = {k: v for k, v in row.items() if k not in ("source_id", "sample", "reason", "output", "checks")}
    for name, value in others.items():
        lines += field_lines(name, value, width)
    return lines


def show_rows(folder: Path, manifest: dict, config: str, n: int, width: int) -> list[str]:
    """The first n rows of a config, as blocks."""
    files = config_files(folder, manifest, config)
    total = manifest["rows"] if config == "default" else manifest["configs"][config]["rows"]
    lines = []
    for k, row in zip(range(n), rows(files), strict=False):
        where = f" · {row['id']}" if row.get("id") is not None else ""
        lines += row_block(row, f"{config} {k + 1} of {total:,}{where}", width)
    return lines or [f"{manifest['dataset']} {manifest['version']}: {config} has no rows"]


def show_rejects(folder: Path, manifest: dict, config: str, n: int, width: int,
                 reason: str | None = None) -> list[str]:
    """The first n rejects of a config (of one reason), as blocks, after a line of counts by reason."""
    path = rejects_file(folder, manifest, config)
    counts = reasons(path)
    if reason is not None and reason not in counts:
        known = ", ".join(f"{r} {c:,}" for r, c in counts.most_common()) or "none"
        raise StoreError(f"{manifest['dataset']} {manifest['version']}: no rejects of {config!r} with reason "
                         f"{reason!r} (reasons: {known})")
    lines = textwrap.wrap(f"rejects of {config}: " + ", ".join(f"{r} {c:,}" for r, c in counts.most_common()),
                          width, subsequent_indent="  ")
    total = counts[reason] if reason else sum(counts.values())
    for k, row in zip(range(n), rows([path], reason), strict=False):
        where = f"{row.get('source_id')} sample {row.get('sample')}"
        title = f"{row.get('reason')} {k + 1} of {total:,} · {where}"
        lines += reject_block(row, title, width)
    return lines
