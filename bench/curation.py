"""Documents per second of `pipelines build` / datatrove alone running the same steps, same input.

    python bench/curation.py [--recipe web-demo|web-quality|extract-<backend>]
                             [--pages sample|wcxb] [--copies N] [--repeats 3] [--score]
                             [--versus extract-trafilatura]

web-demo: WARC read -> trafilatura (favour_precision) -> fastText lid.176.ftz language filter.
web-quality: WARC read -> URL filter -> extraction (the default backend) -> language filter -> Gopher
repetition and quality -> C4 -> FineWeb quality -> fastText quality classifier (threshold 0.5; datatrove's
FastTextClassifierFilter on the raw side). The raw side runs the same step classes in one
LocalPipelineExecutor run, with the same tasks and workers, into datatrove's ParquetWriter. Ours
also pays for what the recipe layer adds: fingerprints, a cached output per stage, the counted
reader, the store's deterministic writer and Prefect's flow.
extract-<backend> (trafilatura, resiliparse, hybrid, learned): a recipe of one extract stage against
the raw extractor over the same WARC files (warcio's reader, resiliparse's encoding detection, then
`extract_plain_text` with our options, or our Extractor called directly), in as many processes as
our workers; --versus extract-trafilatura builds that recipe too on the same WARC, interleaved, for
the ratio of the two stages' pages/s. --score (wcxb pages): the word F1 of the text in the version
`pipelines build` wrote, page by page against the reference, overall, per page type and per half
(bench/extraction.py's metric).
Each build is also timed by its stages alone (the seconds its manifest records for them: executor runs
and their caches, without Prefect's flow, planning and writing the version, which do not grow with
the input), for the stages' pages/s against the raw side's.
Input (--pages): the fixture's pages copied under distinct URLs (sample), or the 1,497 real pages of
../shared/data/wcxb-dev (wcxb; tens of KB of HTML each).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipelines import settings  # noqa: E402

TASKS, WORKERS = 4, 2
ROOT = Path(__file__).resolve().parent.parent
WCXB = ROOT.parent / "shared" / "data" / "wcxb-dev"


def source_pages(pages: str) -> list[tuple[str, str]]:
    """(url, html) of the benchmark's input pages."""
    if pages == "sample":
        sys.path.insert(0, str(ROOT / "tests"))
        from support.pages import load_pages

        return [(p["url"], p["html"]) for p in load_pages("sample")]
    import gzip
    import json

    if not WCXB.is_dir():
        sys.exit(f"no {WCXB}: the real pages are not on this machine")
    out = []
    for truth in sorted((WCXB / "ground-truth").glob("*.json")):
        html = WCXB / "html" / f"{truth.stem}.html.gz"
        if html.is_file():
            url = json.loads(truth.read_text()).get("url") or f"https://wcxb.invalid/{truth.stem}"
            out.append((url, gzip.decompress(html.read_bytes()).decode("utf-8", "replace")))
    return out


def write_input(folder: Path, pages: str, copies: int) -> int:
    from warcio.warcwriter import WARCWriter

    sys.path.insert(0, str(ROOT / "tests"))
    from support.make_warcs import write_response

    folder.mkdir(parents=True)
    handles = [open(folder / f"bench-{i}.warc.gz", "wb") for i in range(TASKS)]
    writers = [WARCWriter(h, gzip=True) for h in handles]
    n = 0
    source = source_pages(pages)
    for c in range(copies):
        for url, html in source:
            # A token in every paragraph: trafilatura's deduplicate would empty exact copies.
            if copies > 1:
                html = html.replace("</p>", f" Copy {c}.</p>")
            write_response(writers[n % TASKS], f"{url}{'&' if '?' in url else '?'}copy={c}", html.encode(),
                           "text/html; charset=utf-8")
            n += 1
    for h in handles:
        h.close()
    return n


def extract_recipe(recipe: str, folder: Path) -> str:
    """A recipe of one extract stage with the backend `extract-<backend>` names."""
    import yaml

    path = folder / f"{recipe}.yaml"
    path.write_text(yaml.safe_dump({
        "name": recipe, "input": {"format": "warc", "paths": ["unset"]},
        "stages": [{"type": "extract", "backend": recipe.removeprefix("extract-")}]}))
    return str(path)


def run_ours(recipe: str, data: Path, work: Path, model: Path) -> tuple[float, float]:
    """Seconds of the whole build, and of its stages alone (their executor runs, from the manifest)."""
    from flows.build import build

    os.environ["PIPELINES_HOME"] = str(work / "state")  # a cold stage cache every time
    overrides = [f"input.paths=[{data}/*.warc.gz]", f"executor.tasks={TASKS}", f"executor.workers={WORKERS}"]
    if recipe.startswith("extract-"):
        work.mkdir(parents=True, exist_ok=True)
        recipe = extract_recipe(recipe, work)
    elif recipe == "web-quality":
        overrides += [f"stages.quality.model={model}", "stages.quality.keep_top=null",
                      "stages.quality.threshold=0.5"]
    start = time.perf_counter()
    build(recipe, overrides, str(work / "out"))
    seconds = time.perf_counter() - start
    manifest = json.loads(next((work / "out").rglob("manifest.json")).read_text())
    return seconds, sum(stage["seconds"] for stage in manifest["stages"])


def raw_steps(recipe: str, model: Path) -> list:
    """The recipe's steps as plain datatrove steps, datatrove's own wherever it has one."""
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FastTextClassifierFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
        LanguageFilter,
    )
    from datatrove.utils.lid import FT176LID

    from pipelines.engines.datatrove.extract import BackendExtractor
    from pipelines.engines.datatrove.url_filter import OfflineURLFilter
    from transforms.extract import DEFAULT_BACKEND
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
    if recipe == "web-demo":
        return [Trafilatura(favour_precision=True, timeout=5), language]
    return [OfflineURLFilter(extra_domains=["bonus-spins-today.com"]), BackendExtractor(DEFAULT_BACKEND, 5),
            language, GopherRepetitionFilter(), GopherQualityFilter(),
            C4QualityFilter(filter_no_terminal_punct=False), FineWebQualityFilter(),
            FastTextClassifierFilter(str(model), keep_labels=[("hq", 0.5)])]


def extract_file(args: tuple[str, str]) -> int:
    """The raw extractor over one WARC file: the pages it extracted text from."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from warcio.archiveiterator import ArchiveIterator

    from transforms.extract import RESILIPARSE_DEFAULTS, Extractor

    path, backend = args
    extractor = Extractor(backend)
    n = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            payload = record.content_stream().read()
            html = bytes_to_str(payload, detect_encoding(payload))
            text = (extract_plain_text(html, **RESILIPARSE_DEFAULTS) if backend == "resiliparse"
                    else extractor.extract(html))
            n += bool(text.strip())
    return n


def run_raw(recipe: str, data: Path, work: Path, model: Path) -> float:
    if recipe.startswith("extract-"):
        from multiprocessing import get_context

        backend = recipe.removeprefix("extract-")
        start = time.perf_counter()
        with get_context("fork").Pool(WORKERS) as pool:
            pool.map(extract_file, [(str(p), backend) for p in sorted(data.glob("*.warc.gz"))], chunksize=1)
        return time.perf_counter() - start
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    from pipelines.engines.datatrove.executors import QuietLocalExecutor

    steps = [WarcReader(str(data), glob_pattern="*.warc.gz"), *raw_steps(recipe, model),
             ParquetWriter(str(work / "out"))]
    start = time.perf_counter()
    # LocalPipelineExecutor with task logs kept out of the console, as in ours.
    QuietLocalExecutor(steps, tasks=TASKS, workers=WORKERS, logging_dir=str(work / "logs")).run()
    return time.perf_counter() - start


def train_model(folder: Path) -> Path:
    """A small quality classifier on the fixture's article prose against generated spam."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from support.quality_model import train_small_model

    return train_small_model(folder)


def score_version(store: Path) -> None:
    """Word F1 of each wcxb page's text in the built version (an empty or dropped page scores as "")."""
    import pyarrow.parquet as pq
    from train_extractor import TYPES, half, load, scores

    texts: dict[str, str] = {}
    for part in store.rglob("*.parquet"):
        for row in pq.read_table(part, columns=["url", "text"]).to_pylist():
            texts[row["url"].rsplit("copy=", 1)[0].rstrip("?&")] = row["text"]
    pages = load()
    f1 = [(p, scores(p["main_content"], texts.get(p["url"] or f"https://wcxb.invalid/{p['id']}", ""))[2])
          for p in pages]

    def mean(values) -> float:
        values = list(values)
        return sum(values) / len(values) if values else float("nan")

    halves = ", ".join(f"{h} half {mean(f for p, f in f1 if half(p['id']) == h):.3f}"
                       for h in ("tune", "held"))
    print(f"word F1 of the built version ({len(texts)} texts, {len(pages)} pages): "
          f"{mean(f for _, f in f1):.3f}; {halves}")
    print("per type: " + ", ".join(f"{t} {mean(f for p, f in f1 if p['type'] == t):.3f}" for t in TYPES))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", default="web-quality",
                        choices=["web-demo", "web-quality", "extract-trafilatura", "extract-resiliparse",
                                 "extract-hybrid", "extract-learned"])
    parser.add_argument("--pages", choices=["sample", "wcxb"], default="sample")
    parser.add_argument("--copies", type=int, help="copies of each page (default: 100 sample, 1 wcxb)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--score", action="store_true", help="word F1 of the built version (wcxb pages)")
    parser.add_argument("--versus", choices=["extract-trafilatura"],
                        help="also build this recipe on the same WARC in the same run, interleaved")
    args = parser.parse_args()
    settings.configure_environment()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        copies = args.copies or (100 if args.pages == "sample" else 1)
        docs = write_input(tmp / "data", args.pages, copies)
        model = train_model(tmp / "model")
        run_ours(args.recipe, tmp / "data", tmp / "warmup", model)  # starts Prefect's API once
        ours, stages, raw, versus = [], [], [], []
        for i in range(args.repeats):  # interleaved, so drift in machine load hits both
            raw.append(docs / run_raw(args.recipe, tmp / "data", tmp / f"raw-{i}", model))
            build, stage = run_ours(args.recipe, tmp / "data", tmp / f"ours-{i}", model)
            ours.append(docs / build)
            stages.append(docs / stage)
            if args.versus:
                versus.append(docs / run_ours(args.versus, tmp / "data", tmp / f"versus-{i}", model)[0])
        if args.score:
            score_version(tmp / "ours-0" / "out")
            if args.versus:
                print(f"{args.versus}: ", end="")
                score_version(tmp / "versus-0" / "out")
    med_ours, med_raw = statistics.median(ours), statistics.median(raw)
    print(f"{args.recipe} on {args.pages} pages: {docs} pages, {TASKS} tasks, {WORKERS} workers, "
          f"{args.repeats} runs each")
    raw_name = "raw extractor  " if args.recipe.startswith("extract-") else "datatrove alone"
    print(f"{raw_name} : {med_raw:8.1f} docs/s (median; runs {', '.join(f'{x:.1f}' for x in raw)})")
    print(f"pipelines build : {med_ours:8.1f} docs/s (median; runs {', '.join(f'{x:.1f}' for x in ours)})")
    print(f"ratio ours/raw  : {med_ours / med_raw:.2f}")
    med_stages = statistics.median(stages)
    runs = ", ".join(f"{x:.1f}" for x in stages)
    print(f"its stages alone: {med_stages:8.1f} docs/s (median; runs {runs}; the build less Prefect, "
          f"planning and writing the version)")
    print(f"ratio stages/raw: {med_stages / med_raw:.2f}")
    if versus:
        med = statistics.median(versus)
        runs = ", ".join(f"{x:.1f}" for x in versus)
        print(f"{args.versus} through pipelines build: {med:8.1f} docs/s (median; runs {runs}); "
              f"{args.recipe} / {args.versus}: {med_ours / med:.2f}")


if __name__ == "__main__":
    main()
