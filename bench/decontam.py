"""Decontamination: the tiers' speed and recall on real pages, and the 13-gram index against datatrove.

    python bench/decontam.py [--repeats 5] [--write] [--semantic-pages 60]
                                                          speed of each tier, recall per edit kind and tier
    python bench/decontam.py --vs-datatrove [--docs 2000] [--items 10000] [--repeats 3]

The first is bench/decontam_recall.py (see there); --write ships its recall table to the file the dataset
card quotes. The second measures records/s of building the 13-gram index and of looking documents up, and
peak memory at 1x / 10x:

Benchmarks: the authored GSM8K / HumanEval / MMLU-like items of tests/support/benchmarks.py (JSONL, Parquet,
a datasets folder) plus a synthetic JSONL benchmark of --items question/answer records drawn from the
sample pages' vocabulary (an MMLU-sized index). Corpus: the tests' recombined sample-page sentences, 1% of
documents with a benchmark question planted, written as JSONL at 1x (--docs) and 10x and streamed back.
The raw library is datatrove's NGramsDecontFilter at the same n (13), whose index files are written here
with datatrove's own tokenizer, text normalisation and hash (its NGramsDecontIndexer needs lighteval).
Speeds are medians of --repeats runs; memory is the tracemalloc peak (numpy's arrays included), which
should stay flat from 1x to 10x: bounded by the index, not the corpus.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import benchmarks as authored  # noqa: E402

from transforms.decontam.benchmarks import load_benchmark  # noqa: E402
from transforms.decontam.ngram import NGramIndex  # noqa: E402
from transforms.decontam.recall import RECALL_FILE  # noqa: E402

MIB = 1 << 20


def write_synthetic(path: Path, items: int, seed: int = 0) -> Path:
    """GSM8K-shaped records of random sample-page words: a large index whose n-grams are all distinct."""
    rng = random.Random(seed)
    vocab = sorted({w for s in authored.sentences() for w in s.split()})
    with open(path, "w") as f:
        for _ in range(items):
            question = " ".join(rng.choices(vocab, k=rng.randint(20, 60)))
            answer = " ".join(rng.choices(vocab, k=rng.randint(8, 80)))
            f.write(json.dumps({"question": question, "answer": answer}) + "\n")
    return path


def write_corpus(path: Path, docs: int, seed: int) -> tuple[Path, int]:
    """`docs` clean documents as JSONL, one in a hundred with an authored GSM8K question planted."""
    rng = random.Random(seed)
    planted = 0
    with open(path, "w") as f:
        for text in authored.clean_corpus(docs, seed=seed):
            if rng.random() < 0.01:
                text = authored.plant(text, rng.choice(authored.GSM8K)[0], rng)
                planted += 1
            f.write(json.dumps({"text": text}) + "\n")
    return path, planted


def stream(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)["text"]


def median_seconds(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vs-datatrove", action="store_true",
                        help="the 13-gram index against datatrove's filter: build, lookup, memory")
    parser.add_argument("--write", action="store_true", help=f"write the recall table to {RECALL_FILE}")
    parser.add_argument("--semantic-pages", type=int, default=60,
                        help="pages the semantic tier is timed and its false flags counted on")
    args = parser.parse_args()
    if args.vs_datatrove:
        vs_datatrove(args)
        return
    import decontam_recall

    decontam_recall.main(args.repeats, args.write, args.semantic_pages)


def vs_datatrove(args) -> None:
    import datasets

    datasets.disable_progress_bars()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        specs = [
            ("gsm8k", authored.write_gsm8k(work / "gsm8k.jsonl"), "gsm8k", len(authored.GSM8K)),
            ("humaneval", authored.write_humaneval(work / "he.parquet"), "humaneval",
             len(authored.HUMANEVAL)),
            ("mmlu", authored.write_mmlu(work / "mmlu"), "mmlu", len(authored.MMLU)),
            ("synthetic", write_synthetic(work / "synthetic.jsonl", args.items), "gsm8k", args.items),
        ]
        records = sum(count for *_, count in specs)

        def build() -> NGramIndex:
            index = NGramIndex(13)
            for name, path, shape, _ in specs:
                index.add_benchmark(name, load_benchmark(name, path, shape=shape))
            index.stats()  # includes sorting the pairs: the index is ready to look up
            return index

        build_s, index = median_seconds(build, args.repeats)
        raw_build_s, raw_index = median_seconds(lambda: raw_build(specs, work / "dt-index"), args.repeats)

        corpora = {}
        for scale, docs in (("1x", args.docs), ("10x", args.docs * 10)):
            path, planted = write_corpus(work / f"corpus-{scale}.jsonl", docs, seed=7)
            corpora[scale] = path, planted, path.stat().st_size
        lookup = {scale: median_seconds(lambda p=path: sum(bool(index.match(t)) for t in stream(p)),
                                        args.repeats) for scale, (path, *_) in corpora.items()}
        read_s, _ = median_seconds(lambda: sum(1 for _ in stream(corpora["1x"][0])), args.repeats)
        raw_s, raw_flagged = median_seconds(lambda: raw_lookup(raw_index, corpora["1x"][0]), args.repeats)
        memory = measure_memory(build, corpora)

    stats = index.stats()
    print(f"index: {records:,} benchmark records, {sum(stats['items'].values()):,} items, "
          f"{stats['ngrams']:,} distinct 13-grams, {stats['bytes'] / MIB:.1f} MiB of arrays; "
          f"medians of {args.repeats}")
    rows = [("build  NGramIndex (read + index)", f"{records / build_s:>10,.0f} records/s"),
            ("build  datatrove tokenizer + hash", f"{records / raw_build_s:>10,.0f} records/s"),
            ("ratio  ours/datatrove", f"{raw_build_s / build_s:>10.2f}")]
    for scale, (_, planted, size) in corpora.items():
        docs = args.docs * (10 if scale == "10x" else 1)
        seconds, flagged = lookup[scale]
        rows.append((f"lookup {scale} ({docs:,} docs, {size / MIB:.1f} MiB)",
                     f"{docs / seconds:>10,.0f} docs/s   flagged {flagged} of {planted} planted"))
    rows += [("lookup datatrove NGramsDecontFilter 1x", f"{args.docs / raw_s:>10,.0f} docs/s   "
                                                        f"flagged {raw_flagged}"),
             ("ratio  ours/datatrove at 1x", f"{raw_s / lookup['1x'][0]:>10.2f}"),
             ("(reading the 1x JSONL alone)", f"{args.docs / read_s:>10,.0f} docs/s")]
    rows += [(f"peak memory {label}", f"{value / MIB:>10.1f} MiB") for label, value in memory.items()]
    rows.append(("ratio  peak lookup 10x/1x", f"{memory['lookup 10x'] / memory['lookup 1x']:>10.2f}   "
                                              "(1.00 = bounded by the index)"))
    for label, value in rows:
        print(f"  {label:<44}{value}")


def measure_memory(build: Callable[[], NGramIndex], corpora: dict) -> dict[str, int]:
    """tracemalloc peaks: building, the built index held, and streaming each corpus through it."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    index = build()
    held, peak = tracemalloc.get_traced_memory()
    result = {"build": peak - base, "index held": held - base}
    for scale, (path, *_) in corpora.items():
        tracemalloc.reset_peak()
        for text in stream(path):
            index.match(text)
        result[f"lookup {scale}"] = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return result


def raw_build(specs: list, folder: Path):
    """datatrove's index files for the same texts: its word tokenizer, normalisation and hash on each."""
    import numpy as np
    from datatrove.pipeline.decont.n_grams import NGramsDecontConfig
    from datatrove.utils.hashing import create_hash_func
    from datatrove.utils.text import ngrams, simplify_text
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    config = NGramsDecontConfig(n_grams=13)
    tokenizer, hash_func = load_word_tokenizer("en"), create_hash_func(config.hash_config)
    folder.mkdir(exist_ok=True)
    for name, path, shape, _ in specs:
        hashes: set[int] = set()
        for _, text in load_benchmark(name, path, shape=shape):  # the same reader: only indexing differs
            tokens = tokenizer.word_tokenize(simplify_text(text, config.norm_config))
            hashes.update(map(hash_func, map(" ".join, ngrams(tokens, config.n_grams))))
        np.array(sorted(hashes), dtype=config.hash_config.np_descr).tofile(folder / f"{name}.index.hashes")
    return folder, config


def raw_lookup(raw_index, path: Path) -> int:
    from datatrove.data import Document
    from datatrove.pipeline.decont.n_grams import NGramsDecontFilter
    from datatrove.utils.logging import logger

    logger.remove()  # it logs a line per index file loaded
    folder, config = raw_index
    step = NGramsDecontFilter(str(folder), config=config, language="en")
    return sum(step.filter(Document(text=t, id=str(i))) is not True for i, t in enumerate(stream(path)))


if __name__ == "__main__":
    main()
