"""WET files big enough to stop a build in the middle of, and a wait for the moment to stop it."""

from __future__ import annotations

import subprocess
import time
from io import BytesIO
from pathlib import Path

from warcio.warcwriter import WARCWriter

SENTENCE = ("the harbour master counts the boats that come in with the evening tide and writes "
            "their names in a ledger that has been kept in the same office for ninety years")


def write_wet(folder: Path, files: int, records: int | list[int]) -> None:
    """WET files (text 'conversion' records), as Common Crawl publishes them; `records` per file, or
    one count for all."""
    folder.mkdir(parents=True)
    counts = records if isinstance(records, list) else [records] * files
    for n in range(files):
        with open(folder / f"part-{n}.warc.wet.gz", "wb") as f:
            w = WARCWriter(f, gzip=True)
            for i in range(counts[n]):
                text = f"Record {n}-{i}: {SENTENCE}. " * 3
                w.write_record(w.create_warc_record(
                    f"https://wet.example/{n}/{i}", "conversion", payload=BytesIO(text.encode()),
                    warc_content_type="text/plain"))


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, f"build ended before the kill: {proc.communicate()}"
        assert time.monotonic() < deadline, "timed out waiting for the build"
        time.sleep(0.005)
