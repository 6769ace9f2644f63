"""A version's dedup index is datatrove's own: datatrove's MinhashDedupBuckets(index_folder=...) finds in it
the records our join finds, and our join also names the indexed record (datatrove writes SENTINEL)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import SENTINEL, MinhashConfig, MinhashDedupBuckets
from support.near_duplicates import corpus

from pipelines.engines.datatrove.dedup import NearDupSignature
from pipelines.engines.datatrove.dedup_index import write_index
from pipelines.engines.datatrove.dedup_match import MATCH_DTYPE, IndexMatch
from transforms.dedup_index import lookup_ids

CONFIG = MinhashConfig(n_grams=5, num_buckets=6, hashes_per_bucket=4, seed=3)


def sign(records: list[dict], folder: Path, tasks: int) -> None:
    """Records signed as a dedup stage signs them, spread over `tasks` tasks in order."""
    size = -(-len(records) // tasks)
    for rank in range(tasks):
        docs = [Document(text=r["text"], id=r["id"], metadata={"source_index": rank, "record_index": i})
                for i, r in enumerate(records[rank * size:(rank + 1) * size])]
        step = NearDupSignature(str(folder / "signatures"), CONFIG, "en", str(folder / "order"),
                                str(folder / "ids"), None)
        step.run(iter(docs), rank, tasks)


def test_datatrove_reads_the_index_and_our_join_names_what_it_finds(tmp_path):
    records = corpus(pairs_per_level=8, seed=5, singles=30)
    reference = [r for r in records if not r["id"].endswith("-copy")]
    new = [r for r in records if r["id"].endswith("-copy")] + reference[-5:]  # copies, and 5 verbatim
    sign(reference, tmp_path / "ref", tasks=3)
    files, counts = write_index(tmp_path / "ref", tmp_path / "index", CONFIG, "ref")
    assert counts == {"records": len(reference), "entries": len(reference) * CONFIG.num_buckets}
    sign(new, tmp_path / "new", tasks=2)
    theirs, ours, named = set(), set(), {}
    for bucket in range(CONFIG.num_buckets):
        MinhashDedupBuckets(str(tmp_path / "new" / "signatures"), str(tmp_path / "dt"),
                            index_folder=str(tmp_path / "index"), config=CONFIG).run(None, bucket,
                                                                                     CONFIG.num_buckets)
        with open(tmp_path / "dt" / f"{bucket:05d}_00.dups", "rb") as f:
            for a, b, task, doc in struct.iter_unpack("<4I", f.read()):
                assert (a, b) == (SENTINEL, SENTINEL)  # a match against the index: datatrove cannot say which
                theirs.add((bucket, task, doc))
        IndexMatch(str(tmp_path / "new" / "signatures"), [str(tmp_path / "index")], str(tmp_path / "ours"),
                   CONFIG).run(None, bucket, CONFIG.num_buckets)
        for hit in np.fromfile(tmp_path / "ours" / f"{bucket:05d}.matches", dtype=MATCH_DTYPE):
            ours.add((bucket, int(hit["task"]), int(hit["doc"])))
            named.setdefault((int(hit["task"]), int(hit["doc"])), int(hit["row"]))
    assert ours == theirs and len({(t, d) for _, t, d in ours}) >= 0.7 * len(new)
    ids = lookup_ids(tmp_path / "index" / "ids.arrow", np.array(list(named.values())))
    half = -(-len(new) // 2)
    for (task, doc), row in named.items():
        record = new[task * half + doc]["id"]
        assert ids[row] == record.replace("-copy", "-base")  # a copy names its base, a verbatim one itself
