"""What a synthesis stage makes of its generation's output: its sorted rows, rejects, negatives and a judge's
comparisons, its funnel and report; a judge's verdicts as columns of the rows it judged; and all of it in the
version (Parquet configs, side tables)."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.stages.base import ROWS
from pipelines.synthesis import records_of
from transforms.synth.funnels import FUNNELS, refine_report, tokens_report

NEGATIVES = "negatives.jsonl"  # chosen/rejected pairs of passing and failed samples, sorted
REJECTS = "rejects.jsonl"  # the samples that are no rows, what the model wrote, capped per reason
COMPARISONS = "comparisons.jsonl"  # pairwise judging: every pair with both orders' verdicts, sorted


def finish(ctx, out: Path, task, params, counts: dict, config: str, negatives: bool,
           keep_rejects: int | None) -> dict:
    """The stage's funnel and report from its generation's output in `out`: rows sorted (and the task's
    ordered checks), rejects kept per reason, negatives and comparisons sorted, in ctx.work."""
    from transforms.synth.judging import judge_report
    from transforms.synth.rows import sort_rows, write_rejects, write_sorted

    rows, late_drops = sort_rows(records_of(out, "rows"), ctx.work / ROWS, task, config)
    rejects = write_rejects(records_of(out, "rejected"), ctx.work / REJECTS, keep_rejects) \
        if keep_rejects != 0 else {}
    pairs = write_sorted(records_of(out, "negatives"), ctx.work / NEGATIVES, f"{config}_negatives") \
        if negatives else 0
    dropped = {k.removeprefix("rejected_"): v for k, v in counts.items() if k.startswith("rejected_")}
    for reason, n in late_drops.items():
        dropped[reason] = dropped.get(reason, 0) + n
    units, dropped, losses = FUNNELS[task.graph](counts, rows, dropped, params.n)
    if units - rows - sum(dropped.values()):
        dropped["unaccounted"] = units - rows - sum(dropped.values())
    judging = {}
    if task.graph == "pairwise":
        name = f"{config}_comparisons"
        written = write_sorted(records_of(out, "comparisons"), ctx.work / COMPARISONS, name)
        judging = {"pairwise": judge_report(ctx.work / COMPARISONS, name, written, params.seed)}
    prefix = "judge_" if task.graph == "pairwise" else ""
    synth = {
        "config": config,
        "sampling": params.as_dict(),
        "template_sha256": task.template_sha256,
        "checks": [c.reason for c in task.checks],
        **({"negatives": {"config": f"{config}_negatives", "rows": pairs}} if negatives else {}),
        "generated_prompts": counts.get(f"{prefix}generated_prompts", 0),
        "cached_prompts": counts.get(f"{prefix}cached_prompts", 0),
        # Backends (engines) the run started: one per worker process that generated; 0 where this process
        # already held one.
        "backends_made": counts.get("backends_made", 0),
        "tokens": tokens_report(counts),
        **({"sample_losses": losses} if losses else {}),
        "rejects": {"kept": rejects, "per_reason": "all" if keep_rejects is None else keep_rejects},
        **({"refine": refine_report(counts, task.definition.refine.rounds)}
           if task.definition.refine else {}),
        **judging,
    }
    return {"in": units, "out": rows, "dropped": dict(sorted(dropped.items())), "synth": synth}


def annotated_file(config: str) -> str:
    return f"annotated-{config}.jsonl"


def annotation_fields(task, config: str) -> list:
    """The columns a judge adds to the rows it judged: `<its config>_<field>` of its output (a scoring
    judge), or `_wins`, `_losses`, `_ties` (a pairwise judge)."""
    import pyarrow as pa

    from schemas.synthetic import arrow_type

    if task.graph == "pairwise":
        return [pa.field(f"{config}_{name}", pa.int32()) for name in ("wins", "losses", "ties")]
    return [pa.field(f"{config}_{k}", arrow_type(p) or pa.string())
            for k, p in task.schema["properties"].items()]


def annotate(ctx, out: Path, task, judged: str, config: str) -> dict:
    """The judged config's rows, each with this judge's verdict as columns, for the stages after this one and
    the version; what the verdicts were (a histogram of scores, or the rows with pairwise wins)."""
    from transforms.synth.annotate import annotate_scores, annotate_wins, verdicts

    target = ctx.work / annotated_file(judged)
    if task.graph == "pairwise":
        counts = annotate_wins(ctx.rows(judged), ctx.work / COMPARISONS, judged, config, target)
        return {"config": judged, "columns": [f"{config}_{k}" for k in ("wins", "losses", "ties")], **counts}
    fields = list(task.schema["properties"])
    found = verdicts(records_of(out, "rows"), records_of(out, "rejected"), fields)
    histogram = annotate_scores(ctx.rows(judged), found, judged, config, fields, target)
    return {"config": judged, "columns": [f"{config}_{k}" for k in fields], "scores": histogram}


def write_synthetic(out, synth: dict, schema) -> list[Path]:
    """The stage's rows as Parquet under data/<config>/ (its schema and the columns judges added), its
    negatives under data/<config>_negatives/, rejects, a calibration's plot and a pairwise judge's tables."""
    import pyarrow as pa

    from schemas.synthetic import SCHEMAS
    from transforms.synth.judging import write_strengths
    from transforms.synth.rows import pairs_of_kept_rows, rejects_table

    config = synth["config"]
    final = out.rows(config)  # the rows as the last stage on the config left them
    extra = [f for f in out.extra_fields(config) if f.name not in schema.names]
    schema = pa.schema([*schema, *extra], metadata=schema.metadata)
    with open(final) as f:
        shards = out.write_split((json.loads(line) for line in f), schema, config)
    negatives = synth.get("negatives", {})
    if negatives.get("rows"):
        kept = [0]
        pairs = pairs_of_kept_rows(out.made / NEGATIVES, final, kept)
        shards += out.write_split(pairs, SCHEMAS["negatives"], negatives["config"])
        # A pair whose chosen row a record stage removed (a duplicate, a contaminated prompt) goes with it;
        # version_configs, called next, reports what was written.
        negatives["removed_with_their_rows"] = negatives["rows"] - kept[0]
        negatives["rows"] = kept[0]
    if (out.made / REJECTS).is_file() and synth.get("rejects", {}).get("kept"):
        table = rejects_table(out.made / REJECTS, out.folder / "rejects" / f"{config}.parquet")
        synth["rejects"]["table"] = str(table.relative_to(out.folder))
        shards.append(table)
    calibration = synth.get("calibration")
    if calibration:
        from pipelines.store.plots import calibration_png

        calibration["plot"] = f"calibration-{config}.png"
        shards.append(calibration_png(calibration, out.folder / calibration["plot"]))
    pairwise = synth.get("pairwise")
    if pairwise:
        with open(out.made / COMPARISONS) as f:
            rows = (json.loads(line) for line in f)
            shards += out.write_split(rows, SCHEMAS["comparisons"], pairwise["config"])
        pairwise["table"] = f"bradley_terry-{config}.csv"
        shards.append(write_strengths(pairwise["bradley_terry"], out.folder / pairwise["table"]))
    return shards


def synthetic_configs(result: dict, split: str) -> dict[str, dict]:
    """The version's configs a synthesis stage makes: its rows, and its negatives or comparisons."""
    synth = result["synth"]
    config = synth["config"]
    configs = {config: {"record_type": synth["record_type"] or config, "rows": result["out"],
                        "path": f"data/{config}/{split}-*.parquet"}}
    negatives = synth.get("negatives", {})
    if negatives.get("rows"):
        configs[negatives["config"]] = {"record_type": "negatives", "rows": negatives["rows"],
                                        "path": f"data/{negatives['config']}/{split}-*.parquet"}
    pairwise = synth.get("pairwise")
    if pairwise and pairwise["comparisons"]:
        configs[pairwise["config"]] = {"record_type": "comparisons", "rows": pairwise["comparisons"],
                                       "path": f"data/{pairwise['config']}/{split}-*.parquet"}
    return configs
