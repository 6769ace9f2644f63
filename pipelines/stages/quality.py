"""quality: a fastText quality classifier's score on each document, kept by a threshold or the top share."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipelines import storage
from pipelines.errors import USER_ERRORS, PipelinesError
from pipelines.stages.base import StageContext, StreamingStage, VersionContext
from pipelines.stages.records import RecordStage


class QualityStage(RecordStage, StreamingStage):
    """Scores documents with a classifier from `pipelines quality train`; keeps by threshold or keep_top."""

    type: Literal["quality"]
    model: str  # a classifier trained with `pipelines quality train`
    threshold: float | None = Field(None, ge=0, le=1)  # keep documents scoring at least this
    keep_top: float | None = Field(None, gt=0, le=1)  # or the top fraction of the whole run

    path_fields = ("model",)

    @model_validator(mode="after")
    def _one_rule(self) -> QualityStage:
        if self.threshold is not None and self.keep_top is not None:
            raise ValueError("give threshold or keep_top, not both")
        return self

    def files(self) -> list[str]:
        return [self.model]

    def check(self) -> None:
        from transforms.quality_score import FastTextQualityScorer

        try:
            FastTextQualityScorer(self.model).model  # noqa: B018
        except USER_ERRORS as e:
            raise PipelinesError(f"{e}; train one with `pipelines quality train` and give it with "
                                 "--set stages.quality.model=PATH") from None

    @property
    def streams(self) -> bool:
        return self.keep_top is None  # keep_top needs every score of the run first, then it is a barrier

    def _threshold(self) -> tuple[float, str]:
        return (self.threshold if self.threshold is not None else -math.inf), "below_threshold"

    def steps(self, work: Path | str) -> list:
        from pipelines.engines.datatrove.quality import QualityScorer, ScoreFilter

        threshold, reason = self._threshold()
        return [QualityScorer(self.model, str(storage.join(work, "scores"))), ScoreFilter(threshold, reason)]

    def finish(self, work: Path, result: dict) -> dict:
        threshold, _ = self._threshold() if self.keep_top is None else (result.pop("_threshold"), None)
        return result | {"scores": self._histogram(work) | {
            "threshold": threshold if math.isfinite(threshold) else None, "keep_top": self.keep_top}}

    def _histogram(self, work: Path) -> dict:
        from pipelines.engines.datatrove.quality import read_scores
        from transforms.selection import histogram

        return histogram(read_scores(work / "scores"))

    def run_alone(self, ctx: StageContext) -> dict:
        if self.keep_top is None:
            return super().run_alone(ctx)
        result = self._top(ctx)
        self.commit_rows(ctx)
        return result

    def _top(self, ctx: StageContext) -> dict:
        """keep_top: score every document, then keep by a threshold found over the whole run's scores."""
        from pipelines.engines.datatrove.cache import cache_reader, cache_writer, tally_drops
        from pipelines.engines.datatrove.quality import QualityScorer, ScoreFilter, read_scores
        from pipelines.funnel import pipeline_funnel
        from transforms.selection import top_fraction_threshold

        ctx.run([self.reader(ctx), QualityScorer(self.model, str(ctx.at("scores"))),
                 cache_writer(ctx.at("scored"))], ctx.at("scoring"))
        scores = ctx.fetch("scores")
        threshold = top_fraction_threshold(lambda: read_scores(scores), self.keep_top)
        stats = ctx.run([cache_reader(ctx.at("scored")),
                         tally_drops(ScoreFilter(threshold, "below_top_fraction")),
                         self.writer(ctx)], ctx.at())
        return self.finish(ctx.work, pipeline_funnel(stats, self.drop_aliases) | {"_threshold": threshold})

    def add_to_version(self, out: VersionContext, result: dict) -> list[Path]:
        from pipelines.store.charts import scores_png

        # One plot per quality stage: the documents' and each synthetic config's.
        name = "quality_scores.png" if self.input is None else f"quality_scores-{self.input}.png"
        result["scores"]["plot"] = name
        return [scores_png(result["scores"], out.folder / name)]

    @classmethod
    def card_section(cls, results: list[dict]) -> str:
        from pipelines.render import render

        return render("quality.md.j2", stages=results)
