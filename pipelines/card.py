"""The dataset card: README.md with the Hub's YAML header, so `datasets` and the Hub read it."""

from __future__ import annotations

import re

import yaml

from pipelines.funnel import by_reason, funnel_markdown
from pipelines.stages import stage_class

# The Hub's size buckets (datasets/utils/resources/size_categories.json), each with its upper bound.
SIZE_CATEGORIES = [(10**3, "n<1K"), (10**4, "1K<n<10K"), (10**5, "10K<n<100K"), (10**6, "100K<n<1M"),
                   (10**7, "1M<n<10M"), (10**8, "10M<n<100M"), (10**9, "100M<n<1B"), (10**10, "1B<n<10B"),
                   (10**11, "10B<n<100B"), (10**12, "100B<n<1T")]
# The Hub's task category of each synthetic record type; curated documents are for text generation.
TASK_CATEGORIES = {"instruction": "text-generation", "qa": "question-answering",
                   "critique": "text-classification", "preference": "text-generation"}


def size_category(rows: int) -> str:
    """The Hub's size bucket for a number of rows."""
    return next((name for bound, name in SIZE_CATEGORIES if rows < bound), "n>1T")


def card_header(manifest: dict) -> dict:
    """The card's YAML header: what the Hub and `datasets` read (configs, splits, license, sizes, tasks)."""
    recipe = manifest["recipe"]
    splits = sorted(manifest["splits"])
    configs = manifest.get("configs", {})
    header = {"pretty_name": manifest["dataset"], "license": recipe["license"]}
    for stage in recipe["stages"]:
        header |= stage_class(stage["type"]).card_header(stage)
    header["size_categories"] = [size_category(manifest["rows"] + sum(c["rows"] for c in configs.values()))]
    tasks = ["text-generation", *(TASK_CATEGORIES.get(c["record_type"], "text-generation")
                                  for c in configs.values())]
    header["task_categories"] = list(dict.fromkeys(tasks))
    header["tags"] = _tags(manifest)
    header["configs"] = [{"config_name": "default",
                          "data_files": [{"split": s, "path": f"data/{s}-*.parquet"} for s in splits]}]
    for name, config in configs.items():
        header["configs"].append({"config_name": name,
                                  "data_files": [{"split": splits[0], "path": config["path"]}]})
    return header


def _stage_sections(manifest: dict) -> str:
    """Each kind of stage's own section (quality scores, synthetic data, dedup, decontamination), in the
    order the stages ran; stages that share a section (the dedup stages) share one."""
    groups: dict[object, tuple[type, list[dict]]] = {}
    for stage in manifest["stages"]:
        cls = stage_class(stage.get("type") or stage["name"].split("-")[0])
        key = cls.card_section.__func__
        groups.setdefault(key, (cls, []))[1].append(stage)
    return "".join(cls.card_section(stages) for cls, stages in groups.values())


def _configs(manifest: dict) -> list[dict]:
    """Each synthetic config's own funnel (its synthesize stage and the record stages on its rows), and
    whether and against what its rows were decontaminated."""
    parts = []
    for name, config in manifest.get("configs", {}).items():
        if "stages" not in config:  # a version written before configs had their own funnel
            continue
        stages = [s | {"dropped": by_reason(s["dropped"])} for s in manifest["stages"]
                  if s["name"] in config["stages"]]
        parts.append({"name": name, "rows": config["rows"], "stages": stages,
                      "decontamination": _decontamination(config, name, _benchmarks(manifest))})
    return parts


def _tags(manifest: dict) -> list[str]:
    """Tags from what the recipe does: web pages curated, synthetic rows made, dedup and decontamination."""
    recipe = manifest["recipe"]
    kinds = {s["type"] for s in recipe["stages"]}
    tags = ["pipelines"]
    tags += ["web"] if recipe.get("input", {}).get("format") in ("warc", "wet") else []
    tags += ["synthetic"] if manifest.get("configs") else []
    tags += ["deduplicated"] if kinds & {"dedup_exact", "dedup_minhash"} else []
    tags += ["decontaminated"] if "decontaminate" in kinds else []
    return tags


def _benchmarks(manifest: dict) -> list[str]:
    """The benchmarks any decontaminate stage of the recipe names."""
    return list(dict.fromkeys(b["name"] for s in manifest["recipe"]["stages"] if s["type"] == "decontaminate"
                              for b in s.get("benchmarks", [])))


def _decontamination(config: dict, name: str, benchmarks: list[str]) -> str:
    done = config.get("decontaminated") or []
    if not done:
        if config.get("decontamination_opted_out"):
            why = "the recipe opts out (`synthetic_configs: false` on its decontaminate stage)"
        elif benchmarks:
            why = (f"the recipe's decontaminate stages (against {', '.join(benchmarks)}) run on other "
                   f"configs; a stage with `input: {name}` would cover this one")
        else:
            why = "the recipe lists no benchmarks"
        return f"Not decontaminated: {why}."
    return " ".join(
        f"Decontaminated against {', '.join(d['benchmarks'])} ({_how(d)}, stage `{d['stage']}`"
        f"{', added from the recipe benchmarks' if d['auto'] else ''}): {d['removed']:,} rows removed."
        for d in done)


def _how(done: dict) -> str:
    """A config's decontamination method in a few words (versions before methods were named: n-grams)."""
    method = done.get("method", "ngram")
    if method == "ngram":
        return f"{done['n']}-grams"
    how = f"overlap of {done['n']}-grams at {done['threshold']}"
    return how if method == "overlap" else f"{how}, then semantic"


def _content(entry: dict) -> str:
    """An input's sha256, or for a remote object its store's checksum (an ETag, a Hub sha256)."""
    if entry.get("sha256"):
        return f"sha256 `{entry['sha256'][:16]}…`"
    kind, _, value = entry["checksum"].partition(":")
    return f"{kind} `{value[:16]}…`"


def render_card(manifest: dict, repo_id: str | None = None) -> str:
    """The card of a version: in the store it loads from the version folder, on the Hub from `repo_id`."""
    from pipelines.render import render

    text = yaml.safe_dump(manifest["recipe"], sort_keys=False, allow_unicode=True).strip()
    # A fence longer than any run of backticks in the recipe, so no description can close it.
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    version = manifest["version"]
    where, pin = (f"path/to/{manifest['dataset']}/{version}", "") if repo_id is None else \
        (repo_id, f', revision="{version}"')
    load = [f'ds = load_dataset("{where}"{pin})'] + [
        f'{name} = load_dataset("{where}", "{name}"{pin})' for name in manifest.get("configs", {})]
    header = yaml.safe_dump(card_header(manifest), sort_keys=False).strip()
    return render("card.md.j2", m=manifest, header=header, funnel=funnel_markdown(manifest),
                  sections=_stage_sections(manifest), configs=_configs(manifest),
                  inputs=[i | {"content": _content(i)} for i in manifest["inputs"]], recipe=text, fence=fence,
                  load=load, repo_id=repo_id)
