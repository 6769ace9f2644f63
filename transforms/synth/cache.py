"""The generation cache: every completion under (model, sampling parameters, rendered prompt, sample index).

SQLite in WAL mode: each chunk's completions are committed as soon as they are generated, several worker
processes may share the file, and a killed build loses at most the chunk that was being generated.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from transforms.synth.sampling import Completion

_SCHEMA = "CREATE TABLE IF NOT EXISTS completions (key TEXT PRIMARY KEY, text TEXT, finish TEXT, tokens INT)"
_LOOKUP = 900  # SQLite's default limit on host parameters is 999


class GenerationCache:
    """Completions by key, persisted; `get` and `put` work on whole chunks."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._wal()
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable at each commit in WAL mode, without an fsync
        self._db.execute(_SCHEMA)

    def _wal(self, wait: float = 60.0) -> None:
        """WAL mode, waiting for the other tasks: two processes opening a new file at once both ask for it,
        and SQLite answers the second "database is locked" at once, without its busy time-out."""
        deadline = time.monotonic() + wait
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def get(self, keys: list[str]) -> dict[str, Completion]:
        found: dict[str, Completion] = {}
        for start in range(0, len(keys), _LOOKUP):
            chunk = keys[start : start + _LOOKUP]
            marks = ",".join("?" * len(chunk))
            for key, text, finish, tokens in self._db.execute(
                f"SELECT key, text, finish, tokens FROM completions WHERE key IN ({marks})", chunk
            ):
                found[key] = Completion(text, finish, tokens)
        return found

    def put(self, items: Iterable[tuple[str, Completion]]) -> None:
        rows = [(key, c.text, c.finish_reason, c.tokens) for key, c in items]
        self._db.execute("BEGIN")  # one transaction per chunk
        try:
            self._db.executemany("INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?)", rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0]

    def close(self) -> None:
        self._db.close()
