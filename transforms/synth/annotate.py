"""A judge's verdicts as columns of the rows it judged: each row's score and rationale (a scoring judge), or
its wins, losses and ties (a pairwise judge). One pass over the judged rows, the verdicts sorted to match."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from transforms.external_sort import sorted_records
from transforms.synth.rows import SORT_RUN, order


def judged_key(config: str, row_id: str) -> tuple[str, int]:
    """The (source id, sample) of a judged row from its id, `<config>:<source id>:<sample>`."""
    source, _, sample = row_id.removeprefix(f"{config}:").rpartition(":")
    return source, int(sample)


def verdicts(rows: Iterable[dict], rejects: Iterable[dict], fields: list[str]) -> Iterator[dict]:
    """A scoring judge's verdict on each row it judged (sample 0 of it): from its rows, and from the samples
    its checks dropped (a score below its threshold), whose output is in the rejects."""
    for row in rows:
        if row["sample"] == 0:
            yield {"judged": row["source_id"], **{f: row.get(f) for f in fields}}
    for reject in rejects:
        if reject.get("sample") != 0 or not reject.get("output"):
            continue
        try:
            value = json.loads(reject["output"], strict=False)
        except ValueError:
            continue
        if isinstance(value, dict):
            yield {"judged": reject["source_id"], **{f: value.get(f) for f in fields}}


def annotate_scores(rows_file: Path, judged: Iterable[dict], config: str, prefix: str, fields: list[str],
                    out: Path) -> dict[str, int]:
    """`rows_file` (a config's rows, in (source id, sample) order) written to `out` with each judged field as
    a column `<prefix>_<field>` (None where the judge gave no verdict); counts of each integer verdict."""
    key = lambda v: judged_key(config, v["judged"])  # noqa: E731
    found = sorted_records(judged, key, out.parent / "sort", SORT_RUN)
    verdict = next(found, None)
    histogram: dict[str, int] = {}
    with open(rows_file) as f, open(out, "w") as w:
        for line in f:
            row = json.loads(line)
            while verdict is not None and key(verdict) < order(row):
                verdict = next(found, None)
            mine = verdict if verdict is not None and key(verdict) == order(row) else {}
            for field in fields:
                value = mine.get(field)
                row[f"{prefix}_{field}"] = value
                if field == "score" and isinstance(value, int):
                    histogram[str(value)] = histogram.get(str(value), 0) + 1
            w.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return dict(sorted(histogram.items(), key=lambda kv: int(kv[0])))


def annotate_wins(rows_file: Path, comparisons: Path, config: str, prefix: str, out: Path) -> dict[str, int]:
    """`rows_file` (a config's rows) written to `out` with each row's pairwise record as columns
    `<prefix>_wins`, `_losses`, `_ties` (None where it was in no judged pair); the comparisons (sorted by
    prompt) count for the rows of `config` they name (`<config>:<sample>`, or `config` with its sample)."""
    def tallies() -> Iterator[tuple[str, dict[int, list[int]]]]:
        current, tally = None, {}
        with open(comparisons) as f:
            for line in f:
                c = json.loads(line)
                if c["source_id"] != current:
                    if current is not None:
                        yield current, tally
                    current, tally = c["source_id"], {}
                if c["winner"] is None:
                    continue
                for side in ("a", "b"):
                    source, sample = c[f"source_{side}"], c[f"sample_{side}"]
                    if source.split(":")[0] != config:
                        continue
                    won = tally.setdefault(sample, [0, 0, 0])
                    winner = c["winner"]
                    won[0 if winner == source else 2 if winner == "tie" else 1] += 1
        if current is not None:
            yield current, tally

    counts = {"rows": 0, "wins": 0}
    found = tallies()
    prompt = next(found, None)
    with open(rows_file) as f, open(out, "w") as w:
        for line in f:
            row = json.loads(line)
            while prompt is not None and prompt[0] < row["source_id"]:
                prompt = next(found, None)
            mine = prompt is not None and prompt[0] == row["source_id"]
            record = prompt[1].get(row["sample"]) if mine else None
            for k, name in enumerate(("wins", "losses", "ties")):
                row[f"{prefix}_{name}"] = None if record is None else record[k]
            counts["rows"] += record is not None
            counts["wins"] += record[0] if record else 0
            w.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    return counts
