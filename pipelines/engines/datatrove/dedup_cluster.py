"""Clusters of copies in input order: datatrove's cluster step, with the first copy kept and, with references,
every copy of a record a reference holds removed (or marked) and named by that record's own id."""

from __future__ import annotations

import json
import tempfile
from array import array
from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.dedup.minhash import SENTINEL, MinhashConfig, MinhashDedupCluster
from datatrove.utils.binaryio import read_tuples_from_file

from pipelines.engines.datatrove.dedup import MATCHED_SUFFIX, ORDER_SUFFIX
from pipelines.engines.datatrove.dedup_match import MATCH_FORMAT
from transforms.dedup_index import IDS, lookup_ids


class InputOrderCluster(MinhashDedupCluster):
    """Clusters duplicate pairs; the copy first in input order survives, and clusters are numbered so. With
    `matches` (records found in reference indexes): a cluster holding one is the reference's record's, so
    all of it goes (action remove), and each found record is named by the reference record it matched."""

    name = "🎯 clusters (first copy kept)"

    def __init__(self, input_folder: str, output_folder: str, config: MinhashConfig, order_dir: str,
                 matches: str | None = None, indexes: list[str] = (), action: str = "remove",
                 pairs: bool = True):
        super().__init__(input_folder, output_folder, config)
        self.order_dir, self.matches, self.indexes = order_dir, matches, list(indexes)
        self.action, self.pairs = action, pairs

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1):
        assert world_size == 1, "clustering runs as one task"
        with self.track_time(), tempfile.TemporaryDirectory() as scratch:
            # (task, doc) -> input order, read from disk only for documents found in a pair.
            orders = _order_files(self.order_dir, Path(scratch))
            parent: dict[tuple[int, int], tuple[int, int]] = {}
            key: dict[tuple[int, int], tuple[int, int]] = {}

            def find(x):
                root = x
                while parent[root] != root:
                    root = parent[root]
                while parent[x] != root:  # path compression
                    parent[x], x = root, parent[x]
                return root

            def add(x):
                if x not in parent:
                    parent[x] = x
                    key[x] = tuple(orders[x[0]][x[1]].tolist())

            buffered = self.lines_to_buffer
            for dup_file in self.input_folder.list_files(glob_pattern="*.dups") if self.pairs else []:
                with self.input_folder.open(dup_file, "rb") as f:
                    for f1, d1, f2, d2 in read_tuples_from_file(f, "4I", lines_to_buffer=buffered):
                        if f1 == SENTINEL:  # a match against datatrove's own index: there is none here
                            continue
                        a, b = (f1, d1), (f2, d2)
                        add(a), add(b)
                        ra, rb = find(a), find(b)
                        if ra != rb:  # the root is the member first in input order
                            parent[max(ra, rb, key=key.__getitem__)] = min(ra, rb, key=key.__getitem__)
            direct = self._matches(add)
            roots = sorted({find(x) for x in parent}, key=key.__getitem__)
            cluster_of = {root: i for i, root in enumerate(roots)}
            # A cluster's reference record: the one its first found member (in input order) matched.
            first: dict[tuple[int, int], tuple[int, int]] = {}
            for node in sorted(direct, key=key.__getitem__):
                first.setdefault(find(node), direct[node])
            named = {node: direct.get(node) or first[find(node)] for node in parent if find(node) in first}
            removals: dict[int, list[int]] = {task: [] for task in orders}
            clusters: dict[int, list[tuple[int, int]]] = {task: [] for task in orders}
            for node in sorted(parent):
                root = find(node)
                task, doc = node
                if node != root or (node in named and self.action == "remove"):
                    removals[task].append(doc)
                    self.stat_update("to_remove")
                clusters[task].append((doc, cluster_of[root]))
            self.stat_update("clusters", value=len(roots))
            # Every task gets its files, empty or not: datatrove's filter loads cluster ids only where
            # a .remove file exists, and a task may hold survivors only.
            for task in orders:
                with self.output_folder.open(f"{task:06d}.remove", "wb") as f:
                    f.write(array("I", removals[task]).tobytes())
                with self.output_folder.open(f"{task:06d}.clusters", "wb") as f:
                    f.write(array("I", [v for pair in clusters[task] for v in pair]).tobytes())
            if self.matches is not None:
                self._write_named(named, list(orders))

    def _matches(self, add) -> dict[tuple[int, int], tuple[int, int]]:
        """Each record found in a reference's index -> (index source, row) of the first it matched."""
        direct: dict[tuple[int, int], tuple[int, int]] = {}
        if self.matches is None:
            return direct
        folder = get_datafolder(self.matches)
        for name in sorted(folder.list_files(glob_pattern="*.matches")):
            with folder.open(name, "rb") as f:
                for task, doc, source, row in read_tuples_from_file(f, *MATCH_FORMAT, lines_to_buffer=4096):
                    node = (task, doc)
                    add(node)
                    if node not in direct or (source, row) < direct[node]:
                        direct[node] = (source, row)
        self.stat_update("found_in_references", value=len(direct))
        return direct

    def _write_named(self, named: dict[tuple[int, int], tuple[int, int]], tasks: list[int]) -> None:
        """Per task, its records a reference holds (in document order), with that reference's record's id."""
        ids: dict[tuple[int, int], str] = {}
        for source, location in enumerate(self.indexes):
            rows = np.array([row for s, row in named.values() if s == source], dtype=np.int64)
            if len(rows):
                with get_datafolder(location).open(IDS, "rb") as f:
                    ids |= {(source, row): found for row, found in lookup_ids(f, rows).items()}
        for task in tasks:
            mine = sorted((doc, *named[(t, doc)]) for t, doc in named if t == task)
            with self.output_folder.open(f"{task:06d}{MATCHED_SUFFIX}", "w") as f:
                for doc, source, row in mine:
                    f.write(json.dumps([doc, source, ids[(source, row)]], ensure_ascii=False) + "\n")


def _order_files(order_dir: str, scratch: Path) -> dict[int, np.ndarray]:
    """Each signature task's order file, by task, mapped from local disk: copied to `scratch` first where
    the stage's folder is on object storage (memory stays a page cache's, whatever the corpus)."""
    folder = get_datafolder(order_dir)
    orders = {}
    for name in sorted(folder.list_files(glob_pattern=f"*{ORDER_SUFFIX}")):
        path = Path(folder.resolve_paths(name))
        if not folder.is_local():
            path = scratch / name
            folder.get_file(name, str(path))
        orders[int(name.removesuffix(ORDER_SUFFIX))] = _order_keys(path)
    return orders


def _order_keys(path: Path) -> np.ndarray:
    """A signature task's (source_index, record_index) per document, mapped from disk."""
    if not path.stat().st_size:
        return np.empty((0, 2), dtype="<i8")
    return np.memmap(path, dtype="<i8", mode="r").reshape(-1, 2)
