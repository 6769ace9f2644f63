"""extract: the main text of each HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from pipelines.stages.base import StreamingStage
from transforms.extract import BACKENDS, DEFAULT_BACKEND


class ExtractStage(StreamingStage):
    """Extracts each page's main text with a backend (bench/extraction.py compares them)."""

    type: Literal["extract"]
    backend: Literal[BACKENDS] = DEFAULT_BACKEND
    favour_precision: bool = True  # trafilatura's FineWeb setting
    deduplicate: bool = True  # trafilatura's (the hybrid's fallback too)
    timeout: float = Field(1.0, gt=0)  # per document

    # datatrove's extractors count an empty result as plain "dropped".
    drop_aliases = {"dropped": "empty_text", "timeout": "timeout", "broken_process": "extractor_crashed",
                    "clean_error": "extractor_error", "too_deep": "too_deeply_nested"}

    def files(self) -> list[str]:
        # the learned backend's trees decide what it keeps: a retrained model is new output; so does its
        # walk in C, which no module's source covers
        if self.backend == "learned":
            from transforms.extract_learned import MODEL
            from transforms.extract_native import SOURCES

            return [str(MODEL), *SOURCES]
        return []

    def finish(self, work: Path, result: dict) -> dict:
        # which trees decided what this version holds: the learned model by its hash (docs/extractor-model.md)
        if self.backend == "learned":
            from transforms.extract_learned import MODEL, model_identity

            return result | {"model": model_identity(str(MODEL))}
        return result

    def check(self) -> None:
        # datatrove's sandbox would report an extractor that cannot import as a timeout per document.
        import trafilatura  # noqa: F401

    def steps(self, work: Path | str) -> list:
        if self.backend == "trafilatura":  # datatrove's own step
            from datatrove.pipeline.extractors import Trafilatura

            return [Trafilatura(favour_precision=self.favour_precision, deduplicate=self.deduplicate,
                                timeout=self.timeout)]
        from pipelines.engines.datatrove.extract import BackendExtractor

        options = {"deduplicate": self.deduplicate} if self.backend == "hybrid" else {}
        return [BackendExtractor(self.backend, self.timeout, **options)]
