"""What a new version costs to upload to a chunk-deduplicating store (the Hub's Xet): ours / raw pyarrow.

    python bench/upload.py [--rows 6000] [--repeats 3]

For a version and a successor that differs from it by ~1% of its rows, the share of the successor's
bytes that a store already holding the version must receive: files cut into content-defined chunks
by a gear hash (8-128 KiB, 64 KiB on average, as Xet cuts them; tests/support/xet_chunks.py), each distinct
chunk sent once. Five successors: 1% of rows appended; inserted as one block in the middle (a new input
file, in input order); dropped as one block; edited at random places; dropped at random (a stricter
filter). Four writers on the same rows:
- pyarrow defaults: `pq.write_table(table, path)` (snappy, one row group, no CDC): the baseline;
- pyarrow + CDC: the same with `use_content_defined_chunking=True`;
- ours: `write_split` as a build writes (zstd, CDC, page index, row groups cut by content);
- ours, snappy: the same with pyarrow's default codec, to compare like with like.
The rows are web-like documents (Zipf-distributed words); medians over --repeats corpora.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support.xet_chunks import chunks  # noqa: E402

from pipelines.store.writer import write_split  # noqa: E402
from schemas.document import DOCUMENT_SCHEMA  # noqa: E402

SCENARIOS = ["append", "insert block", "drop block", "edit scattered", "drop scattered"]
WRITERS = ["pyarrow defaults", "pyarrow + CDC", "ours", "ours, snappy"]


def corpus(n: int, rng: np.random.Generator, vocabulary: list[str]) -> list[dict]:
    """`n` documents of 50 to 700 Zipf-distributed words, with the document schema's other fields."""
    docs = []
    for _ in range(n):
        ranks = np.minimum(rng.zipf(1.2, size=int(rng.integers(50, 700))), len(vocabulary)) - 1
        text = " ".join(vocabulary[r] for r in ranks)
        docs.append({"id": f"<urn:uuid:{rng.bytes(16).hex()}>", "text": text,
                     "url": f"https://example.com/{rng.bytes(5).hex()}", "date": "2025-01-01",
                     "language": "en", "language_score": float(rng.random()), "source": "crawl",
                     "quality_score": None, "contamination": None})
    return docs


def successors(v1: list[dict], rng: np.random.Generator, vocabulary: list[str]) -> dict[str, list[dict]]:
    k = max(1, len(v1) // 100)
    middle = len(v1) // 2
    edited = list(v1)
    for i in rng.choice(len(v1), size=k, replace=False):
        edited[i] = dict(v1[i], text=v1[i]["text"] + " " + " ".join(rng.choice(vocabulary, size=5)))
    dropped = set(rng.choice(len(v1), size=k, replace=False).tolist())
    return {
        "append": v1 + corpus(k, rng, vocabulary),
        "insert block": v1[:middle] + corpus(k, rng, vocabulary) + v1[middle:],
        "drop block": v1[:middle] + v1[middle + k:],
        "edit scattered": edited,
        "drop scattered": [r for i, r in enumerate(v1) if i not in dropped],
    }


def write(writer: str, rows: list[dict], folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    if writer.startswith("ours"):
        codec = "snappy" if writer.endswith("snappy") else "zstd"
        return write_split(iter(rows), DOCUMENT_SCHEMA, folder, "train", 100_000, codec)
    path = folder / "train.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), path,
                   use_content_defined_chunking=writer.endswith("CDC"))
    return [path]


def file_chunks(paths: list[Path]) -> list[tuple[str, int]]:
    return [c for path in paths for c in chunks(path.read_bytes())]


def sent(old: list[tuple[str, int]], new: list[tuple[str, int]]) -> tuple[int, int]:
    """(bytes to send, bytes of the new files) for a store holding `old`."""
    stored = {digest for digest, _ in old}
    total = out = 0
    for digest, size in new:
        total += size
        if digest not in stored:
            stored.add(digest)
            out += size
    return out, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results: dict[tuple[str, str], list[tuple[int, int]]] = {}
    sizes: dict[str, list[int]] = {}
    for repeat in range(args.repeats):
        rng = np.random.default_rng(repeat)
        vocabulary = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=int(rng.integers(1, 11))))
                      for _ in range(30_000)]
        v1 = corpus(args.rows, rng, vocabulary)
        cases = successors(v1, rng, vocabulary)
        with tempfile.TemporaryDirectory() as tmp:
            for writer in WRITERS:
                base = write(writer, v1, Path(tmp) / writer / "v1")
                sizes.setdefault(writer, []).append(sum(p.stat().st_size for p in base))
                old = file_chunks(base)
                for scenario, rows in cases.items():
                    new = file_chunks(write(writer, rows, Path(tmp) / writer / scenario))
                    results.setdefault((scenario, writer), []).append(sent(old, new))
        print(f"corpus {repeat + 1}/{args.repeats} done", file=sys.stderr, flush=True)
    print(f"{args.rows:,} documents; each successor differs by {max(1, args.rows // 100):,} rows (1%); "
          f"medians of {args.repeats} corpora. Version size: "
          + ", ".join(f"{w} {statistics.median(s) / 1e6:.1f} MB" for w, s in sizes.items()))
    print(f"{'successor':15s} {'writer':17s} {'re-upload':>9s} {'MB sent':>8s}   "
          "bytes sent vs pyarrow defaults")
    for scenario in SCENARIOS:
        baseline = statistics.median(s for s, _ in results[(scenario, WRITERS[0])])
        for writer in WRITERS:
            runs = results[(scenario, writer)]
            share = statistics.median(s / t for s, t in runs)
            mb = statistics.median(s for s, _ in runs)
            print(f"{scenario:15s} {writer:17s} {share:9.1%} {mb / 1e6:8.2f}   {mb / baseline:6.2f}x")
        print()


if __name__ == "__main__":
    main()
