"""gopher_repetition: datatrove's GopherRepetitionFilter with its published defaults."""

from __future__ import annotations

from datatrove.pipeline.filters import GopherRepetitionFilter

from pipelines.stages.filters import filter_stage

GopherRepetitionStage = filter_stage(
    "gopher_repetition", GopherRepetitionFilter, __name__,
    doc="Gopher's repetition rules (duplicate lines, paragraphs and n-grams).")
