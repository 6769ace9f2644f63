"""Documents per second of `pipelines build` (web-demo's stages) / datatrove alone on the same input.

    python bench/curation.py [--copies 100] [--repeats 3]

Both sides run WARC read -> trafilatura (favour_precision) -> fastText lid.176.ftz language filter
-> Parquet on datatrove's LocalPipelineExecutor with the same tasks and workers, on the fixture's
pages copied under distinct URLs. Ours also pays for what the recipe layer adds: fingerprints, a
cached output per stage, the counted reader, the store's deterministic writer and Prefect's flow.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines import settings  # noqa: E402

TASKS, WORKERS = 4, 2


def write_input(folder: Path, copies: int) -> int:
    from warcio.warcwriter import WARCWriter

    from pipelines.samples.pages import PAGES
    from pipelines.samples.warc import write_response

    folder.mkdir(parents=True)
    handles = [open(folder / f"bench-{i}.warc.gz", "wb") for i in range(TASKS)]
    writers = [WARCWriter(h, gzip=True) for h in handles]
    n = 0
    for c in range(copies):
        for page in PAGES:
            # A token in every paragraph: trafilatura's deduplicate would empty exact copies.
            html = page["html"].replace("</p>", f" Copy {c}.</p>")
            write_response(writers[n % TASKS], f"{page['url']}?copy={c}", html.encode(),
                           "text/html; charset=utf-8")
            n += 1
    for h in handles:
        h.close()
    return n


def run_ours(data: Path, work: Path) -> float:
    from flows.build import build_flow

    os.environ["PIPELINES_HOME"] = str(work / "state")  # a cold stage cache every time
    start = time.perf_counter()
    build_flow(recipe="web-demo", out=str(work / "out"),
               overrides=[f"input.paths=[{data}/*.warc.gz]", f"executor.tasks={TASKS}",
                          f"executor.workers={WORKERS}"])
    return time.perf_counter() - start


def run_raw(data: Path, work: Path) -> float:
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import LanguageFilter
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter
    from datatrove.utils.lid import FT176LID

    from pipelines.engines.datatrove import QuietLocalExecutor
    from transforms.langid import lid176_path

    class LocalFT176(FT176LID):
        """datatrove's fastText LID on the same local lid.176.ftz: no download."""

        @property
        def model(self):
            from fasttext.FastText import _FastText

            if self._model is None:
                self._model = _FastText(str(lid176_path()))
            return self._model

    language = LanguageFilter(languages=["en"], language_threshold=0.65)
    language.model = LocalFT176(["en"])
    start = time.perf_counter()
    # LocalPipelineExecutor with task logs kept out of the console, as in ours.
    QuietLocalExecutor(
        [WarcReader(str(data), glob_pattern="*.warc.gz"),
         Trafilatura(favour_precision=True, timeout=5), language,
         ParquetWriter(str(work / "out"))],
        tasks=TASKS, workers=WORKERS, logging_dir=str(work / "logs"),
    ).run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    settings.configure_environment()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        docs = write_input(tmp / "data", args.copies)
        run_ours(tmp / "data", tmp / "warmup")  # starts Prefect's temporary API once
        ours, raw = [], []
        for i in range(args.repeats):  # interleaved, so drift in machine load hits both
            raw.append(docs / run_raw(tmp / "data", tmp / f"raw-{i}"))
            ours.append(docs / run_ours(tmp / "data", tmp / f"ours-{i}"))
    med_ours, med_raw = statistics.median(ours), statistics.median(raw)
    print(f"input: {docs} pages, {TASKS} tasks, {WORKERS} workers, {args.repeats} runs each")
    print(f"datatrove alone : {med_raw:8.1f} docs/s (median; runs {', '.join(f'{x:.1f}' for x in raw)})")
    print(f"pipelines build : {med_ours:8.1f} docs/s (median; runs {', '.join(f'{x:.1f}' for x in ours)})")
    print(f"ratio ours/raw  : {med_ours / med_raw:.2f}")


if __name__ == "__main__":
    main()
