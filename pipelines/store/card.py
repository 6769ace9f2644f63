"""The dataset card: README.md with the Hub's YAML header, so `datasets` and the Hub read it."""

from __future__ import annotations

import yaml

from pipelines.funnel import funnel_markdown


def _scores_section(manifest: dict) -> str:
    scored = [s for s in manifest["stages"] if "scores" in s]
    if not scored:
        return ""
    scores = scored[-1]["scores"]
    rule = (f"the top {scores['keep_top']:.0%} of the run" if scores.get("keep_top")
            else f"score >= {scores['threshold']}" if scores.get("threshold") is not None else "all")
    return f"""
## Quality scores

Kept: {rule} (threshold {scores['threshold']}).

![Histogram of quality scores with the threshold](quality_scores.png)
"""


def _decontam_section(manifest: dict) -> str:
    stages = [s for s in manifest["stages"] if "contamination" in s]
    if not stages:
        return ""
    stage = stages[-1]
    verb = "removed" if stage["action"] == "remove" else "kept and marked (column `contamination`)"
    rows = "\n".join(
        f"| {bench} | {r['records']:,} | {len(r['items']):,} | "
        f"{', '.join(map(str, r['items'][:20]))}{' …' if len(r['items']) > 20 else ''} |"
        for bench, r in stage["contamination"].items()
    ) or "| (none) | 0 | 0 | |"
    return f"""
## Decontamination

Records sharing an n-gram with a benchmark item were {verb}.

| benchmark | records flagged | items matched | item ids |
|---|---:|---:|---|
{rows}
"""


def _dedup_section(manifest: dict) -> str:
    stages = [s for s in manifest["stages"] if "dedup" in s]
    if not stages:
        return ""
    rows = []
    for stage in stages:
        d = stage["dedup"]
        how = (f"MinHash LSH, {d['shingle_size']}-word shingles, {d['bands']} bands x {d['rows']} rows "
               f"(Jaccard threshold ~{d['threshold']})" if "bands" in d else "normalised text hash")
        rows.append(f"| {stage['name']} | {how} | {', '.join(d['fields'])} | {d['clusters']:,} | "
                    f"{d['removed']:,} | `{d.get('table', '')}` |")
    return f"""
## Deduplication

In each cluster of copies the one {stages[0]["dedup"]["keep"]} is kept. Every clustered record, its
cluster and whether it was kept are in the side table named below.

| stage | method | fields | clusters | removed | side table |
|---|---|---|---:|---:|---|
{chr(10).join(rows)}
"""


def _synthetic_section(manifest: dict) -> str:
    stages = [s for s in manifest["stages"] if "synth" in s]
    if not stages:
        return ""
    rows = "\n".join(
        f"| `{s['synth']['config']}` | {s['synth']['task']} | {s['out']:,} | {s['synth']['model']} "
        f"(`{s['synth']['model_revision']}`) | `{s['synth']['template_sha256']}` | "
        f"n={s['synth']['sampling']['n']}, seed={s['synth']['sampling']['seed']}, "
        f"temperature={s['synth']['sampling']['temperature']} |" for s in stages)
    return f"""
## Synthetic data

Each row also carries its provenance: source record, sample, model and revision, sampling parameters,
template hash and seed. `load_dataset(path, "<config>")` loads one record type.

| config | task | rows | model (revision) | template | sampling |
|---|---|---:|---|---|---|
{rows}
"""


def render_card(manifest: dict) -> str:
    recipe = manifest["recipe"]
    splits = sorted(manifest["splits"])
    header = {
        "pretty_name": manifest["dataset"],
        "license": recipe["license"],
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in splits],
            }
        ],
        "tags": ["pipelines", "web"],
    }
    for name, config in manifest.get("configs", {}).items():
        header["configs"].append({"config_name": name,
                                  "data_files": [{"split": splits[0], "path": config["path"]}]})
    languages = [s["languages"] for s in recipe["stages"] if s["type"] == "langid"]
    if languages:
        header["language"] = languages[-1]
    inputs = "\n".join(f"- `{i['name']}` sha256 `{i['sha256'][:16]}…` ({i['bytes']:,} bytes)"
                       for i in manifest["inputs"])
    parent = manifest["parent"] or "none (first version)"
    return f"""---
{yaml.safe_dump(header, sort_keys=False).strip()}
---

# {manifest["dataset"]} ({manifest["version"]})

{recipe["description"].strip() or "Built by `pipelines build`."}

{manifest["rows"]:,} rows in {", ".join(f"`{s}` ({n:,})" for s, n in manifest["splits"].items())}.

## Stage funnel

{funnel_markdown(manifest)}

![Documents kept and dropped per stage](funnel.png)
{_scores_section(manifest)}{_synthetic_section(manifest)}{_dedup_section(manifest)}{_decontam_section(manifest)}
## Lineage

- Parent version: {parent}
- Recipe hash: `{manifest["recipe_hash"]}`
- Build fingerprint: `{manifest["build_fingerprint"]}`
- Code version: `{manifest["code_version"]["package"]}`

Inputs:
{inputs}

## Load it

```python
from datasets import load_dataset
ds = load_dataset("path/to/{manifest["dataset"]}/{manifest["version"]}")
```
"""
