"""dedup_exact: one record of each set of exact copies (after normalising case, punctuation, whitespace)."""

from __future__ import annotations

from typing import Literal

from pipelines.stages.dedup import DedupStage

# What an exact index holds: the key of transforms.dedup.exact_key. Another key cannot match against it.
EXACT_KEY = "xxh3-128 of the text after datatrove's simplify_text, numbers kept"


class ExactDedupStage(DedupStage):
    """Keeps the first record of each set of copies with the same normalised text (numbers kept)."""

    type: Literal["dedup_exact"]
    reason = "duplicate"

    def minhash_config(self):
        from pipelines.engines.datatrove.dedup import exact_config

        return exact_config()

    def signer(self, at: dict[str, str], fields: list[str] | None):
        from pipelines.engines.datatrove.dedup import ExactSignature

        return ExactSignature(at["signatures"], at["order"], at["ids"], fields)

    def index_params(self) -> dict:
        return {"key": EXACT_KEY}
