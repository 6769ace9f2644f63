"""dedup_minhash: one record of each cluster of near-duplicates, by datatrove's MinHash LSH."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipelines.stages.dedup import DedupStage


class MinhashDedupStage(DedupStage):
    """datatrove's MinHash LSH; the defaults are FineWeb's: 5-word shingles, 14 bands of 8 rows."""

    type: Literal["dedup_minhash"]
    shingle_size: int = Field(5, ge=1)
    bands: int = Field(14, ge=1)
    rows: int = Field(8, ge=1)
    num_hashes: int | None = Field(None, ge=1)  # bands x rows; given only to check it
    seed: int = 1
    language: str = "en"  # of datatrove's word tokenizer

    libraries = ("spacy",)  # datatrove's word tokenizer, not imported here
    reason = "near_duplicate"

    @model_validator(mode="after")
    def _hashes(self) -> MinhashDedupStage:
        if self.num_hashes is not None and self.num_hashes != self.bands * self.rows:
            raise ValueError(f"num_hashes must be bands x rows = {self.bands * self.rows}, "
                             f"not {self.num_hashes}")
        self.num_hashes = self.bands * self.rows
        return self

    @property
    def threshold(self) -> float:
        """The Jaccard similarity at which a pair is found with probability about one half."""
        return (1 / self.bands) ** (1 / self.rows)

    def minhash_config(self):
        from datatrove.pipeline.dedup.minhash import MinhashConfig

        return MinhashConfig(n_grams=self.shingle_size, num_buckets=self.bands, hashes_per_bucket=self.rows,
                             seed=self.seed)

    def signer(self, at: dict[str, str], fields: list[str] | None):
        from pipelines.engines.datatrove.dedup import NearDupSignature

        config = self.minhash_config()
        return NearDupSignature(at["signatures"], config, self.language, at["order"], at["ids"], fields)

    def index_params(self) -> dict:
        return {"shingle_size": self.shingle_size, "bands": self.bands, "rows": self.rows, "seed": self.seed,
                "language": self.language}

    def report(self) -> dict:
        return {"shingle_size": self.shingle_size, "bands": self.bands, "rows": self.rows,
                "threshold": round(self.threshold, 4)}
