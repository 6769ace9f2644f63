"""What changed between two versions of a dataset: recipe, inputs, code, stage funnel, rows and scores."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.errors import StoreError
from pipelines.store import DatasetStore

DEFAULT_CONFIG = "default"  # the curated documents (or records), as the card names them
ID = "id"
EXAMPLES = 5  # ids shown of each of added / removed / changed
BATCH_ROWS = 1024  # rows streamed from Parquet at a time: bounds the text held in memory
QUANTILES = (10, 50, 90)
STATS = ("count", "mean", *(f"p{q}" for q in QUANTILES))


def diff_versions(store: DatasetStore, old: str, new: str) -> dict:
    """Everything that changed from version `old` to version `new`, as JSON-ready data."""
    store.manifest()  # an unknown dataset: "has no built version", before any version is named
    if old == new:
        raise StoreError(f"{old} and {new} are the same version of '{store.dataset}': "
                         "name two different versions")
    m1, m2 = store.manifest(old), store.manifest(new)
    configs = _merge_order([DEFAULT_CONFIG, *m1.get("configs", {})], [DEFAULT_CONFIG, *m2.get("configs", {})])
    # A remote version is read from a local copy checked against its manifest (versions never change).
    rows = {c: config_diff(store.local(old), m1, store.local(new), m2, c) for c in configs}
    return {
        "dataset": store.dataset,
        "from": old,
        "to": new,
        "recipe": field_changes(m1["recipe"], m2["recipe"]),
        "inputs": input_changes(m1["inputs"], m2["inputs"]),
        "code_version": field_changes(m1.get("code_version", {}), m2.get("code_version", {})),
        "stages": stage_counts(m1["stages"], m2["stages"]),
        "already_present": present_counts(m1["stages"], m2["stages"]),
        "configs": rows,
        "identical_rows": all(_same_rows(r) for r in rows.values()),
    }


# ---- recipe, inputs, code ----------------------------------------------------------------------

def field_changes(old: Any, new: Any, path: str = "") -> list[dict]:
    """Every field that differs between two JSON values, by dotted path; other lists compare whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in [*old, *(k for k in new if k not in old)]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                changes.append({"path": sub, "change": "removed", "from": old[key]})
            elif key not in old:
                changes.append({"path": sub, "change": "added", "to": new[key]})
            else:
                changes += field_changes(old[key], new[key], sub)
        return changes
    # The recipe's stage list (code_version's `stages` is a dict, handled above).
    if path == "stages" and isinstance(old, list) and isinstance(new, list):
        return stage_changes(old, new)
    return [] if _same(old, new) else [{"path": path, "change": "changed", "from": old, "to": new}]


def stage_changes(old: list[dict], new: list[dict]) -> list[dict]:
    """Stages matched by position and type, so an inserted stage does not shift the others' fields."""
    changes = []
    for tag, i1, i2, j1, j2 in _opcodes([s.get("type") for s in old], [s.get("type") for s in new]):
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                changes += field_changes(old[i], new[j], f"stages.{j}")  # the index --set uses now
        else:
            changes += [{"path": f"stages.{i}", "change": "removed", "from": old[i]} for i in range(i1, i2)]
            changes += [{"path": f"stages.{j}", "change": "added", "to": new[j]} for j in range(j1, j2)]
    return changes


def input_changes(old: list[dict], new: list[dict]) -> dict:
    """Input files added, removed, or changed (another sha256), by name."""
    a, b = _input_hashes(old), _input_hashes(new)
    return {"added": [n for n in b if n not in a], "removed": [n for n in a if n not in b],
            "changed": [{"name": n, "from": a[n], "to": b[n]} for n in a if n in b and a[n] != b[n]]}


def _input_hashes(inputs: list[dict]) -> dict[str, str]:
    names = Counter(i["name"] for i in inputs)
    # Two inputs may share a file name in different folders: then their paths tell them apart.
    # A remote input is known by its store's checksum (an ETag, a Hub sha256) instead of a sha256.
    return {i["name"] if names[i["name"]] == 1 else i["path"]: i.get("sha256") or i["checksum"]
            for i in inputs}


def _content(value: str) -> str:
    """A sha256 as `sha256 <12 hex>`; a store's checksum (`etag:...`) as its kind and start."""
    kind, _, rest = value.partition(":") if ":" in value else ("sha256", "", value)
    return f"{kind} {rest[:12]}"


def _same(a: Any, b: Any) -> bool:
    # JSON text, not ==: True == 1 == 1.0 in Python, but they are different recipe values.
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _opcodes(a: list, b: list) -> list[tuple]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _merge_order(a: list[str], b: list[str]) -> list[str]:
    """The names of both lists once each, in the order of both (b's new names where b has them)."""
    merged = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        merged += a[i1:i2] if tag == "equal" else [*a[i1:i2], *b[j1:j2]]
    return list(dict.fromkeys(merged))


# ---- stage funnel ------------------------------------------------------------------------------

def stage_counts(old: list[dict], new: list[dict]) -> list[dict]:
    """Records in, out and dropped by reason per stage name in each version, and the change."""
    a, b = _stages_by_name(old), _stages_by_name(new)
    rows = []
    for name in _merge_order(list(a), list(b)):
        before, after = a.get(name), b.get(name)
        reasons = list(dict.fromkeys([*(before or {}).get("dropped", {}), *(after or {}).get("dropped", {})]))
        count = lambda s, key: (s or {}).get(key, 0)  # noqa: E731 (a stage a version lacks counts 0)
        dropped = lambda s, r: (s or {}).get("dropped", {}).get(r, 0)  # noqa: E731
        rows.append({
            "name": name,
            "from": _funnel(before),
            "to": _funnel(after),
            "delta": {"in": count(after, "in") - count(before, "in"),
                      "out": count(after, "out") - count(before, "out"),
                      "dropped": {r: dropped(after, r) - dropped(before, r) for r in reasons}},
        })
    return rows


def present_counts(old: list[dict], new: list[dict]) -> list[dict]:
    """Per dedup stage with references, the records each reference already held (removed or marked) in
    each version: what a new month of a rolling corpus took from the months before it."""
    a, b = _stages_by_name(old), _stages_by_name(new)
    rows = []
    for name in _merge_order(list(a), list(b)):
        before, after = (_present(s) for s in (a.get(name), b.get(name)))
        for label in dict.fromkeys([*before, *after]):
            rows.append({"stage": name, "reference": label, "from": before.get(label),
                         "to": after.get(label)})
    return rows


def _present(stage: dict | None) -> dict[str, int]:
    """A stage's records found in each reference (removed, or marked with action: mark)."""
    dedup = (stage or {}).get("dedup") or {}
    return {ref["label"]: ref["removed"] + ref["marked"] for ref in dedup.get("against", [])}


def _stages_by_name(stages: list[dict]) -> dict[str, dict]:
    seen: Counter = Counter()
    named = {}
    for stage in stages:
        seen[stage["name"]] += 1
        # A recipe may run a stage type twice (two langid passes): the second is "langid #2".
        named[stage["name"] + (f" #{seen[stage['name']]}" if seen[stage["name"]] > 1 else "")] = stage
    return named


def _funnel(stage: dict | None) -> dict | None:
    return None if stage is None else {"in": stage["in"], "out": stage["out"], "dropped": stage["dropped"]}


# ---- rows and scores ---------------------------------------------------------------------------

def config_diff(folder1: Path, m1: dict, folder2: Path, m2: dict, config: str) -> dict:
    """Rows added, removed and changed (by id) in one config, its columns, and its score shifts."""
    shards1, shards2 = _shards(folder1, m1, config), _shards(folder2, m2, config)
    schema1, schema2 = _schema(shards1, m1, config), _schema(shards2, m2, config)
    names1, names2 = schema1.names if schema1 else [], schema2.names if schema2 else []
    # Content is compared on the columns both versions have (same order on both sides); a column
    # added or removed is reported once, not as a change of every row.
    common = [n for n in names1 if n in names2] if schema1 and schema2 else names1 or names2
    scores = [f.name for f in schema1 if f.name in names2 and _is_score(f)] if schema1 and schema2 else []
    n1, digests1, values1 = _scan(shards1, common, scores)
    n2, digests2, values2 = _scan(shards2, common, scores)
    added = [i for i in digests2 if i not in digests1]
    removed = [i for i in digests1 if i not in digests2]
    changed = [i for i in digests1 if i in digests2 and digests1[i] != digests2[i]]
    return {
        "present_in": [v for v, schema in (("from", schema1), ("to", schema2)) if schema is not None],
        "rows": {"from": n1, "to": n2},
        "added": len(added),
        "removed": len(removed),
        "changed": len(changed),
        "unchanged": len(digests1) - len(removed) - len(changed),
        "examples": {"added": added[:EXAMPLES], "removed": removed[:EXAMPLES], "changed": changed[:EXAMPLES]},
        "columns": {"added": [n for n in names2 if schema1 and n not in names1],
                    "removed": [n for n in names1 if schema2 and n not in names2]},
        # A score column empty in both versions (no quality stage: quality_score) has nothing to compare.
        "scores": {c: score_shift(values1[c], values2[c])
                   for c in scores if len(values1[c]) + len(values2[c])},
    }


def _shards(folder: Path, manifest: dict, config: str) -> list[Path]:
    """A config's Parquet files: the default's directly under data/, a synthetic one's in data/<config>/."""
    if config == DEFAULT_CONFIG:
        return sorted((folder / "data").glob("*.parquet"))
    entry = manifest.get("configs", {}).get(config)
    return sorted(folder.glob(entry["path"])) if entry else []


def _schema(shards: list[Path], manifest: dict, config: str) -> pa.Schema | None:
    """The config's schema from the first file's footer; None where the version has no such config."""
    if not shards:
        return None
    schema = pq.read_schema(shards[0])
    if ID not in schema.names:
        raise StoreError(f"{manifest['dataset']} {manifest['version']}: config '{config}' has no "
                         f"'{ID}' column to match rows by (columns: {', '.join(schema.names)})")
    return schema


def _is_score(field: pa.Field) -> bool:
    # language_score, quality_score, a critique's score, a preference's chosen/rejected_score and a QA
    # pair's support; not provenance numbers such as sample or seed.
    numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
    return numeric and (field.name in ("score", "support") or field.name.endswith("_score"))


def _scan(shards: list[Path], columns: list[str], scores: list[str]) -> tuple[int, dict, dict]:
    """Stream a config's rows: (rows, a digest of each row's content by id, each score column's values)."""
    # The ids of a version and a 16-byte digest each are held in memory: a set difference needs them,
    # and they are far smaller than the rows. Text is only ever held one batch at a time; score
    # columns are small numbers, held whole for the quantiles and the KS test.
    rows, digests, values = 0, {}, {c: [] for c in scores}
    content = [c for c in columns if c != ID]
    for path in shards:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=columns):
            ids = batch.column(ID).to_pylist()
            # Ids are unique in a version (record ids); were one repeated, its last row would stand.
            if content:
                cells = zip(*(batch.column(c).to_pylist() for c in content), strict=True)
                digests.update(zip(ids, map(_digest, cells), strict=True))
            else:
                digests.update(dict.fromkeys(ids, b""))
            for c in scores:
                values[c].append(pc.drop_null(batch.column(c)).to_numpy(zero_copy_only=False))
            rows += batch.num_rows
    return rows, digests, {c: np.concatenate(v).astype(np.float64) if v else np.zeros(0)
                           for c, v in values.items()}


def _digest(cells: tuple) -> bytes:
    text = json.dumps(cells, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def score_shift(old: np.ndarray, new: np.ndarray) -> dict:
    """Count, mean and quantiles in each version, their shift, and the two-sample KS statistic."""
    a, b = _stats(old), _stats(new)
    shift = {k: None if a[k] is None or b[k] is None else b[k] - a[k] for k in STATS}
    ks = None
    if len(old) and len(new):
        from scipy.stats import ks_2samp  # scipy comes with scikit-learn, a dependency

        test = ks_2samp(old, new)
        ks = {"statistic": float(test.statistic), "pvalue": float(test.pvalue)}
    return {"from": a, "to": b, "shift": shift, "ks": ks}


def _stats(values: np.ndarray) -> dict:
    if not len(values):
        return dict.fromkeys(STATS) | {"count": 0}
    quantiles = np.percentile(values, QUANTILES)
    return {"count": len(values), "mean": float(values.mean()),
            **{f"p{q}": float(x) for q, x in zip(QUANTILES, quantiles, strict=True)}}


def _same_rows(config: dict) -> bool:
    return not (config["added"] or config["removed"] or config["changed"]
                or config["columns"]["added"] or config["columns"]["removed"])


# ---- terminal output ---------------------------------------------------------------------------

def render_diff(diff: dict, console: Console) -> None:
    """Print the diff as lines (recipe, inputs, code) and tables (stages, rows, scores)."""
    line = lambda text, style="": console.print(Text(text, style=style), soft_wrap=True)  # noqa: E731
    line(f"{diff['dataset']} {diff['from']} -> {diff['to']}", "bold")
    line("recipe:" + ("" if diff["recipe"] else " unchanged"))
    for change in diff["recipe"]:
        line(f"  {_describe(change)}")
    inputs = diff["inputs"]
    moved = inputs["added"] or inputs["removed"] or inputs["changed"]
    line("inputs:" + ("" if moved else " unchanged"))
    for name in inputs["added"]:
        line(f"  + {name}", "green")
    for name in inputs["removed"]:
        line(f"  - {name}", "red")
    for item in inputs["changed"]:
        line(f"  ~ {item['name']}: {_content(item['from'])} -> {_content(item['to'])}")
    line("code version:" + ("" if diff["code_version"] else " unchanged"))
    for change in diff["code_version"]:
        line(f"  {_describe(change)}")
    console.print(stage_table(diff))
    if diff.get("already_present"):
        line("already present in a reference (dedup against):")
        for row in diff["already_present"]:
            shown = ["-" if row[k] is None else f"{row[k]:,}" for k in ("from", "to")]
            line(f"  {row['stage']}: {row['reference']}: {shown[0]} -> {shown[1]}")
    console.print(rows_table(diff))
    if diff["identical_rows"]:
        line("rows: identical in every config")
    for config, rows in diff["configs"].items():
        for kind in ("added", "removed", "changed"):
            if examples := rows["examples"][kind]:
                more = rows[kind] - len(examples)
                line(f"  {config} {kind}: {', '.join(examples)}" + (f" (+{more:,} more)" if more else ""))
        for kind in ("added", "removed"):
            if rows["columns"][kind]:
                line(f"  {config} columns {kind}: {', '.join(rows['columns'][kind])}")
    if any(rows["scores"] for rows in diff["configs"].values()):
        console.print(scores_table(diff))


def _describe(change: dict) -> str:
    value = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    if change["change"] == "added":
        return f"{change['path']}: added {value(change['to'])}"
    if change["change"] == "removed":
        return f"{change['path']}: removed (was {value(change['from'])})"
    return f"{change['path']}: {value(change['from'])} -> {value(change['to'])}"


def stage_table(diff: dict) -> Table:
    """Records in, out and dropped by reason per stage, in each version, and the delta."""
    table = Table(title=f"stage counts: {diff['from']} -> {diff['to']}", title_justify="left")
    for column in ("stage", "count", diff["from"], diff["to"], "delta"):
        table.add_column(column, justify="left" if column in ("stage", "count") else "right")
    for stage in diff["stages"]:
        counts = [("in", _count(stage, "in")), ("out", _count(stage, "out"))]
        counts += [(f"dropped: {r}", _count(stage, r, dropped=True)) for r in stage["delta"]["dropped"]]
        for k, (label, (before, after, delta)) in enumerate(counts):
            table.add_row(Text(stage["name"] if k == 0 else ""), Text(label), before, after, _signed(delta),
                          end_section=k == len(counts) - 1)
    return table


def _count(stage: dict, key: str, dropped: bool = False) -> tuple[str, str, int]:
    """One count of a stage as shown: in the old version, in the new one ("-": no such stage), delta."""
    shown = lambda s: "-" if s is None else f"{(s['dropped'] if dropped else s).get(key, 0):,}"  # noqa: E731
    delta = stage["delta"]["dropped" if dropped else key]
    return shown(stage["from"]), shown(stage["to"]), delta[key] if dropped else delta


def rows_table(diff: dict) -> Table:
    """Rows in each version and added / removed / changed by id, per config."""
    table = Table(title="rows by id", title_justify="left")
    for column in ("config", diff["from"], diff["to"], "added", "removed", "changed", "unchanged"):
        table.add_column(column, justify="left" if column == "config" else "right")
    for config, rows in diff["configs"].items():
        present = [f"{rows['rows'][s]:,}" if s in rows["present_in"] else "-" for s in ("from", "to")]
        table.add_row(Text(config), *present, f"{rows['added']:,}",
                      f"{rows['removed']:,}", f"{rows['changed']:,}", f"{rows['unchanged']:,}")
    return table


def scores_table(diff: dict) -> Table:
    """Each score column's distribution in both versions, the shift, and the KS statistic."""
    table = Table(title="score distributions", title_justify="left")
    for column in ("config", "column", "stat", diff["from"], diff["to"], "shift"):
        table.add_column(column, justify="left" if column in ("config", "column", "stat") else "right")
    for config, rows in diff["configs"].items():
        for name, s in rows["scores"].items():
            for k, stat in enumerate(STATS):
                fmt = (lambda v: f"{v:,}") if stat == "count" else _number  # noqa: E731
                shown = lambda v, f=fmt: "-" if v is None else f(v)  # noqa: E731
                table.add_row(Text(config if k == 0 else ""), Text(name if k == 0 else ""), stat,
                              shown(s["from"][stat]), shown(s["to"][stat]),
                              "-" if s["shift"][stat] is None else _signed(s["shift"][stat]))
            ks = s["ks"]
            table.add_row("", "", "KS", "", "", "-" if ks is None else
                          f"{ks['statistic']:.3f} (p={ks['pvalue']:.2g})", end_section=True)
    return table


def _number(v: float) -> str:
    return f"{v:.4g}" if abs(v) >= 1000 else f"{v:.4f}"


def _signed(v: float) -> str:
    if isinstance(v, int):
        return f"{v:+,}" if v else "0"
    return f"{v:+.4f}" if v else "0"
