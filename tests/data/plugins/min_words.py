"""min_words: a stage type added from one file, as a user's own package would add it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from datatrove.pipeline.filters.base_filter import BaseFilter
from pydantic import Field

from pipelines.stages import StreamingStage


class MinWordsFilter(BaseFilter):
    """Drops documents of fewer than `min_words` whitespace-separated words."""

    name = "min words"

    def __init__(self, min_words: int):
        super().__init__()
        self.min_words = min_words

    def filter(self, doc) -> bool | tuple[bool, str]:
        return len(doc.text.split()) >= self.min_words or (False, "too_few_words")


class MinWordsStage(StreamingStage):
    """Keeps documents of at least `min_words` words."""

    type: Literal["min_words"]
    min_words: int = Field(100, ge=1)

    def steps(self, work: Path) -> list:
        return [MinWordsFilter(self.min_words)]

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        dropped = sum(r["dropped"].get("too_few_words", 0) for r in results)
        return f"\n## Short documents\n\n{dropped:,} documents had too few words.\n"
