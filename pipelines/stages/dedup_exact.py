"""dedup_exact: one record of each set of exact copies (after normalising case, punctuation, whitespace)."""

from __future__ import annotations

from typing import Literal

from pipelines.stages.dedup import DedupStage


class ExactDedupStage(DedupStage):
    """Keeps the first record of each set of copies with the same normalised text (numbers kept)."""

    type: Literal["dedup_exact"]

    def signature(self, signatures: str, order: str):
        from pipelines.engines.datatrove import dedup

        return dedup.ExactSignature(signatures, order, self.fields), dedup.exact_config(), "duplicate"
