"""Sampling parameters, in one form for every backend and for the cache key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Sampling:
    """vLLM's SamplingParams fields that change what is generated."""

    n: int = 1
    seed: int = 0
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 256
    stop: tuple[str, ...] = field(default_factory=tuple)
    # Penalises tokens by how often the completion has used them already (not the prompt's, which a
    # grounded answer should reuse): breaks the loops a small model falls into ("Question_1_Question_2_…").
    frequency_penalty: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"stop": list(self.stop)}


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str  # "stop", "length", ...
    tokens: int


def sha256_json(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def completion_key(
    model: str, revision: str, sampling: Sampling, schema: dict | None, prompt: str, sample: int
) -> str:
    """The cache key of one sample: (model, sampling parameters and output schema, rendered prompt, index)."""
    return sha256_json([model, revision, sampling.as_dict(), schema, prompt, sample])
