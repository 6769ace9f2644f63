"""Content fingerprints of input files, remembered by (path, size, mtime) so reruns skip hashing."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from transforms.hashing import sha256_file


class FileHashes:
    """sha256 of files, cached in a JSON file keyed by path, size and modification time."""

    def __init__(self, cache_file: Path):
        self.cache_file = cache_file
        try:
            self.cache = json.loads(cache_file.read_text())
        except (OSError, ValueError):
            self.cache = {}

    def sha256(self, path: Path) -> str:
        if path.is_dir():  # a datasets folder: its files, by relative path
            return hashlib.sha256(json.dumps(
                [[str(f.relative_to(path)), self.sha256(f)] for f in sorted(path.rglob("*")) if f.is_file()]
            ).encode()).hexdigest()
        st = path.stat()
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns]
        hit = self.cache.get(key)
        if hit and hit[:2] == stamp:
            return hit[2]
        digest = sha256_file(path)
        self.cache[key] = [*stamp, digest]
        return digest

    def save(self) -> None:
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.cache))
        os.replace(tmp, self.cache_file)
