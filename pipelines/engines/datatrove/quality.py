"""fastText quality scores as datatrove steps: a scorer with a per-task side file, a threshold filter."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipelines.engines.datatrove.cache import side_file
from transforms.quality_score import FastTextQualityScorer


class QualityScorer(PipelineStep):
    """Adds each document's quality_score; appends its task's scores to a side file."""

    name = "⭐ fastText quality"
    type = "🔢 - SCORER"

    def __init__(self, model_path: str, scores_dir: str, batch_size: int = 1024):
        super().__init__()
        self.model_path = model_path
        self.scorer = None if "://" in model_path else FastTextQualityScorer(model_path)
        self.scores_dir = scores_dir
        self.batch_size = batch_size

    def _load(self) -> FastTextQualityScorer:
        """The classifier; one on object storage (made by the build, with no disk shared) is copied to local
        disk first, as fastText loads only a local file."""
        from datatrove.io import download_file

        with tempfile.TemporaryDirectory() as scratch:
            local = str(Path(scratch) / "model.bin")
            download_file(self.model_path, local, progress=False)
            scorer = FastTextQualityScorer(local)
            scorer.model  # noqa: B018 (loaded into memory: the copy can go)
        return scorer

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        import numpy as np
        from datatrove.utils.batching import batched

        if self.scorer is None:
            self.scorer = self._load()

        # The scores of the whole run decide a keep_top threshold; kept on disk, not in memory.
        with side_file(self.scores_dir, rank, "f32", "wb") as out:
            for batch in batched(data, self.batch_size):
                with self.track_time("batch"):
                    scores = self.scorer.score([doc.text for doc in batch]).astype(np.float32)
                out.write(scores.tobytes())
                for doc, score in zip(batch, scores.tolist(), strict=True):
                    doc.metadata["quality_score"] = score
                    self.stat_update("scored")
                    yield doc


class ScoreFilter(BaseFilter):
    """Keeps documents whose quality_score is at least the threshold."""

    name = "⭐ quality threshold"

    def __init__(self, threshold: float, reason: str):
        super().__init__()
        self.threshold = threshold
        self.reason = reason

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return doc.metadata["quality_score"] >= self.threshold or (False, self.reason)


def read_scores(scores_dir: Path) -> Iterator:
    """The scores a QualityScorer wrote, one array per task."""
    import numpy as np

    for path in sorted(scores_dir.glob("*.f32")):
        yield np.fromfile(path, dtype=np.float32)
