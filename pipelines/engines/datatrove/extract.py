"""Our extraction backends as a datatrove extractor step."""

from __future__ import annotations

from datatrove.pipeline.extractors.base import BaseExtractor

from transforms.extract import Extractor


class BackendExtractor(BaseExtractor):
    """Our extraction backends (resiliparse, hybrid) in datatrove's sandbox with its time-out."""

    name = "⛏ Extract"

    def __init__(self, backend: str, timeout: float, **options):
        super().__init__(timeout)
        self.name = f"⛏ {backend}"
        self.extractor = Extractor(backend, **options)

    def extract(self, text: str) -> str:
        return self.extractor.extract(text)
