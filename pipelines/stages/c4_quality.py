"""c4_quality: datatrove's C4QualityFilter with its published defaults."""

from __future__ import annotations

from datatrove.pipeline.filters import C4QualityFilter

from pipelines.stages.filters import filter_stage

C4QualityStage = filter_stage("c4_quality", C4QualityFilter, __name__,
                              doc="C4's line and document rules (terminal punctuation, curly brackets, "
                                  "lorem ipsum).")
