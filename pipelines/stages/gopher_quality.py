"""gopher_quality: datatrove's GopherQualityFilter with its published defaults."""

from __future__ import annotations

from datatrove.pipeline.filters import GopherQualityFilter

from pipelines.stages.filters import filter_stage

GopherQualityStage = filter_stage(
    "gopher_quality", GopherQualityFilter, __name__,
    doc="Gopher's quality rules (word counts, symbol ratios, stop words).")
