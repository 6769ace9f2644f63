"""fineweb_quality: datatrove's FineWebQualityFilter with its published defaults."""

from __future__ import annotations

from datatrove.pipeline.filters import FineWebQualityFilter

from pipelines.stages.filters import filter_stage

FinewebQualityStage = filter_stage(
    "fineweb_quality", FineWebQualityFilter, __name__,
    doc="FineWeb's rules (line punctuation, short lines, duplicated lines).")
